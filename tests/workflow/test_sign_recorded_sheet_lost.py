"""The engine's sign-off of recorded work (``sign_recorded``) when the storage goes away while
the tracking sheets are rebuilt, after the sign-off is committed: the storage error stops the
caller and says the volumes are signed (they are, in the database), not that they are
unsigned; signing again is not needed (nor possible). The storage is taken away (the root
renamed) inside the sheet write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import StorageError
from dangan.services import engine
from dangan.services.project import ProjectContext
from workflow.helpers import claimed_for_retouch


def _signed(ctx: ProjectContext, stage: str) -> list[str]:
    with ctx.transaction() as s:
        return sorted(s.scalars(select(Volume.archive_code).join(
            StageEvent, StageEvent.volume_id == Volume.id).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == stage)))


def test_a_storage_error_after_the_signoff_says_signed(
        any_project: ProjectContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.export import tracking_sheet

    ctx, retoucher = claimed_for_retouch(any_project, tmp_path, 2, 2, seed=800_433)
    with ctx.transaction() as s:
        codes = sorted(s.scalars(select(Volume.archive_code)))
    storage = Path(ctx.storage.root)
    away = storage.with_name(storage.name + ".gone")
    real = tracking_sheet.write_tracking_sheets

    def gone(*args: Any, **kwargs: Any) -> list[str]:
        if storage.exists():
            storage.rename(away)  # the share unmounted after the sign-off's commit
        return real(*args, **kwargs)

    monkeypatch.setattr(tracking_sheet, "write_tracking_sheets", gone)
    monkeypatch.setenv("DANGAN_LANG", "en")
    with pytest.raises(StorageError) as err:
        engine.sign_recorded(ctx, retoucher, codes, wf.RETOUCH)
    assert err.value.key == "storage.root_missing"
    assert _signed(ctx, wf.RETOUCH) == codes  # committed, and said so
    said = " ".join(str(err.value).split())
    assert f"is signed by {retoucher.name} and recorded in the database (2 volume(s): " \
        f"{codes[0]}, {codes[1]})" in said
    assert "unsigned" not in said and "not signed" not in said

    away.rename(storage)  # mounted again: a rerun signs nothing twice
    monkeypatch.setattr(tracking_sheet, "write_tracking_sheets", real)
    again = engine.sign_recorded(ctx, retoucher, codes, wf.RETOUCH)
    assert again.signed == () and {key for _c, key, _p in again.unsigned} == {
        "workflow.volume_wrong_stage"}
    assert _signed(ctx, wf.RETOUCH) == codes
