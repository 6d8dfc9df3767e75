"""数据挂接 export and 挂接检查 (link check).

The link check proves, volume by volume, that catalogue ↔ images ↔ packaged files
correspond one-to-one: the catalogue covers every page, every page has its retouched image,
every item has its packaged file, and every packaged file is unchanged, opens, and has the
item's page count. Findings use the defect record shape of ``dangan check``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dangan.db.models import Page, StoredFile
from dangan.domain.catalogue import RawEntry, item_images, validate_catalogue
from dangan.domain.defects import Defect, Severity, make_defect, register_code
from dangan.errors import DanganError, InputError
from dangan.export import linkdata, pdf, tiff, zipform
from dangan.export.jpgform import page_file_name
from dangan.export.linkdata import LinkFile, LinkItem, LinkVolume
from dangan.i18n import join, t
from dangan.services.delivery.packaging import (
    KINDS,
    as_entry,
    item_file_name,
    load_sources,
    output_dir,
)
from dangan.services.delivery.readiness import stale_packages
from dangan.services.indexing import load_catalogues, missing_catalogue, schema_of, uncatalogued
from dangan.services.project import ProjectContext
from dangan.storage import Area, sha256_bytes

LINK = "link"
IMAGE_MISSING = register_code("link_image_missing", Severity.ERROR, LINK).code
IMAGE_COUNT = register_code("link_image_count", Severity.ERROR, LINK).code
FILE_MISSING = register_code("link_file_missing", Severity.ERROR, LINK).code
FILE_CHANGED = register_code("link_file_changed", Severity.ERROR, LINK).code
FILE_UNREADABLE = register_code("link_file_unreadable", Severity.ERROR, LINK).code
FILE_PAGES = register_code("link_file_pages", Severity.ERROR, LINK).code
FILE_EXTRA = register_code("link_file_extra", Severity.WARNING, LINK).code
NOT_PACKAGED = register_code("link_not_packaged", Severity.ERROR, LINK).code
PACKAGE_STALE = register_code("link_package_stale", Severity.ERROR, LINK).code


def _rel(path: str) -> str:
    """A path inside 已上传 relative to the delivery root."""
    prefix = Area.UPLOADED.value + "/"
    return path[len(prefix):] if path.startswith(prefix) else path


def uploaded_files(session: Any, volume_ids: Sequence[int]) -> dict[int, dict[str, StoredFile]]:
    out: dict[int, dict[str, StoredFile]] = defaultdict(dict)
    for f in session.scalars(select(StoredFile).where(StoredFile.area == Area.UPLOADED.key,
                                                      StoredFile.volume_id.in_(list(volume_ids)))):
        if f.volume_id is not None:
            out[f.volume_id][f.path] = f
    return out


def expected_files(ctx: ProjectContext, code: str, item: Any, form: str, schema: Any,
                   single: bool = False) -> list[str]:
    """The delivered files of one item in ``form``; ``single``: the volume's TIFF was packaged
    one file per page (``--tiff-single``: ``tiff/<档号>/<name>/<档号>-NNNN.tif``)."""
    base = output_dir(form, code)
    name = item_file_name(ctx, code, item.seq)
    if form == "jpg":
        return [f"{base}/{code}-{n:04d}.jpg" for n in item_images(as_entry(item), schema)]
    if form == "tiff" and single:
        return [f"{base}/{name}/{page_file_name(code, n, 'tif')}"
                for n in item_images(as_entry(item), schema)]
    ext = {"pdf": "pdf", "zip": "zip", "tiff": "tif"}[form]
    return [f"{base}/{name}.{ext}"]


def delivery_forms(ctx: ProjectContext, form: str | Sequence[str] | None = None) -> list[str]:
    """The forms asked for: ``form`` (one or several) when given, else every configured form."""
    if not form:
        return list(ctx.config.delivery.forms)
    return [form] if isinstance(form, str) else list(dict.fromkeys(form))


def link_volumes(ctx: ProjectContext, form: str | Sequence[str] | None = None,
                 volume: str | None = None) -> list[LinkVolume]:
    """The volumes with their items and delivered files, in every form asked for (default:
    every configured form); a volume's ``folder`` lists its folder of each form (``;``)."""
    forms = delivery_forms(ctx, form)
    schema = schema_of(ctx)
    with ctx.transaction() as session:
        volumes, _entries, records = load_catalogues(session, ctx.project_id, [volume] if volume else None)
        sources = load_sources(session, ctx.project_id, volume)
        files = uploaded_files(session, [s.volume_id for s in sources])
    out = []
    for src in sorted(sources, key=lambda s: ctx.rules.archive_code.sort_key(s.archive_code)):
        vol_files = files.get(src.volume_id, {})
        single = _single_tiff(vol_files)
        items = []
        for item in src.items:
            fields = {c: getattr(item, c) for c in ("doc_no", "author", "title", "date",
                                                     "security_class", "remarks")}
            fields.update(item.extra or {})
            linked = [LinkFile(_rel(p), f, vol_files[p].size, vol_files[p].sha256)
                      for f in forms
                      for p in expected_files(ctx, src.archive_code, item, f, schema, single)
                      if p in vol_files]
            items.append(LinkItem(item.seq, item.page_start, item.page_end, fields, linked))
        record = records.get(src.volume_id, {})
        folder = ";".join(_rel(output_dir(f, src.archive_code)) for f in forms)
        out.append(LinkVolume(volumes[src.volume_id].archive_code, record, folder, items))
    return out


def export_link_data(ctx: ProjectContext, out: Path, fmt: str,
                     form: str | Sequence[str] | None = None) -> list[Path]:
    schema = schema_of(ctx)
    vols = link_volumes(ctx, form)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        out.write_bytes(linkdata.to_xlsx(schema, vols))
        return [out]
    if fmt == "xml":
        out.write_bytes(linkdata.to_xml(schema, vols, ctx.config.project.name))
        return [out]
    if fmt == "csv":
        written = []
        for title, data in linkdata.to_csv(schema, vols).items():
            path = out.with_name(f"{out.stem}-{title}.csv")
            path.write_bytes(data)
            written.append(path)
        return written
    raise InputError("link.unknown_format", fmt=fmt)


@dataclass
class LinkCheck:
    defects: list[Defect]
    volumes: int  # volumes checked
    files: int  # delivered files checked
    forms: list[str]


def check_links(ctx: ProjectContext, volume: str | None = None, forms: Sequence[str] | None = None) -> list[Defect]:
    """挂接检查 for the project (or one volume)."""
    return check_links_counted(ctx, volume, forms).defects


def check_links_counted(ctx: ProjectContext, volume: str | None = None,
                        forms: Sequence[str] | None = None) -> LinkCheck:
    """挂接检查 with what it covered: volumes, delivered files, forms (default: every
    configured form)."""
    schema = schema_of(ctx)
    forms = delivery_forms(ctx, forms)
    with ctx.transaction() as session:
        volumes, entries, records = load_catalogues(session, ctx.project_id, [volume] if volume else None)
        sources = {s.volume_id: s for s in load_sources(session, ctx.project_id, volume)}
        files = uploaded_files(session, list(sources))
        without = uncatalogued(session, ctx, volume, record_counts=False)  # no item: no link
        page_nos: dict[int, set[int]] = defaultdict(set)
        for vid, no in session.execute(select(Page.volume_id, Page.page_no)
                                       .where(Page.volume_id.in_(list(sources)))):
            page_nos[vid].add(no)
        stale = set(stale_packages(ctx, session, {v: s.archive_code for v, s in sources.items()}))
    defects: list[Defect] = [missing_catalogue(c) for c in without]  # nothing to link
    checked_files = 0
    for vid, src in sources.items():
        code = src.archive_code
        vol = volumes[vid]
        images = len(page_nos[vid]) or None
        record = RawEntry({**records[vid], "archive_code": code}) if vid in records else None
        cat = validate_catalogue(code, record, [RawEntry(r) for r in entries[vid]], schema, images)
        defects.extend(cat.defects)
        if vol.page_count is not None and images is not None and images != vol.page_count:
            defects.append(make_defect(IMAGE_COUNT, path=code, volume=code,
                                       registered=vol.page_count, found=images))
        for n in sorted(page_nos[vid] - src.pages.keys()):
            defects.append(make_defect(IMAGE_MISSING, path=f"{Area.RETOUCHED.value}/{code}",
                                       volume=code, page=n))
        if code in stale:  # the handover's rule: delivered pages or catalogue out of date
            defects.append(make_defect(PACKAGE_STALE, path=_rel(output_dir(forms[0], code)),
                                       volume=code))
        for form in forms:
            found, n_files = _check_form(ctx, src, form, files.get(vid, {}), schema)
            defects.extend(found)
            checked_files += n_files
    return LinkCheck(defects, len(sources) + len(without), checked_files, forms)


def _check_form(ctx: ProjectContext, src: Any, form: str, vol_files: dict[str, StoredFile],
                schema: Any) -> tuple[list[Defect], int]:
    """The defects of one volume's files in ``form``, and how many files were checked."""
    code = src.archive_code
    mine = {p: f for p, f in vol_files.items() if f.kind in KINDS[form]}
    if not mine:
        return [make_defect(NOT_PACKAGED, path=_rel(output_dir(form, code)), volume=code, form=form)], 0
    found: list[Defect] = []
    n_checked = 0
    expected: set[str] = set()
    single = _single_tiff(mine)
    for item in src.items:
        paths = expected_files(ctx, code, item, form, schema, single)
        expected.update(paths)
        for path in paths:
            row = mine.get(path)
            if row is None:
                found.append(make_defect(FILE_MISSING, path=_rel(path), volume=code,
                                         page=item.page_start, seq=item.seq))
                continue
            n_checked += 1
            found.extend(_check_file(ctx, row, code, item, form, len(paths)))
    for path, row in mine.items():
        if row.kind == "page_index":  # delivered too (jpg): counted as handover counts it
            n_checked += 1
            if not _same_bytes(ctx, row):
                found.append(make_defect(FILE_CHANGED, path=_rel(path), volume=code))
        elif path not in expected:
            found.append(make_defect(FILE_EXTRA, path=_rel(path), volume=code))
    return found, n_checked


def _same_bytes(ctx: ProjectContext, row: StoredFile) -> bool:
    try:
        return sha256_bytes(ctx.storage.read_bytes(row.path)) == row.sha256
    except DanganError:
        return False


def _single_tiff(vol_files: dict[str, StoredFile]) -> bool:
    """Whether the volume's TIFF delivery is one file per page (packaged ``--tiff-single``)."""
    return any(f.kind == "tiff_page" for f in vol_files.values())


def _check_file(ctx: ProjectContext, row: StoredFile, code: str, item: Any, form: str, n_files: int) -> list[Defect]:
    rel = _rel(row.path)
    try:
        data = ctx.storage.read_bytes(row.path)
    except DanganError:
        return [make_defect(FILE_MISSING, path=rel, volume=code, page=item.page_start, seq=item.seq)]
    if sha256_bytes(data) != row.sha256:
        return [make_defect(FILE_CHANGED, path=rel, volume=code, seq=item.seq)]
    want = item.page_end - item.page_start + 1 if n_files == 1 else 1
    try:
        if form == "pdf":
            got = pdf.page_count(data)
        elif form == "tiff":
            got = tiff.tiff_pages(data)
        elif form == "zip":
            got = len(zipform.zip_members(data))
        else:
            got = 1 if data[:3] == b"\xff\xd8\xff" else 0
    except DanganError as exc:
        return [make_defect(FILE_UNREADABLE, path=rel, volume=code, seq=item.seq, detail=exc.message)]
    if got != want:
        return [make_defect(FILE_PAGES, path=rel, volume=code, seq=item.seq, expected=want, found=got)]
    return []


def summary_line(defects: Sequence[Defect], volumes: int) -> str:
    errors = sum(1 for d in defects if d.is_error)
    return t("link.summary", volumes=volumes, errors=errors, warnings=len(defects) - errors)


def checked_line(check: LinkCheck) -> str:
    """What the link check covered and found."""
    errors = sum(1 for d in check.defects if d.is_error)
    return t("link.checked", volumes=check.volumes, files=check.files,
             forms=join(check.forms), errors=errors, warnings=len(check.defects) - errors)
