"""一稿双录 keyed at the desk and paid: the pay report credits each keyer with the catalogue's
items and the resolver with the rows resolved, as the keying rounds recorded them; the holder,
whose resolution signs the index stage, is not paid the catalogue a second time."""

from __future__ import annotations

from sqlalchemy import select

from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.reports.common import parse_period
from dangan.reports.pay import pay_report
from dangan.reports.pay_lines import aware, local_date
from dangan.services.history import volume_history
from web.support import Line, login
from web.test_double_keying import FIRST, JSON, KEYERS, _form, keyed  # noqa: F401

SECOND_ONE = [("1", "起訴状", "19970301", "1", "2"), ("2", "答辩状", "19970310", "3", "4")]


def test_keyers_and_resolver_paid_from_the_keying_rounds(keyed) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client, line, vid = keyed
    line_: Line = line
    csrf = login(client, "keyer1")
    assert client.post(f"/index/{vid}/keying", data=_form(csrf, "民事卷", FIRST)).status_code == 303
    csrf = login(client, "keyer2")
    assert client.post(f"/index/{vid}/keying",
                       data=_form(csrf, "民事卷", SECOND_ONE)).status_code == 303
    csrf = login(client, "indexer")  # 钱标 holds the batch and resolves: one row differs
    done = client.post(f"/index/{vid}/resolve", headers=JSON,
                       data={"csrf_token": csrf, "c.entry.1.title": "first"})
    assert done.status_code in (200, 303), done.text
    with line_.ctx.transaction() as session:
        signed = session.execute(select(StageEvent.person, StageEvent.at).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.INDEX,
            StageEvent.volume_id == vid)).one()
    assert signed.person == "钱标"
    month = parse_period(local_date(aware(signed.at)).strftime("%Y-%m"))
    index = sorted((r.worker, r.unit, r.units, r.amount) for r in
                   pay_report(line_.ctx, month).lines if r.stage == wf.INDEX)
    # index_per_item = 0.50: each keyer the 2 items, 钱标 the 1 row resolved only
    assert index == sorted([(KEYERS["keyer1"], "item", 2, 1.0),
                            (KEYERS["keyer2"], "item", 2, 1.0), ("钱标", "item", 1, 0.5)])
    rounds = [(h.what, h.person, h.remarks) for h in volume_history(line_.ctx, _code(line_, vid))
              if h.kind == "keying"]
    assert [(w, p) for w, p, _r in rounds] == [("keying_1", KEYERS["keyer1"]),
                                               ("keying_2", KEYERS["keyer2"]),
                                               ("keying_resolved", "钱标")]
    assert "1" in rounds[1][2] and "1" in rounds[2][2]  # one difference


def _code(line: Line, vid: int) -> str:
    with line.ctx.transaction() as session:
        vol = session.get(Volume, vid)
        assert vol is not None
        return vol.archive_code
