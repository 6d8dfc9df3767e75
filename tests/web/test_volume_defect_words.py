"""The volume page's defect list says a retouch finding in words (the measurement and the
review reason from the catalogue), not as its raw code ("ink=0.00000", "orientation:…")."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient

from dangan.db.models import Defect, Volume
from dangan.services.retouch import defect_words
from web.images import add_image_accounts
from web.support import Line, login


def test_retouch_findings_are_said_in_words_on_the_volume_page(app_client: TestClient,
                                                               line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.volume_codes(line.batches[0])[0]
    found = [("blank_page", "ink=0.00000"),
             ("needs_review", "orientation:orientation_little_text")]
    with line.ctx.transaction() as session:
        volume = session.query(Volume).filter_by(archive_code=code).one()
        for no, (kind, detail) in enumerate(found, start=1):
            session.add(Defect(
                project_id=line.ctx.project_id, volume_id=volume.id, page_no=no, code=kind,
                source="retouch", severity="warning", stage="retouch",
                message=defect_words(kind, detail),
                data={"detail": detail, "key": f"retouch.defect.{kind}", "params": {}}))
    login(app_client, "qc")
    page = app_client.get(f"/volumes/{quote(code, safe='')}").text
    assert "ink=" not in page and "orientation_little_text" not in page, page
    assert "orientation:" not in page
    for kind, detail in found:
        assert defect_words(kind, detail) in page
