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


TOML_ENGLISH = re.compile(r"Invalid|Expected|Cannot|Unterminated|Unclosed|Illegal|"
                          r"at end of document|column \d|line \d")


@pytest.mark.parametrize(("bad", "line", "zh", "en"), [
    ("dpi = 300 dpi\n", 3, "一条设置之后应换行", "expected a new line after a statement"),
    ("mode = colour\n", 3, "值无效（文本要加引号", "invalid value (text needs quotes"),
    ("[project]\n", 3, "表 [project] 声明了两次", "table [project] is declared twice"),
    ("path = \"C:\\dangan\"\n", 3, "字符串中的 \\ 未转义", "unescaped \\ in a string"),
    ("name = \"未完", 3, "字符串缺少结尾的引号（在文件末尾）",
     "a string lacks its closing quote (at the end of the file)"),
])
def test_toml_syntax_errors_in_both_languages(tmp_path: Path, bad: str, line: int, zh: str,
                                              en: str) -> None:
    path = tmp_path / "dangan.toml"
    text = "[project]\nname = \"测试\"\n" + bad
    for lang, said in (("zh", zh), ("en", en)):
        set_language(lang)
        try:
            with pytest.raises(ConfigError) as err:
                parse_config(text, path)
        finally:
            set_language(None)
        assert err.value.key == "config.syntax" and str(err.value.params["line"]) == str(line)
        message = err.value.message
        assert said in message, message
        if lang == "zh":
            assert not TOML_ENGLISH.search(message), message


def test_a_toml_error_reaches_the_command_line_in_chinese(project) -> None:  # type: ignore[no-untyped-def]
    from cli.runner import dangan

    path = Path(project.home) / "dangan.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[scan]\ndpi = 300 dpi\n",
                    encoding="utf-8")
    r = dangan("status", "-p", str(project.home))
    assert r.returncode != 0
    assert "语法错误" in r.stderr and "列）" in r.stderr, r.stderr
    assert not TOML_ENGLISH.search(r.stderr), r.stderr


def test_a_typo_in_a_defect_type_stops_the_command_at_its_line(project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cli.runner import dangan

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
    path = Path(project.home) / "dangan.toml"
    text = path.read_text(encoding="utf-8") + "\n[pay]\ndeduction_per_defect = { skwe = 0.5 }\n"
    path.write_text(text, encoding="utf-8")
    line = len(text.splitlines())
    r = dangan("status", "-p", str(project.home), env={"DANGAN_LANG": "en"})
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert f"{path} line {line}, key pay.deduction_per_defect.skwe: unknown defect type skwe" \
        in r.stderr, r.stderr
