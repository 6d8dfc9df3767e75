"""Delivery forms built from real retouched JPEGs: byte-identical round trips, page counts."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from dangan_index_fixtures import add_volume, write_catalogue
from PIL import Image
from sqlalchemy import select

from dangan.db.models import StoredFile
from dangan.export import pdf
from dangan.export.ocr import ocr_available
from dangan.services import indexing
from dangan.services.delivery import packaging
from dangan.storage import Area
from workflow.helpers import actor

CODE = "1997-民-0014-0025"


@pytest.fixture
def indexed(project: Any, tmp_path: Path) -> Any:
    add_volume(project, CODE, 6)
    path = write_catalogue(
        tmp_path / "目录.xlsx", [[CODE, "张三诉李四", "1997", "永久", 3, 6]],
        [[CODE, 1, "(1997)民初字第25号", "张三", "起诉状", "19970105", "1", ""],
         [CODE, 2, "", "李四", "答辩状", "19970301", "3", ""],
         [CODE, 3, "", "某某人民法院", "民事判决书", "19970630", "4", ""]])
    indexing.import_catalogue(project, actor(project, "钱标", "indexer", "uploader"), [path])
    return project


def page_bytes(ctx: Any, numbers: range) -> list[bytes]:
    return [ctx.storage.read_bytes(f"{Area.RETOUCHED.value}/1-1-1-1-{CODE}/{n:04d}.jpg")
            for n in numbers]


def test_pdf_per_item_is_lossless_a4_with_metadata(indexed: Any) -> None:
    result = packaging.package(indexed, actor(indexed, "钱标", "indexer", "uploader"), "pdf")
    assert (result.volumes, result.files, result.pages, result.problems) == (1, 3, 6, [])
    base = f"{Area.UPLOADED.value}/pdf/{CODE}"
    expected = {1: range(1, 3), 2: range(3, 4), 3: range(4, 7)}
    for seq, pages in expected.items():
        data = indexed.storage.read_bytes(f"{base}/{CODE}-{seq:03d}.pdf")
        assert pdf.image_streams(data) == page_bytes(indexed, pages)
        assert pdf.page_count(data) == len(pages)
    data = indexed.storage.read_bytes(f"{base}/{CODE}-003.pdf")
    meta = pdf.metadata(data)
    assert meta["/Title"] == "民事判决书" and meta["/Author"] == "某某人民法院"
    with pikepdf.open(io.BytesIO(data)) as doc:
        w, h = (float(x) for x in doc.pages[0].mediabox[2:])
    assert abs(w / 72 * 25.4 - 210) < 1 and abs(h / 72 * 25.4 - 297) < 1
    with indexed.transaction() as s:
        kinds = s.scalars(select(StoredFile.kind).where(StoredFile.area == "uploaded")).all()
    assert kinds == ["pdf"] * 3


def test_repackaging_replaces_files(indexed: Any) -> None:
    packaging.package(indexed, actor(indexed, "钱标", "indexer", "uploader"), "pdf")
    packaging.package(indexed, actor(indexed, "钱标", "indexer", "uploader"), "pdf", CODE)
    with indexed.transaction() as s:
        assert len(s.scalars(select(StoredFile).where(StoredFile.area == "uploaded")).all()) == 3


def test_zip_tiff_and_jpg_forms(indexed: Any) -> None:
    packaging.package(indexed, actor(indexed, "钱标", "indexer", "uploader"), "zip")
    data = indexed.storage.read_bytes(f"{Area.UPLOADED.value}/zip/{CODE}/{CODE}-001.zip")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == [f"{CODE}-0001.jpg", f"{CODE}-0002.jpg"]
        assert [zf.read(n) for n in zf.namelist()] == page_bytes(indexed, range(1, 3))
    packaging.package(indexed, actor(indexed, "钱标", "indexer", "uploader"), "tiff")
    tif = indexed.storage.read_bytes(f"{Area.UPLOADED.value}/tiff/{CODE}/{CODE}-003.tif")
    img = Image.open(io.BytesIO(tif))
    assert img.n_frames == 3 and round(img.info["dpi"][0]) == 200
    packaging.package(indexed, actor(indexed, "钱标", "indexer", "uploader"), "jpg")
    base = f"{Area.UPLOADED.value}/jpg/{CODE}"
    assert indexed.storage.read_bytes(f"{base}/{CODE}-0004.jpg") == page_bytes(indexed, range(4, 5))[0]
    index = indexed.storage.read_bytes(f"{base}/页面索引.csv").decode("utf-8-sig").splitlines()
    assert index[0].startswith("档号,图像序号,页号,件号,题名")
    assert index[4].startswith(f"{CODE},4,4,3,民事判决书,{CODE}-0004.jpg")


def test_missing_retouched_page_is_reported(indexed: Any) -> None:
    with indexed.transaction() as s:
        row = s.scalars(select(StoredFile).where(StoredFile.path.like("%0005.jpg"))).one()
        s.delete(row)
    result = packaging.package(indexed, actor(indexed, "钱标", "indexer", "uploader"), "pdf")
    assert result.volumes == 0 and "第 5 页" in result.problems[0]


def text_page() -> bytes:
    """A page with large printed Chinese (Noto Sans CJK, installed by the bootstrap)."""
    from PIL import ImageDraw

    from dangan.samples.fonts import get_font

    img = Image.new("RGB", (1654, 2339), "white")
    draw = ImageDraw.Draw(img)
    draw.text((250, 300), "民事判决书", font=get_font("sans", 120), fill="black")
    draw.text((250, 600), "原告张三诉被告李四借款纠纷", font=get_font("sans", 80), fill="black")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, dpi=(200, 200))
    return buf.getvalue()


@pytest.mark.skipif(ocr_available() is not None, reason=f"OCR not installed: {ocr_available()}")
def test_ocr_gives_searchable_pdfa_with_chinese_text(project: Any, tmp_path: Path) -> None:
    import subprocess

    add_volume(project, CODE, 1)
    page = f"{Area.RETOUCHED.value}/1-1-1-1-{CODE}/0001.jpg"
    digest = project.storage.write_bytes(page, text_page())
    _rerecord(project, page, digest)
    path = write_catalogue(tmp_path / "c.xlsx", [[CODE, "案卷", "", "", 1, 1]],
                           [[CODE, 1, "", "法院", "判决书", "1997", "1", ""]])
    indexing.import_catalogue(project, actor(project, "钱标", "indexer", "uploader"), [path])
    result = packaging.package(project, actor(project, "钱标", "indexer", "uploader"), "pdf", ocr=True)
    assert result.problems == []
    out = tmp_path / "ocr.pdf"
    out.write_bytes(project.storage.read_bytes(f"{Area.UPLOADED.value}/pdf/{CODE}/{CODE}-001.pdf"))
    with pikepdf.open(out) as doc:
        assert len(doc.pages) == 1
        assert doc.open_metadata().pdfa_status.startswith("2")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "民事判" in text.replace(" ", "")  # tesseract chi_sim text layer


def _rerecord(ctx: Any, rel: str, digest: str) -> None:
    """A page retouched again: its file and its recorded checksum change together."""
    from sqlalchemy import update

    from dangan.db.models import StoredFile

    with ctx.transaction() as session:
        session.execute(update(StoredFile).where(StoredFile.path == rel).values(sha256=digest))


def test_a_page_changed_after_retouch_is_never_packaged(indexed: Any) -> None:
    from dangan.errors import IntegrityError

    page = f"{Area.RETOUCHED.value}/1-1-1-1-{CODE}/0002.jpg"
    data = bytearray(indexed.storage.read_bytes(page))
    data[-3] ^= 0xFF  # one byte differs from what retouch recorded
    indexed.storage.write_bytes(page, bytes(data))
    with pytest.raises(IntegrityError) as err:
        packaging.package(indexed, actor(indexed, "钱标", "indexer", "uploader"), "pdf")
    assert err.value.key == "package.page_changed" and err.value.exit_code == 8
    assert page in err.value.message
    assert not indexed.storage.exists(f"{Area.UPLOADED.value}/pdf/{CODE}")
