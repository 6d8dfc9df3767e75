"""What ingest records per page: a Page row with what the check saw, and a StoredFile row with
the page's checksum pointing at that very Page (the rows are inserted in bulk, the ids come
back in order)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dangan.db.models import Page, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.samples import SetTruth, generate_set
from dangan.services.intake import ingest
from workflow.helpers import actor, line_to, register_set


@pytest.fixture(scope="module")
def volumes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    # some blank pages (blank, nearly no ink), no duplicates: every volume is clean
    return root, generate_set(root, 2, seed=23, pages=(11, 13), p_blank=0.25, p_duplicate=0.0)


def test_pages_and_checksums_recorded_page_by_page(any_project: Any,
                                                    volumes: tuple[Path, SetTruth]) -> None:
    root, truth = volumes
    register_set(any_project, truth)
    line_to(any_project, wf.SCAN)
    result = ingest(any_project, actor(any_project, "张扫"), root, workers=1)
    assert [v.state for v in result.volumes] == ["ingested"] * len(truth.volumes)
    assert result.check is not None
    blanks = 0
    for checked in result.check.volumes:
        folder = checked.folder
        with any_project.transaction() as session:
            volume = session.scalar(select(Volume).where(
                Volume.archive_code == folder.archive_code))
            assert volume is not None and volume.page_count == len(folder.pages)
            pages = {p.id: p for p in session.scalars(select(Page).where(
                Page.volume_id == volume.id))}
            files = list(session.scalars(select(StoredFile).where(
                StoredFile.volume_id == volume.id, StoredFile.kind == "page")))
        assert sorted(p.page_no for p in pages.values()) == \
            list(range(1, len(folder.pages) + 1))
        assert len(files) == len(folder.pages)
        by_name = {p.name: p for p in folder.pages}
        for stored in files:
            name = stored.path.rsplit("/", 1)[-1]
            entry, info = by_name[name], checked.infos[name]
            page = pages[stored.page_id]
            assert page.page_no == entry.page_no  # the checksum row points at its own page
            data = Path(entry.path).read_bytes()
            assert stored.sha256 == hashlib.sha256(data).hexdigest()
            assert stored.size == len(data) and stored.area == "scanned"
            assert stored.recorded_at is not None and stored.verified_at is not None
            assert (page.width, page.height, page.dpi, page.colour_mode, page.format,
                    page.blank, page.metrics) == (
                info.width, info.height, round(info.dpi) if info.dpi else None,
                info.colour_mode, info.fmt,
                info.blank, {"ink": info.ink})
            blanks += page.blank
    assert blanks > 0  # the blank flag is carried, not only its default
