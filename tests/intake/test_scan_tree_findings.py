"""Hand-made scan trees that misled ``dangan check``: each finding says what is wrong, where.

A page file at the scan root is a stray page of its own, and the volume folders beside it are
checked as usual; a folder name a segment short says so instead of blaming the archive code;
a page named with a trailing dot or space (a Windows or network-share copy) is an error of
its own, not a stray file; a volume folder checked by itself is named, never ``.``; a missing
first page says it is at the start; a byte-identical page is said to be the same file."""

from __future__ import annotations

import shutil
from pathlib import Path

from dangan.config import ScanConfig
from dangan.domain.defects import Defect
from dangan.domain.naming import court_rules, describe_rule
from dangan.i18n import set_language, t
from dangan.intake.check import CheckOptions, CheckReport, run_check
from dangan.intake.folder_segments import segment_count_detail
from dangan.samples import SetTruth


def _check(root: Path, content: bool = False) -> CheckReport:
    return run_check(str(root), CheckOptions(court_rules(), ScanConfig(), content=content,
                                             workers=1))


def _at(report: CheckReport) -> dict[str, list[Defect]]:
    out: dict[str, list[Defect]] = {}
    for d in report.defects:
        out.setdefault(d.path, []).append(d)
    return out


def test_a_page_at_the_scan_root_is_a_stray_page_and_the_volumes_are_checked(
        scan_copy: tuple[Path, SetTruth]) -> None:
    root, truth = scan_copy
    v = truth.volumes
    shutil.copyfile(root / v[0].folder / "0001.jpg", root / "0001.jpg")
    (root / v[1].folder / "0002.jpg").unlink()  # a real problem inside a volume
    report = _check(root)
    found = _at(report)
    [stray] = found["0001.jpg"]
    assert stray.code == "bad_path" and stray.is_error
    assert stray.params["reason"] == t("intake.reason.root_page")
    # every volume folder read as a volume, its pages counted and checked
    assert len(report.volumes) == len(v) and report.summary()["volumes"] == len(v)
    assert not any(d.code == "bad_folder_name" for d in report.defects)
    assert not any(d.params.get("reason") == t("intake.reason.nested_dir")
                   for d in report.defects)
    assert [d.code for d in found[f"{v[1].folder}/0002.jpg"]] == ["missing_page"]


def test_a_page_in_a_grouping_folder_beside_volumes_is_a_stray_page(
        scan_copy: tuple[Path, SetTruth], tmp_path: Path) -> None:
    src, truth = scan_copy
    root = tmp_path / "grouped"
    group = root / "1-4-1"
    group.mkdir(parents=True)
    v = truth.volumes[0]
    shutil.copytree(src / v.folder, group / v.folder)
    shutil.copyfile(src / v.folder / "0002.jpg", group / "0002.jpg")
    found = _at(_check(root))
    [stray] = found["1-4-1/0002.jpg"]
    assert stray.code == "bad_path" and stray.params["reason"] == t("intake.reason.loose_page")
    assert f"1-4-1/{v.folder}" not in found  # the volume beside it: clean


def test_a_folder_name_a_segment_short_says_so_not_a_bad_archive_code(tmp_path: Path,
                                                                      scan_copy: tuple[Path, SetTruth]) -> None:
    src, truth = scan_copy
    first = src / truth.volumes[0].folder
    root = tmp_path / "scan"
    for name in ("1-1-4-1997-刑-0001-0008", "1-1-1-1997-刑-0002-0001"):
        shutil.copytree(first, root / "1-4-1" / name)
    found = _at(_check(root))
    rules = court_rules()
    for name in ("1-1-4-1997-刑-0001-0008", "1-1-1-1997-刑-0002-0001"):
        [d] = found[f"1-4-1/{name}"]
        assert d.code == "bad_folder_name", d.message
        assert d.params["detail"] == segment_count_detail(rules, name)
        assert rules.folder.pattern not in d.params["detail"]  # the rule in words
        assert describe_rule(rules.folder) in d.params["detail"]
        # the archive code at its end is whole: the segment is missing before it
        assert t("intake.folder_segments.missing_among", parts=t("intake.folder_segments.or").join(
            [t("intake.folder_part.borrow_batch"), t("intake.folder_part.work_batch")])) \
            in d.params["detail"]
    words = segment_count_detail(rules, "1-1-4-1997-刑-0001-0008")
    assert words is not None and words.startswith(t(
        "intake.folder_segments.count", found=7, need=8, where="",
        rule=describe_rule(rules.folder)))
    assert ("借卷批次号-小批次号（借卷批次号-小批次总数-小批次序号）-档号（年度4位-类别-目录号4位-案卷号4位），"
            "如 1-1-6-2-1997-民-0014-0025") in words
    assert "{" not in words
    short_code = segment_count_detail(rules, "1-1-1-1-1997-刑-0001")
    assert short_code is not None and t("intake.folder_segments.missing_in",
                                        part=t("intake.folder_part.archive_code")) in short_code
    assert segment_count_detail(rules, "1-1-1-1-1997-刑-0001-0001") is None


def test_a_page_name_with_a_trailing_dot_or_space_is_an_error_of_its_own(
        scan_copy: tuple[Path, SetTruth]) -> None:
    root, truth = scan_copy
    vol = root / truth.volumes[0].folder
    (vol / "0003.jpg").rename(vol / "0003.jpg.")
    (vol / "0005.jpg").rename(vol / "0005.JPG ")
    report = _check(root)
    found = _at(report)
    for name, plain in (("0003.jpg.", "0003.jpg"), ("0005.JPG ", "0005.JPG")):
        [d] = found[f"{truth.volumes[0].folder}/{name}"]
        assert d.code == "bad_file_name" and d.is_error, d.message
        assert d.params["detail"] == t("intake.reason.trailing_char", name=plain)
    # counted as their pages: no page said missing, no stray file
    assert not any(d.code in ("missing_page", "stray_file") for d in report.defects)
    assert truth.volumes[0].archive_code in report.summary()["volumes_with_errors"]


def test_one_volume_folder_checked_is_named_not_dot(scan_copy: tuple[Path, SetTruth]) -> None:
    root, truth = scan_copy
    v = truth.volumes[0]
    for page in (root / v.folder).glob("*.jpg"):
        page.unlink()
    [empty] = _check(root / v.folder).defects
    assert empty.code == "empty_volume" and empty.path == v.folder
    short = root / "1-1-1-1997-刑-0002-0001"  # a segment short, checked by itself
    (root / truth.volumes[1].folder).rename(short)
    [bad] = _check(short).defects
    assert bad.code == "bad_folder_name" and bad.path == short.name


def test_a_missing_first_page_is_said_to_be_at_the_start(scan_copy: tuple[Path, SetTruth]) -> None:
    root, truth = scan_copy
    v = truth.volumes[0]
    (root / v.folder / "0001.jpg").unlink()
    (root / v.folder / "0004.jpg").unlink()
    found = _at(_check(root))
    [first] = found[f"{v.folder}/0001.jpg"]
    assert first.code == "missing_page"
    assert first.params["edges"] == t("intake.missing.first", after=2)
    assert "- 和" not in first.message and "between - and" not in first.message
    [middle] = found[f"{v.folder}/0004.jpg"]
    assert middle.params["edges"] == t("intake.missing.between", before=3, after=5)


def test_a_byte_identical_page_is_said_to_be_the_same_file(
        scan_copy: tuple[Path, SetTruth]) -> None:
    root, truth = scan_copy
    v = truth.volumes[0]
    shutil.copyfile(root / v.folder / "0003.jpg", root / v.folder / "0004.jpg")
    report = _check(root, content=True)
    [dup] = [d for d in report.defects if d.code == "duplicate_image"]
    assert dup.path == f"{v.folder}/0004.jpg"
    assert dup.params["what"].key == "intake.dup.identical"
    assert str(dup.params["what"]) == t("intake.dup.identical", other="0003.jpg")
    assert dup.params["advice"].key == "intake.dup.identical_advice"
    assert t("intake.dup.identical", other="0003.jpg") in dup.message
    assert t("intake.dup.rescan", other="0003.jpg") not in dup.message
    set_language("en")
    assert "the same file as 0003.jpg (same SHA-256" in dup.rendered().message
