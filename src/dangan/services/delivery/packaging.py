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

A volume past the upload stage (in QC, rebinding, returned) has its delivery checked and
handed on: it is packaged again only to correct it — while a rework of it is open, or as a
recorded correction with its reason (``correction``); otherwise packaging it is refused
(StateError ``package.volume_locked``) before any file is written. The same request again
changes nothing and is never refused.

Layout: ``已上传/<form>/<archive code>/<name>.<ext>``, ``<name>`` from ``[delivery] pdf_name``.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dangan.db.models import Item, Page, Rework, StageEvent, StoredFile, Volume
from dangan.domain import registry
from dangan.domain import workflow as wf
from dangan.domain.catalogue import CatalogueSchema, Entry, item_images
from dangan.errors import (
    ConfigError,
    DanganError,
    InputError,
    IntegrityError,
    NotFoundError,
    StateError,
    StorageError,
)
from dangan.export import jpgform, pdf, tiff, zipform
from dangan.i18n import t
from dangan.intake.locks import holds_project_lock
from dangan.intake.renumber import crash_point
from dangan.services import claims, engine
from dangan.services import workflow_state as ws
from dangan.services.delivery.package_digest import (
    catalogue_digest,
    latest_catalogue_events,
    pages_digest,
)
from dangan.services.engine import Actor
from dangan.services.indexing import schema_of
from dangan.services.project import ProjectContext
from dangan.storage import Area, replace_durably, sha256_bytes
from dangan.storage.atomic import TMP_PREFIX

FORMS = ("pdf", "jpg", "tiff", "zip")
KINDS = registry.FORM_FILE_KINDS
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
    unsigned: list[str] = field(default_factory=list)  # why a packaged volume is not signed
    waiting: dict[str, list[str]] = field(default_factory=dict)  # code -> forms still to make
    already: list[str] = field(default_factory=list)  # the same request was packaged before


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


def load_sources(session: Session, project_id: int, volume: str | None,
                 volume_ids: Sequence[int] | None = None) -> list[VolumeSource]:
    """Indexed volumes with their items and retouched pages, in bulk: the project's, one
    (``volume``) or those of ``volume_ids``."""
    q = select(Volume.id, Volume.archive_code).where(Volume.project_id == project_id)
    if volume:
        q = q.where(Volume.archive_code == volume)
    if volume_ids is not None:
        q = q.where(Volume.id.in_(list(volume_ids)))
    vols: dict[int, str] = {vid: code for vid, code in session.execute(q)}
    if volume and not vols:
        raise NotFoundError("index.volume_not_found", code=volume)
    items: dict[int, list[Item]] = defaultdict(list)
    iq = select(Item).order_by(Item.volume_id, Item.seq)
    pq = (select(StoredFile.volume_id, Page.page_no, Page.id, StoredFile.path, StoredFile.sha256)
          .join(Page, Page.id == StoredFile.page_id)
          .where(StoredFile.project_id == project_id, StoredFile.area == Area.RETOUCHED.key))
    if volume or volume_ids is not None:
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


@holds_project_lock("package")  # one packaging per project: leftovers found are a dead run's
def package(ctx: ProjectContext, actor: Actor, form: str, volume: str | None = None, *, ocr: bool = False,
            tiff_single: bool = False, correction: str = "") -> PackageResult:
    """Package every indexed volume (or one) whose pages are all retouched; verified pages
    only. Then the upload stage is signed for the volumes the packager holds.

    A volume past the upload stage is packaged again only while a rework of it is open or
    as a correction (``correction``: the reason, recorded in the volume's history); else
    the run is refused before anything is written (``package.volume_locked``)."""
    engine.require_any_role(actor, wf.STAGE_ALLOWED_ROLES[wf.UPLOAD])
    if form not in FORMS:
        raise InputError("package.unknown_form", form=form, choices=", ".join(FORMS))
    schema = schema_of(ctx)
    result = PackageResult(form)
    with ctx.transaction() as session:
        seen = latest_catalogue_events(session, ctx.project_id)  # before the items are read
        sources = load_sources(session, ctx.project_id, volume)
    if volume and not sources:
        raise InputError("package.not_indexed", code=volume)
    claims.refuse_other_holders(ctx, actor, [s.volume_id for s in sources], wf.UPLOAD)
    options = {"ocr": ocr, "tiff_single": tiff_single}
    corrected = _locked_volumes(ctx, sources, form, options)
    if corrected and not correction.strip():
        raise StateError("package.volume_locked", count=len(corrected),
                         codes="、".join(corrected[:10]), details=corrected[:50])
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
        _record_volume(ctx, actor, src, form, rows,
                       correction.strip() if src.archive_code in corrected else "",
                       seen.get(src.volume_id, 0))
        if isinstance(rows, _Rows) and rows.already:
            result.already.append(src.archive_code)  # same request, published before: untouched
        result.packaged.append(src.archive_code)
        result.volumes += 1
        result.files += len(rows)
        result.pages += sum(i.page_end - i.page_start + 1 for i in src.items)
    if result.packaged:
        with ctx.transaction() as session:
            at_upload = list(session.scalars(select(Volume.archive_code).where(
                Volume.project_id == ctx.project_id, Volume.stage == wf.UPLOAD,
                Volume.archive_code.in_(result.packaged))))
        ready, waiting = _all_forms_done(ctx, at_upload)
        result.waiting = waiting
        if ready:
            outcome = engine.sign_recorded(ctx, actor, ready, wf.UPLOAD)
            result.signed, result.unsigned = list(outcome.signed), outcome.messages()
    return result


def package_forms(ctx: ProjectContext, actor: Actor, forms: Sequence[str] | None = None,
                  volume: str | None = None, *, ocr: bool = False,
                  tiff_single: bool = False, correction: str = "") -> list[PackageResult]:
    """Package each of ``forms`` in turn — by default every form of ``[delivery] forms``, the
    forms the upload stage needs — one :func:`package` run per form. The upload stage is
    signed by the run that completes a volume's forms. A PDF gets its text layer when asked
    (``ocr``) or when ``[delivery] ocr`` says so; ``tiff_single`` concerns TIFF only."""
    chosen = list(forms or ctx.config.delivery.forms)
    for form in chosen:  # an unknown form is refused before anything is made
        if form not in FORMS:
            raise InputError("package.unknown_form", form=form, choices=", ".join(FORMS))
    # each form gets only its own options, so the same request is recognised whichever
    # other options were given
    return [package(ctx, actor, form, volume,
                    ocr=form == "pdf" and (ocr or ctx.config.delivery.ocr),
                    tiff_single=form == "tiff" and tiff_single, correction=correction)
            for form in chosen]


def _locked_volumes(ctx: ProjectContext, sources: Sequence[VolumeSource], form: str,
                    options: dict[str, Any]) -> list[str]:
    """The volumes this run would change although they are past the upload stage with no
    open rework: their delivery was checked (or handed back) as it is. A volume whose last
    packaging in ``form`` was this very request, its files in place, is not changed."""
    graph = ws.graph_for(ctx.config)
    ids = [s.volume_id for s in sources]
    with ctx.transaction() as session:
        stages = dict(session.execute(select(Volume.id, Volume.stage).where(Volume.id.in_(ids))).all())
        reworked = set(session.scalars(select(Rework.volume_id).where(
            Rework.volume_id.in_(ids), Rework.status == "open")))
    locked = []
    for src in sources:
        stage = stages.get(src.volume_id, "")
        past = stage == wf.DONE or (wf.UPLOAD in graph.stages and stage in graph.stages
                                     and graph.passed(stage, wf.UPLOAD))
        if not past or src.volume_id in reworked:
            continue
        if _already_done(ctx, src, form, _request_digest(ctx, src, form, options)) is None:
            locked.append(src.archive_code)
    return locked


def _all_forms_done(ctx: ProjectContext, codes: Sequence[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Split ``codes`` into volumes holding every configured delivery form and the others
    (with the forms they still lack): the upload stage is signed only when all are made."""
    if not codes:
        return [], {}
    forms: list[str] = list(ctx.config.delivery.forms)
    with ctx.transaction() as session:
        have: dict[str, set[str]] = defaultdict(set)
        for code, kind in session.execute(
                select(Volume.archive_code, StoredFile.kind).join(
                    StoredFile, StoredFile.volume_id == Volume.id).where(
                    Volume.project_id == ctx.project_id, Volume.archive_code.in_(codes),
                    StoredFile.area == Area.UPLOADED.key).distinct()):
            have[code].add(kind)
    ready, waiting = [], {}
    for code in codes:
        lacking = [f for f in forms if not have[code] & set(KINDS[f])]
        if lacking:
            waiting[code] = lacking
        else:
            ready.append(code)
    return ready, waiting


PKG_TMP = ".dangan-pkg-"  # written, not yet published: <folder>/.dangan-pkg-<sha256[:16]>-<name>


def staged_name(rel: str, sha256: str) -> str:
    """Where a delivered file waits, named by its content, until its record is committed."""
    folder, name = posixpath.split(rel)
    return f"{folder}/{PKG_TMP}{sha256[:16]}-{name}"


class _Rows(list[StoredFile]):
    """The rows of one volume's packaging, with what the run staged to publish them."""

    def __init__(self, request: str, already: bool = False) -> None:
        super().__init__()
        self.request = request
        self.already = already  # the same request was packaged and published before
        self.staged: list[tuple[str, str]] = []  # (temporary, final path)


def _write_volume(ctx: ProjectContext, src: VolumeSource, form: str, schema: CatalogueSchema,
                  **options: Any) -> list[StoredFile]:
    """Stage the volume's files (record before publish): each is written under a temporary
    named by its content beside its final path; nothing under a delivered name changes until
    ``_record_volume`` has committed the rows. Files a killed run recorded but did not publish
    are published first, other leftovers removed (the project's package lock is held, so no
    live run owns them). A request already packaged and published is recognised: no file is
    written and no second record made."""
    request = _request_digest(ctx, src, form, options)
    _adopt_and_clean(ctx, src, form)
    done = _already_done(ctx, src, form, request)
    if done is not None:
        return done
    rows = _Rows(request)
    try:
        for out in build_outputs(ctx, src, form, schema, **options):
            digest = sha256_bytes(out.data)
            tmp = staged_name(out.path, digest)
            try:
                ctx.storage.write_bytes(tmp, out.data)
            except StorageError as exc:  # name the delivered file, not the temporary
                raise StorageError("storage.write_failed", path=out.path,
                                   detail=exc.params.get("detail", "")) from exc
            rows.staged.append((tmp, out.path))
            crash_point("package.first_temporary")
            rows.append(StoredFile(project_id=ctx.project_id, volume_id=src.volume_id,
                                   page_id=out.page_id, area=Area.UPLOADED.key, path=out.path,
                                   kind=out.kind, sha256=digest, size=len(out.data)))
    except BaseException:
        for tmp, _final in rows.staged:
            _remove_quietly(ctx, tmp)
        raise
    return rows


def _record_volume(ctx: ProjectContext, actor: Actor, src: VolumeSource, form: str,
                   rows: Sequence[StoredFile], correction: str = "",
                   catalogue_event: int = 0) -> None:
    """Replace the volume's previous files of this form in one transaction, then publish the
    staged files under their names and delete files no longer produced (and the folders they
    leave empty). ``correction``: the reason a volume past the upload stage is packaged
    again, recorded in its history. The package event records what the files hold (the
    catalogue as the form carries it, the pages) and the latest catalogue import seen before
    the items were read (``catalogue_event``), for ``readiness.stale_packages``."""
    if isinstance(rows, _Rows) and rows.already:
        return
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
        if correction:
            volume = session.get(Volume, src.volume_id)
            ws.add_event(session, ctx.project_id, wf.EVENT_CORRECTION, actor.name,
                         stage=wf.UPLOAD, worker_id=actor.worker_id, volume_id=src.volume_id,
                         work_batch_id=volume.work_batch_id if volume else None,
                         remarks=correction,
                         data={"what": "package", "form": form,
                               "volume_stage": volume.stage if volume else ""})
        ws.add_event(session, ctx.project_id, wf.EVENT_PACKAGE, actor.name, stage=wf.UPLOAD,
                     worker_id=actor.worker_id, volume_id=src.volume_id,
                     data={"form": form, "files": len(rows),
                           "pages_verified": len(src.sha256),
                           "request": rows.request if isinstance(rows, _Rows) else "",
                           "catalogue": catalogue_digest(src.items, form),
                           "pages": pages_digest((n, src.sha256.get(path, ""))
                                                 for n, (_pid, path) in src.pages.items()),
                           "catalogue_event": catalogue_event})
    crash_point("package.recorded")
    for tmp, final in rows.staged if isinstance(rows, _Rows) else ():
        _publish(ctx, tmp, final)
    for path in set(old) - new_paths:
        if ctx.storage.exists(path):
            ctx.storage.fs.rm(ctx.storage.path(path))
    _remove_empty_folders(ctx, output_dir(form, src.archive_code))


def _remove_empty_folders(ctx: ProjectContext, base: str) -> None:
    """Remove the folders under ``base`` left empty (per-item folders of single-page TIFFs
    when a volume is packaged again another way); ``base`` itself stays."""
    fs = ctx.storage.fs
    root = ctx.storage.path(base)
    if not fs.exists(root):
        return
    folders = [f for f, info in fs.find(root, withdirs=True, detail=True).items()
               if info.get("type") == "directory" and f.rstrip("/") != root.rstrip("/")]
    for folder in sorted(folders, key=lambda f: f.count("/"), reverse=True):
        with contextlib.suppress(OSError):
            if not fs.ls(folder):
                fs.rmdir(folder)


def _request_digest(ctx: ProjectContext, src: VolumeSource, form: str,
                    options: dict[str, Any]) -> str:
    """What packaging a volume asks for: the form, its options and naming, every item's
    fields and every page's recorded checksum."""
    items = [{c.name: getattr(i, c.name) for c in Item.__table__.columns if c.name != "id"}
             for i in src.items]
    pages = sorted((n, src.sha256.get(path, "")) for n, (_pid, path) in src.pages.items())
    body = {"form": form, "options": options, "name": ctx.config.delivery.pdf_name,
            "dpi": ctx.config.scan.dpi, "items": items, "pages": pages}
    return sha256_bytes(json.dumps(body, ensure_ascii=False, sort_keys=True,
                                   default=str).encode("utf-8"))


def _already_done(ctx: ProjectContext, src: VolumeSource, form: str,
                  request: str) -> _Rows | None:
    """The volume's rows when its last packaging in ``form`` was this very request and every
    file it recorded is in place at its recorded size; None when it must be packaged."""
    with ctx.transaction() as session:
        last = None
        for data in session.scalars(select(StageEvent.data).where(
                StageEvent.volume_id == src.volume_id, StageEvent.kind == wf.EVENT_PACKAGE)
                .order_by(StageEvent.id.desc())):
            if (data or {}).get("form") == form:
                last = data
                break
        if last is None or last.get("request") != request:
            return None
        rows = list(session.scalars(select(StoredFile).where(
            StoredFile.volume_id == src.volume_id, StoredFile.area == Area.UPLOADED.key,
            StoredFile.kind.in_(KINDS[form]))))
        present = [(r.path, r.size) for r in rows]
    if not rows or len(rows) != int(last.get("files", -1)):
        return None
    for path, size in present:
        if not ctx.storage.exists(path) or ctx.storage.size(path) != size:
            return None
    done = _Rows(request, already=True)
    done.extend(rows)
    return done


def _adopt_and_clean(ctx: ProjectContext, src: VolumeSource, form: str) -> None:
    """Publish the files a killed run recorded but did not rename into place; remove every
    other temporary in the volume's folder of this form."""
    folder = ctx.storage.path(output_dir(form, src.archive_code))
    fs = ctx.storage.fs
    if not fs.exists(folder):
        return
    leftovers = [f for f in fs.find(folder) if posixpath.basename(f).startswith((PKG_TMP, TMP_PREFIX))]
    if not leftovers:
        return
    with ctx.transaction() as session:
        recorded = dict(session.execute(select(StoredFile.path, StoredFile.sha256).where(
            StoredFile.volume_id == src.volume_id, StoredFile.area == Area.UPLOADED.key,
            StoredFile.kind.in_(KINDS[form]))).all())
    for full in leftovers:
        rel = ctx.storage.relative(full)
        name = posixpath.basename(rel)
        if name.startswith(PKG_TMP):
            final = f"{posixpath.dirname(rel)}/{name[len(PKG_TMP) + 17:]}"
            want = recorded.get(final)
            if want and staged_name(final, want) == rel and ctx.storage.sha256(rel) == want and (
                    not ctx.storage.exists(final) or ctx.storage.sha256(final) != want):
                _publish(ctx, rel, final)
                continue
        _remove_quietly(ctx, rel)


def _publish(ctx: ProjectContext, tmp: str, final: str) -> None:
    """Rename a staged file over its delivered name (durably on local storage)."""
    try:
        if ctx.storage.is_local:
            replace_durably(ctx.storage.path(tmp), ctx.storage.path(final))
        else:
            ctx.storage.fs.mv(ctx.storage.path(tmp), ctx.storage.path(final))
    except OSError as exc:
        raise StorageError("storage.write_failed", path=final, detail=str(exc)) from exc


def _remove_quietly(ctx: ProjectContext, rel: str) -> None:
    with contextlib.suppress(OSError):
        ctx.storage.fs.rm(ctx.storage.path(rel))


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
