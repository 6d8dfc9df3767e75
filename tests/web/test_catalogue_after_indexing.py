"""Saving a catalogue follows the workflow as the import does: at 著录 not while another indexer
holds the batch; once indexed (packaged, at QC) only as a correction with a reason, by the
indexer who indexed it or holds its batch — or by the indexer with an open rework of it (the
rework is the reason). Refusals change nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Claim, Item, Rework, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import engine, workers
from dangan.services.engine import resolve_actor
from dangan.web.accounts import add_user
from web.images import Pages, add_image_accounts, to_stage
from web.support import PASSWORD, Line, login

JSON = {"Accept": "application/json"}


def _form(csrf: str, title: str, correction: str = "") -> dict[str, object]:
    return {"csrf_token": csrf, "r.title": "民事案件卷", "correction": correction,
            "e.seq": ["1"], "e.title": [title], "e.page_start": ["1"], "e.page_end": ["3"]}


def _titles(line: Line, volume_id: int) -> list[str]:
    with line.ctx.transaction() as session:
        return list(session.scalars(select(Item.title).where(Item.volume_id == volume_id)))


def _setup(line: Line, stage: str) -> tuple[str, list[Pages]]:
    add_image_accounts(line.ctx)
    workers.add_worker(line.ctx, "孙标", [wf.INDEXER])
    add_user(line.ctx, "indexer2", PASSWORD, worker="孙标", roles=[wf.INDEXER])
    code = line.batches[0]

    def typed(volumes: list[Pages]) -> None:  # the indexer's catalogue
        with line.ctx.transaction() as session:
            session.add_all([Item(volume_id=v.volume_id, seq=1, title="起诉状", page_start=1,
                                  page_end=3) for v in volumes])

    volumes = to_stage(line, code, stage, catalogue=typed)  # given at 标引, when passed
    if stage == wf.INDEX:  # still at 标引: typed already
        typed(volumes)
    return code, volumes


def test_at_qc_only_a_correction_with_a_reason_by_its_indexer(app_client: TestClient,
                                                               line: Line) -> None:
    _code, volumes = _setup(line, wf.QC)
    vid = volumes[0].volume_id
    csrf = login(app_client, "indexer2")  # an indexer who neither indexed it nor holds it
    refused = app_client.post(f"/index/{vid}/save", data=_form(csrf, "改了"), headers=JSON)
    assert refused.status_code == 409 and refused.json()["key"] == "index.indexed_needs_correction"
    html = app_client.post(f"/index/{vid}/save", data=_form(csrf, "改了"))
    assert "目录只能作为更正修改" in html.text and "更正原因" in html.text
    refused = app_client.post(f"/index/{vid}/save", data=_form(csrf, "改了", "看错了"),
                              headers=JSON)
    assert refused.status_code == 409 and refused.json()["key"] == "index.correction_not_yours"
    assert _titles(line, vid) == ["起诉状"]
    csrf = login(app_client, "indexer")  # who indexed it: without a reason refused, with one saved
    refused = app_client.post(f"/index/{vid}/save", data=_form(csrf, "改了"), headers=JSON)
    assert refused.json()["key"] == "index.indexed_needs_correction"
    assert _titles(line, vid) == ["起诉状"]
    saved = app_client.post(f"/index/{vid}/save", data=_form(csrf, "起诉书", "题名录错，据原件更正"))
    assert saved.status_code == 303, saved.text
    assert _titles(line, vid) == ["起诉书"]
    with line.ctx.transaction() as session:
        event = session.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_CORRECTION, StageEvent.volume_id == vid)).one()
        assert event.person == "钱标" and event.remarks == "题名录错，据原件更正"


def test_at_index_only_the_holder_and_a_rework_is_its_own_reason(app_client: TestClient,
                                                                 line: Line) -> None:
    code, volumes = _setup(line, wf.INDEX)
    vid = volumes[0].volume_id
    engine.claim(line.ctx, resolve_actor(line.ctx, "钱标"), code)
    csrf = login(app_client, "indexer2")
    refused = app_client.post(f"/index/{vid}/save", data=_form(csrf, "改了"), headers=JSON)
    assert refused.status_code == 409 and refused.json()["key"] == "index.claimed_by_other"
    assert _titles(line, vid) == ["起诉状"]
    csrf = login(app_client, "indexer")
    assert app_client.post(f"/index/{vid}/save",
                           data=_form(csrf, "起诉书")).status_code == 303
    assert _titles(line, vid) == ["起诉书"]
    # past indexing, with a rework of the volume for the indexer: the rework is the reason
    indexer = resolve_actor(line.ctx, "钱标")
    with line.ctx.transaction() as session:
        vol = session.get(Volume, vid)
        assert vol is not None
        vol.stage = wf.QC
        session.add(Rework(project_id=line.ctx.project_id, work_batch_id=vol.work_batch_id,
                           volume_id=vid, stage=wf.INDEX, reason="题名错字",
                           assignee_id=indexer.worker_id))
        for claim in session.scalars(select(Claim).where(Claim.released_at.is_(None))):
            engine.release_in_session(session, line.ctx.project_id, claim, "test", "钱标")
    saved = app_client.post(f"/index/{vid}/save", data=_form(csrf, "起诉书（改）"))
    assert saved.status_code == 303, saved.text
    assert _titles(line, vid) == ["起诉书（改）"]
    with line.ctx.transaction() as session:
        rework_id = session.scalar(select(Rework.id))
        event = session.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_CORRECTION, StageEvent.volume_id == vid)).one()
        assert event.remarks == t("index.rework_reason", id=rework_id, reason="题名错字")
