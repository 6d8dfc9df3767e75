"""The local-copy rule against what a new site met: the storage reached by another path, a
storage that does not verify (and cron must see it), dangan's own files in a volume folder,
and a volume waiting for its return."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from site_helpers import returned_and_open
from sqlalchemy import select, update
from test_site_cleanup import _deleted_events, _reasons, _station
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import BorrowBatch, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import InputError, IntegrityError
from dangan.export.tracking_sheet import sheet_rel
from dangan.intake import renumber as rn
from dangan.intake.watch import DEFAULT_MARKER, REPORT
from dangan.samples import generate_set
from dangan.services.engine import resolve_actor
from dangan.services.history import volume_history
from dangan.services.ingest_markers import PENDING
from dangan.services.intake import ingest
from dangan.services.project import ProjectContext
from dangan.services.renumber import renumber_volume
from dangan.services.site import cleanup
from dangan.storage import Area
from workflow.helpers import actor, line_to


def _masters(ctx: ProjectContext, code: str) -> dict[str, Path]:
    """The stored masters of a volume in 已扫描, by file name."""
    with ctx.transaction() as s:
        paths = s.scalars(select(StoredFile.path).join(Volume).where(
            Volume.archive_code == code, StoredFile.area == Area.SCANNED.key)).all()
    return {p.rsplit("/", 1)[-1]: Path(ctx.storage.path(p)) for p in paths}


def test_a_scan_root_reaching_the_storage_through_a_link_is_refused(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    done, _ = returned_and_open(ctx)
    _station(tmp_path / "扫描站", done[:1], ctx)
    storage = Path(ctx.storage.root)
    for name, target in (("nas", storage), ("scanned", storage / Area.SCANNED.value)):
        os.symlink(target, tmp_path / name)
    for root in (tmp_path / "scanned", tmp_path / "nas" / Area.SCANNED.value):
        with pytest.raises(InputError) as err:
            cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
        assert err.value.key == "site.cleanup.inside_storage"
    assert all(m.exists() for m in _masters(ctx, done[0]).values())


def test_a_local_file_that_is_a_stored_master_by_identity_is_refused(
        project: ProjectContext, tmp_path: Path) -> None:
    """A page of the station's folder that is the stored master itself (a hard link: same
    device and inode, as a second mount of the storage would show it) is refused, by the dry
    run and by --apply: neither its name nor its content tells it apart, its identity does."""
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", done[:1], ctx)
    folder = root / "1-1" / done[0]
    masters = _masters(ctx, done[0])
    (folder / "0002.jpg").unlink()
    os.link(masters["0002.jpg"], folder / "0002.jpg")  # same inode as the stored master

    for run in (lambda: cleanup.plan(ctx, root),
                lambda: cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)):
        with pytest.raises(InputError) as err:
            run()
        assert err.value.key == "site.cleanup.storage_alias"
        assert err.value.params["path"] == str(folder.resolve() / "0002.jpg")
        assert err.value.params["stored"] == str(masters["0002.jpg"])
    assert sorted(p.name for p in folder.glob("*.jpg")) == ["0001.jpg", "0002.jpg", "0003.jpg"]
    assert _deleted_events(ctx) == []
    out = CliRunner().invoke(app, ["cleanup", str(root), "-p", str(ctx.home), "--apply",
                                   "-w", "张扫"])
    assert isinstance(out.exception, InputError) and out.exception.exit_code == 4, out.output
    assert masters["0002.jpg"].exists() and (folder / "0002.jpg").exists()


def test_identity_is_checked_again_right_before_deleting(
        project: ProjectContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder was a plain copy when decided on; before its deletion a page of it has
    become the stored master (by identity): refused, nothing of the folder deleted."""
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", done[:1], ctx)
    folder = root / "1-1" / done[0]
    master = _masters(ctx, done[0])["0001.jpg"]
    real = cleanup._decide

    def decide_then_link(*args: Any) -> cleanup.Verdict:
        verdict = real(*args)
        (folder / "0001.jpg").unlink()
        os.link(master, folder / "0001.jpg")
        return verdict

    monkeypatch.setattr(cleanup, "_decide", decide_then_link)
    with pytest.raises(InputError) as err:
        cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    assert err.value.key == "site.cleanup.storage_alias"
    assert sorted(p.name for p in folder.glob("*.jpg")) == ["0001.jpg", "0002.jpg", "0003.jpg"]
    assert master.exists() and _deleted_events(ctx) == []


def test_a_storage_that_does_not_verify_exits_with_the_integrity_code(
        any_project: ProjectContext, tmp_path: Path) -> None:
    """A folder kept because a stored file changed: the dry run and --apply list every
    folder, delete what may go, and exit 8 (cron sees it); kept only because not yet done: 0.
    On each database."""
    ctx = any_project
    done, still = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", [*done, *still], ctx)
    runner = CliRunner()
    base = ["cleanup", str(root), "-p", str(ctx.home)]
    ok = runner.invoke(app, base)
    assert ok.exit_code == 0, ok.output  # deletable and not_done only
    (bad,) = [m for n, m in _masters(ctx, done[1]).items() if n == "0002.jpg"]
    bad.write_bytes(b"changed on the NAS")

    dry = runner.invoke(app, base)
    assert isinstance(dry.exception, IntegrityError), dry.output
    assert dry.exception.exit_code == 8
    assert dry.exception.key == "site.cleanup.storage_failed"
    assert dry.exception.params["count"] == 1
    assert dry.exception.details[0].startswith(f"1-1/{done[1]}: ")
    assert "fixity_failed" in dry.output and "deletable" in dry.output  # the list, then the error
    applied = runner.invoke(app, [*base, "--apply", "-w", "张扫", "--json"])
    assert isinstance(applied.exception, IntegrityError), applied.output
    body = json.loads(applied.output[:applied.output.rindex("}") + 1])
    assert {f["folder"]: f["reason"] for f in body["folders"]}[f"1-1/{done[0]}"] == "deleted"
    assert not (root / "1-1" / done[0]).exists() and (root / "1-1" / done[1]).exists()

    rest = tmp_path / "另一站"  # only volumes not yet through: kept, nothing wrong
    for code in still:
        (rest / "1-1" / code).mkdir(parents=True)
        (rest / "1-1" / code / "0001.jpg").write_bytes(os.urandom(100))
    later = runner.invoke(app, ["cleanup", str(rest), "-p", str(ctx.home), "--apply", "-w", "张扫"])
    assert later.exit_code == 0, later.output
    assert "not_done" in later.output


def test_an_unfinished_ingest_does_not_count_as_verified(any_project: Any,
                                                         tmp_path: Path) -> None:
    """Every stored file verifies, but one volume's tracking sheet is not in 已扫描 and
    another still has ingest's pending marker (what fixity names as unfinished): both stay,
    and the command exits 8. On each database."""
    ctx = any_project
    root = tmp_path / "扫描站"
    truth = generate_set(root, 3, seed=41, pages=(4, 5), p_blank=0.0, p_duplicate=0.0)
    with ctx.transaction() as s:
        for v in truth.volumes:
            s.add(Volume(project_id=ctx.project_id, archive_code=v.archive_code,
                         expected_pages=v.image_count))
    line_to(ctx, wf.SCAN)
    result = ingest(ctx, actor(ctx, "张扫"), root, workers=1)
    assert [v.state for v in result.volumes] == ["ingested"] * 3
    with ctx.transaction() as s:
        s.execute(update(Volume).values(stage=wf.DONE))
        s.execute(update(BorrowBatch).values(status=wf.BORROW_RETURNED))
        folder_of = dict(s.execute(select(Volume.archive_code, Volume.folder_name)).all())
    clean, no_sheet, pending = sorted(folder_of)
    sheet = Path(ctx.storage.path(sheet_rel(folder_of[no_sheet], no_sheet)))
    assert sheet.exists()
    sheet.unlink()
    Path(ctx.storage.path(f"{Area.SCANNED.value}/{folder_of[pending]}/{PENDING}")).write_text(
        "{}", "utf-8")

    by_code = {d.archive_code: d for d in cleanup.plan(ctx, root).folders if d.archive_code}
    assert {c: d.reason for c, d in by_code.items()} == {
        clean: cleanup.DELETABLE, no_sheet: cleanup.INGEST_UNFINISHED,
        pending: cleanup.INGEST_UNFINISHED}
    assert "跟踪表" in by_code[no_sheet].message()
    out = CliRunner().invoke(app, ["cleanup", str(root), "-p", str(ctx.home), "--apply",
                                   "-w", "张扫"])
    assert isinstance(out.exception, IntegrityError), out.output
    assert out.exception.exit_code == 8
    assert out.exception.params["count"] == 2
    assert (root / by_code[no_sheet].folder).exists() and (root / by_code[pending].folder).exists()
    assert not (root / by_code[clean].folder).exists()


def _renumbered(ctx: ProjectContext, tmp_path: Path, code: str, **how: Any) -> Path:
    """A station whose one volume folder was renumbered (for real) before its pages were
    stored: a gap closed, or ``how`` (e.g. remove=...)."""
    root = _station(tmp_path / "扫描站", [code])
    folder = root / "1-1" / code
    (folder / "0003.jpg").rename(folder / "0004.jpg")  # a gap at 0003
    (folder / "0005.jpg").write_bytes(os.urandom(400))
    renumber_volume(folder, rules=ctx.rules, close_gaps=True, **how)
    from test_site_cleanup import _ingested

    _ingested(ctx, code, folder)
    return root


def test_dangans_own_bookkeeping_goes_with_the_folder(project: ProjectContext,
                                                       tmp_path: Path) -> None:
    """renumber's receipt and log, the ingest watcher's marker and report: dangan's own
    files of finished runs, listed in the audit event with the pages, not "never stored"."""
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _renumbered(ctx, tmp_path, done[0])
    folder = root / "1-1" / done[0]
    assert (folder / rn.RECEIPT).exists()
    rn.log_change(str(folder), {"change": "recorded by a forced renumber"})
    (folder / DEFAULT_MARKER).write_text("", "utf-8")
    (folder / REPORT).write_text("{}", "utf-8")

    assert _reasons(cleanup.plan(ctx, root))[f"1-1/{done[0]}"] == cleanup.DELETABLE
    report = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    assert _reasons(report)[f"1-1/{done[0]}"] == cleanup.DELETED
    assert not folder.exists()
    (event,) = [h for h in volume_history(ctx, done[0]) if h.kind == wf.EVENT_LOCAL_COPY_DELETED]
    names = {f["name"] for f in event.data["files"]}
    assert {rn.RECEIPT, rn.CHANGES_LOG, DEFAULT_MARKER, REPORT} <= names
    assert {"0001.jpg", "0002.jpg", "0003.jpg", "0004.jpg"} <= names


def test_an_unfinished_renumber_and_removed_pages_keep_the_folder(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _renumbered(ctx, tmp_path, done[0], remove=["0002"])
    folder = root / "1-1" / done[0]
    assert (folder / rn.REMOVED_DIR).is_dir()
    (decision,) = [d for d in cleanup.plan(ctx, root).folders if d.archive_code == done[0]]
    assert decision.reason == cleanup.REMOVED_PAGES and decision.params["name"] == rn.REMOVED_DIR
    assert "取出" in decision.message()
    (folder / rn.JOURNAL).write_text("{}", "utf-8")  # a renumber stopped midway
    (decision,) = [d for d in cleanup.plan(ctx, root).folders if d.archive_code == done[0]]
    assert decision.reason == cleanup.UNFINISHED_RUN and decision.params["name"] == rn.JOURNAL
    cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    assert (folder / rn.JOURNAL).exists() and any((folder / rn.REMOVED_DIR).iterdir())
    assert _deleted_events(ctx) == []


def test_a_volume_at_the_return_stage_waits_for_its_return(project: ProjectContext,
                                                           tmp_path: Path) -> None:
    """Every stage before the return signed: kept as not yet returned, not as a stage still
    open; a volume at sorting is kept as not done, naming its stage."""
    ctx = project
    _, still = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", still, ctx)
    with ctx.transaction() as s:
        s.execute(update(Volume).where(Volume.archive_code == still[0]).values(stage=wf.RETURN))
    by_code = {d.archive_code: d for d in cleanup.plan(ctx, root).folders if d.archive_code}
    assert by_code[still[0]].reason == cleanup.NOT_RETURNED
    assert "尚未还卷" in by_code[still[0]].message()
    assert by_code[still[1]].reason == cleanup.NOT_DONE
    assert "整理" in by_code[still[1]].message()
