"""The local-copy rule on folders a real ingest read: what ingest leaves lets a folder go, a
page added or changed after ingest keeps it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from dangan.db.models import BorrowBatch, Volume
from dangan.domain import workflow as wf
from dangan.samples import generate_set
from dangan.services.engine import resolve_actor
from dangan.services.history import volume_history
from dangan.services.ingest_markers import RECEIPT
from dangan.services.intake import ingest
from dangan.services.site import cleanup
from workflow.helpers import actor, line_to


def test_ingested_folders_go_only_as_they_were_ingested(project: Any, tmp_path: Path) -> None:
    ctx = project
    root = tmp_path / "扫描站"
    truth = generate_set(root, 3, seed=31, pages=(5, 6), p_blank=0.0, p_duplicate=0.0)
    with ctx.transaction() as s:
        for v in truth.volumes:
            s.add(Volume(project_id=ctx.project_id, archive_code=v.archive_code,
                         expected_pages=v.image_count))
    line_to(ctx, wf.SCAN)
    result = ingest(ctx, actor(ctx, "张扫"), root, workers=1)
    assert [v.state for v in result.volumes] == ["ingested"] * 3
    with ctx.transaction() as s:  # the rest of the line, as on record (not what this tests)
        s.execute(update(Volume).values(stage=wf.DONE))
        s.execute(update(BorrowBatch).values(status=wf.BORROW_RETURNED))
    assert result.check is not None
    folders = {v.folder.archive_code: Path(v.folder.path) for v in result.check.volumes}
    clean, added, changed = sorted(folders)
    assert (folders[clean] / RECEIPT).exists()  # ingest's receipt lies in the folder
    (folders[added] / "0099.jpg").write_bytes(os.urandom(500))  # scanned after ingest
    page = sorted(folders[changed].glob("*.jpg"))[1]
    data = bytearray(page.read_bytes())
    data[len(data) // 2] ^= 0x01  # edited after ingest (one bit)
    page.write_bytes(bytes(data))

    by_code = {d.archive_code: d for d in cleanup.plan(ctx, root).folders if d.archive_code}
    assert {c: d.reason for c, d in by_code.items()} == {
        clean: cleanup.DELETABLE, added: cleanup.NOT_STORED, changed: cleanup.DIFFERS}
    assert by_code[added].params["name"] == "0099.jpg"
    assert by_code[changed].params["name"] == page.name

    report = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    assert [d.archive_code for d in report.folders if d.reason == cleanup.DELETED] == [clean]
    assert not folders[clean].exists()
    assert (folders[added] / "0099.jpg").exists() and page.exists()
    (event,) = [h for h in volume_history(ctx, clean) if h.kind == wf.EVENT_LOCAL_COPY_DELETED]
    names = sorted(f["name"] for f in event.data["files"])
    assert RECEIPT in names and len(names) == event.data["count"]
    assert event.data["folder"] == str(folders[clean].resolve())
    with ctx.transaction() as s:
        assert s.scalar(select(Volume.stage).where(Volume.archive_code == clean)) == wf.DONE
