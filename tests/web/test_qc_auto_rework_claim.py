"""质检抽样 with automatic-check defects still open: they go back as rework before any sample,
and the inspector's QC claim is handed back (as a failed verdict hands it back). The inspector
is told so — on the QC desk and on the command line — rather than finding the claim gone."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import Claim, Defect, Rework, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.i18n import t
from dangan.services import engine, qc
from dangan.services.engine import resolve_actor
from web.images import add_image_accounts, to_stage
from web.support import Line, login


def _auto_check_defect(line: Line, batch_code: str) -> None:
    """An error the retouch run's automatic check left open on page 1 (no rework yet)."""
    with line.ctx.transaction() as session:
        volume = session.scalar(select(Volume).join(WorkBatch).where(
            WorkBatch.code == batch_code).order_by(Volume.id).limit(1))
        assert volume is not None
        session.add(Defect(project_id=line.ctx.project_id, volume_id=volume.id, page_no=1,
                           code="black_border", severity="error", source="retouch",
                           stage=wf.RETOUCH, message="黑边", status="open", data={}))


def _open_qc_claims(line: Line, batch_code: str) -> int:
    with line.ctx.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Claim).join(
            WorkBatch, WorkBatch.id == Claim.work_batch_id).where(
            WorkBatch.code == batch_code, Claim.stage == wf.QC,
            Claim.released_at.is_(None))) or 0)


def test_the_desk_says_the_claim_went_back_with_the_rework(app_client: TestClient,
                                                           line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    to_stage(line, code, wf.QC)
    _auto_check_defect(line, code)
    csrf = login(app_client, "qc")
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    drawn = app_client.post(f"/qc/{code}/sample", data={"csrf_token": csrf})
    assert drawn.status_code == 303
    said = t("qc.claim_released", code=code, stage=t(f"stage.{wf.QC}"))
    assert said in unquote(drawn.cookies.get("dangan_flash") or "")
    assert said in app_client.get(f"/qc/{code}").text  # shown once, on the desk
    assert _open_qc_claims(line, code) == 0
    assert line.batch(code) == (wf.QC, wf.IN_REWORK)
    with line.ctx.transaction() as session:
        assert session.scalar(select(func.count(Rework.id))) == 1


def test_the_command_and_the_service_say_it_too(line: Line) -> None:
    add_image_accounts(line.ctx)
    first, second = line.batches[:2]
    for code in (first, second):
        to_stage(line, code, wf.QC)
        _auto_check_defect(line, code)
    inspector = resolve_actor(line.ctx, "孙检")
    engine.claim(line.ctx, inspector, first)
    result = qc.draw_sample(line.ctx, inspector, first)
    assert result.inspection_id is None and result.reworks == 1 and result.claim_released
    assert _open_qc_claims(line, first) == 0
    with pytest.raises(StateError) as again:  # sampled again while in rework: said so
        qc.draw_sample(line.ctx, inspector, first)
    assert again.value.key == "workflow.batch_in_rework"
    engine.claim(line.ctx, inspector, second)
    out = CliRunner().invoke(app, ["qc", "sample", second, "-w", "孙检",
                                   "-p", str(line.ctx.home)], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    said = t("qc.claim_released", code=second, stage=t(f"stage.{wf.QC}"))
    assert "".join(said.split()) in "".join(out.output.split())  # however the console wraps
    assert _open_qc_claims(line, second) == 0


def test_a_failed_verdict_says_it_too(app_client: TestClient, line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    volumes = to_stage(line, code, wf.QC)
    csrf = login(app_client, "qc")
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    assert app_client.post(f"/qc/{code}/sample",
                           data={"csrf_token": csrf, "seed": "12345"}).status_code == 303
    saved = app_client.post(f"/qc/{code}/volume/{volumes[0].volume_id}/defect", data={
        "csrf_token": csrf, "defect": "skew", "page_no": "2", "cause": "worker",
        "box_x": "100", "box_y": "120", "box_w": "300", "box_h": "80", "message": "歪了"})
    assert saved.status_code == 303, saved.text
    decided = app_client.post(f"/qc/{code}/decide", data={"csrf_token": csrf})
    assert decided.status_code == 303
    said = t("qc.claim_released", code=code, stage=t(f"stage.{wf.QC}"))
    assert said in unquote(decided.cookies.get("dangan_flash") or "")
    assert _open_qc_claims(line, code) == 0
