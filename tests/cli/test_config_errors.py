"""dangan.toml errors in the user's language: pydantic's error types (unknown key, wrong
type, out of range, not a choice) rendered through the catalogue, never its English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dangan.config import parse_config
from dangan.errors import ConfigError
from dangan.i18n import set_language

ENGLISH = re.compile(r"Extra inputs|not permitted|Input should|valid integer|Field required|"
                     r"greater than|page size must")


def _errors(project, lang: str, edit: tuple[str, str]) -> str:  # type: ignore[no-untyped-def]
    path = Path(project.home) / "dangan.toml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    set_language(lang)
    try:
        with pytest.raises(ConfigError) as err:
            parse_config(text.replace(edit[0], edit[1], 1), path)
    finally:
        set_language(None)
    return "\n".join(err.value.details)


@pytest.mark.parametrize(("edit", "zh", "en"), [
    (("[scan]\n", "[scan]\nbogus_key = 1\n"), "未知的设置项", "unknown setting"),
    (("jpeg_quality = 85", "jpeg_quality = \"high\""), "类型不对（应为整数）",
     "wrong type (expected an integer)"),
    (("jpeg_quality = 85", "jpeg_quality = 0"), "取值太小", "value too small"),
    (("page_size = \"A4\"", "page_size = \"Z9\""), "纸张幅面须为", "page size must be one of"),
])
def test_config_errors_in_both_languages(project, edit: tuple[str, str], zh: str, en: str) -> None:  # type: ignore[no-untyped-def]
    text = _errors(project, "zh", edit)
    assert zh in text and not ENGLISH.search(text), text
    text = _errors(project, "en", edit)
    assert en in text and "（" not in text, text
