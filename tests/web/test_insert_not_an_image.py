"""Inserting a missed page that is not an image is refused naming the uploaded file, never the
server's temporary path; the volume folder is left as it was."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from dangan.i18n import t
from dangan.samples import SetTruth
from dangan.services.project import ProjectContext
from dangan.services.qc import inspected_words
from web.support import login
from web.test_fixes_scan import clean_set, station  # noqa: F401  (fixtures)


def test_inserting_a_file_that_is_not_an_image_names_the_upload(
        station: tuple[TestClient, ProjectContext, Path, SetTruth]) -> None:  # noqa: F811
    client, _ctx, root, truth = station
    vol = truth.volumes[0]
    before = sorted(p.name for p in (root / vol.folder).iterdir())
    csrf = login(client, "scanner")
    refused = client.post("/scan-station/insert", headers={"Accept": "application/json"},
                          data={"csrf_token": csrf, "top": vol.folder, "before": "2"},
                          files={"file": ("漏扫第2页.jpg", b"not a picture", "image/jpeg")})
    assert refused.status_code == 422, refused.text
    said = refused.json()
    assert said["key"] == "intake.renumber.bad_source"
    assert "漏扫第2页.jpg" in said["message"] and "dangan-insert" not in said["message"]
    assert "inserted.jpg" not in said["message"]
    html = client.post("/scan-station/insert",
                       data={"csrf_token": csrf, "top": vol.folder, "before": "2"},
                       files={"file": ("漏扫第2页.jpg", b"not a picture", "image/jpeg")}).text
    assert "漏扫第2页.jpg" in html and 'data-key="intake.renumber.bad_source"' in html
    assert "dangan-insert" not in html
    assert sorted(p.name for p in (root / vol.folder).iterdir()) == before


def test_qc_figures_say_which_number_is_which() -> None:
    """合格率 beside "(2/5)" reads as 2 passed of 5: the figures are named."""
    for key in ("web_images.qc.failed", "web_images.qc.passed", "qc_desk.verdict"):
        said = t(key, rate="60.0%", defective=2, inspected=inspected_words(5, 0, "item"))
        assert "2/5" not in said and "抽检 5 件" in said and "不合格 2 项" in said, key
