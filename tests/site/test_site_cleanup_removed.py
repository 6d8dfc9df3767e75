"""The pages renumber took out (``.dangan-removed/``, never stored) no longer keep a folder
for ever: the dry run lists each with its SHA-256 and size, and they go with the folder only
when a person confirms it (``--apply --include-removed -w NAME``), each recorded in the audit
event. Anything else in that folder, or a page changed after its check, keeps it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from site_helpers import returned_and_open
from test_site_cleanup import _deleted_events
from test_site_cleanup_trial import _renumbered
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.domain import workflow as wf
from dangan.intake import renumber as rn
from dangan.services.engine import resolve_actor
from dangan.services.history import volume_history
from dangan.services.project import ProjectContext
from dangan.services.site import cleanup
from dangan.storage.checksum import sha256_file

WIDE = {"COLUMNS": "400"}


def test_removed_pages_go_only_when_a_person_confirms(project: ProjectContext,
                                                      tmp_path: Path) -> None:
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _renumbered(ctx, tmp_path, done[0], remove=["0002"])
    folder = root / "1-1" / done[0]
    (page,) = (folder / rn.REMOVED_DIR).iterdir()
    sha, size = sha256_file(page), page.stat().st_size
    name = f"{rn.REMOVED_DIR}/{page.name}"
    runner = CliRunner()
    base = ["cleanup", str(root), "-p", str(ctx.home)]

    (kept,) = [d for d in cleanup.plan(ctx, root).folders if d.archive_code == done[0]]
    assert kept.reason == cleanup.REMOVED_PAGES and kept.params["count"] == 1
    assert kept.params["removed"] == [{"name": name, "sha256": sha, "size": size}]
    assert "--include-removed" in kept.message()
    dry = runner.invoke(app, base, env=WIDE)
    assert dry.exit_code == 0, dry.output
    assert sha in dry.output and page.name in dry.output and "removed_pages" in dry.output
    plain = runner.invoke(app, [*base, "--apply", "-w", "张扫"], env=WIDE)
    assert plain.exit_code == 0, plain.output
    assert page.exists() and _deleted_events(ctx) == []  # not confirmed: kept

    would = runner.invoke(app, [*base, "--include-removed", "--json"], env=WIDE)
    assert would.exit_code == 0, would.output
    body = {f["folder"]: f for f in json.loads(would.output)["folders"]}
    assert body[f"1-1/{done[0]}"]["reason"] == "deletable"
    assert body[f"1-1/{done[0]}"]["params"]["removed"] == 1
    assert page.exists()  # a dry run deletes nothing

    applied = runner.invoke(app, [*base, "--apply", "--include-removed", "-w", "张扫"], env=WIDE)
    assert applied.exit_code == 0, applied.output
    assert not folder.exists()
    (event,) = [h for h in volume_history(ctx, done[0]) if h.kind == wf.EVENT_LOCAL_COPY_DELETED]
    assert event.person == "张扫"
    assert event.data["removed_pages"] == [{"name": name, "sha256": sha, "size": size}]
    assert {"name": name, "sha256": sha, "size": size} in event.data["files"]
    assert "张扫" in event.remarks and "--include-removed" in event.remarks


@pytest.mark.parametrize("extra", ["subfolder", "link"])
def test_anything_but_pages_in_the_removed_folder_keeps_it(project: ProjectContext,
                                                           tmp_path: Path, extra: str) -> None:
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _renumbered(ctx, tmp_path, done[0], remove=["0002"])
    removed = root / "1-1" / done[0] / rn.REMOVED_DIR
    if extra == "subfolder":
        (removed / "更早").mkdir()
    else:
        os.symlink(tmp_path, removed / "别处")
    report = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root, include_removed=True)
    decision = {d.folder: d for d in report.folders}[f"1-1/{done[0]}"]
    assert decision.reason == cleanup.OTHER_ENTRY
    assert str(decision.params["name"]).startswith(f"{rn.REMOVED_DIR}/")
    assert len(list(removed.iterdir())) == 2 and _deleted_events(ctx) == []


def test_a_removed_page_changed_after_its_check_keeps_the_folder(
        project: ProjectContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _renumbered(ctx, tmp_path, done[0], remove=["0002"])
    folder = root / "1-1" / done[0]
    (page,) = (folder / rn.REMOVED_DIR).iterdir()
    real = cleanup._decide

    def decide_then_touch(*args: Any) -> cleanup.Verdict:
        verdict = real(*args)
        with page.open("ab") as fh:
            fh.write(b"more")
        return verdict

    monkeypatch.setattr(cleanup, "_decide", decide_then_touch)
    report = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root, include_removed=True)
    decision = {d.folder: d for d in report.folders}[f"1-1/{done[0]}"]
    assert decision.reason == cleanup.CHANGED
    assert decision.params["name"] == f"{rn.REMOVED_DIR}/{page.name}"
    assert page.exists() and (folder / "0001.jpg").exists() and _deleted_events(ctx) == []
