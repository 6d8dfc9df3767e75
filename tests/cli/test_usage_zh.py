"""Usage errors in the user's language: Click's English ("Missing option", "No such command",
"Invalid value for", "Usage:", "Try … for help") never reaches a Chinese screen, and an
unknown ``--stage`` is a usage error (exit 2) that lists the stages."""

from __future__ import annotations

import re

import pytest

from cli.runner import dangan

ENGLISH = re.compile(r"Missing|No such|Invalid value|Usage:|Try '|Error:|Got unexpected|"
                     r"requires an argument")


@pytest.mark.parametrize(("args", "said"), [
    (("claim", "1-1-1"), "缺少选项 '-w' / '--worker'"),
    (("bogus",), "没有命令 'bogus'"),
    (("--lang", "fr", "status"), "'--lang' 的值无效：未知的语言 fr"),
    (("status", "--bogus"), "没有选项 --bogus"),
    (("claim", "a", "b", "c", "-w", "x"), "多余的参数（b c）"),
    (("claim", "a", "-w"), "选项 '-w' 需要一个值"),
    (("claim", "1-1-1", "--stage", "bogus", "-w", "x"), "没有环节 bogus"),
    (("worker", "lst"), "没有命令 'lst'。是否要用 'list'？"),
    (("status", "--lang", "zh"), "--lang 是 dangan 的总选项，须写在命令之前"),
])
def test_usage_errors_in_chinese(tmp_path, args: tuple[str, ...], said: str) -> None:  # type: ignore[no-untyped-def]
    r = dangan(*args, env={"DANGAN_PROJECT": str(tmp_path)})
    assert r.returncode == 2, r.stderr
    assert said in r.stderr, r.stderr
    assert "错误：" in r.stderr
    assert not ENGLISH.search(r.stderr), r.stderr


def test_unknown_stage_lists_the_stages() -> None:
    r = dangan("claim", "1-1-1", "--stage", "bogus", "-w", "x")
    assert r.returncode == 2
    assert "scan（扫描）" in r.stderr and "retouch（修图）" in r.stderr
    assert "stage.bogus" not in r.stderr


def test_usage_errors_in_english() -> None:
    r = dangan("--lang", "en", "claim", "1-1-1", "--stage", "bogus", "-w", "x")
    assert r.returncode == 2
    assert "Usage: " in r.stderr and "dangan claim --help' for help." in r.stderr
    assert "Error: Invalid value for '--stage': no stage bogus" in r.stderr
    assert "scan (Scan)" in r.stderr and "（" not in r.stderr


USAGE_ENGLISH = re.compile(r"\[OPTIONS\]|COMMAND \[ARGS\]|Usage:")


@pytest.mark.parametrize("args", [("claim", "1-1-1"), ("worker", "add"), ("bogus",)])
def test_the_usage_line_of_an_error_is_chinese(tmp_path, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    r = dangan(*args, env={"DANGAN_PROJECT": str(tmp_path)})
    assert r.returncode == 2, r.stderr
    assert "用法：" in r.stderr and "[选项]" in r.stderr, r.stderr
    assert not USAGE_ENGLISH.search(r.stderr), r.stderr


@pytest.mark.parametrize(("args", "metavars"), [
    (("--help",), ("[选项]", "命令 [参数]...")),
    (("worker", "--help"), ("[选项]", "命令 [参数]...")),
    (("claim", "--help"), ("[选项]",)),
])
def test_the_usage_line_of_help_is_chinese(args: tuple[str, ...],
                                           metavars: tuple[str, ...]) -> None:
    r = dangan(*args)
    assert r.returncode == 0, r.stderr
    assert "用法：" in r.stdout and all(m in r.stdout for m in metavars), r.stdout
    assert not USAGE_ENGLISH.search(r.stdout), r.stdout


def test_the_usage_line_stays_english_in_english() -> None:
    r = dangan("--lang", "en", "worker", "--help")
    assert "Usage: " in r.stdout and "[OPTIONS] COMMAND [ARGS]..." in r.stdout
    r = dangan("--lang", "en", "worker", "add")
    assert r.returncode == 2 and "Usage: " in r.stderr and "[OPTIONS]" in r.stderr
    assert "用法" not in r.stderr + r.stdout


def test_init_help_names_every_storage_area_it_creates(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dangan.storage.areas import AREAS

    r = dangan("init", "--help", env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    text = "".join(r.stdout.split())  # Rich may wrap the help text anywhere
    assert all(area.value in text for area in AREAS), r.stdout
    assert "[默认：court]" in text and "default" not in text  # Typer's words in Chinese too
    made = tmp_path / "p"
    assert dangan("init", "-p", str(made), "--template", "court").returncode == 0
    assert {area.value for area in AREAS} <= {p.name for p in (made / "storage").iterdir()}


def test_help_names_value_types_in_the_users_language() -> None:
    """Typer's type column (<str>, <path>, <bool>) and a metavar set in code (REASON) were
    English on a Chinese screen; a flag's <bool> says nothing its name does not."""
    r = dangan("signoff", "--help", env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    for english in ("<str>", "<path>", "<bool>", "<int>", "REASON", "list[str]"):
        assert english not in r.stdout, (english, r.stdout)
    assert "<文本>" in r.stdout and "<路径>" in r.stdout and "<原因>" in r.stdout
    assert "<文本…>" in r.stdout  # --volume takes several
    r = dangan("--lang", "en", "signoff", "--help", env={"COLUMNS": "200"})
    assert "<text>" in r.stdout and "<path>" in r.stdout and "<bool>" not in r.stdout


def test_a_long_chinese_option_help_is_folded_not_cut() -> None:
    """A Chinese help text has no spaces to wrap at: Rich cut the rest of a long run with "…"
    (init --database-url lost "连通且无其他项目后写入") at 80 columns."""
    from dangan.i18n import t

    r = dangan("init", "--help", env={"COLUMNS": "80"})
    assert r.returncode == 0, r.stderr
    shown = "".join(line.strip("│ ") for line in r.stdout.splitlines())
    assert "连通且无其他项目后写入" in shown, r.stdout
    assert "…" not in t("cli.opt.init.database_url") and "…" not in r.stdout, r.stdout
