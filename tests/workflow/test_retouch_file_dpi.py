"""``dangan retouch -p``: a page keeps its physical size — read at its own dpi, as ``check``
and ``ingest`` took it, the project's scan dpi only as the fallback (as the plain-folder
route does)."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from sqlalchemy import select

from dangan.compute.executors import InProcessExecutor
from dangan.db.models import Page, StoredFile
from dangan.domain import workflow as wf
from dangan.samples import generate_set, make_archive_codes, write_volume_list
from dangan.services import claims, intake
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext, open_project
from dangan.services.retouch import project as retouch_project
from dangan.services.volumes import import_volumes
from workflow.helpers import line_to

SEED = 61
MARK_GAP_MM = 100.0  # centre to centre of the two printed squares of the measuring page


def measuring_page(dpi: int = 300) -> bytes:
    """An A4 frame at ``dpi`` (a sheet on a dark bed), two solid 8 mm squares 100 mm apart
    and a few ruled bars of "text"; the JPEG says its dpi."""
    mm = dpi / 25.4
    w, h = round(210 * mm), round(297 * mm)
    a = np.full((h, w), 45, np.uint8)
    x0, y0 = round(20 * mm), round(25 * mm)
    a[y0:h - y0, x0:w - x0] = 235
    s = round(8 * mm)
    for cx in (55.0, 55.0 + MARK_GAP_MM):
        px, py = round(cx * mm), round(60 * mm)
        a[py - s // 2:py + s // 2, px - s // 2:px + s // 2] = 10
    for i in range(12):
        y = round((90 + i * 12) * mm)
        a[y:y + round(2.2 * mm), round(40 * mm):round(170 * mm)] = 20
    buf = io.BytesIO()
    Image.fromarray(a).convert("RGB").save(buf, "JPEG", quality=90, dpi=(dpi, dpi))
    return buf.getvalue()


def mark_gap_mm(data: bytes) -> float:
    """The measured distance of the two squares on a retouched page, in mm at its dpi."""
    img = Image.open(io.BytesIO(data))
    dpi = float(img.info["dpi"][0])
    grey = np.asarray(img.convert("L"))
    n, _lab, stats, centres = cv2.connectedComponentsWithStats((grey < 80).astype(np.uint8))
    squares = [centres[i] for i in range(1, n)
               if 0.6 < stats[i, 3] / stats[i, 2] < 1.6 and 5 < stats[i, 2] * 25.4 / dpi < 15]
    assert len(squares) == 2, squares
    return abs(float(squares[0][0] - squares[1][0])) * 25.4 / dpi


def _at_retouch(project: ProjectContext, tmp_path: Path,
                page_one: bytes | None = None) -> tuple[ProjectContext, str]:
    """One volume of two pages ingested (page 1 replaced by ``page_one`` before the scan
    check), its batch claimed for retouch by 陈修图. Orientation off: beside the point."""
    toml = project.home / "dangan.toml"
    toml.write_text(toml.read_text("utf-8").replace("orientation = true", "orientation = false",
                                                    1), "utf-8")
    ctx = open_project(project.home)
    scans = tmp_path / "扫描工作站"
    truth = generate_set(scans, 1, SEED, pages=(2, 2), archive_codes=make_archive_codes(1, SEED),
                         p_duplicate=0.0, p_blank=0.0)
    if page_one is not None:
        sorted(scans.rglob("*.jpg"))[0].write_bytes(page_one)
    import_volumes(ctx, write_volume_list(tmp_path / "案卷清单.xlsx", truth))
    from dangan.services.workers import add_worker

    add_worker(ctx, "陈修图", ["retoucher"])
    batch = line_to(ctx, wf.SCAN)
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), scans)
    claims.claim(ctx, resolve_actor(ctx, "陈修图"), batch, wf.RETOUCH)
    return ctx, truth.volumes[0].archive_code


def _page(ctx: ProjectContext, page_no: int) -> tuple[Page, str]:
    with ctx.transaction() as session:
        page = session.scalar(select(Page).where(Page.page_no == page_no))
        assert page is not None
        rel = session.scalar(select(StoredFile.path).where(
            StoredFile.page_id == page.id, StoredFile.area == "retouched"))
        session.expunge(page)
        return page, str(rel)


def test_a_300_dpi_page_keeps_its_size_through_the_project_route(
        project: ProjectContext, tmp_path: Path) -> None:
    page_one = measuring_page(300)
    assert abs(mark_gap_mm(page_one) - MARK_GAP_MM) < 0.5  # the ruler itself
    ctx, code = _at_retouch(project, tmp_path, page_one)
    assert ctx.config.scan.dpi == 200  # the project's scan dpi is not the page's
    ingested, _rel = _page(ctx, 1)
    assert ingested.dpi == 300  # check and ingest took it at 300 dpi
    summary = retouch_project.run(ctx, InProcessExecutor(), actor=resolve_actor(ctx, "陈修图"))
    assert summary.signed == [code]
    page, rel = _page(ctx, 1)
    metrics = (page.metrics or {})["retouch"]
    assert (metrics["dpi"], metrics["dpi_source"]) == (300, "file")
    gap = mark_gap_mm(ctx.storage.read_bytes(rel))
    assert abs(gap - MARK_GAP_MM) < 1.5, gap  # read at the scan dpi it came out 150 mm
    assert summary.dpi_counts()["file"]["300"] == 1
    assert summary.to_dict()["dpi"]["file"]["300"] == 1


def test_the_project_s_minimum_dpi_reaches_the_page_engine(project: ProjectContext) -> None:
    toml = project.home / "dangan.toml"
    text = toml.read_text("utf-8")
    assert "min_dpi = 200" in text
    toml.write_text(text.replace("min_dpi = 200", "min_dpi = 240", 1), "utf-8")
    ctx = open_project(project.home)
    assert retouch_project.options_for(ctx).qc.min_dpi == 240  # was a fixed 200 in the engine
