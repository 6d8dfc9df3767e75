"""Packaging (上传): build the delivery form of each indexed volume into 已上传.

Forms: ``pdf`` one PDF per item (JPEGs embedded unchanged; optional OCR to PDF/A), ``zip``
one ZIP of page JPEGs per item, ``tiff`` one multi-page TIFF per item (or single pages),
``jpg`` one JPEG per page plus a page index. Files are written first (atomically), then
their StoredFile rows replace the previous packaging of the volume in one transaction, so
re-packaging a corrected volume leaves no stale file behind. Every retouched page is checked
against its recorded SHA-256 as it is read; a page that differs stops packaging
(IntegrityError, exit 8, naming the file): a delivery is never built from changed images.
After the files are recorded the engine signs the upload stage for the volumes whose batch
the packager holds at that stage.

Layout: ``已上传/<form>/<archive code>/<name>.<ext>``, ``<name>`` from ``[delivery] pdf_name``.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dangan.db.models import Item, Page, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.domain.catalogue import CatalogueSchema, Entry, item_images
from dangan.errors import (
    ConfigError,
    DanganError,
    InputError,
    IntegrityError,
    NotFoundError,
    StorageError,
)
from dangan.export import jpgform, pdf, tiff, zipform
from dangan.i18n import t
from dangan.services import engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.indexing import schema_of
from dangan.services.project import ProjectContext
from dangan.storage import Area, sha256_bytes

FORMS = ("pdf", "jpg", "tiff", "zip")
KINDS = {"pdf": ("pdf",), "zip": ("zip",), "tiff": ("tiff", "tiff_page"),
         "jpg": ("jpg", "page_index")}
EXT = {"pdf": "pdf", "zip": "zip", "tiff": "tif"}
PAGE_INDEX = "页面索引.csv"


@dataclass
class VolumeSource:
    """What packaging needs of one volume: its items and its retouched page files."""

    volume_id: int
    archive_code: str
    items: list[Item]
    pages: dict[int, tuple[int, str]]  # image no -> (page id, storage path)
    sha256: dict[str, str] = field(default_factory=dict)  # storage path -> recorded SHA-256


@dataclass
class PackageResult:
    form: str
    volumes: int = 0
    files: int = 0
    pages: int = 0
    problems: list[str] = field(default_factory=list)
    packaged: list[str] = field(default_factory=list)
    signed: list[str] = field(default_factory=list)


def item_file_name(ctx: ProjectContext, archive_code: str, seq: int) -> str:
    pattern = ctx.config.delivery.pdf_name
    try:
        return str(pattern.format(archive_code=archive_code, item_no=seq, seq=seq))
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError("package.bad_name_pattern", pattern=pattern, detail=str(exc)) from exc


def output_dir(form: str, archive_code: str) -> str:
    return f"{Area.UPLOADED.value}/{form}/{archive_code}"


def as_entry(item: Item) -> Entry:
    return Entry(item.seq, item.page_start, item.page_end, {"title": item.title})


def load_sources(session: Session, project_id: int, volume: str | None) -> list[VolumeSource]:
    """Indexed volumes with their items and retouched pages, in bulk."""
    q = select(Volume.id, Volume.archive_code).where(Volume.project_id == project_id)
    if volume:
        q = q.where(Volume.archive_code == volume)
    vols: dict[int, str] = {vid: code for vid, code in session.execute(q)}
    if volume and not vols:
        raise NotFoundError("index.volume_not_found", code=volume)
    items: dict[int, list[Item]] = defaultdict(list)
    iq = select(Item).order_by(Item.volume_id, Item.seq)
    pq = (select(StoredFile.volume_id, Page.page_no, Page.id, StoredFile.path, StoredFile.sha256)
          .join(Page, Page.id == StoredFile.page_id)
          .where(StoredFile.project_id == project_id, StoredFile.area == Area.RETOUCHED.key))
    if volume:
        iq = iq.where(Item.volume_id.in_(list(vols)))
        pq = pq.where(StoredFile.volume_id.in_(list(vols)))
    for item in session.scalars(iq):
        if item.volume_id in vols:
            items[item.volume_id].append(item)
    pages: dict[int, dict[int, tuple[int, str]]] = defaultdict(dict)
    sums: dict[int, dict[str, str]] = defaultdict(dict)
    for vid, page_no, page_id, path, sha in session.execute(pq):
        if vid is not None:
            pages[vid][page_no] = (page_id, path)
            sums[vid][path] = sha
    return [VolumeSource(vid, code, items[vid], pages.get(vid, {}), sums.get(vid, {}))
            for vid, code in vols.items() if items.get(vid)]


def read_page(ctx: ProjectContext, src: VolumeSource, path: str) -> bytes:
    """A retouched page's bytes, verified against the SHA-256 recorded for it."""
    data = bytes(ctx.storage.read_bytes(path))
    expected = src.sha256.get(path)
    if expected is not None and sha256_bytes(data) != expected:
        raise IntegrityError("package.page_changed", path=path, code=src.archive_code,
                             expected=expected[:12], actual=sha256_bytes(data)[:12])
    return data


def missing_pages(src: VolumeSource, schema: CatalogueSchema) -> list[int]:
    wanted = {n for item in src.items for n in item_images(as_entry(item), schema)}
    return sorted(wanted - src.pages.keys())


@dataclass
class _Output:
    path: str
    kind: str
    data: bytes
    page_id: int | None = None


def build_outputs(ctx: ProjectContext, src: VolumeSource, form: str, schema: CatalogueSchema, *,
                  ocr: bool = False, tiff_single: bool = False) -> Iterator[_Output]:
    """The files of one volume in one form (pure apart from reading the page files)."""
    dpi = ctx.config.scan.dpi
    base = output_dir(form, src.archive_code)
    if form == "jpg":
        yield from _jpg_outputs(ctx, src, schema, base)
        return
    for item in src.items:
        images = list(item_images(as_entry(item), schema))
        jpegs = [read_page(ctx, src, src.pages[n][1]) for n in images]
        name = item_file_name(ctx, src.archive_code, item.seq)
        if form == "pdf":
            info = pdf.PdfInfo(title=item.title, author=item.author,
                               subject=t("package.pdf_subject", code=src.archive_code,
                                         seq=item.seq, doc_no=item.doc_no).strip(),
                               keywords=src.archive_code)
            data = pdf.item_pdf(jpegs, dpi, info)
            yield _Output(f"{base}/{name}.pdf", "pdf", _ocr(data) if ocr else data)
        elif form == "zip":
            members = [(jpgform.page_file_name(src.archive_code, n), d) for n, d in zip(images, jpegs, strict=True)]
            yield _Output(f"{base}/{name}.zip", "zip", zipform.item_zip(members))
        elif form == "tiff" and tiff_single:
            for n, data in zip(images, tiff.single_tiffs(jpegs, dpi), strict=True):
                yield _Output(f"{base}/{name}/{jpgform.page_file_name(src.archive_code, n, 'tif')}",
                              "tiff_page", data, src.pages[n][0])
        elif form == "tiff":
            yield _Output(f"{base}/{name}.tif", "tiff", tiff.multipage_tiff(jpegs, dpi))
        else:
            raise InputError("package.unknown_form", form=form, choices=", ".join(FORMS))


def _jpg_outputs(ctx: ProjectContext, src: VolumeSource, schema: CatalogueSchema, base: str) -> Iterator[_Output]:
    owner: dict[int, Item] = {}
    for item in src.items:
        for n in item_images(as_entry(item), schema):
            owner[n] = item
    index: list[jpgform.IndexedPage] = []
    lead = len(schema.leading_unnumbered)
    for n in sorted(src.pages):
        page_id, path = src.pages[n]
        data = read_page(ctx, src, path)
        name = jpgform.page_file_name(src.archive_code, n)
        holder = owner.get(n)
        index.append(jpgform.IndexedPage(src.archive_code, n, str(n - lead) if holder else "",
                                         str(holder.seq) if holder else "",
                                         holder.title if holder else "",
                                         name, sha256_bytes(data)))
        yield _Output(f"{base}/{name}", "jpg", data, page_id)
    yield _Output(f"{base}/{PAGE_INDEX}", "page_index", jpgform.page_index_csv(index))


def _ocr(data: bytes) -> bytes:
    from dangan.export.ocr import ocr_pdf

    with tempfile.TemporaryDirectory(prefix="dangan-ocr-") as tmp:
        src, dest = Path(tmp) / "in.pdf", Path(tmp) / "out.pdf"
        src.write_bytes(data)
        ocr_pdf(src, dest)
        return dest.read_bytes()


def package(ctx: ProjectContext, actor: Actor, form: str, volume: str | None = None, *, ocr: bool = False,
            tiff_single: bool = False) -> PackageResult:
    """Package every indexed volume (or one) whose pages are all retouched; verified pages
    only. Then the upload stage is signed for the volumes the packager holds."""
    engine.require_any_role(actor, wf.STAGE_ALLOWED_ROLES[wf.UPLOAD])
    if form not in FORMS:
        raise InputError("package.unknown_form", form=form, choices=", ".join(FORMS))
    schema = schema_of(ctx)
    result = PackageResult(form)
    with ctx.transaction() as session:
        sources = load_sources(session, ctx.project_id, volume)
    if volume and not sources:
        raise InputError("package.not_indexed", code=volume)
    for src in sources:
        missing = missing_pages(src, schema)
        if missing:
            result.problems.append(t("package.missing_pages", code=src.archive_code,
                                     pages=_ranges(missing)))
            continue
        try:
            rows = _write_volume(ctx, src, form, schema, ocr=ocr, tiff_single=tiff_single)
        except (IntegrityError, StorageError):
            raise  # a changed page, or the storage itself failing: stop with its exit code
        except DanganError as exc:
            result.problems.append(t("package.volume_failed", code=src.archive_code, detail=exc.message))
            continue
        _record_volume(ctx, actor, src, form, rows)
        result.packaged.append(src.archive_code)
        result.volumes += 1
        result.files += len(rows)
        result.pages += sum(i.page_end - i.page_start + 1 for i in src.items)
    if result.packaged:
        with ctx.transaction() as session:
            at_upload = list(session.scalars(select(Volume.archive_code).where(
                Volume.project_id == ctx.project_id, Volume.stage == wf.UPLOAD,
                Volume.archive_code.in_(result.packaged))))
        if at_upload:
            result.signed = list(engine.sign_recorded(ctx, actor, at_upload, wf.UPLOAD).signed)
    return result


def _write_volume(ctx: ProjectContext, src: VolumeSource, form: str, schema: CatalogueSchema,
                  **options: Any) -> list[StoredFile]:
    rows = []
    for out in build_outputs(ctx, src, form, schema, **options):
        digest = ctx.storage.write_bytes(out.path, out.data)
        rows.append(StoredFile(project_id=ctx.project_id, volume_id=src.volume_id,
                               page_id=out.page_id, area=Area.UPLOADED.key, path=out.path,
                               kind=out.kind, sha256=digest, size=len(out.data)))
    return rows


def _record_volume(ctx: ProjectContext, actor: Actor, src: VolumeSource, form: str,
                   rows: Sequence[StoredFile]) -> None:
    """Replace the volume's previous files of this form; delete files no longer produced."""
    new_paths = {r.path for r in rows}
    with ctx.transaction() as session:
        old = session.scalars(select(StoredFile.path).where(
            StoredFile.volume_id == src.volume_id, StoredFile.area == Area.UPLOADED.key,
            StoredFile.kind.in_(KINDS[form]))).all()
        session.execute(delete(StoredFile).where(
            StoredFile.volume_id == src.volume_id, StoredFile.area == Area.UPLOADED.key,
            StoredFile.kind.in_(KINDS[form])))
        session.flush()
        session.add_all(rows)
        ws.add_event(session, ctx.project_id, wf.EVENT_PACKAGE, actor.name, stage=wf.UPLOAD,
                     worker_id=actor.worker_id, volume_id=src.volume_id,
                     data={"form": form, "files": len(rows),
                           "pages_verified": len(src.sha256)})
    for path in set(old) - new_paths:
        if ctx.storage.exists(path):
            ctx.storage.fs.rm(ctx.storage.path(path))


def _ranges(numbers: Sequence[int]) -> str:
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)
