"""Renumbering a volume's pages in a project needs the worker's scan claim of its work batch,
checked in the service: the command line is held to the rule the scan station keeps (not
claimed → ``workflow.not_claimed``, held by another → ``workflow.claimed_by_other``), and
nothing in the folder moves when refused. An ingested volume changes only in a project."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dangan.db.models import Volume
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, StateError
from dangan.samples import SetTruth, generate_set
from dangan.services import claims
from dangan.services.ingest_markers import RECEIPT
from dangan.services.renumber import renumber_volume
from faults.support import env_for
from workflow.helpers import actor, line_to


@pytest.fixture(scope="module")
def scan_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 1, seed=800_211, pages=(5, 5), p_blank=0.0,
                              p_duplicate=0.0)


def _pages(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.jpg"))


def _registered_copy(ctx, scan_set, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The set's one volume copied under ``tmp_path/scan`` and registered in the project."""
    src, truth = scan_set
    (vol,) = truth.volumes
    folder = tmp_path / "scan" / vol.folder
    shutil.copytree(src / vol.folder, folder)
    with ctx.transaction() as session:
        session.add(Volume(project_id=ctx.project_id, archive_code=vol.archive_code,
                           expected_pages=vol.image_count))
    return folder, vol


def test_renumber_needs_the_scan_claim(any_project, scan_set, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    folder, _ = _registered_copy(ctx, scan_set, tmp_path)
    batch = line_to(ctx, wf.SCAN)  # claimed for scanning by 张扫
    before = _pages(folder)
    other = actor(ctx, "张扫二")
    with pytest.raises(ConflictError) as err:
        renumber_volume(folder, rules=ctx.rules, remove=["0003"], close_gaps=True, ctx=ctx,
                        actor=other)
    assert err.value.key == "workflow.claimed_by_other"
    assert _pages(folder) == before
    # the command line: the same refusal (exit 6, a conflict), nothing moved
    run = subprocess.run([sys.executable, "-m", "dangan", "renumber", str(folder),
                          "--remove", "0003", "--close-gaps", "-p", str(ctx.home),
                          "-w", "张扫二"], capture_output=True, text=True, env=env_for(ctx),
                         timeout=300)
    assert run.returncode == 6 and "由 张扫 领取" in run.stderr + run.stdout, run.stdout
    assert _pages(folder) == before
    claims.hand_back(ctx, actor(ctx, "张扫"), batch)
    with pytest.raises(StateError) as not_held:
        renumber_volume(folder, rules=ctx.rules, remove=["0003"], close_gaps=True, ctx=ctx,
                        actor=actor(ctx, "张扫"))
    assert not_held.value.key == "workflow.not_claimed"
    assert _pages(folder) == before
    claims.claim(ctx, actor(ctx, "张扫"), batch)
    done = renumber_volume(folder, rules=ctx.rules, remove=["0003"], close_gaps=True, ctx=ctx,
                           actor=actor(ctx, "张扫"))
    assert done.state == "applied" and len(_pages(folder)) == len(before) - 1


def test_renumber_of_a_volume_on_no_batch_is_refused(any_project, scan_set, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    folder, _ = _registered_copy(ctx, scan_set, tmp_path)
    scanner = actor(ctx, "张扫", wf.SCAN_OPERATOR)
    with pytest.raises(StateError) as err:
        renumber_volume(folder, rules=ctx.rules, remove=["0003"], ctx=ctx, actor=scanner)
    assert err.value.key == "intake.renumber.no_batch"


def test_an_ingested_volume_changes_only_in_a_project(scan_set, tmp_path: Path) -> None:
    src, truth = scan_set
    (vol,) = truth.volumes
    folder = tmp_path / "scan" / vol.folder
    shutil.copytree(src / vol.folder, folder)
    (folder / RECEIPT).write_text("{}", "utf-8")  # as ingest leaves it
    before = _pages(folder)
    from dangan.domain.naming import court_rules

    with pytest.raises(InputError) as err:
        renumber_volume(folder, rules=court_rules(), remove=["0003"], force=True)
    assert err.value.key == "intake.renumber.ingested_needs_project"
    assert _pages(folder) == before


def test_an_ingested_volume_is_corrected_after_the_scan_signoff(any_project, scan_set,  # type: ignore[no-untyped-def]
                                                                tmp_path: Path) -> None:
    """QC finds a page scanned twice after the batch's scan sign-off released the claim: the
    forced change is a correction recorded and signed by the worker named, not refused for a
    claim nobody can hold any more (workflow.not_claimed left the volume unfixable)."""
    from sqlalchemy import select

    from dangan.db.models import StageEvent
    from dangan.services.intake import ingest

    ctx = any_project
    folder, vol = _registered_copy(ctx, scan_set, tmp_path)
    line_to(ctx, wf.SCAN)
    scanner = actor(ctx, "张扫")
    ingest(ctx, scanner, folder.parent, workers=1)  # the batch's one volume: signed, released
    with pytest.raises(StateError) as unforced:
        renumber_volume(folder, rules=ctx.rules, remove=["0003"], ctx=ctx, actor=scanner)
    assert unforced.value.key == "intake.renumber.ingested"
    done = renumber_volume(folder, rules=ctx.rules, remove=["0003"], close_gaps=True,
                           force=True, ctx=ctx, actor=scanner)
    assert done.state == "applied" and len(_pages(folder)) == vol.image_count - 1
    with ctx.transaction() as session:
        recorded = session.scalar(select(StageEvent).where(StageEvent.kind == "renumber"))
        assert recorded is not None and recorded.worker_id == scanner.worker_id


def test_a_folder_of_the_projects_storage_is_never_renumbered(any_project, scan_set,  # type: ignore[no-untyped-def]
                                                              tmp_path: Path) -> None:
    """A trial noticed `dangan renumber` took 已扫描/<volume> itself: with only a scan claim
    it would rename the masters and leave their recorded names and checksums behind."""
    ctx = any_project
    folder, vol = _registered_copy(ctx, scan_set, tmp_path)
    stored = Path(ctx.storage.root) / "已扫描" / vol.archive_code
    shutil.copytree(folder, stored)
    line_to(ctx, wf.SCAN)
    before = {p.name: p.read_bytes() for p in stored.iterdir()}
    with pytest.raises(InputError) as err:
        renumber_volume(stored, rules=ctx.rules, remove=["0003"], close_gaps=True, ctx=ctx,
                        actor=actor(ctx, "张扫"))
    assert err.value.key == "intake.renumber.in_storage" and err.value.params["area"] == "已扫描"
    with pytest.raises(InputError) as no_project:  # found beside the project's dangan.toml
        renumber_volume(stored, rules=ctx.rules, remove=["0003"], close_gaps=True)
    assert no_project.value.key == "intake.renumber.in_storage"
    run = subprocess.run([sys.executable, "-m", "dangan", "renumber", str(stored),
                          "--remove", "0003", "--close-gaps", "-p", str(ctx.home),
                          "-w", "张扫"], capture_output=True, text=True, env=env_for(ctx),
                         timeout=300)
    assert run.returncode == 4 and "存储区" in run.stderr + run.stdout, run.stdout
    assert {p.name: p.read_bytes() for p in stored.iterdir()} == before
