"""验收移交: build the handover bag for the client, and verify one.

A handover is refused while the link check finds errors: the client pays for data that
matches, so a broken delivery never leaves the building; and while a delivered volume has an
open defect or a package older than its latest retouch or catalogue change (``readiness``).
Bag layout (under ``data/``)::

    files/<form>/<archive code>/…     the delivered files, as in 已上传 (every configured form)
    catalogue/卷内目录.xlsx            the catalogue workbook (re-importable)
    linkdata/挂接数据.xlsx|.xml        数据挂接 for the archive system
    records/跟踪表/<code>-….xlsx       the tracking sheets
    records/过程记录.csv               every event of the volumes, their work batches (claims,
                                      QC samples and verdicts, releases) and borrow batches
                                      (both sides of borrowing and returning)
    records/问题记录.csv 质检记录.csv 返工记录.csv   defects, inspections, rework
    records/…                          files kept in 过程记录
    mets.xml                           volume → items → pages, checksums, DA/T 46 properties
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from dangan import __version__ as dangan_version
from dangan.db.models import (
    BorrowBatch,
    Page,
    QCInspection,
    Rework,
    StageEvent,
    Volume,
    WorkBatch,
    Worker,
)
from dangan.db.models import Defect as DefectRow
from dangan.domain.catalogue_fields import ENTRY_LABELS, RECORD_LABELS
from dangan.domain.defects import Defect
from dangan.errors import ConflictError, DefectsFound, IntegrityError
from dangan.export import linkdata
from dangan.export.bag import BagReport, make_bag, verify_bag
from dangan.export.mets import MetsFile, MetsItem, MetsPage, MetsVolume, build_mets
from dangan.i18n import join, t
from dangan.intake.renumber import crash_point
from dangan.services.delivery.linking import (
    PACKAGE_STALE,
    check_links,
    delivery_forms,
    link_volumes,
)
from dangan.services.delivery.readiness import check_ready
from dangan.services.delivery.record_csvs import write_record_csvs
from dangan.services.indexing import catalogue_workbook_bytes, schema_of
from dangan.services.project import ProjectContext
from dangan.storage import Area, replace_durably, sha256_bytes

WAIT_S = 30.0  # a second handover into the same folder waits this long for the first


@dataclass
class HandoverResult:
    path: Path
    volumes: int
    files: int
    warnings: list[Defect]
    already: bool = False  # the same request was built before: nothing written
    forms: list[str] = field(default_factory=list)  # the delivery forms in the bag


REQUEST_TAG = "Dangan-Request-SHA256"  # bag-info: what was asked, to know a repeated request


def _tmp_prefix(out: Path) -> str:
    return f".{out.name}.tmp-"


def build_handover(ctx: ProjectContext, out: Path,
                   form: str | Sequence[str] | None = None) -> HandoverResult:
    """Build the bag in a temporary beside ``out``, owned by this run (an flock on it held to
    the end), and rename it into place whole. Temporaries of ``out`` that no live run owns
    (left by a killed run) are removed first. Asking again for a bag already built from the
    same delivery is recognised: nothing is written and ``already`` is set. The bag holds
    every configured delivery form unless ``form`` narrows it."""
    forms = delivery_forms(ctx, form)
    defects = check_links(ctx, forms=forms)
    # a package older than its retouch is refused below with its own key and command
    errors = [d for d in defects if d.is_error and d.code != PACKAGE_STALE]
    if errors:
        raise DefectsFound("handover.refused", count=len(errors), details=[d.message for d in errors])
    volumes = link_volumes(ctx, forms)
    check_ready(ctx, [v.archive_code for v in volumes])
    request = _request_digest(ctx, forms, volumes)
    warnings = [d for d in defects if not d.is_error]
    if out.exists():
        done = _already_built(out, request)
        if done is None:
            raise ConflictError("handover.exists", path=out)
        return HandoverResult(out, len(volumes), done, warnings, already=True, forms=forms)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _flock(out.parent, WAIT_S):
        _remove_abandoned(out)
        tmp = out.with_name(f"{_tmp_prefix(out)}{uuid.uuid4().hex[:8]}")
        tmp.mkdir()
        owner = contextlib.ExitStack()
        owner.enter_context(_flock(tmp, 0))
    with owner:
        try:
            n_files = _fill(ctx, tmp, volumes, forms, request)
            with _flock(out.parent, WAIT_S):
                if out.exists():  # built meanwhile by another run
                    raise ConflictError("handover.exists", path=out)
                replace_durably(tmp, out)  # published whole, and the rename is on disk
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return HandoverResult(out, len(volumes), n_files, warnings, forms=forms)


def _fill(ctx: ProjectContext, tmp: Path, volumes: Sequence[linkdata.LinkVolume],
          forms: Sequence[str], request: str) -> int:
    n_files = _copy_delivery(ctx, tmp, volumes)
    crash_point("handover.first_temporary")
    (tmp / "catalogue").mkdir()
    (tmp / "catalogue" / "卷内目录.xlsx").write_bytes(catalogue_workbook_bytes(ctx))
    (tmp / "linkdata").mkdir()
    schema = schema_of(ctx)
    (tmp / "linkdata" / "挂接数据.xlsx").write_bytes(linkdata.to_xlsx(schema, volumes))
    (tmp / "linkdata" / "挂接数据.xml").write_bytes(
        linkdata.to_xml(schema, volumes, ctx.config.project.name))
    _copy_records(ctx, tmp / "records", [v.archive_code for v in volumes])
    (tmp / "mets.xml").write_bytes(_mets(ctx, volumes, forms))
    make_bag(tmp, {
        "Source-Organization": ctx.config.project.source_organization,
        "External-Description": t("handover.description", name=ctx.config.project.name,
                                  volumes=len(volumes), form=join(forms)),
        "Bagging-Date": datetime.now(UTC).date().isoformat(),
        "Bag-Software-Agent": f"dangan {dangan_version}",
        "Bag-Count": "1 of 1",
        REQUEST_TAG: request,
    })
    crash_point("handover.bagged")
    return n_files


def _request_digest(ctx: ProjectContext, forms: Sequence[str],
                    volumes: Sequence[linkdata.LinkVolume]) -> str:
    """What a handover request asks for: the project, the forms and every delivered file."""
    body: dict[str, Any] = {"project": ctx.config.project.name,
                            "volumes": [asdict(v) for v in volumes]}
    if len(forms) == 1:
        body["form"] = forms[0]  # as bags of one form were always tagged
    else:
        body["forms"] = list(forms)
    return sha256_bytes(json.dumps(body, ensure_ascii=False, sort_keys=True,
                                   default=str).encode("utf-8"))


def _already_built(out: Path, request: str) -> int | None:
    """Files of the bag at ``out`` when it is a whole bag built for ``request``, else None."""
    info = out / "bag-info.txt"
    try:
        text = info.read_text(encoding="utf-8")
    except OSError:
        return None
    if f"{REQUEST_TAG}: {request}" not in text.splitlines():
        return None
    report = verify_bag(out)
    if not report.ok:
        return None
    return sum(1 for p in (out / "data" / "files").rglob("*") if p.is_file()) \
        if (out / "data" / "files").is_dir() else 0


def _remove_abandoned(out: Path) -> int:
    """Remove the temporaries of ``out`` no live run holds (called under the folder lock:
    a new run creates and locks its temporary only while holding it too)."""
    removed = 0
    for path in out.parent.glob(f"{glob.escape(_tmp_prefix(out))}*"):
        if not path.is_dir() or path.is_symlink():
            continue
        try:
            with _flock(path, 0):
                shutil.rmtree(path)
                removed += 1
        except ConflictError:
            continue  # a live run owns it
        except OSError:
            continue
    return removed


@contextlib.contextmanager
def _flock(folder: Path, wait: float) -> Iterator[None]:
    """An exclusive flock on a folder through a descriptor of its own: it conflicts with
    every other holder, threads of this process included; the kernel drops it when the
    process dies (SIGKILL too). Waits up to ``wait`` s, then ConflictError."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ConflictError("handover.busy", path=folder) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def _copy_delivery(ctx: ProjectContext, dest: Path, volumes: Sequence[linkdata.LinkVolume]) -> int:
    """Copy every delivered file (and page index) out of 已上传, checking its recorded hash."""
    from dangan.db.models import StoredFile
    from dangan.storage.checksum import copy_hashing

    codes = {v.archive_code for v in volumes}
    folders = {f for v in volumes for f in v.folder.split(";")}
    count = 0
    with ctx.transaction() as session:
        rows = session.execute(
            select(StoredFile.path, StoredFile.sha256).join(Volume, Volume.id == StoredFile.volume_id)
            .where(StoredFile.area == Area.UPLOADED.key, Volume.archive_code.in_(codes))).all()
    prefix = Area.UPLOADED.value + "/"
    for path, expected in rows:
        rel = path[len(prefix):]
        if rel.rsplit("/", 1)[0] not in folders and not any(rel.startswith(f + "/") for f in folders):
            continue
        target = dest / "files" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with ctx.storage.open(path) as src, target.open("wb") as fh:
            actual, _size = copy_hashing(src, fh)
        if actual != expected:
            raise IntegrityError("storage.checksum_mismatch", path=path, expected=expected,
                                 actual=actual)
        count += 1
    return count


def _copy_records(ctx: ProjectContext, dest: Path, codes: Sequence[str]) -> None:
    dest.mkdir(parents=True)
    with ctx.transaction() as session:
        vols = session.execute(select(Volume.id, Volume.archive_code, Volume.folder_name,
                                      Volume.work_batch_id, Volume.borrow_batch_id)
                               .where(Volume.project_id == ctx.project_id,
                                      Volume.archive_code.in_(list(codes)))).all()
        ids = [v.id for v in vols]
        code_of = {v.id: v.archive_code for v in vols}
        batch_ids = {v.work_batch_id for v in vols if v.work_batch_id is not None}
        borrow_ids = {v.borrow_batch_id for v in vols if v.borrow_batch_id is not None}
        batch_code = {k: v for k, v in session.execute(select(WorkBatch.id, WorkBatch.code).where(
            WorkBatch.id.in_(batch_ids)))}
        borrow_no = {k: v for k, v in session.execute(select(BorrowBatch.id, BorrowBatch.no).where(
            BorrowBatch.id.in_(borrow_ids)))}
        events = session.scalars(select(StageEvent).where(or_(
            StageEvent.volume_id.in_(ids),
            StageEvent.volume_id.is_(None) & StageEvent.work_batch_id.in_(batch_ids),
            StageEvent.volume_id.is_(None) & StageEvent.work_batch_id.is_(None)
            & StageEvent.borrow_batch_id.in_(borrow_ids)))
            .order_by(StageEvent.at, StageEvent.id)).all()
        defects = session.scalars(select(DefectRow).where(DefectRow.volume_id.in_(ids))
                                  .order_by(DefectRow.found_at, DefectRow.id)).all()
        inspections = session.scalars(select(QCInspection).where(
            QCInspection.work_batch_id.in_(batch_ids)).order_by(QCInspection.id)).all()
        reworks = session.scalars(select(Rework).where(Rework.volume_id.in_(ids))
                                  .order_by(Rework.id)).all()
        names = {k: v for k, v in session.execute(select(Worker.id, Worker.name).where(
            Worker.project_id == ctx.project_id))}
    write_record_csvs(dest, events=events, defects=defects, inspections=inspections,
                      reworks=reworks, code_of=code_of, batch_code=batch_code,
                      borrow_no=borrow_no, names=names)
    for v in vols:
        if not v.folder_name:
            continue
        for rel in ctx.storage.walk_files(f"{Area.SCANNED.value}/{v.folder_name}"):
            if rel.endswith("跟踪表.xlsx"):
                target = dest / "跟踪表" / rel.rsplit("/", 1)[-1]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(ctx.storage.read_bytes(rel))
    for rel in ctx.storage.walk_files(Area.RECORDS.value):
        target = dest / rel[len(Area.RECORDS.value) + 1:]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(ctx.storage.read_bytes(rel))


def _mets(ctx: ProjectContext, volumes: Sequence[linkdata.LinkVolume], forms: Sequence[str]) -> bytes:
    schema = schema_of(ctx)
    from dangan.db.models import StoredFile

    codes = [v.archive_code for v in volumes]
    with ctx.transaction() as session:
        pages: dict[str, dict[int, Any]] = {}
        for code, page, sha in session.execute(
                select(Volume.archive_code, Page, StoredFile.sha256)
                .join(Page, Page.volume_id == Volume.id)
                .join(StoredFile, StoredFile.page_id == Page.id)
                .where(Volume.project_id == ctx.project_id, Volume.archive_code.in_(codes),
                       StoredFile.area == Area.RETOUCHED.key)):
            pages.setdefault(code, {})[page.page_no] = (page, sha)
    scan, retouch = ctx.config.scan, ctx.config.retouch
    lead = len(schema.leading_unnumbered)
    out = []
    for vol in volumes:
        vpages = pages.get(vol.archive_code, {})
        devices = sorted({str(p.metrics.get("device", "")) for p, _ in vpages.values()} - {""})
        digit = {
            "resolution": ("分辨率(dpi)", scan.dpi), "colour_mode": ("色彩模式", retouch.colour_mode),
            "scan_format": ("扫描格式", scan.format),
            "compression": ("压缩方式", "JPEG (DCT)" if retouch.format == "jpg" else "LZW"),
            "jpeg_quality": ("压缩质量", retouch.jpeg_quality),
            "delivery_form": ("交付形式", "、".join(forms)), "page_size": ("幅面", retouch.page_size),
            "device": ("扫描设备", "; ".join(devices)),
            "software": ("处理软件", f"dangan {dangan_version}"),
        }
        items = []
        for item in vol.items:
            files = [MetsFile(f"files/{f.path}", f.kind, f.size, f.sha256) for f in item.files]
            mpages = []
            for n in range(item.page_start + lead, item.page_end + lead + 1):
                page, sha = vpages.get(n, (None, ""))
                jpg = next((f for f in files if f.kind == "jpg" and f.path.endswith(f"-{n:04d}.jpg")), None)
                mpages.append(MetsPage(n, str(n - lead), sha, getattr(page, "width", None),
                                       getattr(page, "height", None), getattr(page, "dpi", None),
                                       getattr(page, "colour_mode", None), jpg))
            fields = {k: (ENTRY_LABELS[k][0], item.fields.get(k, "")) for k in
                      ("doc_no", "author", "title", "date", "security_class", "remarks")}
            fields["pages"] = (ENTRY_LABELS["page_start"][0], f"{item.page_start}-{item.page_end}")
            items.append(MetsItem(item.seq, fields, [f for f in files if f.kind != "jpg"], mpages))
        record = {k: (RECORD_LABELS[k][0], v) for k, v in vol.record.items() if k in RECORD_LABELS}
        record["archive_code"] = (RECORD_LABELS["archive_code"][0], vol.archive_code)
        out.append(MetsVolume(vol.archive_code, record, digit, items))
    return build_mets(out, ctx.config.project.name,
                      ctx.config.project.client or ctx.config.project.name,
                      creator=ctx.config.project.contractor)


def verify_handover(path: Path) -> BagReport:
    """Re-check fixity and completeness; IntegrityError naming every problem file."""
    report = verify_bag(path)
    if not report.ok:
        details = ([t("handover.missing", path=p) for p in report.missing]
                   + [t("handover.changed", path=p) for p in report.changed]
                   + [t("handover.unexpected", path=p) for p in report.unexpected]
                   + report.other)
        raise IntegrityError("handover.invalid", path=path, count=len(details), details=details)
    return report
