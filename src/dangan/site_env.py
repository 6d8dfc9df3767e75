"""Which database and storage a project home is opened on when the environment names them.

A site's environment (``deploy/systemd/dangan.env``) names its project home in DANGAN_PROJECT
beside DANGAN_DATABASE_URL and DANGAN_STORAGE_URL: those URLs belong to that home. Without
DANGAN_PROJECT they apply to any home — except one that has a database or storage of its own (a
restored copy, a second project), which would otherwise write its records into another
project's database or pair them with another project's files: that is refused.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dangan.errors import ConfigError


def site_env(name: str, project_dir: Path) -> str:
    """The value of the site setting ``name`` from the environment, for ``project_dir``: empty
    when DANGAN_PROJECT names another home (a command given ``-p`` a restored copy reads that
    home's own ``dangan.toml``, never the live project's database and storage)."""
    value = os.environ.get(name, "")
    site_home = os.environ.get("DANGAN_PROJECT", "")
    if value and site_home:
        try:
            same = Path(site_home).resolve() == project_dir.resolve()
        except OSError:
            same = False
        if not same:
            return ""
    return value


def applies_to_any_home() -> bool:
    """No DANGAN_PROJECT: the environment's URLs apply to whichever home a command names."""
    return not os.environ.get("DANGAN_PROJECT")


def database_identity(url: str) -> tuple[tuple[Any, ...], str]:
    """Which database a URL names (its role, password and driver left out: one server,
    database and schema reached two ways is one database), and the URL to name it by."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    query = tuple(sorted((k, str(v)) for k, v in parsed.query.items()
                         if k.lower() not in ("password", "user", "username")))
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
        database = str(Path(database).resolve())
    key = (parsed.get_backend_name(), parsed.host, parsed.port, database, query)
    shown = database if parsed.get_backend_name() == "sqlite" else \
        parsed.set(password=None).render_as_string(hide_password=True)
    return key, shown


def refuse_other_database(config_path: Path, own: str, env: str) -> None:
    """ConfigError when the home's own database ``own`` (empty: none) is not ``env``'s."""
    if own and database_identity(own)[0] != database_identity(env)[0]:
        raise ConfigError("config.database_env_conflict", path=config_path,
                          own=database_identity(own)[1], env=database_identity(env)[1])


def local_storage(project_dir: Path, url: str) -> Path | None:
    """A local storage root as an absolute path (relative to the home), None for a URL."""
    if "://" in url:
        return None
    path = Path(url)
    return path if path.is_absolute() else (project_dir / path).resolve()


def refuse_other_storage(config_path: Path, project_dir: Path, own_url: str, env: str) -> None:
    """ConfigError when the home's own local storage root exists and holds something (its
    stage folders at least) and ``env`` names another."""
    own = local_storage(project_dir, own_url)
    if own is not None and own.is_dir() and any(own.iterdir()) \
            and own != local_storage(project_dir, env):
        raise ConfigError("config.storage_env_conflict", path=config_path, own=own, env=env)
