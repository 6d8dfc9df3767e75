"""A page file copied byte for byte is a duplicate wherever its original is: in a volume far
from it in the same scan root (the rescan search looks at neighbouring volumes only), or
among the pages a project ingested earlier (volumes delivered one at a time). Found by the
SHA-256 the content pass takes of the bytes it reads; a volume ingested again (the same file
at the same place) is no copy of itself."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from dangan.config import ScanConfig
from dangan.domain import workflow as wf
from dangan.domain.defects import Defect
from dangan.domain.naming import court_rules
from dangan.i18n import set_language
from dangan.intake.check import CheckOptions, CheckReport, run_check
from dangan.samples import SetTruth, VolumeTruth, generate_set
from dangan.services import workflow_state as ws
from dangan.services.intake import check_scan_root, ingest
from dangan.services.project import ProjectContext
from dangan.services.scan_lookup import check_options
from faults.support import env_for, scan_root_with
from workflow.helpers import actor, line_to

DUP = "duplicate_image"


def _dups(report: CheckReport, code: str | None = None) -> list[Defect]:
    return [d for d in report.defects if d.code == DUP and (code is None or d.volume == code)]


def test_a_byte_copy_four_volumes_away_is_reported_once_naming_every_copy(
        scan_copy: tuple[Path, SetTruth]) -> None:
    root, truth = scan_copy
    v = truth.volumes
    first, far = root / v[0].folder, root / v[4].folder
    shutil.copyfile(first / "0005.jpg", far / "0003.jpg")  # four volumes away
    shutil.copyfile(first / "0005.jpg", root / v[8].folder / "0001.jpg")  # and eight
    shutil.copyfile(far / "0001.jpg", far / "0004.jpg")  # within a volume: the rescan search
    set_language("en")
    report = run_check(str(root), CheckOptions(court_rules(), ScanConfig(), workers=1))
    dups = {(d.volume, d.page): d for d in _dups(report)}
    assert set(dups) == {(v[4].archive_code, 3), (v[8].archive_code, 1),
                         (v[4].archive_code, 4)}, [d.to_dict() for d in report.defects]
    far_copy = dups[(v[4].archive_code, 3)]
    assert far_copy.path == f"{v[4].folder}/0003.jpg" and far_copy.is_error
    assert f"the same file as {v[0].folder}/0005.jpg (same SHA-256" in far_copy.message
    assert "byte-for-byte identical files, 3 in all" in far_copy.message
    for copy in (f"{v[0].folder}/0005.jpg", f"{v[4].folder}/0003.jpg",
                 f"{v[8].folder}/0001.jpg"):
        assert copy in far_copy.message and copy in dups[(v[8].archive_code, 1)].message
    # the copy next to its original: reported by the rescan search, not once more
    assert len([d for d in _dups(report, v[4].archive_code) if d.page == 4]) == 1
    # pages read and hashed: the same bytes, the same SHA-256
    far_vol, first_vol = report.volume(v[4].archive_code), report.volume(v[0].archive_code)
    assert far_vol is not None and first_vol is not None
    infos = far_vol.infos
    assert infos["0003.jpg"].sha256 == first_vol.infos["0005.jpg"].sha256 \
        != infos["0002.jpg"].sha256


def _cli(ctx: ProjectContext, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dangan", "--lang", "en", *args],
                          capture_output=True, text=True, env=env_for(ctx), timeout=300)


def _sorted_as_generated(ctx: ProjectContext, volumes: list[VolumeTruth]) -> None:
    """The sorter's page count (the line's helper records 40) as the volumes were made."""
    with ctx.transaction() as session:
        for vol in volumes:
            volume = ws.volume_by_code(session, ctx.project_id, vol.archive_code)
            ws.add_event(session, ctx.project_id, wf.EVENT_SORT_RECORD, "李整", stage=wf.SORT,
                         volume_id=volume.id, work_batch_id=volume.work_batch_id,
                         data={"pages_numbered": vol.image_count})


def test_a_copy_of_a_page_ingested_earlier_is_refused_when_its_volume_comes_alone(
        any_project: ProjectContext, tmp_path: Path) -> None:
    ctx = any_project
    src = tmp_path / "gen"
    truth = generate_set(src, 2, seed=23, pages=(9, 9), p_blank=0.0, p_duplicate=0.0)
    a, b = truth.volumes
    scan_root_with(ctx, src, [a, b], tmp_path / "unused")
    line_to(ctx, wf.SCAN)
    _sorted_as_generated(ctx, [a, b])
    scanner = actor(ctx, "张扫")
    first = tmp_path / "first"
    shutil.copytree(src / a.folder, first / a.folder)
    done = ingest(ctx, scanner, first, workers=1)
    assert [v.state for v in done.volumes] == ["ingested"], [
        (d.code, d.message) for v in done.volumes for d in v.defects] or done.volumes

    # the same volume again, as it was: no copy of itself
    assert _dups(check_scan_root(first, check_options(ctx, workers=1))) == []

    second = tmp_path / "second"
    shutil.copytree(src / b.folder, second / b.folder)
    shutil.copyfile(src / a.folder / "0009.jpg", second / b.folder / "0002.jpg")
    set_language("en")
    report = check_scan_root(second, check_options(ctx, workers=1))
    dups = _dups(report)
    assert [(d.volume, d.page, d.path) for d in dups] == [
        (b.archive_code, 2, f"{b.folder}/0002.jpg")]
    assert f"已扫描/{a.folder}/0009.jpg (already ingested)" in dups[0].message
    assert f"the same file as 已扫描/{a.folder}/0009.jpg (same SHA-256" in dups[0].message

    # a page copied to another page number of an ingested volume, that volume again: one
    # report of the pair (the rescan search finds it in the volume), not one more
    shutil.copyfile(first / a.folder / "0009.jpg", first / a.folder / "0003.jpg")
    again = _dups(check_scan_root(first, check_options(ctx, workers=1)))
    assert [d.volume for d in again] == [a.archive_code]
    assert {again[0].page, *(n for n in (3, 9) if f"000{n}.jpg" in again[0].message)} == {3, 9}

    run = _cli(ctx, "ingest", str(second), "-w", "张扫", "-p", str(ctx.home),
               "--workers", "1", "--json")
    assert run.returncode == 9, run.stdout + run.stderr
    (vol,) = json.loads(run.stdout)["volumes"]
    assert vol["volume"] == b.archive_code and vol["state"] == "refused"
    assert [(d["code"], d["volume"], d["page"]) for d in vol["defects"]] == [
        (DUP, b.archive_code, 2)]
