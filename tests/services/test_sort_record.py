"""A sorting record given twice, the same, is one record; a changed one is a new record."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from sqlalchemy import select

from dangan.db.models import StageEvent
from dangan.domain import workflow as wf
from dangan.services import rebind
from dangan.services.engine import resolve_actor
from workflow.helpers import add_volumes, line_to, volume_codes


def _records(ctx) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    with ctx.transaction() as session:
        return list(session.scalars(select(StageEvent.data).where(
            StageEvent.kind == wf.EVENT_SORT_RECORD).order_by(StageEvent.id)))


def test_a_repeated_sort_record_is_recorded_once(any_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_volumes(ctx, 1)
    (code,) = volume_codes(ctx, line_to(ctx, wf.SORT))
    sorter = resolve_actor(ctx, "李整")
    photo = tmp_path / "special.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo)
    first = rebind.record_sorting(ctx, sorter, code, 8, "三孔线装", photo_files=[photo])
    again = rebind.record_sorting(ctx, sorter, code, 8, "三孔线装", photo_files=[photo])
    assert again == first and len(_records(ctx)) == 1
    changed = rebind.record_sorting(ctx, sorter, code, 9, "三孔线装", photo_files=[photo])
    assert changed != first
    assert [r["pages_numbered"] for r in _records(ctx)] == [8, 9]
    assert rebind.record_sorting(ctx, sorter, code, 8, "三孔线装", photo_files=[photo]) != first
    assert [r["pages_numbered"] for r in _records(ctx)] == [8, 9, 8]
