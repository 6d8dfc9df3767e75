"""A copy killed midway (``kill -9`` during ``ingest``) leaves ``.dangan-tmp-*`` files beside
the masters: ``fixity`` names them as unfinished work, per folder with their count and size
(exit 8 with every recorded file matching), and the rerun of ``ingest`` removes them. The
conflict of a rerun says the scan folder's source differs from the master already stored, and
names that file on the scan station. Fixity, status and the rerun share one rule of an
unfinished ingest."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from dangan.db.models import Volume
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, IntegrityError
from dangan.export.tracking_sheet import sheet_rel
from dangan.i18n import t
from dangan.samples import SetTruth, generate_set
from dangan.services.engine import Actor
from dangan.services.fixity import fixity, unfinished_ingests
from dangan.services.ingest_markers import PENDING, left_unfinished, unfinished
from dangan.services.intake import ingest
from dangan.services.project import ProjectContext
from dangan.storage import Area
from faults.support import scan_root_with
from workflow.helpers import actor, line_to


@pytest.fixture(scope="module")
def one_volume(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 1, seed=11, pages=(3, 3), p_blank=0.0, p_duplicate=0.0)


def at_scan(project: ProjectContext, tmp_path: Path, one_volume: tuple[Path, SetTruth]
            ) -> tuple[Path, Actor]:
    """The volume in a scan root, its batch at 扫描 held by 张扫."""
    src, truth = one_volume
    root = scan_root_with(project, src, truth.volumes, tmp_path / "scan")
    line_to(project, wf.SCAN)
    return root, actor(project, "张扫")


def test_temporaries_of_a_killed_copy_are_unfinished_work_and_the_rerun_clears_them(
        project: ProjectContext, tmp_path: Path, one_volume: tuple[Path, SetTruth]) -> None:
    root, scanner = at_scan(project, tmp_path, one_volume)
    truth = one_volume[1]
    folder = truth.volumes[0].folder
    scanned = Path(project.storage.root) / Area.SCANNED.value / folder
    scanned.mkdir(parents=True)
    for k in range(2):  # what a copy killed with kill -9 leaves (no page recorded yet)
        (scanned / f".dangan-tmp-{k:032x}-000{k + 1}.jpg").write_bytes(b"\xff" * 1_500_000)
    with pytest.raises(IntegrityError) as err:
        fixity(project)
    assert err.value.key == "intake.fixity.unfinished"
    assert err.value.details == [t("intake.fixity.temporaries_scanned",
                                   folder=f"{Area.SCANNED.value}/{folder}", count=2, mb="3.0")]
    ingest(project, scanner, root, workers=1)  # the rerun removes them
    assert not list(scanned.glob(".dangan-tmp-*"))
    assert fixity(project).checked == 3


def test_a_rerun_over_a_recorded_volume_clears_the_temporaries_left_beside_it(
        project: ProjectContext, tmp_path: Path, one_volume: tuple[Path, SetTruth]) -> None:
    root, scanner = at_scan(project, tmp_path, one_volume)
    truth = one_volume[1]
    ingest(project, scanner, root, workers=1)
    scanned = Path(project.storage.root) / Area.SCANNED.value / truth.volumes[0].folder
    (scanned / f".dangan-tmp-{1:032x}-0002.jpg").write_bytes(b"\xff" * 1000)
    with pytest.raises(IntegrityError) as err:
        fixity(project)
    assert err.value.key == "intake.fixity.unfinished"
    [vol] = ingest(project, scanner, root, workers=1).volumes  # as fixity advises
    assert vol.state == "unchanged"
    assert not list(scanned.glob(".dangan-tmp-*"))
    assert fixity(project).checked == 3


def test_a_rerun_conflict_says_the_scan_folder_differs_from_the_stored_master(
        project: ProjectContext, tmp_path: Path, one_volume: tuple[Path, SetTruth]) -> None:
    root, scanner = at_scan(project, tmp_path, one_volume)
    truth = one_volume[1]
    ingest(project, scanner, root, workers=1)
    with open(root / truth.volumes[0].folder / "0002.jpg", "ab") as fh:
        fh.write(b"\x00")
    [vol] = ingest(project, scanner, root, workers=1).volumes
    assert vol.state == "conflict"
    [line] = [x for x in vol.message.splitlines() if "0002.jpg" in x]
    assert "扫描文件夹中的同名文件与已入库的母版" in line and "母版保持不变" in line
    assert "已改变" not in vol.message
    # the file on the scan station is named, as the operator finds it there
    assert f"扫描站上的文件：{root / truth.volumes[0].folder / '0002.jpg'}" in line


def test_a_stored_master_differing_from_the_copy_names_the_file_on_the_station(
        project: ProjectContext, tmp_path: Path, one_volume: tuple[Path, SetTruth]) -> None:
    """A master already in 已扫描 but not recorded (a run stopped before its record) that
    differs from the scan folder's file: the copy refuses it, naming both files."""
    root, scanner = at_scan(project, tmp_path, one_volume)
    folder = one_volume[1].volumes[0].folder
    scanned = Path(project.storage.root) / Area.SCANNED.value / folder
    scanned.mkdir(parents=True)
    (scanned / "0002.jpg").write_bytes(b"\xff\xd8 another page")
    with pytest.raises(ConflictError) as err:
        ingest(project, scanner, root, workers=1)
    assert err.value.key == "intake.ingest.conflict"
    source = str(root / folder / "0002.jpg")
    assert err.value.params["source"] == source
    assert err.value.params["path"] == f"{Area.SCANNED.value}/{folder}/0002.jpg"
    assert f"扫描站上的文件：{source}" in err.value.message
    assert (scanned / "0002.jpg").read_bytes() == b"\xff\xd8 another page"  # untouched


def test_fixity_status_and_the_rerun_share_one_rule_of_an_unfinished_ingest(
        project: ProjectContext, tmp_path: Path, one_volume: tuple[Path, SetTruth]) -> None:
    """``fixity``/``status`` (``unfinished_ingests``) and ingest's rerun (``unfinished``) ask
    ``ingest_markers.left_unfinished``: the pending marker left, or the sheet missing."""
    root, scanner = at_scan(project, tmp_path, one_volume)
    code = one_volume[1].volumes[0].archive_code
    ingest(project, scanner, root, workers=1)
    with project.transaction() as session:
        volume_id, folder_name = session.execute(select(Volume.id, Volume.folder_name).where(
            Volume.archive_code == code)).one()
    assert folder_name is not None
    base = f"{Area.SCANNED.value}/{folder_name}"
    storage = Path(project.storage.root)
    sheet, pending = storage / sheet_rel(folder_name, code), storage / base / PENDING

    def seen() -> tuple[bool, bool, bool]:
        return (left_unfinished(project, code, folder_name),
                unfinished(project, volume_id, SimpleNamespace(name=folder_name), base),
                code in unfinished_ingests(project, everywhere=True))

    assert seen() == (False, False, False)
    pending.write_text("{}", encoding="utf-8")  # stopped before the receipt
    assert seen() == (True, True, True)
    pending.unlink()
    sheet.rename(sheet.with_name("elsewhere.xlsx"))  # stopped before the sheet
    assert seen() == (True, True, True)
