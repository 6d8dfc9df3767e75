"""``check`` finds every injected fault and nothing on the clean volumes (sample-generator truth)."""

from __future__ import annotations

from pathlib import Path

from dangan.config import ScanConfig
from dangan.domain.naming import court_rules
from dangan.intake.check import CheckOptions, run_check
from dangan.samples import SetTruth
from dangan.samples import faults as f


def test_every_injected_fault_is_found_and_clean_volumes_are_clean(
    scan_copy: tuple[Path, SetTruth],
) -> None:
    root, truth = scan_copy
    folders = [root / v.folder for v in truth.volumes]
    expected_pages = {v.archive_code: v.image_count for v in truth.volumes}
    expected: set[tuple[str, str]] = set()
    expected |= f.missing_page(root, folders[0], 3)
    expected |= f.stray_files(root, folders[0])
    expected |= f.duplicate_page_no(root, folders[1], 2)
    expected |= f.low_dpi(root, folders[1], 3)
    expected |= f.wrong_colour_mode(root, folders[1], 4)
    expected |= f.corrupt_images(root, folders[2], 3)
    expected |= f.wrong_size(root, folders[2], 2)
    expected |= f.bad_file_name(root, folders[2])
    expected |= f.blank_page(root, folders[3], 4)
    expected |= f.duplicate_scan(root, folders[3], 2)
    expected |= f.duplicate_across(root, folders[4], folders[5])
    _, bad = f.rename_folder(root, folders[7], "扫描第一批-待整理", "bad_folder_name")
    expected |= bad
    code8 = truth.volumes[8].archive_code
    del expected_pages[code8]
    expected.add(("unknown_volume", folders[8].name))
    year, cat, _cat_no, case = truth.volumes[6].archive_code.split("-")
    _, bad = f.rename_folder(root, folders[6], f"1-1-1-1-{year}-{cat}-14-{case}", "bad_archive_code")
    expected |= bad

    report = run_check(str(root), CheckOptions(court_rules(), ScanConfig(), expected_pages,
                                               workers=2))
    found = {(d.code, d.path) for d in report.defects}
    assert found == expected
    # every message is Chinese text, every record has the public shape
    for d in report.to_dict()["defects"]:
        assert set(d) == {"path", "volume", "page", "code", "severity", "message"}
    codes = {c for c, _ in expected}
    assert {"missing_page", "duplicate_page_no", "stray_file", "corrupt_image", "low_dpi",
            "wrong_colour_mode", "wrong_size", "blank_page", "duplicate_image",
            "page_count_mismatch", "bad_folder_name", "bad_archive_code", "unknown_volume",
            "bad_file_name"} <= codes
    assert report.summary()["warnings"] == 3  # two stray files and the blank page


def test_clean_set_has_no_defects_and_blank_policy(scan_copy: tuple[Path, SetTruth]) -> None:
    root, truth = scan_copy
    expected_pages = {v.archive_code: v.image_count for v in truth.volumes}
    report = run_check(str(root), CheckOptions(court_rules(), ScanConfig(), expected_pages,
                                               workers=1))
    assert report.defects == []
    f.blank_page(root, root / truth.volumes[0].folder, 2)
    strict = ScanConfig(blank_pages_scanned=False)
    report = run_check(str(root), CheckOptions(court_rules(), strict, expected_pages, workers=1))
    assert [(d.code, str(d.severity)) for d in report.defects] == [("blank_page", "error")]
