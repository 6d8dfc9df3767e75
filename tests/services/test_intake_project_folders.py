"""With a project, a volume folder is checked against what the project recorded for its volume:
the batches its name gives (borrow batch, work batch), the page count the sorter numbered
and the folder it was ingested from. A disagreement is an error defect and ingest refuses the volume
(exit 9): masters in 已扫描 are never modified, so a wrong name would be kept for good."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dangan.db.models import StoredFile
from dangan.domain import workflow as wf
from dangan.samples import SetTruth, generate_set
from dangan.services import claims, signoff, sorting
from dangan.services.engine import resolve_actor
from dangan.services.intake import check_scan_root, ingest
from dangan.services.project import ProjectContext
from dangan.services.scan_lookup import check_options
from faults.support import env_for
from workflow.helpers import add_people, add_volumes, borrow_and_split

PAGES = 10


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    from workflow.helpers import code

    truth = generate_set(root, 2, seed=21, pages=(PAGES, PAGES), p_blank=0.0, p_duplicate=0.0,
                         archive_codes=[code(1), code(2)])
    return root, truth


def _to_scan(ctx: ProjectContext, batch: str, sorted_pages: int = PAGES) -> None:
    """Sort the work batch (the sorter numbers ``sorted_pages`` per volume) and let 张扫 claim
    its scan."""
    sorter = resolve_actor(ctx, "李整")
    claims.claim(ctx, sorter, batch, wf.SORT)
    from workflow.helpers import volume_codes

    for c in volume_codes(ctx, batch):
        sorting.record_sorting(ctx, sorter, c, sorted_pages)
    signoff.sign_off(ctx, sorter, batch, wf.SORT)
    claims.claim(ctx, resolve_actor(ctx, "张扫"), batch, wf.SCAN)


def _two_borrow_batches(ctx: ProjectContext, list_pages: int = PAGES,
                        sorted_pages: int = PAGES) -> list[str]:
    """Volume 1 in borrow batch 1 (work batch 1-1-1), volume 2 in borrow batch 2 (2-1-1)."""
    codes = add_volumes(ctx, 2, pages=list_pages)
    add_people(ctx)
    _no1, (first,) = borrow_and_split(ctx, 1)
    _no2, (second,) = borrow_and_split(ctx, 1)
    assert (first, second) == ("1-1-1", "2-1-1")
    _to_scan(ctx, first, sorted_pages)
    _to_scan(ctx, second, sorted_pages)
    return codes


def _copy(scans: tuple[Path, SetTruth], root: Path, names: dict[str, str]) -> Path:
    """``names``: archive code -> the folder name to deliver it under."""
    src, truth = scans
    for v in truth.volumes:
        if v.archive_code in names:
            shutil.copytree(src / v.folder, root / names[v.archive_code])
    return root


def _cli(ctx: ProjectContext, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dangan", *args], capture_output=True,
                          text=True, env=env_for(ctx), timeout=300)


def _stored(ctx: ProjectContext) -> int:
    with ctx.transaction() as session:
        return int(session.scalar(select(func.count(StoredFile.id))) or 0)


def _by_code(report, code: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[str]] = {}
    for vol in report.volumes:
        for d in vol.defects:
            if d.code == code:
                out.setdefault(vol.folder.name, []).append(d.message)
    return out


def test_a_folder_naming_another_or_no_batch_is_refused(
    project, scans: tuple[Path, SetTruth], tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    ctx = project
    c1, c2 = _two_borrow_batches(ctx)
    wrong_prefix = f"1-1-1-1-{c2}"  # volume 2 is in borrow batch 2, work batch 2-1-1
    no_batch = f"2-2-1-9-{c1}"  # work batch 2-1-9 does not exist; volume 1 is in 1 / 1-1-1
    root = _copy(scans, tmp_path / "scan", {c2: wrong_prefix, c1: no_batch})

    report = check_scan_root(root, check_options(ctx, workers=1))
    found = _by_code(report, "folder_mismatch")
    assert set(found) == {wrong_prefix, no_batch}
    (said,) = found[wrong_prefix]
    assert wrong_prefix in said
    assert "文件夹写的是工作批次 1-1-1，此卷在 2-1-1" in said
    assert "文件夹写的是借阅批次 1，此卷在借阅批次 2" in said
    (said,) = found[no_batch]
    assert "文件夹写的是工作批次 2-1-9，本项目没有这个工作批次（此卷在 1-1-1）" in said
    assert "文件夹写的是借阅批次 2，此卷在借阅批次 1" in said
    assert all(d.is_error for v in report.volumes for d in v.defects
               if d.code == "folder_mismatch")

    # without a project nothing changes: the names follow the rule
    plain = check_scan_root(root, check_options(None, workers=1))
    assert not any(d.is_error for v in plain.volumes for d in v.defects)

    checked = _cli(ctx, "check", str(root), "-p", str(ctx.home), "--workers", "1")
    assert checked.returncode == 9, checked.stdout + checked.stderr
    assert "folder_mismatch" in checked.stdout + checked.stderr
    ingested = _cli(ctx, "ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--workers", "1")
    assert ingested.returncode == 9, ingested.stdout + ingested.stderr
    assert "folder_mismatch" in "".join((ingested.stdout + ingested.stderr).split())
    assert _stored(ctx) == 0
    assert not (Path(ctx.storage.root) / "已扫描" / wrong_prefix).exists()


def test_folders_named_as_the_project_has_them_pass(
    project, scans: tuple[Path, SetTruth], tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    ctx = project
    c1, c2 = _two_borrow_batches(ctx)
    root = _copy(scans, tmp_path / "scan", {c1: f"1-1-1-1-{c1}", c2: f"2-2-1-1-{c2}"})
    report = check_scan_root(root, check_options(ctx, workers=1))
    assert [d for v in report.volumes for d in v.defects if d.is_error] == []


def test_a_volume_delivered_again_under_another_name_names_its_ingested_folder(
    project, scans: tuple[Path, SetTruth], tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    ctx = project
    c1, _c2 = _two_borrow_batches(ctx)
    first = _copy(scans, tmp_path / "first", {c1: f"1-1-1-1-{c1}"})
    done = ingest(ctx, resolve_actor(ctx, "张扫"), first, workers=1)
    assert [v.state for v in done.volumes] == ["ingested"]
    stored = _stored(ctx)

    again = _copy(scans, tmp_path / "again", {c1: f"2-2-1-1-{c1}"})
    report = check_scan_root(again, check_options(ctx, workers=1))
    (said,) = _by_code(report, "folder_mismatch")[f"2-2-1-1-{c1}"]
    assert f"此卷此前已以文件夹 1-1-1-1-{c1} 入库" in said
    assert "文件夹写的是工作批次 2-1-1，此卷在 1-1-1" in said
    r = _cli(ctx, "ingest", str(again), "-w", "张扫", "-p", str(ctx.home), "--workers", "1")
    out = r.stdout + r.stderr
    assert r.returncode == 9, out
    assert "缺失" not in out and f"1-1-1-1-{c1}" in "".join(out.split())
    assert _stored(ctx) == stored
    # the folder it was ingested from is still the one that passes
    assert not _by_code(check_scan_root(first, check_options(ctx, workers=1)), "folder_mismatch")


def test_the_sorters_count_is_the_count_a_folder_must_hold(
    project, scans: tuple[Path, SetTruth], tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """The list says 10, the sorter numbered 12 just before scanning, 10 files scanned: two
    pages are missing at the end (no gap shows them)."""
    ctx = project
    c1, _c2 = _two_borrow_batches(ctx, list_pages=PAGES, sorted_pages=PAGES + 2)
    root = _copy(scans, tmp_path / "scan", {c1: f"1-1-1-1-{c1}"})
    report = check_scan_root(root, check_options(ctx, workers=1))
    (said,) = _by_code(report, "page_count_mismatch")[f"1-1-1-1-{c1}"]
    assert said == "页数不符：扫描 10 页，整理员编页 12 页"
    r = _cli(ctx, "ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--workers", "1")
    assert r.returncode == 9, r.stdout + r.stderr
    assert "page_count_mismatch" in "".join((r.stdout + r.stderr).split())
    assert _stored(ctx) == 0


def test_the_sorters_count_overrides_the_list_and_the_list_counts_without_it(
    project, scans: tuple[Path, SetTruth], tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    ctx = project
    c1, c2 = add_volumes(ctx, 2, pages=PAGES + 3)  # the client's list: 13 pages each
    add_people(ctx)
    _no, (batch,) = borrow_and_split(ctx, 1)
    _to_scan(ctx, batch, PAGES)  # volume 1: the sorter numbered 10
    root = _copy(scans, tmp_path / "scan", {c1: f"1-1-1-1-{c1}", c2: f"1-1-1-1-{c2}"})
    report = check_scan_root(root, check_options(ctx, workers=1))
    found = _by_code(report, "page_count_mismatch")
    assert f"1-1-1-1-{c1}" not in found  # 10 scanned, 10 numbered
    assert found[f"1-1-1-1-{c2}"] == ["页数不符：扫描 10 页，案卷清单登记 13 页"]


def test_a_volume_of_the_batch_without_a_folder_is_named(
    project, scans: tuple[Path, SetTruth], tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """A volume of a work batch whose other volumes are in the scan tree, with no folder of its
    own (not scanned, or on another station), is named by check and ingest — a warning: the
    volumes that are here still go in. One volume's own folder checked alone names nothing."""
    ctx = project
    c1, c2, c3 = add_volumes(ctx, 3, pages=PAGES)
    add_people(ctx)
    _no, (batch,) = borrow_and_split(ctx, 3)
    _to_scan(ctx, batch)
    root = _copy(scans, tmp_path / "scan", {c1: f"1-{batch}-{c1}", c2: f"1-{batch}-{c2}"})

    report = check_scan_root(root, check_options(ctx, workers=1))
    missing = [d for d in report.other_defects if d.code == "missing_folder"]
    assert [(d.volume, d.params["batch"], d.is_error) for d in missing] == [(c3, batch, False)]
    assert f"小批次 {batch} 的案卷 {c3} 在此扫描目录中没有文件夹" in missing[0].message
    alone = check_scan_root(root / f"1-{batch}-{c1}", check_options(ctx, workers=1))
    assert not [d for d in alone.other_defects if d.code == "missing_folder"]

    ingested = _cli(ctx, "ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--workers", "1")
    out = ingested.stdout + ingested.stderr
    assert ingested.returncode == 0, out
    assert c3 in out and "没有文件夹" in out
    assert _stored(ctx) > 0  # the two volumes here went in
    again = check_scan_root(root, check_options(ctx, workers=1))  # ingested ones are not missing
    assert [d.volume for d in again.other_defects if d.code == "missing_folder"] == [c3]
