"""A catalogue corrected at the 著录 desk after its volume was packaged: the upload desk lists
the volume as stale and packages it again with the correction's reason, as it does for pages
changed after packaging."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Volume
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services.delivery import packaging
from dangan.services.engine import resolve_actor
from web.support import Line, login
from web.test_package_desk import at_upload  # noqa: F401  (the fixture)


def test_the_upload_desk_lists_a_volume_whose_catalogue_changed(
        at_upload: tuple[TestClient, str], line: Line) -> None:  # noqa: F811
    client, batch = at_upload
    ctx = line.ctx
    packaging.package_forms(ctx, resolve_actor(ctx, "钱标"))  # pdf and zip: upload signed
    assert line.batch(batch)[0] == wf.QC
    code = line.volume_codes(batch)[0]
    with ctx.transaction() as session:
        volume_id = session.scalar(select(Volume.id).where(Volume.archive_code == code))
    csrf = login(client, "indexer")
    assert t("web_package.stale_title") not in client.get("/package").text
    saved = client.post(f"/index/{volume_id}/save", data={
        "csrf_token": csrf, "r.title": "案卷1", "correction": "题名录错，据原件更正",
        "e.seq": ["1"], "e.title": ["民事判决书"], "e.author": ["某某法院"],
        "e.page_start": ["1"], "e.page_end": ["2"]})
    assert saved.status_code == 303, saved.text
    home = client.get("/package").text
    action = f'/package/volume/{quote(code, safe="")}/correct'
    assert t("web_package.stale_title") in home
    assert f'data-volume="{code}"' in home and f'action="{action}"' in home
    done = client.post(action, data={"csrf_token": csrf, "reason": "目录更正后重新打包"})
    assert done.status_code == 303
    assert 'data-volume=' not in client.get("/package").text
