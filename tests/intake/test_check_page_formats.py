"""A page in another format than the project's is a page in the wrong format (an error that
stops ingest), never a stray file the operator is told to move away; a project whose scans
are PDF takes PDF pages."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import img2pdf
from PIL import Image

from dangan.config import ScanConfig
from dangan.domain.naming import court_rules
from dangan.intake.check import CheckOptions, run_check
from dangan.samples import SetTruth


def _convert(jpg: Path, fmt: str) -> bytes:
    if fmt == "pdf":
        return bytes(img2pdf.convert(jpg.read_bytes()))
    buf = io.BytesIO()
    with Image.open(jpg) as im:
        im.save(buf, format={"bmp": "BMP", "webp": "WEBP", "gif": "GIF", "ppm": "PPM"}[fmt])
    return buf.getvalue()


def test_page_named_files_in_other_formats_are_wrong_format_errors(
    scan_copy: tuple[Path, SetTruth],
) -> None:
    root, truth = scan_copy
    vol = truth.volumes[0]
    folder = root / vol.folder
    pages = sorted(folder.glob("*.jpg"))
    changed = {}
    for page, fmt in zip(pages[1:], ("pdf", "bmp", "webp", "gif", "ppm"), strict=False):
        target = page.with_suffix("." + fmt)
        target.write_bytes(_convert(page, fmt))
        page.unlink()
        changed[target.name] = fmt
    expected_pages = {v.archive_code: v.image_count for v in truth.volumes}
    report = run_check(str(root), CheckOptions(court_rules(), ScanConfig(), expected_pages,
                                               workers=1))
    mine = [d for d in report.defects if d.volume == vol.archive_code]
    wrong = {Path(d.path).name: str(d.severity) for d in mine if d.code == "wrong_format"}
    assert wrong == dict.fromkeys(changed, "error")
    assert not [d for d in report.defects if d.code == "stray_file"]
    assert not [d for d in mine if d.code == "corrupt_image"]  # WebP and PPM are read
    message = next(d for d in report.to_dict()["defects"]
                   if d["path"].endswith(".bmp") and d["code"] == "wrong_format")["message"]
    assert "bmp" in message and "jpg" in message


def test_a_pdf_project_takes_pdf_pages(scan_copy: tuple[Path, SetTruth], tmp_path: Path) -> None:
    root, truth = scan_copy
    vol = truth.volumes[0]
    only = tmp_path / "one" / vol.folder
    only.parent.mkdir()
    shutil.copytree(root / vol.folder, only)
    for page in sorted(only.glob("*.jpg")):
        page.with_suffix(".pdf").write_bytes(_convert(page, "pdf"))
        page.unlink()
    report = run_check(str(only.parent), CheckOptions(
        court_rules(), ScanConfig(format="pdf"), {vol.archive_code: vol.image_count}, workers=1))
    assert [(d.code, d.path) for d in report.defects] == []
    jpg_project = run_check(str(only.parent), CheckOptions(
        court_rules(), ScanConfig(), {vol.archive_code: vol.image_count}, workers=1))
    assert {d.code for d in jpg_project.defects} == {"wrong_format"}
