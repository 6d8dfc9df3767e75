"""一稿双录 in piece-rate pay: the index work of a double-keyed volume is paid to the two keyers
(each the volume's items) and to the resolver (the rows resolved), as the ``catalogue_keying``
rounds record them; the indexer whose sign-off moves the volume on is not paid for it again."""

from __future__ import annotations

from typing import Any

import pytest

from dangan.db.models import CatalogueKeying
from dangan.reports.pay import close_period, pay_report
from dangan.services.history import volume_history
from reports.helpers import Line, at, pay_line
from reports.test_pay import DEC, LATER, NOV

A, B, C, D = "孙录", "周录", "吴解", "钱标"  # keyers A and B, resolver C, D holds the batch


@pytest.fixture
def line(any_project):  # type: ignore[no-untyped-def]
    line = pay_line(any_project)
    line.people(**{A: ["indexer"], B: ["indexer"], C: ["indexer"]})
    return line


def _diff(where: str, seq: int | None, field: str) -> dict[str, Any]:
    return {"volume": "", "where": where, "seq": seq, "field": field, "first": "起诉状",
            "second": "起訴状", "final": "起诉状", "chosen": "first"}


def key(line: Line, volume: str, resolver: str | None = C, *, same: bool = False) -> None:
    """A keys round 1, B round 2; the resolver resolves differences in the record and in
    entry 1 (two rows, three fields) — or, ``same``, the keyings agreed (round 3 by B)."""
    vid = line.volume_ids[volume]
    diffs = [] if same else [_diff("record", None, "title"), _diff("entry", 1, "title"),
                             _diff("entry", 1, "date")]
    with line.ctx.transaction() as s:
        s.add(CatalogueKeying(volume_id=vid, round=1, worker_id=line.worker_id(A),
                              source="web", data={}))
        s.add(CatalogueKeying(volume_id=vid, round=2, worker_id=line.worker_id(B),
                              source="web", data={}, differences=diffs))
        third = B if same or resolver is None else resolver
        s.add(CatalogueKeying(volume_id=vid, round=3, worker_id=line.worker_id(third),
                              source="web", data={}, differences=diffs))


def index_lines(report) -> list[tuple[str, str, float, float]]:  # type: ignore[no-untyped-def]
    return sorted((r.worker, r.kind, r.units, r.amount) for r in report.lines
                  if r.stage == "index")


def test_keyers_and_resolver_are_paid_not_the_holder(line: Line) -> None:
    line.items("V2", 3)
    key(line, "V1")  # V1: 4 items
    line.sign(D, "index", ["V1", "V2"], at("2026-11-10"))  # V2 was keyed once, by D
    report = pay_report(line.ctx, NOV)
    # index_per_item = 0.5: A and B 4 items each, C the 2 rows resolved, D only V2's 3 items
    assert index_lines(report) == sorted([(A, "piece", 4, 2.0), (B, "piece", 4, 2.0),
                                          (C, "piece", 2, 1.0), (D, "piece", 3, 1.5)])
    slips = {s.worker: s.piece for s in report.slips}
    assert slips[A] == 2.0 and slips[B] == 2.0 and slips[C] == 1.0 and slips[D] == 1.5


def test_a_keyer_who_signs_is_paid_once(line: Line) -> None:
    key(line, "V1")
    line.sign(A, "index", ["V1"], at("2026-11-10"))
    assert index_lines(pay_report(line.ctx, NOV)) == sorted([
        (A, "piece", 4, 2.0), (B, "piece", 4, 2.0), (C, "piece", 2, 1.0)])


def test_agreeing_keyings_pay_no_resolution(line: Line) -> None:
    key(line, "V1", same=True)
    line.sign(D, "index", ["V1"], at("2026-11-10"))
    assert index_lines(pay_report(line.ctx, NOV)) == sorted([
        (A, "piece", 4, 2.0), (B, "piece", 4, 2.0)])


def test_keyed_work_signed_after_the_close_is_late_work(line: Line) -> None:
    line.sign("老张", "scan", ["V2"], at("2026-11-03"))
    close_period(line.ctx, NOV, "郑经理", LATER)
    key(line, "V1")
    line.sign(D, "index", ["V1"], at("2026-11-28"))  # dated in the closed November
    dec = pay_report(line.ctx, DEC)
    assert index_lines(dec) == sorted([(A, "late", 4, 2.0), (B, "late", 4, 2.0),
                                       (C, "late", 2, 1.0)])
    assert index_lines(pay_report(line.ctx, NOV)) == []  # the closed period never changes


def test_history_shows_each_keying_round_with_its_keyer(line: Line) -> None:
    key(line, "V1")
    line.sign(D, "index", ["V1"], at("2026-11-10"))
    code = "1997-民-0014-0001"
    rounds = [(h.what, h.person) for h in volume_history(line.ctx, code)
              if h.kind == "keying"]
    assert rounds == [("keying_1", A), ("keying_2", B), ("keying_resolved", C)]


def test_the_dashboard_month_pays_the_keyings_as_the_pay_report(line: Line) -> None:
    """The dashboard prices the open month itself: it moves the 标引 of a double-keyed volume
    to the keyers and the resolver as the pay report does — the same figure per worker."""
    from datetime import date

    from reports.test_pay_adjustments import same_on_the_dashboard

    line.items("V2", 3)
    key(line, "V1")
    line.sign(D, "index", ["V1", "V2"], at("2026-11-10"))
    same_on_the_dashboard(line, NOV, date(2026, 11, 20))
