"""The restore's cross-check of the database copy against the snapshot's manifest, on
PostgreSQL: a dump that names a stored file the manifest lacks is refused (exit 8, naming
it) after the load, and the target schema is emptied again; no home is left."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from site_helpers import returned_and_open
from sqlalchemy import create_engine, text
from test_site_restore_isolation import _schema_url
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.errors import IntegrityError
from dangan.services.site import backup
from dangan.storage.checksum import sha256_file


@pytest.mark.postgres
def test_a_postgres_dump_naming_a_file_the_manifest_lacks_is_refused(
        postgres_url: str, postgres_base_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.services.project import init_project

    monkeypatch.setenv("DANGAN_DATABASE_URL", postgres_url)
    ctx = init_project(tmp_path / "proj", "court", name="测试项目")
    returned_and_open(ctx)
    out = tmp_path / "备份"
    snap = backup.backup(ctx, out).snapshot
    assert (snap / backup.PG_FILE).is_file()
    monkeypatch.delenv("DANGAN_DATABASE_URL")
    manifest = json.loads((snap / backup.MANIFEST).read_text("utf-8"))
    dropped = manifest["files"].pop(0)
    (snap / backup.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    marker = json.loads((snap / backup.COMPLETE).read_text("utf-8"))
    marker["sha256"][backup.MANIFEST] = sha256_file(snap / backup.MANIFEST)  # passes its sum
    (snap / backup.COMPLETE).write_text(json.dumps(marker), "utf-8")

    schema = f"r_{uuid.uuid4().hex[:12]}"
    url = _schema_url(postgres_base_url, schema)
    home = tmp_path / "恢复"
    admin = create_engine(postgres_base_url, isolation_level="AUTOCOMMIT")

    def tables() -> int:
        with admin.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema}).scalar_one())

    try:
        with pytest.raises(IntegrityError) as lacks:
            backup.restore(out, home, database_url=url)
        assert lacks.value.key == "site.restore.manifest_lacks" and lacks.value.exit_code == 8
        assert lacks.value.details == [dropped[0]]
        assert not home.exists() and tables() == 0
        res = CliRunner().invoke(app, ["restore", str(out), str(home), "--database-url", url])
        assert isinstance(res.exception, IntegrityError), res.output
        assert res.exception.key == "site.restore.manifest_lacks"
        assert res.exception.exit_code == 8 and dropped[0] in res.exception.details
        assert not home.exists() and tables() == 0
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
