"""The one message catalogue: complete in both languages, same placeholders."""

from __future__ import annotations

import string

import pytest

from dangan.errors import NotFoundError
from dangan.i18n import catalogue, set_language, t


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    for key, (zh, en) in catalogue().items():
        assert zh.strip() and en.strip(), key
        assert _fields(zh) == _fields(en), key


def test_chinese_is_default_and_english_selectable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert t("stage.scan") == "扫描"
    monkeypatch.setenv("DANGAN_LANG", "en_US.UTF-8")
    assert t("stage.scan") == "Scan"
    set_language("zh")
    assert t("stage.scan") == "扫描"


def test_errors_render_in_the_current_language() -> None:
    err = NotFoundError("volumes.file_missing", path="/x.xlsx")
    assert "文件不存在" in str(err)
    set_language("en")
    assert "File not found" in str(err)
