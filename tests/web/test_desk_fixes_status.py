"""A volume's status follows its work batch's claim: on the batch page, the volume list and
进度, volumes of a claimed batch are 进行中, not 待领取."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services.progress import stage_progress
from web.support import Line, login


def _volume_statuses(html: str, codes: list[str]) -> list[str]:
    out = []
    for code in codes:
        row = html.split(f">{code}</a>", 1)[1].split("</tr>", 1)[0]
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        out.append(cells[2])  # title, stage, status
    return out


def test_volumes_of_a_claimed_batch_show_it_in_progress(app_client: TestClient,
                                                        line: Line) -> None:
    code, other = line.batches[0], line.batches[1]
    codes = line.volume_codes(code)
    waiting, claimed = t(f"workflow.status.{wf.WAITING}"), t(f"workflow.status.{wf.CLAIMED}")
    token = login(app_client, "sorter")
    assert _volume_statuses(app_client.get(f"/batches/{code}").text, codes) == [waiting] * 2
    assert app_client.post(f"/batches/{code}/claim", data={"csrf_token": token}
                           ).status_code == 303
    assert _volume_statuses(app_client.get(f"/batches/{code}").text, codes) == [claimed] * 2
    found = app_client.get("/volumes", params={"q": codes[0]}).text
    assert _volume_statuses(found, codes[:1]) == [claimed]
    # the other batches' volumes still wait
    others = line.volume_codes(other)
    assert _volume_statuses(app_client.get(f"/batches/{other}").text, others) == [waiting] * 2
    # 进度: two volumes at 整理 in progress, the rest waiting; the totals unchanged
    rows = {(p.stage, p.status): (p.volumes, p.pages) for p in stage_progress(line.ctx)}
    assert rows[(wf.SORT, wf.CLAIMED)] == (2, 80)
    assert rows[(wf.SORT, wf.WAITING)] == (4, 160)
    page = app_client.get("/progress").text
    sort_rows = re.findall(r'<tr class="status-(\w+)"><td>' + t("stage.sort")
                           + r"</td><td>[^<]*</td><td>(\d+)</td>", page)
    assert ("claimed", "2") in sort_rows and ("waiting", "4") in sort_rows
    # handed back: waiting again
    app_client.post(f"/batches/{code}/hand-back", data={"csrf_token": token})
    assert _volume_statuses(app_client.get(f"/batches/{code}").text, codes) == [waiting] * 2
    assert (wf.SORT, wf.CLAIMED) not in {(p.stage, p.status) for p in stage_progress(line.ctx)}
