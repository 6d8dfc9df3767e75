"""The QC desk after a stale sample: a catalogue changed after the draw, the inspector draws
again — the old sample is voided (its finding sent back as rework, the claim released) and the
desk and the volume page render, saying so and what to do next (claim and draw again here)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dangan.db.models import Defect
from dangan.domain import workflow as wf
from dangan.services import indexing
from dangan.services.engine import resolve_actor
from web.images import Pages, add_image_accounts, to_stage
from web.support import Line, login
from web.test_catalogue_rework import _every_volume


def test_desk_after_a_stale_sample_was_voided(app_client: TestClient, line: Line) -> None:
    """The catalogue changed after the draw, the inspector draws again: the old sample is
    voided (its finding sent back as rework, the claim released) and the desk says so."""
    from dangan.i18n import t

    add_image_accounts(line.ctx)
    code = line.batches[0]
    volumes: list[Pages] = to_stage(line, code, wf.QC,  # the catalogue given at 标引
                                    catalogue=_every_volume(line, [(1, "起诉状", 1, 3)]))
    csrf = login(app_client, "qc")
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    assert app_client.post(f"/qc/{code}/sample",
                           data={"csrf_token": csrf, "seed": "1"}).status_code == 303
    vid = volumes[1].volume_id
    assert app_client.post(f"/qc/{code}/volume/{vid}/defect", data={
        "csrf_token": csrf, "defect": "catalogue", "page_no": "1", "cause": "worker",
        "message": "题名错字"}).status_code == 303
    path = line.ctx.home / "changed.csv"
    path.write_text("档号,顺序号,题名,起始页号,终止页号\n"
                    f"{volumes[0].archive_code},1,起诉状（改）,1,3\n", encoding="utf-8")
    indexing.import_catalogue(line.ctx, resolve_actor(line.ctx, "钱标"), [path], replace=True,
                              correction="题名改正")
    redrawn = app_client.post(f"/qc/{code}/sample", data={"csrf_token": csrf, "seed": "3"})
    assert redrawn.status_code == 303
    flash = app_client.get(f"/qc/{code}")
    assert flash.status_code == 200, flash.text
    assert t("qc_desk.voided_now", codes=volumes[0].archive_code) in flash.text
    page = app_client.get(f"/qc/{code}")
    assert page.status_code == 200
    assert t("qc_desk.voided", codes=volumes[0].archive_code) in page.text
    assert t("web_images.qc.decision.void") in page.text
    assert "dangan qc sample" not in page.text
    one = app_client.get(f"/qc/{code}/volume/{vid}")
    assert one.status_code == 200 and "题名错字" in one.text
    with line.ctx.transaction() as session:
        assert session.scalar(select(func.count(Defect.id)).where(
            Defect.message == "题名错字")) == 1
