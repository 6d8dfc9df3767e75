"""A defect form the QC desk refuses (the same defect twice) stays on the volume page: the
refusal said in the desk's words (the defect's label, no command line) and what was typed
kept."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dangan.domain import workflow as wf
from dangan.i18n import defect_label
from web.images import add_image_accounts, to_stage
from web.support import Line, login


def test_a_duplicate_defect_is_refused_on_the_page_with_the_form_kept(
        app_client: TestClient, line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    volumes = to_stage(line, code, wf.QC)
    url = f"/qc/{code}/volume/{volumes[0].volume_id}/defect"
    csrf = login(app_client, "qc")
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    form = {"csrf_token": csrf, "defect": "black_border", "page_no": "2", "cause": "worker",
            "message": "右侧黑边未去除", "box_x": "10", "box_y": "20", "box_w": "30",
            "box_h": "40"}
    assert app_client.post(url, data=form).status_code == 303
    again = app_client.post(url, data={**form, "message": "第二次写的说明"})
    assert again.status_code == 409
    page = again.text
    assert 'data-key="qc_desk.defect_duplicate"' in page and "出错了" not in page
    assert defect_label("black_border") in page and "（black_border" not in page
    assert "dangan" not in page.split('role="alert"', 1)[1].split("</p>", 1)[0]
    assert 'value="第二次写的说明"' in page and 'value="30"' in page
    assert 'value="black_border" selected' in page
