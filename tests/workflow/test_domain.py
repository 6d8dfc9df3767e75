"""The stage graph as data and the sampling plan: pure rules."""

from __future__ import annotations

import pytest

from dangan.config import parse_config
from dangan.domain import sampling
from dangan.domain import workflow as wf
from dangan.errors import ConfigError
from dangan.services.project import template_text


def test_default_line_and_transitions() -> None:
    g = wf.StageGraph.build(wf.DEFAULT_STAGES)
    assert g.next(wf.BORROW) == wf.SORT and g.next(wf.RETURN) == wf.DONE
    assert g.work_stages == (wf.SORT, wf.SCAN, wf.RETOUCH, wf.INDEX, wf.UPLOAD, wf.QC, wf.REBIND)
    assert g.check_signoff(wf.SCAN, wf.SCAN) is None
    refusal = g.check_signoff(wf.SCAN, wf.RETOUCH)
    assert refusal is not None and refusal.key == "workflow.wrong_stage"
    assert g.check_signoff(wf.SCAN, wf.QC2).key == "workflow.stage_not_in_line"  # type: ignore[union-attr]


def test_index_before_retouch_three_qc_rounds_and_skipped_sort() -> None:
    g = wf.StageGraph.build(["borrow", "scan", "index", "retouch", "upload", "qc", "rebind",
                             "return"], qc_rounds=3)
    assert g.stages == ("borrow", "scan", "index", "retouch", "upload", "qc", "qc2", "qc3",
                        "rebind", "return")
    assert g.first_work_stage == wf.SCAN
    assert wf.defect_stage("pagination", g) == wf.SCAN  # sort skipped: scan did that work


@pytest.mark.parametrize(("stages", "key"), [
    (["sort", "scan", "return"], "workflow.first_stage"),
    (["borrow", "scan", "qc"], "workflow.last_stage"),
    (["borrow", "retouch", "scan", "return"], "workflow.order"),
    (["borrow", "scan", "scan", "return"], "workflow.duplicate_stage"),
    (["borrow", "scan", "ocr", "return"], "workflow.unknown_stage"),
    (["borrow", "sort", "return"], "workflow.required_stage"),
    (["borrow", "scan", "qc2", "return"], "workflow.qc_level_gap"),
    (["borrow", "scan", "rebind", "qc", "return"], "workflow.order"),
])
def test_invalid_lines_are_refused_with_the_reason(stages: list[str], key: str) -> None:
    assert key in {p.key for p in wf.validate_stages(stages)}


def test_bad_stages_in_dangan_toml_is_a_config_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = template_text("court", "p").replace(
        'stages = ["borrow", "sort", "scan", "retouch", "index", "upload", "qc", "rebind", "return"]',
        'stages = ["borrow", "retouch", "scan", "return"]')
    with pytest.raises(ConfigError) as err:
        parse_config(text, tmp_path / "dangan.toml")  # refused when loaded, not at first use
    assert err.value.exit_code == 3 and any("scan" in d for d in err.value.details)


def test_split_never_splits_a_volume() -> None:
    assert wf.split_by_workload([40, 40, 40, 2500, 10], 100) == [[0, 1], [2], [3], [4]]
    assert wf.work_batch_code(1, 6, 2) == "1-6-2"


def test_sample_size_and_reproducible_draw() -> None:
    plan = sampling.SamplingPlan()
    assert plan.sample_size(40) == 5 and plan.sample_size(2000) == 100
    assert plan.sample_size(3) == 3
    units = [(v, "page", p) for v in range(1, 4) for p in range(1, 41)]
    a = sampling.draw_sample(units, 10, seed=42)
    assert a == sampling.draw_sample(list(reversed(units)), 10, seed=42)
    assert a != sampling.draw_sample(units, 10, seed=43)
    forced = sampling.draw_sample(units, 10, seed=42, must_include=[(2, "page", 7)])
    assert (2, "page", 7) in forced and len(forced) in (10, 11)


def test_verdict_needs_rate_and_zero_critical() -> None:
    plan = sampling.SamplingPlan()
    assert sampling.decide(plan, 100, 5, 0).passed
    assert not sampling.decide(plan, 100, 6, 0).passed
    assert not sampling.decide(plan, 100, 1, 1).passed
