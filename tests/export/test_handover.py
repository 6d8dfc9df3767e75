"""Handover bag: builds, validates, and verification names a flipped or missing file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bagit
import pytest
from dangan_index_fixtures import add_volume, write_catalogue
from lxml import etree

from dangan.errors import DefectsFound, IntegrityError
from dangan.export.mets import METS, mets_files
from dangan.services import indexing
from dangan.services.delivery import handover, packaging
from workflow.helpers import actor

CODE = "1997-民-0014-0025"
CODE2 = "1997-民-0014-0026"


@pytest.fixture
def bag(project: Any, tmp_path: Path) -> Path:
    add_volume(project, CODE, 4, size=(400, 566))
    add_volume(project, CODE2, 2, size=(400, 566))
    path = write_catalogue(
        tmp_path / "目录.xlsx",
        [[CODE, "张三诉李四", "1997", "永久", 2, 4], [CODE2, "王五诉赵六", "1997", "30年", 1, 2]],
        [[CODE, 1, "", "张三", "起诉状", "19970105", "1", ""],
         [CODE, 2, "", "法院", "民事判决书", "19970630", "2", ""],
         [CODE2, 1, "", "王五", "起诉状", "1997", "1", ""]])
    indexing.import_catalogue(project, actor(project, "钱标", "indexer", "uploader"), [path])
    packaging.package(project, actor(project, "钱标", "indexer", "uploader"), "pdf")
    result = handover.build_handover(project, tmp_path / "out.bag")
    assert (result.volumes, result.files) == (2, 3)
    return result.path


def test_bag_is_valid_and_complete(bag: Path) -> None:
    bagit.Bag(str(bag)).validate()
    report = handover.verify_handover(bag)
    assert report.files >= 8
    data = bag / "data"
    for rel in ("catalogue/卷内目录.xlsx", "linkdata/挂接数据.xlsx", "linkdata/挂接数据.xml",
                "records/过程记录.csv", "records/问题记录.csv", "mets.xml",
                f"files/pdf/{CODE}/{CODE}-002.pdf"):
        assert (data / rel).is_file(), rel
    assert "manifest-sha256.txt" in {p.name for p in bag.iterdir()}
    mets = (data / "mets.xml").read_bytes()
    listed = mets_files(mets)
    assert set(listed) == {f"files/pdf/{CODE}/{CODE}-001.pdf", f"files/pdf/{CODE}/{CODE}-002.pdf",
                           f"files/pdf/{CODE2}/{CODE2}-001.pdf"}
    root = etree.fromstring(mets)
    ns = {"mets": METS}
    vols = root.findall("mets:structMap/mets:div/mets:div", ns)
    assert [v.get("LABEL") for v in vols] == [CODE, CODE2]
    assert [len(i.findall("mets:div", ns)) for i in vols[0].findall("mets:div", ns)] == [1, 3]
    assert b"DA/T 46" in mets and b">200<" in mets


def test_flipped_byte_is_named(bag: Path) -> None:
    target = bag / "data" / "files" / "pdf" / CODE / f"{CODE}-002.pdf"
    data = bytearray(target.read_bytes())
    data[100] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(IntegrityError) as info:
        handover.verify_handover(bag)
    assert info.value.details == [f"文件已被改动（SHA-256 不符）：data/files/pdf/{CODE}/{CODE}-002.pdf"]


def test_missing_file_is_named(bag: Path) -> None:
    (bag / "data" / "catalogue" / "卷内目录.xlsx").unlink()
    with pytest.raises(IntegrityError) as info:
        handover.verify_handover(bag)
    assert info.value.details == ["缺少文件：data/catalogue/卷内目录.xlsx"]


def test_handover_refused_when_links_broken(project: Any, tmp_path: Path) -> None:
    add_volume(project, CODE, 2, size=(400, 566))
    path = write_catalogue(tmp_path / "c.xlsx", [[CODE, "t", "", "", 1, 2]],
                           [[CODE, 1, "", "a", "b", "1997", "1", ""]])
    indexing.import_catalogue(project, actor(project, "钱标", "indexer", "uploader"), [path])
    with pytest.raises(DefectsFound):
        handover.build_handover(project, tmp_path / "x.bag")  # not packaged yet
    assert not (tmp_path / "x.bag").exists()
