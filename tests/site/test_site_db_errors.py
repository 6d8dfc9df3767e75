"""A database lost while ``backup`` (or any transaction) runs is ``project.db_error``
(exit 11) naming the database without its password — never an internal error (exit 1) — and
``backup`` says a rerun is safe."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from dangan.db.session import make_engine, session_factory, transaction
from dangan.errors import StorageError
from dangan.i18n import t
from dangan.services.project import ProjectContext
from dangan.services.site import backup as backup_mod

TERMINATED = "terminating connection due to administrator command"


@pytest.mark.parametrize("error", [
    OperationalError("SELECT pg_export_snapshot()", {}, Exception(TERMINATED)),
    sqlite3.OperationalError("disk I/O error"),
], ids=["sqlalchemy", "sqlite3"])
def test_backup_losing_its_database_is_a_database_error(
        project: ProjectContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        error: Exception) -> None:
    def lost(*_args: object) -> None:
        raise error

    monkeypatch.setattr(backup_mod, "_sqlite_copy", lost)
    out = tmp_path / "备份"
    with pytest.raises(StorageError) as seen:
        backup_mod.backup(project, out)
    assert seen.value.key == "project.db_error" and seen.value.exit_code == 11
    assert str(project.home) in seen.value.message  # the database named (its file)
    assert seen.value.details == [t("project.db_error_rerun", command="backup")]
    assert list((out / "snapshots").iterdir()) == []  # no snapshot left half-made


def test_a_transaction_names_the_database_without_its_password() -> None:
    url = "postgresql+psycopg://clerk:s3cret@127.0.0.1:1/archive"  # nothing listens on 1
    engine = make_engine(url, connect_args={"connect_timeout": 5})
    try:
        with pytest.raises(StorageError) as seen, transaction(session_factory(engine)) as s:
            s.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    # nothing answers there: said so, with a hint, the driver's words a detail line
    assert seen.value.key == "project.db_unreachable" and seen.value.exit_code == 11
    message = seen.value.message
    assert "postgresql+psycopg://clerk:***@127.0.0.1:1/archive" in message, message
    said = " ".join(seen.value.details)
    assert "s3cret" not in message + said and "sqlalche.me" not in message + said
