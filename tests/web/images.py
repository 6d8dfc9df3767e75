"""Helpers of the image-desk tests: page images recorded as ingest records them (masters in
已扫描 with their SHA-256), and accounts for the image roles."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import select

from dangan.db.models import Page, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.services import engine, workers
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.storage.areas import Area
from dangan.web.accounts import add_user
from web.support import PASSWORD, Line
from workflow.helpers import give_catalogue

IMAGE_ACCOUNTS = {"retoucher": ("赵修", [wf.RETOUCHER]),
                  "indexer": ("钱标", [wf.INDEXER, wf.UPLOADER])}
# who works each stage between scan and QC in these tests
STAGE_PEOPLE = {wf.SCAN: "张扫", wf.RETOUCH: "赵修", wf.INDEX: "钱标", wf.UPLOAD: "钱标"}


def page_jpeg(no: int, size: tuple[int, int] = (1240, 1754)) -> bytes:
    img = Image.new("L", size, 235)
    draw = ImageDraw.Draw(img)
    draw.rectangle((100, 100, size[0] - 100, 220), fill=40)
    draw.text((150, 300), f"page {no}", fill=0)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, dpi=(200, 200))
    return out.getvalue()


def text_page_jpeg(no: int, size: tuple[int, int] = (1240, 1754), tilt: float = 1.2) -> bytes:
    """A page full of lines of word-like strokes, scanned ``tilt``° askew: enough lines for
    the retouch engine to be sure of its skew (``page_jpeg``'s one line is not)."""
    rng = random.Random(no)
    img = Image.new("L", size, 235)
    draw = ImageDraw.Draw(img)
    for y in range(160, size[1] - 200, 48):
        x = 130
        while x < size[0] - 200:
            w = rng.randint(18, 60)
            draw.rectangle((x, y, x + w, y + 22), fill=30)
            x += w + rng.randint(10, 20)
    img = img.rotate(tilt, fillcolor=235)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, dpi=(200, 200))
    return out.getvalue()


@dataclass(frozen=True)
class Pages:
    volume_id: int
    archive_code: str
    folder: str  # relative to the storage root


def add_pages(ctx: ProjectContext, archive_code: str, count: int = 3,
              size: tuple[int, int] = (1240, 1754), raw: dict[int, bytes] | None = None) -> Pages:
    """Master files of ``count`` pages under 已扫描 and their Page/StoredFile rows."""
    folder = f"{Area.SCANNED.value}/{archive_code}"
    with ctx.transaction() as session:
        vol = session.scalar(select(Volume).where(Volume.project_id == ctx.project_id,
                                                  Volume.archive_code == archive_code))
        assert vol is not None
        for no in range(1, count + 1):
            data = (raw or {}).get(no) or page_jpeg(no, size)
            rel = f"{folder}/{no:04d}.jpg"
            sha = ctx.storage.write_bytes(rel, data, masters=True)
            page = Page(volume_id=vol.id, page_no=no, width=size[0], height=size[1], dpi=200,
                        colour_mode="gray", format="jpg", metrics={})
            session.add(page)
            session.flush()
            session.add(StoredFile(project_id=ctx.project_id, volume_id=vol.id, page_id=page.id,
                                   area=Area.SCANNED.key, path=rel, kind="page", sha256=sha,
                                   size=len(data)))
        vol.page_count = count
        return Pages(vol.id, archive_code, folder)


def add_image_accounts(ctx: ProjectContext) -> None:
    for login, (name, roles) in IMAGE_ACCOUNTS.items():
        workers.add_worker(ctx, name, roles)
        add_user(ctx, login, PASSWORD, worker=name, roles=roles)


def to_stage(line: Line, code: str, stage: str, pages: int = 3,
             raw: dict[str, dict[int, bytes]] | None = None,
             catalogue: Path | Callable[[list[Pages]], None] | None = None) -> list[Pages]:
    """Sort the batch, record ``pages`` page images per volume (``raw``: archive code -> page
    -> the image, else ``page_jpeg``), then sign each stage by its person (claim and sign
    through the engine) until the batch waits at ``stage``. At 标引 the volumes' catalogue is
    recorded first: ``catalogue`` (a workbook imported, or a function given the volumes'
    pages that records the items), else one item per volume."""
    line.to_scan(code)
    made = [add_pages(line.ctx, c, count=pages, raw=(raw or {}).get(c))
            for c in line.volume_codes(code)]
    for at in (wf.SCAN, wf.RETOUCH, wf.INDEX, wf.UPLOAD):
        if at == stage or line.batch(code)[0] == stage:
            break
        person = resolve_actor(line.ctx, STAGE_PEOPLE[at])
        if at == wf.INDEX:  # 标引 is signed only with the volumes' catalogue
            if callable(catalogue):
                catalogue(made)
            give_catalogue(line.ctx, code, STAGE_PEOPLE[at],
                           workbook=catalogue if isinstance(catalogue, Path) else None)
        engine.claim(line.ctx, person, code)
        # no delivery files are made in these tests: the upload sign-off says so
        engine.sign(line.ctx, person, code,
                    waive_reason="测试：不生成交付文件" if at == wf.UPLOAD else "")
    assert line.batch(code)[0] == stage
    return made
