"""The main job: the demo drives sample scans from borrow to return and hands over a bag."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dangan.db.models import Defect, StageEvent, StoredFile, Volume
from dangan.demo import run_demo
from dangan.errors import ConfigError
from dangan.i18n import join, t
from dangan.services.delivery.handover import verify_handover
from dangan.services.project import open_project


def test_demo_runs_the_whole_line(tmp_path: Path) -> None:
    lines: list[str] = []
    summary = run_demo(tmp_path / "demo", volumes=2, pages=(5, 7), seed=7, say=lines.append)
    ctx = open_project(summary.home)
    with ctx.transaction() as s:
        stages = set(s.scalars(select(Volume.stage)))
        images = {area: n for area, n in s.execute(
            select(StoredFile.area, func.count()).group_by(StoredFile.area)).all()}
        signed = set(s.scalars(select(StageEvent.stage).where(StageEvent.kind == "signoff")))
    assert stages == {"done"}
    # every page scanned is retouched; the delivery and the catalogue copy are stored too
    assert images["scanned"] == images["retouched"] > 0
    assert images["uploaded"] > 0
    assert {"scan", "retouch", "index", "upload", "rebind"} <= signed
    assert summary.line["returned"] == 2
    assert summary.bag is not None and verify_handover(summary.bag).ok
    assert any("移交包" in line for line in lines)
    # the process records hold the whole line: claims, QC samples and verdicts, rework, and
    # both sides (our clerk, the archive room) of borrowing and returning
    records = summary.bag / "data" / "records"
    with (records / "过程记录.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    kinds = {r["事件"] for r in rows}  # in the client's words
    assert {t(f"workflow.event.{kind}") for kind in (
        "claim", "qc_sample", "qc_decision", "rework_open", "rework_done", "borrow_confirm",
        "return_confirm", "scan_record", "retouch_record", "catalogue_import", "package")} <= kinds
    assert not {"claim", "borrow_confirm", "scan_record"} & kinds
    with ctx.transaction() as s:
        sides = {(e.kind, (e.data or {}).get("side"), e.person) for e in s.scalars(
            select(StageEvent).where(StageEvent.kind.in_(("borrow_confirm", "return_confirm"))))}
    assert {(kind, side) for kind, side, _ in sides} >= {
        ("borrow_confirm", "clerk"), ("borrow_confirm", "archive"),
        ("return_confirm", "clerk"), ("return_confirm", "archive")}
    # both sides, each by name, in the records the client receives
    assert {(t(f"workflow.event.{kind}"), person) for kind, _, person in sides} <= {
        (r["事件"], r["签名"]) for r in rows}
    with (records / "质检记录.csv").open(encoding="utf-8-sig") as fh:
        verdicts = [r[t("bag.col.verdict")] for r in csv.DictReader(fh)]
    assert t("reports.verdict.pass") in verdicts  # the rework passed at the second inspection
    assert "偏斜" in (records / "返工记录.csv").read_text("utf-8-sig")
    # pages the retouch engine was not sure of were looked at (accepted by the retoucher,
    # saying so) before 修图 was signed for their volume: nothing was signed unseen
    with ctx.transaction() as s:
        review = s.scalars(select(Defect).where(Defect.source == "retouch",
                                                Defect.code == "needs_review")).all()
        signed_at = dict(s.execute(select(StageEvent.volume_id, StageEvent.at).where(
            StageEvent.kind == "signoff", StageEvent.stage == "retouch",
            StageEvent.volume_id.is_not(None))).all())
    # (this run's pages give none; the demo's settling of held pages is shown on pages that
    # do in web/test_retouch_review_hold.py)
    for d in review:
        assert d.status == "waived" and d.resolved_at is not None
        assert d.data["resolution"]["remarks"] == t("workflow.line.review_accepted")
        assert d.resolved_at <= signed_at[d.volume_id]
    for code, pages in summary.line.get("review_accepted", {}).items():
        assert t("workflow.line.review_said", volume=code, pages=join(pages)) in lines
    # every sign-off was made by a registered worker holding the stage's claim
    from workflow.test_engine import assert_every_signature_is_a_registered_claimant

    assert_every_signature_is_a_registered_claimant(ctx)
    # the 审计 page names every event and every recorded datum of the line in the reader's
    # language (a label in the catalogue, both languages): no raw kind or key
    from dangan.i18n import catalogue
    from dangan.web.routes import audit

    with ctx.transaction() as s:
        events = [(e.kind, dict(e.data or {})) for e in s.scalars(select(StageEvent))]
    unnamed = {kind for kind, _d in events if f"workflow.event.{kind}" not in catalogue()
               and f"web_forms.event.{kind}" not in catalogue()}
    unnamed |= {key for _k, data in events for key in data
                if f"web_forms.data.{key}" not in catalogue()}
    assert unnamed == set()
    assert ("缺页", "是") in audit.details({"missing_pages": True})


def test_demo_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError):
        run_demo(tmp_path / "x", volumes=1, say=lambda _l: None)
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"
