"""bench/accuracy.py names why upright pages went to a person and why turned pages were
not put right (flag by flag, an orientation review by its reason)."""

from __future__ import annotations

from typing import Any

import pytest
from bench_scripts import load_bench

bench = load_bench("accuracy")


def _row(turn_needed: int, upright: bool, defects: list[str]) -> dict[str, Any]:
    return {"turn_needed": turn_needed, "upright": upright, "flagged": bool(defects),
            "defects": defects}


def test_flags_of_upright_pages_and_reasons_of_turned_pages_are_counted(
        capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        _row(0, True, ["needs_review:orientation:orientation_tools_disagree",
                       "needs_review:skew_uncertain:after=doubt"]),
        _row(0, True, ["needs_review:skew_uncertain:", "converted:bits=16"]),
        _row(0, True, []),
        _row(90, False, ["needs_review:orientation:orientation_little_text"]),
        _row(180, False, ["needs_review:orientation:orientation_little_text",
                          "needs_review:skew_uncertain:"]),
        _row(270, False, ["blank_page:ink=0.00001"]),
        _row(270, True, ["needs_review:shrunk:scale=0.90,dpi=180"]),
    ]
    bench.print_causes(rows)
    out = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["upright", "pages", "flagged,", "by", "flag", "(2", "pages):"] in out
    assert ["needs_review:skew_uncertain", "2"] in out
    assert ["needs_review:orientation:orientation_tools_disagree", "1"] in out
    assert not any(line and line[0].startswith("converted") for line in out)
    assert ["turned", "pages", "not", "put", "right,", "by", "reason", "(3", "pages):"] in out
    assert ["needs_review:orientation:orientation_little_text", "2"] in out
    assert ["(no", "orientation", "reason)", "blank_page", "1"] in out
    assert not any("shrunk" in " ".join(line) for line in out)  # put right: not counted
