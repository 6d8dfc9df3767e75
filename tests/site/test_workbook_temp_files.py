"""Workbooks saved by the long-running web server leave nothing behind: openpyxl's
process-wide list of temporary files (``openpyxl.worksheet._writer.ALL_TEMP_FILES``) and the
temporary folder do not grow per workbook, whether a save succeeds or fails part-way (here a
real full disk, ``/dev/full``)."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from dangan.domain.catalogue import CatalogueSchema
from dangan.export.catalogue_xlsx import (
    VolumeCatalogue,
    write_catalogue_workbook,
    write_differences,
)

N = 12
SCHEMA = CatalogueSchema(record_fields=("title",), entry_fields=("title",))


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """openpyxl's temporary files go here for the test (other processes use /tmp too)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _volumes(count: int = 300) -> list[VolumeCatalogue]:
    # random titles: the sheets are larger than the write buffers, so a full disk fails
    # while the first sheet is being written into the archive
    return [VolumeCatalogue(f"1997-民-0014-{i:04d}", {"title": os.urandom(24).hex()},
                            [{"title": os.urandom(24).hex()}]) for i in range(count)]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_failed_saves_leave_no_temporary_file(own_tmp: Path) -> None:
    before = list(ALL_TEMP_FILES)
    volumes = _volumes()
    for _ in range(N):
        with pytest.raises(OSError), open("/dev/full", "wb") as full:
            write_catalogue_workbook(full, SCHEMA, volumes)
        with pytest.raises(OSError), open("/dev/full", "wb") as full:
            write_differences(full, [[v.archive_code, v.record["title"]] for v in volumes],
                              ["档号", "题名"])
    assert before == ALL_TEMP_FILES  # was: 3 more entries per failed pair, for good
    assert list(own_tmp.iterdir()) == []  # and their files


def test_saved_workbooks_leave_no_temporary_file(own_tmp: Path, tmp_path: Path) -> None:
    from dangan.export.workbook_save import save_workbook

    before = list(ALL_TEMP_FILES)
    volumes = _volumes(20)
    for i in range(N):
        buf = io.BytesIO()
        assert write_catalogue_workbook(buf, SCHEMA, volumes) == (20, 20)
        assert load_workbook(buf, read_only=True).sheetnames == ["卷宗信息", "卷内目录"]
        wb = Workbook()
        wb.active.append(["档号", f"1997-民-{i:04d}"])
        save_workbook(wb, tmp_path / f"{i}.xlsx")
        assert load_workbook(tmp_path / f"{i}.xlsx").active["B1"].value == f"1997-民-{i:04d}"
    assert before == ALL_TEMP_FILES
    assert list(own_tmp.iterdir()) == []
