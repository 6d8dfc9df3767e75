"""A page replaced at the retouch desk after its volume was packaged: the rework's page says
the volume must be packaged again and its "done" is refused; the upload desk lists the volume
and packages it again (every configured form, the service call of ``dangan package --volume
CODE --correction REASON``); then the rework is signed off."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Volume
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import rework
from dangan.services.delivery import linking, packaging
from dangan.services.engine import resolve_actor
from dangan.services.retouch.fix import replace_page
from web.images import page_jpeg
from web.support import Line, login
from web.test_package_desk import at_upload  # noqa: F401  (the fixture)
from workflow.helpers import open_black_border_rework


def _stale(line: Line) -> list[str]:
    return [d.volume for d in linking.check_links(line.ctx) if d.code == "link_package_stale"]


def test_the_upload_desk_packages_again_a_volume_changed_after_packaging(
        at_upload: tuple[TestClient, str], line: Line) -> None:  # noqa: F811
    client, batch = at_upload
    ctx = line.ctx
    packaging.package_forms(ctx, resolve_actor(ctx, "钱标"))  # every form: upload signed
    assert line.batch(batch)[0] == wf.QC
    code = line.volume_codes(batch)[0]
    retoucher = resolve_actor(ctx, "赵修")
    with ctx.transaction() as session:
        volume_id = session.scalar(select(Volume.id).where(Volume.archive_code == code))
    # QC marks 黑边 on page 1: back to the retoucher
    rework_id = open_black_border_rework(ctx, volume_id, 1, retoucher, "第1页黑边")
    replace_page(ctx, retoucher, code, 1, page_jpeg(1))
    assert _stale(line) == [code]
    csrf = login(client, "retoucher")
    notice = t("web_package.rework_stale", code=code)
    assert notice in client.get(f"/rework/{rework_id}").text
    refused = client.post(f"/rework/{rework_id}/done", data={"csrf_token": csrf},
                          headers={"Accept": "application/json"})
    assert refused.status_code == 409 and refused.json()["key"] == "rework.stale_package"

    csrf = login(client, "indexer")
    home = client.get("/package").text
    action = f'/package/volume/{quote(code, safe="")}/correct'
    assert f'data-volume="{code}"' in home and f'action="{action}"' in home
    assert t("web_package.correct") in home
    done = client.post(action, data={"csrf_token": csrf, "reason": "返工替换了第1页"})
    assert done.status_code == 303
    assert t("web_package.corrected", code=code, files=2) in client.get("/package").text
    assert _stale(line) == [] and 'data-volume=' not in client.get("/package").text
    assert line.batch(batch)[0] == wf.QC  # packaging again moves nothing on the line

    csrf = login(client, "retoucher")
    assert notice not in client.get(f"/rework/{rework_id}").text
    assert client.post(f"/rework/{rework_id}/done",
                       data={"csrf_token": csrf}).status_code == 303
    assert [r.status for r in rework.list_rework(ctx, status=None)] == ["done"]
