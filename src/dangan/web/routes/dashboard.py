"""The project manager's dashboard (项目经理看板): progress as a burn-up of pages and volumes,
throughput per week, quality (defects per type, per 1,000 pages, 原卷错误 apart), this month
per worker (pages, defects, pay before adjustments) and the forecast finish date — the
figures of ``dangan report`` read live by the lean queries of ``dangan.reports.dashboard``;
every report downloads as .xlsx, PDF or JSON through the same renderers as the command line.

The charts are drawn by the vendored ECharts (Chinese locale built in) from data embedded in
the page as JSON; nothing is fetched from another host.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from dangan.domain import workflow as wf
from dangan.errors import NotFoundError
from dangan.i18n import current_language, t
from dangan.reports.common import Period, defect_label, parse_period
from dangan.reports.dashboard import Dashboard, dashboard
from dangan.reports.pay import pay_report
from dangan.reports.quality import quality
from dangan.reports.weekly import weekly
from dangan.services.project import ProjectContext
from dangan.web import security as sec
from dangan.web.deps import Ctx, require_role
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
Manager = Annotated[sec.Account, Depends(require_role(wf.PROJECT_MANAGER, sec.ADMIN))]

REPORTS = ("weekly", "productivity", "quality", "pay", "estimate", "summary")
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf", "json": "application/json"}


def current_week() -> Period:
    y, w, _ = date.today().isocalendar()
    return parse_period(f"{y}-W{w:02d}")


def current_pay_period() -> Period:
    return parse_period(date.today().strftime("%Y-%m"))


def chart_data(b: Dashboard) -> dict[str, Any]:
    """What the charts draw, with their translated titles (embedded in the page as JSON)."""
    points = b.points
    codes = sorted(b.codes, key=lambda c: -b.codes[c])
    originals = sorted(b.original, key=lambda c: -b.original[c])
    return {
        "locale": "EN" if current_language() == "en" else "ZH",
        "burnup": {"title": t("dashboard.chart.burnup"),
                   "weeks": [p.week for p in points],
                   "series": {t("dashboard.series.cum_pages"): [p.cum_pages for p in points],
                              t("dashboard.series.cum_volumes"): [p.cum_volumes for p in points],
                              t("dashboard.series.plan_volumes"):
                                  [p.plan_volumes for p in points]},
                   "pages_series": t("dashboard.series.cum_pages")},
        "throughput": {"title": t("dashboard.chart.throughput"),
                       "weeks": [p.week for p in points],
                       "series": {t("dashboard.series.pages_scanned"):
                                      [p.pages_scanned for p in points],
                                  t("dashboard.series.volumes_done"):
                                      [p.volumes_done for p in points]},
                       "pages_series": t("dashboard.series.pages_scanned")},
        "defects": {"title": t("dashboard.chart.defects"),
                    "labels": [defect_label(c) for c in codes],
                    "counts": [b.codes[c] for c in codes],
                    "original_title": t("dashboard.chart.original"),
                    "original_labels": [defect_label(c) for c in originals],
                    "original_counts": [b.original[c] for c in originals]},
        "pay": {"title": t("dashboard.chart.pay"),
                "workers": [w.worker for w in b.workers],
                "totals": [w.total for w in b.workers]},
    }


@router.get("/dashboard")
async def dashboard_page(request: Request, ctx: Ctx, account: Manager) -> Response:
    b = await run_in_threadpool(dashboard, ctx)
    original = [(defect_label(c), n) for c, n in sorted(b.original.items())]
    return render(request, "dashboard/index.html", b=b, chart=chart_data(b), reports=REPORTS,
                  formats=tuple(MEDIA), original_rows=original)


def build_report(ctx: ProjectContext, name: str) -> Any:
    if name == "weekly":
        return weekly(ctx, current_week())
    if name == "quality":
        return quality(ctx, None)
    if name == "pay":
        return pay_report(ctx, current_pay_period())
    if name == "productivity":
        from dangan.reports.productivity import productivity

        return productivity(ctx, None, "week")
    if name == "estimate":
        from dangan.reports.estimate import estimate

        return estimate(ctx)
    from dangan.reports.summary import summary

    return summary(ctx)


def export_report(ctx: ProjectContext, name: str, suffix: str) -> bytes:
    result = build_report(ctx, name)
    if suffix == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2,
                          default=str).encode("utf-8")
    from dangan.export.reports_pdf import write_report_pdf
    from dangan.export.reports_xlsx import write_report_xlsx

    doc = result.document(ctx.config.project.name)
    writer = write_report_xlsx if suffix == "xlsx" else write_report_pdf
    with tempfile.TemporaryDirectory(prefix="dangan-report-") as tmp:
        return writer(doc, Path(tmp) / f"report.{suffix}").read_bytes()


@router.get("/dashboard/reports/{name}.{suffix}")
async def download_report(ctx: Ctx, account: Manager, name: str, suffix: str) -> Response:
    if name not in REPORTS or suffix not in MEDIA:
        raise NotFoundError("web.not_found", path=f"/dashboard/reports/{name}.{suffix}")
    data = await run_in_threadpool(export_report, ctx, name, suffix)
    filename = f"{t('dashboard.report.' + name)}-{date.today().isoformat()}.{suffix}"
    return Response(data, media_type=MEDIA[suffix], headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})
