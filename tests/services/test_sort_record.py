"""A sorting record given twice, the same, is one record; a changed one is a new record."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from sqlalchemy import select

from dangan.db.models import StageEvent
from dangan.domain import workflow as wf
from dangan.services import sorting
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
    first = sorting.record_sorting(ctx, sorter, code, 8, "三孔线装", photo_files=[photo])
    again = sorting.record_sorting(ctx, sorter, code, 8, "三孔线装", photo_files=[photo])
    assert again == first and len(_records(ctx)) == 1
    changed = sorting.record_sorting(ctx, sorter, code, 9, "三孔线装", photo_files=[photo])
    assert changed != first
    assert [r["pages_numbered"] for r in _records(ctx)] == [8, 9]
    assert sorting.record_sorting(ctx, sorter, code, 8, "三孔线装", photo_files=[photo]) != first
    assert [r["pages_numbered"] for r in _records(ctx)] == [8, 9, 8]


def test_a_correction_keeps_what_it_does_not_change(any_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The rule of ``record_sorting``: empty notes and no photo keep the saved ones; a photo
    leaves only when named, notes are emptied only when said; each correction names the
    record it corrects and what changed, the earlier record unchanged."""
    import pytest

    from dangan.errors import InputError, StateError

    ctx = any_project
    add_volumes(ctx, 1)
    (code,) = volume_codes(ctx, line_to(ctx, wf.SORT))
    sorter = resolve_actor(ctx, "李整")
    photo = tmp_path / "special.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo)
    first = sorting.record_sorting(ctx, sorter, code, 8, "三孔线装", photo_files=[photo])
    (ref,) = _records(ctx)[0]["special_binding_photos"]
    second = sorting.record_sorting(ctx, sorter, code, 9)  # an older form: only the count
    kept = _records(ctx)[-1]
    assert kept["unbind_notes"] == "三孔线装" and kept["special_binding_photos"] == [ref]
    assert kept["corrects"] == first and kept["changed"] == {"pages_numbered": [8, 9]}
    assert _records(ctx)[0]["pages_numbered"] == 8
    with pytest.raises(InputError) as unknown:
        sorting.record_sorting(ctx, sorter, code, 9, remove_photos=["过程记录/整理照片/x.png"])
    assert unknown.value.key == "sort.photo_not_in_record"
    with pytest.raises(StateError) as stale:  # made from the first record, the second since
        sorting.record_sorting(ctx, sorter, code, 7, based_on=first)
    assert stale.value.key == "sort.record_changed"
    third = sorting.record_sorting(ctx, sorter, code, 9, remove_photos=[ref], clear_notes=True,
                                  based_on=second)
    # the same correction sent again (a retried form): recorded once
    assert sorting.record_sorting(ctx, sorter, code, 9, remove_photos=[ref], clear_notes=True,
                                 based_on=second) == third
    last = _records(ctx)[-1]
    assert last["special_binding_photos"] == [] and last["unbind_notes"] == ""
    assert last["removed_photos"] == [ref] and last["corrects"] == second
    assert len(_records(ctx)) == 3
