"""Binding agreement records are never overwritten silently: a trial volume must be out of
the archive room, a second agreement while one stands is refused unless the reason for the
change is given (then recorded as the next version, the first kept), and approving the trial
again keeps the first approval and says so (web and `rebind approve-trial`)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import BindingAgreement, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import engine, rebind
from dangan.services.engine import resolve_actor
from web.support import Line, login
from web.test_records import _people, _to_rebind


def _shelved_volume(line: Line) -> str:
    """A volume on the client's list never borrowed: still in the archive room."""
    with line.ctx.transaction() as session:
        session.add(Volume(project_id=line.ctx.project_id, archive_code="1997-行-0001-0001",
                           title="未借出", expected_pages=20, list_row=99))
    return "1997-行-0001-0001"


def _agreements(line: Line) -> list[tuple[str, list[int], str | None]]:
    with line.ctx.transaction() as session:
        return [(r.method, list(r.trial_volume_ids), r.agreed_by) for r in session.scalars(
            select(BindingAgreement).order_by(BindingAgreement.id))]


def _events(line: Line, kind: str) -> list[StageEvent]:
    with line.ctx.transaction() as session:
        rows = list(session.scalars(select(StageEvent).where(StageEvent.kind == kind)
                                    .order_by(StageEvent.id)))
        session.expunge_all()
        return rows


def test_a_trial_volume_still_in_the_archive_room_is_refused(app_client: TestClient,
                                                             line: Line) -> None:
    _people(line)
    shelved = _shelved_volume(line)
    token = login(app_client, "archivist")
    refused = app_client.post("/records/binding", data={
        "csrf_token": token, "method": "thread", "trial_codes": shelved, "remarks": "备注Q"})
    assert refused.status_code == 409
    assert 'data-key="rebind.trial_not_out"' in refused.text
    assert 'value="备注Q"' in refused.text and f'value="{shelved}"' in refused.text
    assert _agreements(line) == []
    borrowed = line.volume_codes(line.batches[0])[0]
    assert app_client.post("/records/binding", data={
        "csrf_token": token, "method": "thread", "trial_codes": borrowed}).status_code == 303
    assert len(_agreements(line)) == 1


def test_a_second_agreement_needs_its_reason_and_keeps_the_first(app_client: TestClient,
                                                                  line: Line) -> None:
    _people(line)
    first, second = line.volume_codes(line.batches[0])
    token = login(app_client, "archivist")
    assert app_client.post("/records/binding", data={
        "csrf_token": token, "method": "thread", "trial_codes": first}).status_code == 303
    refused = app_client.post("/records/binding", data={
        "csrf_token": token, "method": "glue_tube", "trial_codes": second, "remarks": "胶管"})
    assert refused.status_code == 409
    assert 'data-key="rebind.agreement_exists"' in refused.text
    assert 'name="replace_reason"' in refused.text and 'value="胶管"' in refused.text
    assert [a[0] for a in _agreements(line)] == ["thread"]
    assert rebind.agreement(line.ctx).method == "thread"  # type: ignore[union-attr]
    changed = app_client.post("/records/binding", data={
        "csrf_token": token, "method": "glue_tube", "trial_codes": second,
        "replace_reason": "试装订线装损伤原件，改胶管"})
    assert changed.status_code == 303, changed.text
    assert [a[0] for a in _agreements(line)] == ["thread", "glue_tube"]  # the first kept
    agreed = _events(line, wf.EVENT_BINDING_AGREED)
    assert len(agreed) == 2 and "replaces" not in agreed[0].data
    assert agreed[1].data["replace_reason"] == "试装订线装损伤原件，改胶管"
    assert agreed[1].data["replaces"] == agreed[0].data["agreement_id"]
    assert agreed[1].data["version"] == 2 and agreed[1].person == "档案室刘"
    page = app_client.get("/records/binding").text
    assert t("records.binding.replaced_because", version=2,
             reason="试装订线装损伤原件，改胶管") in page
    assert 'id="earlier-agreements"' in page and first in page.split(
        'id="earlier-agreements"', 1)[1]


def test_cli_agree_while_one_stands_is_refused(line: Line) -> None:
    _people(line)
    first, second = line.volume_codes(line.batches[0])
    rebind.agree_binding(line.ctx, "thread", "档案室刘", trial_codes=[first])
    r = dangan("rebind", "agree", "--method", "glue_tube", "--archive-leader", "档案室刘",
               "--trial", second, "-p", str(line.ctx.home),
               env={"DANGAN_DATABASE_URL": line.ctx.database_url, "COLUMNS": "300"})
    assert r.returncode == 7, (r.stdout, r.stderr)
    assert "第 1 版" in r.stderr
    assert [a[0] for a in _agreements(line)] == ["thread"]


def test_approving_the_trial_again_keeps_the_first_approval(app_client: TestClient,
                                                            line: Line) -> None:
    _people(line)
    batch = line.batches[0]
    _to_rebind(line, batch)
    trial = line.volume_codes(batch)[0]
    rebind.agree_binding(line.ctx, "thread", "档案室刘", trial_codes=[trial])
    binder = resolve_actor(line.ctx, "吴装")
    engine.claim(line.ctx, binder, batch)
    rebind.rebind(line.ctx, binder, batch, [trial], accept_missing="未扫描")
    token = login(app_client, "archivist")
    page = app_client.get("/records/binding").text
    assert 'name="agreement_id"' in page
    agreement_id = _agreements_ids(line)[0]
    assert app_client.post("/records/binding/trial", data={
        "csrf_token": token, "remarks": "合格", "agreement_id": agreement_id}
    ).status_code == 303
    first = rebind.agreement(line.ctx)
    assert first is not None and first.trial_approved_at is not None
    again = app_client.post("/records/binding/trial", data={
        "csrf_token": token, "remarks": "second tab", "agreement_id": agreement_id})
    assert again.status_code == 303
    told = t("rebind.trial_already_approved", at=f"{first.trial_approved_at:%Y-%m-%d %H:%M}",
             by="档案室刘")
    assert told in app_client.get("/records/binding").text
    after = rebind.agreement(line.ctx)
    assert after is not None and after.trial_approved_at == first.trial_approved_at
    assert [e.remarks for e in _events(line, wf.EVENT_TRIAL_APPROVED)] == ["合格"]
    r = dangan("rebind", "approve-trial", "--archive-leader", "档案室刘", "-p", str(line.ctx.home),
               env={"DANGAN_DATABASE_URL": line.ctx.database_url, "COLUMNS": "300"})
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert "未重复记录" in r.stdout
    assert len(_events(line, wf.EVENT_TRIAL_APPROVED)) == 1


def test_approval_from_a_page_of_an_earlier_agreement_is_refused(app_client: TestClient,
                                                                 line: Line) -> None:
    _people(line)
    first, second = line.volume_codes(line.batches[0])
    old = rebind.agree_binding(line.ctx, "thread", "档案室刘", trial_codes=[first])
    rebind.agree_binding(line.ctx, "sewing", "档案室刘", trial_codes=[second],
                         replace_reason="改为缝纫")
    token = login(app_client, "archivist")
    refused = app_client.post("/records/binding/trial", data={
        "csrf_token": token, "agreement_id": old.id, "remarks": "旧页面"})
    assert refused.status_code == 409
    assert 'data-key="rebind.agreement_changed"' in refused.text
    assert _events(line, wf.EVENT_TRIAL_APPROVED) == []


def _agreements_ids(line: Line) -> list[int]:
    with line.ctx.transaction() as session:
        return list(session.scalars(select(BindingAgreement.id).order_by(BindingAgreement.id)))



def test_the_command_line_changes_an_agreement_only_with_its_reason(line: Line) -> None:
    _people(line)
    first, second = line.volume_codes(line.batches[0])
    env = {"DANGAN_DATABASE_URL": line.ctx.database_url, "COLUMNS": "300"}
    home = str(line.ctx.home)
    made = dangan("rebind", "agree", "--method", "thread", "--archive-leader", "档案室刘",
                  "--trial", first, "-p", home, env=env)
    assert made.returncode == 0, (made.stdout, made.stderr)
    again = dangan("rebind", "agree", "--method", "sewing", "--archive-leader", "档案室刘",
                   "--trial", second, "-p", home, env=env)
    assert again.returncode == 7, (again.stdout, again.stderr)
    assert len(_agreements(line)) == 1
    changed = dangan("rebind", "agree", "--method", "sewing", "--archive-leader", "档案室刘",
                     "--trial", second, "--replace-reason", "线装损伤原件，改缝纫", "-p", home,
                     env=env)
    assert changed.returncode == 0, (changed.stdout, changed.stderr)
    assert [m for m, _t, _b in _agreements(line)] == ["thread", "sewing"]
    agreed = _events(line, wf.EVENT_BINDING_AGREED)
    assert agreed[-1].data["replace_reason"] == "线装损伤原件，改缝纫"
