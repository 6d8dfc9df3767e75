"""The one message catalogue: complete in both languages, same placeholders."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from dangan.errors import NotFoundError
from dangan.i18n import catalogue, join, set_language, t


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


FULL_WIDTH = re.compile(r"[：，。；！？（）、【】]")
STATUS_WORDS = ("borrowed", "returned", "planned", "claimed", "waiting", "done", "open",
                "verified", "registered")


def test_english_texts_hold_no_full_width_punctuation() -> None:
    bad = [key for key, (_zh, en) in catalogue().items() if FULL_WIDTH.search(en)]
    assert bad == []


def test_chinese_texts_hold_no_english_status_word() -> None:
    word = re.compile(r"(?<![A-Za-z_{.-])(" + "|".join(STATUS_WORDS) + r")(?![A-Za-z_}])")
    bad = [key for key, (zh, _en) in catalogue().items() if word.search(zh)]
    assert bad == []


def test_every_stored_status_has_a_label() -> None:
    from dangan.domain import workflow as wf

    messages = catalogue()
    for status in (wf.WAITING, wf.CLAIMED, wf.IN_REWORK, wf.FINISHED, wf.BORROW_PLANNED,
                   wf.BORROW_OUT, wf.BORROW_RETURNED):
        assert f"workflow.status.{status}" in messages, status
    for status in ("open", "done", "verified"):  # Rework.status
        assert f"rework.status.{status}" in messages, status
    for unit in ("page", "item", "volume"):  # a QC sample's units
        assert f"qc.sample_unit.{unit}" in messages, unit


def test_lists_and_details_follow_the_language() -> None:
    assert join(["A", "B"]) == "A、B"
    assert t("i18n.with_detail", label="偏斜", detail="第 3 页") == "偏斜：第 3 页"
    set_language("en")
    assert join(["A", "B"]) == "A, B"
    assert t("i18n.with_detail", label="Skew", detail="p. 3") == "Skew: p. 3"
    assert not FULL_WIDTH.search(t("cli.usage.stage_choice", name="scan", label="Scan"))


def test_english_role_choices_without_full_width(project) -> None:  # type: ignore[no-untyped-def]
    from cli.runner import dangan

    r = dangan("--lang", "en", "worker", "add", "Zhang", "--role", "bogus", "-p",
               str(project.home))
    assert r.returncode != 0
    assert "scan_operator (" in r.stderr or "scan_operator (" in r.stdout, r.stderr
    assert not FULL_WIDTH.search(r.stderr), r.stderr


def test_a_stage_outside_the_line_is_named_in_chinese() -> None:
    from dangan.domain.workflow import StageGraph
    from dangan.errors import StateError
    from dangan.services.workflow_state import refuse

    graph = StageGraph.build(["borrow", "sort", "scan", "return"])
    with pytest.raises(StateError) as err:
        refuse(graph.check_signoff("scan", "qc3"))
    assert err.value.message == "本项目流程中没有环节 终检（流程：借卷 → 整理 → 扫描 → 还卷）"
    with pytest.raises(StateError) as err:
        refuse(graph.check_signoff("scan", "bogus"))
    assert "stage.bogus" not in err.value.message and "bogus" in err.value.message


def _error_classes(trees: list[ast.Module]) -> set[str]:
    """Every DanganError subclass: those of dangan.errors and those declared from them."""
    import dangan.errors as errors

    names = {n for n, v in vars(errors).items()
             if isinstance(v, type) and issubclass(v, errors.DanganError)} | {"Refusal"}
    grew = True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names and any(
                        getattr(b, "id", getattr(b, "attr", None)) in names for b in node.bases):
                    names.add(node.name)
                    grew = True
    return names


def test_every_error_key_in_the_source_is_in_the_catalogue() -> None:
    """An error raised with a key the catalogue lacks shows the user the bare key
    (``错误：workflow.no_batch {'code': …}``): every literal key given to an error class (or a
    workflow Refusal) anywhere in src/dangan must be a catalogue key."""
    source = Path(__file__).resolve().parents[1] / "src" / "dangan"
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in source.rglob("*.py")}
    classes = _error_classes(list(trees.values()))
    key = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
    messages = catalogue()
    seen, missing = 0, []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            first = node.args[0]
            if name in classes and isinstance(first, ast.Constant) and isinstance(first.value, str):
                seen += 1
                if not key.match(first.value) or first.value not in messages:
                    missing.append(f"{path.relative_to(source)}:{node.lineno} {first.value}")
    assert seen > 100  # the scan finds the raises (it would pass vacuously otherwise)
    assert missing == []
