"""Shared set-up for the workflow tests: volumes, workers, and steps of the line."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from dangan.db.models import Defect, Item, Page, StoredFile, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.export.catalogue_xlsx import VolumeCatalogue, write_catalogue_workbook
from dangan.samples import SetTruth
from dangan.services import (
    batches,
    borrow,
    claims,
    indexing,
    qc,
    rebind,
    rework,
    signoff,
    sorting,
    workers,
)
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor, resolve_actor
from dangan.services.project import ProjectContext, open_project
from dangan.storage import sha256_bytes

PEOPLE: dict[str, list[str]] = {
    "王借": [wf.BORROW_CLERK],
    "李整": [wf.SORTER],
    "李整二": [wf.SORTER],
    "张扫": [wf.SCAN_OPERATOR],
    "张扫二": [wf.SCAN_OPERATOR],
    "赵修": [wf.RETOUCHER],
    "钱标": [wf.INDEXER, wf.UPLOADER],
    "孙检": [wf.QC_INSPECTOR],
    "周检": [wf.QC_INSPECTOR],
    "吴装": [wf.BINDER],
    "郑经理": [wf.PROJECT_MANAGER],
}


_PREPARED: dict[str, Path] = {}


def copy_of_prepared(key: str, prepare: Callable[[Path], ProjectContext],
                     home: Path) -> ProjectContext:
    """A copy at ``home`` of the SQLite project home ``prepare`` makes, made once per test
    process under ``key``: copying its files costs a fraction of creating and migrating a
    database and registering people and volumes anew (property tests start from the same
    project dozens of times)."""
    if key not in _PREPARED:
        root = Path(tempfile.mkdtemp(prefix="dangan-prepared-"))
        atexit.register(shutil.rmtree, root, True)
        ctx = prepare(root / "p")
        ctx.engine.dispose()  # the database file complete and closed before it is copied
        _PREPARED[key] = root / "p"
    shutil.copytree(_PREPARED[key], home)
    return open_project(home)


def code(i: int) -> str:
    return f"1997-民-0014-{i:04d}"


def register_set(ctx: ProjectContext, truth: SetTruth) -> None:
    """The volumes of a generated scan set, registered as the client's volume list would."""
    with ctx.transaction() as session:
        for v in truth.volumes:
            session.add(Volume(project_id=ctx.project_id, archive_code=v.archive_code,
                               expected_pages=v.image_count))


def add_volumes(ctx: ProjectContext, count: int, pages: int = 40, start: int = 1) -> list[str]:
    codes = [code(i) for i in range(start, start + count)]
    with ctx.transaction() as session:
        for row, c in enumerate(codes, start=start):
            session.add(Volume(project_id=ctx.project_id, archive_code=c, title=f"案卷{row}",
                               location=f"3号柜-{row // 10 + 1}层-{row % 10 + 1}",
                               expected_pages=pages, list_row=row))
    return codes


def add_people(ctx: ProjectContext) -> None:
    for name, roles in PEOPLE.items():
        workers.add_worker(ctx, name, roles)


def borrow_and_split(ctx: ProjectContext, count: int, pages_per_batch: int = 80) -> tuple[int, list[str]]:
    info = borrow.create_borrow_batch(ctx, resolve_actor(ctx, "王借"), next_count=count)
    borrow.confirm_borrow(ctx, resolve_actor(ctx, "王借"), info.no, "档案室刘老师")
    made = batches.split_borrow_batch(ctx, resolve_actor(ctx, "王借"), info.no,
                                      pages_per_batch=pages_per_batch)
    return info.no, [b.code for b in made]


def volume_codes(ctx: ProjectContext, batch_code: str) -> list[str]:
    with ctx.transaction() as session:
        batch = select(Volume.archive_code).join_from(Volume, Volume.__table__)  # noqa: F841
        from dangan.db.models import WorkBatch

        wb = session.scalar(select(WorkBatch).where(WorkBatch.code == batch_code))
        assert wb is not None
        return list(session.scalars(select(Volume.archive_code).where(
            Volume.work_batch_id == wb.id).order_by(Volume.id)))


def volume_pages(ctx: ProjectContext, batch_code: str) -> list[tuple[str, int | None]]:
    """The batch's volumes with their page count in the volume list."""
    codes = volume_codes(ctx, batch_code)
    with ctx.transaction() as session:
        pages = dict(session.execute(select(Volume.archive_code, Volume.expected_pages).where(
            Volume.project_id == ctx.project_id, Volume.archive_code.in_(codes))).all())
    return [(c, pages.get(c)) for c in codes]


def give_catalogue(ctx: ProjectContext, batch_code: str, person: str,
                   codes: list[str] | None = None, workbook: Path | None = None) -> None:
    """Import a one-item catalogue workbook (a real .xlsx) for the batch's volumes (or
    ``codes``) that have none yet, as ``dangan index import`` does; the index stage is
    signed only with it. A catalogue a test recorded is kept; ``workbook``, a test's own
    catalogue, is imported first."""
    if workbook is not None:
        indexing.import_catalogue(ctx, resolve_actor(ctx, person), [workbook])
    wanted = codes if codes is not None else volume_codes(ctx, batch_code)
    with ctx.transaction() as session:
        have = set(session.scalars(select(Volume.archive_code).join(
            Item, Item.volume_id == Volume.id).where(Volume.project_id == ctx.project_id)))
    wanted = [c for c in wanted if c not in have]
    if not wanted:
        return
    pages = {c: n or 40 for c, n in volume_pages(ctx, batch_code)}
    with ctx.transaction() as session:  # the images recorded, when there are any
        ids = dict(session.execute(select(Volume.archive_code, Volume.id).where(
            Volume.project_id == ctx.project_id, Volume.archive_code.in_(wanted))).all())
        images = indexing.image_counts(session, list(ids.values()))
    pages.update({c: images[i] for c, i in ids.items() if images.get(i)})
    folder = Path(tempfile.mkdtemp(prefix="catalogue-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / f"{batch_code}.xlsx"
    with path.open("wb") as out:
        write_catalogue_workbook(out, indexing.schema_of(ctx), [VolumeCatalogue(
            c, {"title": f"案卷 {c}"}, [{"seq": 1, "title": f"{c} 卷内文件", "page_start": 1,
                     "page_end": pages[c]}]) for c in wanted])
    indexing.import_catalogue(ctx, resolve_actor(ctx, person), [path])


def recatalogue(ctx: ProjectContext, batch_code: str, code: str, person: str,
                title: str) -> None:
    """The indexer's correction of one volume's catalogue: the one-item catalogue
    ``give_catalogue`` records, its item titled ``title``, imported again with ``--replace``
    (the same title: the same catalogue, imported again unchanged)."""
    pages = dict(volume_pages(ctx, batch_code)).get(code) or 40
    folder = Path(tempfile.mkdtemp(prefix="catalogue-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / f"{code}.xlsx"
    with path.open("wb") as out:
        write_catalogue_workbook(out, indexing.schema_of(ctx), [VolumeCatalogue(
            code, {"title": f"案卷 {code}"},
            [{"seq": 1, "title": title, "page_start": 1, "page_end": pages}])])
    indexing.import_catalogue(ctx, resolve_actor(ctx, person), [path], replace=True)


def do_stage(ctx: ProjectContext, batch_code: str, stage: str, person: str,
             catalogue: Path | None = None) -> None:
    """Claim and sign ``stage`` of the batch as ``person``; at 标引 the volumes' catalogue is
    imported first (``catalogue``, a test's own workbook, else one item per volume)."""
    if stage == wf.INDEX:  # imported before the claim: the sign-off below signs it
        give_catalogue(ctx, batch_code, person, workbook=catalogue)
    claims.claim(ctx, resolve_actor(ctx, person), batch_code, stage)
    if stage == wf.SORT:
        for c, pages in volume_pages(ctx, batch_code):  # numbered as the list says
            sorting.record_sorting(ctx, resolve_actor(ctx, person), c, pages or 40,
                                  unbind_notes="拆除订书钉")
    # the scan and upload stages need their recorded work (pages, delivery files); these
    # workflow tests sign them without it, which the engine accepts only as a recorded waiver
    if stage == wf.REBIND:  # scanned without pages: the shortfall is accepted, with the reason
        rebind.rebind(ctx, resolve_actor(ctx, person), batch_code, accept_missing=WITHOUT_WORK)
        return
    waiver = WITHOUT_WORK if stage in (wf.SCAN, wf.UPLOAD) else ""
    signoff.sign_off(ctx, resolve_actor(ctx, person), batch_code, stage, without_work=waiver)


WITHOUT_WORK = "工作流测试：不做实际扫描/打包"


def pass_qc(ctx: ProjectContext, batch_code: str, inspector: str, seed: int = 7) -> qc.DecisionResult:
    claims.claim(ctx, resolve_actor(ctx, inspector), batch_code)
    qc.draw_sample(ctx, resolve_actor(ctx, inspector), batch_code, seed=seed)
    return qc.decide(ctx, resolve_actor(ctx, inspector), batch_code)


STAGE_PEOPLE = {wf.SORT: "李整", wf.SCAN: "张扫", wf.RETOUCH: "赵修", wf.INDEX: "钱标",
                wf.UPLOAD: "钱标", wf.REBIND: "吴装"}


def take_to_rebind(ctx: ProjectContext, batch_code: str) -> Actor:
    """Drive a work batch through every work stage and QC (no defects); the binder 吴装 then
    holds it at 装订 and is returned."""
    for stage in (wf.SORT, wf.SCAN, wf.RETOUCH, wf.INDEX, wf.UPLOAD):
        do_stage(ctx, batch_code, stage, STAGE_PEOPLE[stage])
    pass_qc(ctx, batch_code, "孙检")
    binder = resolve_actor(ctx, "吴装")
    claims.claim(ctx, binder, batch_code)
    return binder


def take_to_return(ctx: ProjectContext, batch_code: str) -> None:
    """Drive a work batch through every work stage up to the return (no defects)."""
    take_to_rebind(ctx, batch_code)
    codes = volume_codes(ctx, batch_code)
    if rebind.agreement(ctx) is None:
        rebind.agree_binding(ctx, "glue_tube", "档案室刘主任", trial_codes=codes[:1])
        rebind.rebind(ctx, resolve_actor(ctx, "吴装"), batch_code, codes[:1],
                      accept_missing=WITHOUT_WORK)
        rebind.approve_trial(ctx, "档案室刘主任")
    # scanned without pages (WITHOUT_WORK): the shortfall against the sorter's count is
    # accepted with the same reason
    rebind.rebind(ctx, resolve_actor(ctx, "吴装"), batch_code, accept_missing=WITHOUT_WORK)


def actor(ctx: ProjectContext, name: str, *roles: str) -> Actor:
    """A registered worker as an Actor (registered with ``roles`` first when given)."""
    if roles:
        workers.add_worker(ctx, name, list(roles))
    return resolve_actor(ctx, name)


def line_to(ctx: ProjectContext, stage: str, claim: bool = True,
            pages_per_batch: int = 10_000, catalogue: Path | None = None) -> str:
    """Borrow every registered volume as one batch and take its work batch to ``stage``
    (earlier stages signed without their work); the stage's person claims it. ``catalogue``:
    the workbook imported at 标引 (else one item per volume)."""
    add_people(ctx)
    _no, made = borrow_and_split(ctx, 10**6, pages_per_batch=pages_per_batch)
    code_ = made[0]
    for earlier in (wf.SORT, wf.SCAN, wf.RETOUCH, wf.INDEX, wf.UPLOAD):
        if earlier == stage:
            break
        do_stage(ctx, code_, earlier, STAGE_PEOPLE[earlier], catalogue=catalogue)
    if claim:
        claims.claim(ctx, resolve_actor(ctx, STAGE_PEOPLE[stage]), code_, stage)
    return code_


def claimed_for_retouch(ctx: ProjectContext, tmp_path: Path, volumes: int, pages: int,
                        seed: int) -> tuple[ProjectContext, Actor]:
    """A project with ``volumes`` generated volumes of ``pages`` pages ingested and claimed for
    retouch by 陈修图 (orientation off in the project: quicker, and beside the point of the
    tests that use it); the reopened project and the retoucher."""
    from dangan.samples import generate_set, make_archive_codes, write_volume_list
    from dangan.services import intake
    from dangan.services.project import open_project
    from dangan.services.volumes import import_volumes

    toml = ctx.home / "dangan.toml"
    toml.write_text(toml.read_text("utf-8").replace("orientation = true", "orientation = false",
                                                    1), "utf-8")
    ctx = open_project(ctx.home)
    scans = tmp_path / "扫描工作站"
    truth = generate_set(scans, volumes, seed, pages=(pages, pages),
                         archive_codes=make_archive_codes(volumes, seed),
                         p_duplicate=0.0, p_blank=0.0)
    import_volumes(ctx, write_volume_list(tmp_path / "案卷清单.xlsx", truth))
    workers.add_worker(ctx, "陈修图", ["retoucher"])
    batch = line_to(ctx, wf.SCAN)
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), scans)
    retoucher = resolve_actor(ctx, "陈修图")
    claims.claim(ctx, retoucher, batch, wf.RETOUCH)
    return ctx, retoucher


def volume_and_batch_state(ctx: ProjectContext, code: str) -> tuple[str, str, str, str]:
    """(volume stage, volume status, work batch stage, work batch status) of a volume."""
    with ctx.transaction() as session:
        volume = session.scalar(select(Volume).where(Volume.archive_code == code))
        assert volume is not None
        batch = session.get(WorkBatch, volume.work_batch_id)
        assert batch is not None
        return volume.stage, volume.status, batch.stage, batch.status


def open_black_border_rework(ctx: ProjectContext, volume_id: int | None, page_no: int,
                             retoucher: Actor, message: str) -> int:
    """QC (孙检) marks 黑边 on a page: a retouch rework for the retoucher; its id."""
    with ctx.transaction() as session:
        defect = Defect(project_id=ctx.project_id, volume_id=volume_id, page_no=page_no,
                        code="black_border", severity="error", source="qc", stage=wf.RETOUCH,
                        message=message, status="open", data={},
                        responsible_id=retoucher.worker_id)
        session.add(defect)
        session.flush()
        return rework.open_rework_in_session(session, ctx.project_id, defect, "孙检").id


def retouch_anew(ctx: ProjectContext, volume_id: int, page_no: int, data: bytes) -> None:
    """A page written again by a retouch run (its retouched file, the file's record and the
    retouch record), as after a packaging or a rework's sign-off."""
    with ctx.transaction() as session:
        row = session.scalar(select(StoredFile).join(Page, Page.id == StoredFile.page_id).where(
            Page.volume_id == volume_id, Page.page_no == page_no, StoredFile.area == "retouched"))
        assert row is not None
        ctx.storage.write_bytes(row.path, data)
        row.sha256, row.size, row.recorded_at = sha256_bytes(data), len(data), ws.now()
        ws.add_event(session, ctx.project_id, wf.EVENT_RETOUCH_RECORD, "赵修",
                     stage=wf.RETOUCH, volume_id=volume_id, data={"pages": 1, "failed": 0})
