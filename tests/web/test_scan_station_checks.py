"""The scan station does not wait for the check: the findings load by themselves when pages
are still to be read, each page file's check is kept by the file as it stands (a GET, a
removal re-read only what changed), and every finding names its volume and file."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dangan.intake.content import PageInfo
from dangan.samples import SetTruth
from dangan.services.project import ProjectContext
from dangan.web.routes import scan_station
from web.support import login
from web.test_scan_station import clean_set, station  # noqa: F401

Station = tuple[TestClient, ProjectContext, Path, SetTruth]


def test_findings_load_apart_and_only_changed_files_are_read_again(
        station: Station, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    client, _ctx, root, truth = station
    bad = truth.volumes[1]
    read: list[str] = []
    real = scan_station.inspect_all

    def counting(paths: Sequence[str], *args: Any, **kwargs: Any) -> list[PageInfo]:
        read.extend(Path(p).name for p in paths)
        return real(paths, *args, **kwargs)

    monkeypatch.setattr(scan_station, "inspect_all", counting)
    searched: list[int] = []
    real_dups = scan_station.duplicate_defects

    def searching(*args: Any, **kwargs: Any) -> dict[str, int]:
        searched.append(1)
        return real_dups(*args, **kwargs)

    monkeypatch.setattr(scan_station, "duplicate_defects", searching)
    monkeypatch.setattr(scan_station, "INLINE_PAGES", 0)
    csrf = login(client, "scanner")
    shell = client.get("/scan-station")
    assert shell.status_code == 200
    assert 'hx-get="/scan-station/findings"' in shell.text and "remove-page" not in shell.text
    assert read == []  # the page did not wait for the check
    part = client.get("/scan-station/findings").text
    assert len(read) == 8 and "remove-page" in part
    label = re.findall(r'data-volume="([^"]+)"', part)[1]
    # the finding and its button name the volume and the file
    assert f'<span class="finding-file">{label} / 0002.jpg</span>' in part, part
    assert f'title="{label} / 0002.jpg"' in part
    again = client.get("/scan-station").text
    assert "remove-page" in again and "hx-get=\"/scan-station/findings\"" not in again
    assert len(read) == 8 and len(searched) == 1  # nothing read or searched again
    removed = client.post("/scan-station/remove", data={
        "csrf_token": csrf, "top": bad.folder, "name": "0002.jpg"})
    assert removed.status_code == 303, removed.text
    after = client.get("/scan-station").text
    assert "hx-get=\"/scan-station/findings\"" not in after and "remove-page" not in after
    assert len(read) == 8  # the renamed pages were not read again
    page = root / bad.folder / "0001.jpg"
    page.write_bytes(b"\xff\xd8broken")  # a changed file is read again, alone
    changed = client.get("/scan-station/findings").text
    assert read[8:] == ["0001.jpg"]
    assert f'<span class="finding-file">{label} / 0001.jpg</span>' in changed
