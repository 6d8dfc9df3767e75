"""The project manager's dashboard: live figures from ``dangan.reports`` on a seeded line
(sign-offs and defects of both causes this week), charts from the vendored ECharts with their
data embedded as JSON, report downloads, and access for managers only — SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

import dangan.web
from dangan.domain import workflow as wf
from dangan.reports.weekly import weekly
from dangan.services.project import ProjectContext
from dangan.web.accounts import add_user
from dangan.web.app import create_app
from dangan.web.routes.dashboard import REPORTS, current_week
from dangan.web.settings import WebSettings
from reports.helpers import Line, with_pay_rules
from web.support import PASSWORD, Clock, login

VENDOR = Path(dangan.web.__file__).parent / "static" / "vendor"


@pytest.fixture
def seeded(any_project: ProjectContext) -> ProjectContext:
    """Four volumes of 40 pages scanned by 张扫 a few minutes ago, three through QC; one skew
    charged to 张扫 (0.50 元) and one blurred page of the original paper (原卷错误)."""
    ctx = with_pay_rules(any_project)
    line = Line(ctx, volumes=4, pages=40)
    line.people(张扫=[wf.SCAN_OPERATOR], 孙检=[wf.QC_INSPECTOR], 项经=[wf.PROJECT_MANAGER])
    when = datetime.now(UTC) - timedelta(minutes=5)
    line.sign("张扫", wf.SCAN, ["V1", "V2", "V3", "V4"], when)
    line.sign("孙检", wf.QC, ["V1", "V2", "V3"], when)
    line.defect("张扫", "skew", wf.SCAN, when)
    line.defect("张扫", "blurred", wf.SCAN, when, cause="original", volume="V2")
    add_user(ctx, "manager", PASSWORD, worker="项经", roles=[wf.PROJECT_MANAGER])
    add_user(ctx, "scanner", PASSWORD, worker="张扫", roles=[wf.SCAN_OPERATOR])
    add_user(ctx, "admin", PASSWORD, roles=["admin"])
    return ctx


@pytest.fixture
def client(seeded: ProjectContext) -> Iterator[TestClient]:
    app = create_app(WebSettings(project=seeded.home, clock=Clock()))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


def cell(html: str, ident: str) -> str:
    match = re.search(rf'id="{ident}">([^<]*)<', html)
    assert match, ident
    return match.group(1).strip()


def test_manager_sees_the_live_figures(client: TestClient, seeded: ProjectContext) -> None:
    login(client, "manager")
    page = client.get("/dashboard")
    assert page.status_code == 200, page.text
    html = page.text
    assert '<a href="/dashboard"' in html  # the manager's nav line
    assert (cell(html, "volumes-total"), cell(html, "pages-total")) == ("4", "160")
    assert (cell(html, "volumes-done"), cell(html, "pages-scanned")) == ("3", "160")
    assert cell(html, "remaining") == "1"
    # one charged defect on 160 scanned pages; the 原卷错误 counted apart
    assert (cell(html, "defects"), cell(html, "original"), cell(html, "per-1000")) == (
        "1", "1", "6.25")
    finish = weekly(seeded, current_week()).forecast.finish
    assert finish and cell(html, "forecast").startswith(finish)
    # 160 pages × 0.48 scanning, less 0.50 for the skew; the blurred original deducts nothing
    slip = re.search(r'<tr class="pay-slip"><td>张扫</td>(.*?)</tr>', html)
    assert slip, html
    figures = re.findall(r"<td>([-\d.]+)</td>", slip.group(1))
    # pages first signed this month, defects charged, per 1,000 pages, piece, deductions,
    # mentor's share, total
    assert figures == ["160", "1", "6.25", "76.80", "-0.50", "0.00", "76.30"]
    # nothing owed by a closed period; the month is open; the pace names the days it rests on
    assert re.search(r'<td class="adjustments">0\.00</td>', slip.group(1))
    assert 'id="month-closed"' not in html and "未含往期结账后的调整" not in html
    assert re.search(r'id="rate">[\d.]+ （按近 \d+ 天计）<', html), cell(html, "rate")
    data = json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)'
                                r"</script>", html, re.S).group(1))  # type: ignore[union-attr]
    assert data["locale"] == "ZH"
    assert data["burnup"]["series"]["累计扫描页数"][-1] == 160
    assert data["burnup"]["series"]["累计完成案卷"][-1] == 3
    assert sum(data["throughput"]["series"]["扫描页数"]) == 160
    assert data["defects"]["counts"] == [1] and data["defects"]["original_counts"] == [1]
    assert dict(zip(data["pay"]["workers"], data["pay"]["totals"], strict=True))["张扫"] == 76.3
    # the charts come from this server only
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert "/static/vendor/echarts/echarts.min.js" in scripts
    assert all(s.startswith("/static/") for s in scripts)
    assert not re.search(r"(?:src|href|action)=[\"']?(?:https?:)?//", html)
    assert client.get("/static/vendor/echarts/echarts.min.js").status_code == 200
    assert client.get("/static/js/dashboard.js").status_code == 200


def test_the_lean_queries_give_the_reports_figures(seeded: ProjectContext) -> None:
    """The dashboard's own queries agree with the full reports on the same line."""
    from dangan.reports.dashboard import dashboard
    from dangan.reports.pay import pay_report
    from dangan.reports.quality import quality
    from dangan.web.routes.dashboard import current_pay_period

    b = dashboard(seeded)
    week = weekly(seeded, current_week())
    assert b.points == week.points and b.forecast == week.forecast
    assert (b.total_volumes, b.total_pages) == (week.total_volumes, week.total_pages)
    q = quality(seeded, None)
    assert (b.codes, b.original) == (q.codes, q.original)
    assert b.batch_pass_rate == q.batch_pass_rate
    pay = pay_report(seeded, current_pay_period())
    slips = {s.worker: (s.piece, s.deductions, s.mentor, s.total) for s in pay.slips}
    mine = {w.worker: (w.piece, w.deductions, w.mentor, w.total) for w in b.workers}
    assert slips and {k: mine[k] for k in slips} == slips
    # the others signed unpaid work (QC has no piece rate here): their pages, no pay
    assert {k: v for k, v in mine.items() if k not in slips} == {"孙检": (0.0, 0.0, 0.0, 0.0)}
    assert [w.pages for w in b.workers if w.worker == "孙检"] == [120]
    assert set(b.timings) >= {"totals", "first scans per day", "this month's units per worker"}


def test_english_labels(client: TestClient) -> None:
    token = login(client, "admin")
    client.post("/lang", data={"csrf_token": token, "lang": "en", "back": "/dashboard"})
    html = client.get("/dashboard").text
    assert "Live figures" in html and "Defects per 1,000 pages" in html and '"locale": "EN"' in html


def test_other_roles_are_refused(client: TestClient) -> None:
    login(client, "scanner")
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/reports/pay.xlsx").status_code == 403
    assert '<a href="/dashboard"' not in client.get("/tasks").text
    client.cookies.clear()
    assert client.get("/dashboard").status_code in (303, 401)
    login(client, "admin")
    assert client.get("/dashboard").status_code == 200


def test_every_report_downloads(client: TestClient) -> None:
    login(client, "manager")
    for name in REPORTS:
        for suffix in ("xlsx", "pdf", "json"):
            r = client.get(f"/dashboard/reports/{name}.{suffix}")
            assert r.status_code == 200, (name, suffix, r.text[:300])
            assert "attachment" in r.headers["content-disposition"]
            if suffix == "xlsx":
                book = openpyxl.load_workbook(io.BytesIO(r.content))
                assert book.sheetnames
            elif suffix == "pdf":
                assert r.content.startswith(b"%PDF-")
            else:
                json.loads(r.content)
    pay = json.loads(client.get("/dashboard/reports/pay.json").content)
    assert {s["worker"]: s["total"] for s in pay["slips"]}["张扫"] == 76.3
    book = openpyxl.load_workbook(io.BytesIO(client.get("/dashboard/reports/pay.xlsx").content))
    values = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert 76.3 in values and "张扫" in values
    assert client.get("/dashboard/reports/secret.pdf").status_code == 404
    assert client.get("/dashboard/reports/pay.exe").status_code == 404


def test_echarts_is_vendored_with_its_licence() -> None:
    manifest = json.loads((VENDOR / "MANIFEST.json").read_text(encoding="utf-8"))
    entry = next(p for p in manifest["packages"] if p["package"] == "echarts")
    assert entry["version"].startswith("5.") and entry["licence"] == "Apache-2.0"
    assert "Apache License" in (VENDOR / "echarts" / "LICENSE").read_text(encoding="utf-8")
    script = (Path(__file__).parents[2] / "scripts" / "vendor-assets.sh").read_text()
    assert f'"echarts {entry["version"]} Apache-2.0 dist/echarts.min.js"' in script


def test_a_voided_first_inspection_counts_alike_on_the_dashboard_and_in_the_report(
        any_project: ProjectContext) -> None:
    """A batch whose first inspection was voided (catalogues imported after the draw) is
    judged by its first inspection that reached a verdict — on the dashboard as in the
    quality report (the dashboard took round 1 only, and left such a batch out)."""
    from dangan.db.models import QCInspection
    from dangan.reports.dashboard import dashboard
    from dangan.reports.quality import quality

    line = Line(any_project, volumes=2, pages=10)
    now = datetime.now(UTC)
    with any_project.transaction() as s:
        for rnd, decision in ((1, "void"), (2, "fail"), (3, "pass")):
            s.add(QCInspection(work_batch_id=line.batch_id, round=rnd, seed=rnd,
                               decided_at=now, decision=decision))
    board, report = dashboard(any_project), quality(any_project, None)
    assert board.batch_pass_rate == report.batch_pass_rate == 0.0  # its first verdict failed
