"""Project home: create it, open it, upgrade its database.

A project home is a folder with ``dangan.toml``; by default the SQLite database and the
storage root live beside it. ``open_project`` builds the frozen context every service takes.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

import tomlkit
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from dangan.config import (
    CONFIG_FILE,
    ProjectConfig,
    database_url,
    load_config,
    parse_config,
    storage_url,
)
from dangan.db import migrate
from dangan.db.models import Project
from dangan.db.session import make_engine, session_factory, transaction
from dangan.domain.naming import NamingRules
from dangan.errors import ConfigError, StorageError
from dangan.storage import Storage

TEMPLATES = ("court", "wenshu")


@dataclass(frozen=True)
class ProjectContext:
    """Everything a service needs about one project; built once at the edge."""

    home: Path
    config: ProjectConfig
    database_url: str
    storage: Storage
    project_id: int

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    @property
    def rules(self) -> NamingRules:
        return self.config.rules

    def transaction(self) -> AbstractContextManager[Session]:
        """``with ctx.transaction() as session:`` — one unit of work."""
        return transaction(self.sessions)


def template_text(template: str, name: str, client: str = "") -> str:
    if template not in TEMPLATES:
        raise ConfigError("config.unknown_template", name=template, choices=", ".join(TEMPLATES))
    raw = resources.files("dangan.project_templates").joinpath(f"{template}.toml").read_text("utf-8")
    doc = tomlkit.parse(raw)
    doc["project"]["name"] = name
    doc["project"]["client"] = client
    return tomlkit.dumps(doc)


def init_project(home: Path, template: str = "court", name: str | None = None,
                 client: str = "") -> ProjectContext:
    """Write dangan.toml, create the database (migrated to head) and the storage areas."""
    home = home.resolve()
    config_path = home / CONFIG_FILE
    if config_path.exists():
        raise ConfigError("config.exists", path=config_path)
    text = template_text(template, name or home.name, client)
    config = parse_config(text, config_path)
    home.mkdir(parents=True, exist_ok=True)
    tmp = config_path.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(config_path)
    return _prepare(home, config)


def _prepare(home: Path, config: ProjectConfig) -> ProjectContext:
    url = database_url(home, config)
    storage = Storage(storage_url(home, config))
    try:
        storage.create_areas()
    except OSError as exc:
        raise StorageError("storage.write_failed", path=storage.url, detail=str(exc)) from exc
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    except (OperationalError, ProgrammingError) as exc:
        raise StorageError("project.db_error", detail=str(exc).splitlines()[0]) from exc
    with transaction(session_factory(engine)) as session:
        project_id = _ensure_project_row(session, config)
    engine.dispose()
    return ProjectContext(home, config, url, storage, project_id)


def _ensure_project_row(session: Session, config: ProjectConfig) -> int:
    row = session.scalar(select(Project).where(Project.name == config.project.name))
    if row is None:
        row = Project(name=config.project.name, client=config.project.client,
                      template=config.project.template)
        session.add(row)
        session.flush()
    return row.id


def open_project(home: Path, upgrade: bool = False) -> ProjectContext:
    """Open an existing project home. ``upgrade`` migrates the database first."""
    home = home.resolve()
    config = load_config(home)
    if upgrade:
        return _prepare(home, config)
    url = database_url(home, config)
    engine = make_engine(url)
    try:
        if not migrate.is_current(engine):
            raise ConfigError("project.not_initialised", url=_safe_url(url))
        with transaction(session_factory(engine)) as session:
            project_id = _ensure_project_row(session, config)
    except (OperationalError, ProgrammingError) as exc:
        raise StorageError("project.db_error", detail=str(exc).splitlines()[0]) from exc
    finally:
        engine.dispose()
    return ProjectContext(home, config, url, Storage(storage_url(home, config)), project_id)


def _safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
