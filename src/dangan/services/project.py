"""Project home: create it, open it, upgrade its database.

A project home is a folder with ``dangan.toml``; by default the SQLite database and the
storage root live beside it. ``open_project`` builds the frozen context every service takes.

A project is known by its id (a UUID in ``dangan.toml`` as ``project.id`` and in the
database's ``project.uuid``), not by its name: renaming the project in dangan.toml renames the
row, and a dangan.toml whose id the database does not hold is refused instead of silently
starting an empty project. A project made before ids existed gets one on its next writing
command, written to both places. Read-only commands open the project read-only: nothing they
do can write to the database. One database engine serves each URL in a process.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections import OrderedDict
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

import tomlkit
from sqlalchemy import Engine, select
from sqlalchemy.exc import DatabaseError
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
from dangan.db.session import (
    create_sqlite_file,
    db_error,
    driver_message,
    make_engine,
    read_only,
    session_factory,
    sqlite_file,
    transaction,
)
from dangan.domain.naming import NamingRules
from dangan.errors import ConfigError, ConflictError, InputError, StorageError
from dangan.storage import Storage, atomic_write_text

TEMPLATES = ("court", "wenshu")

# --- one engine per database URL per process --------------------------------------------------

_ENGINES: OrderedDict[str, Engine] = OrderedDict()
_ENGINES_LOCK = threading.Lock()
_MAX_ENGINES = 4  # tests and the demo open many homes; the least recent pool is released


def engine_for(url: str) -> Engine:
    """The process's engine for ``url`` (created on first use, never at import time)."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = make_engine(url)
            _ENGINES[url] = engine
            while len(_ENGINES) > _MAX_ENGINES:
                _, old = _ENGINES.popitem(last=False)
                old.dispose()  # closes idle connections; the engine itself stays usable
        else:
            _ENGINES.move_to_end(url)
        return engine


def dispose_engines() -> None:
    """Release every pooled connection (end of process, or a test that deletes its files)."""
    with _ENGINES_LOCK:
        while _ENGINES:
            _, engine = _ENGINES.popitem()
            engine.dispose()


@dataclass(frozen=True)
class ProjectContext:
    """Everything a service needs about one project; built once at the edge."""

    home: Path
    config: ProjectConfig
    database_url: str
    storage: Storage
    project_id: int
    project_uuid: str = ""
    read_only: bool = False

    @property
    def engine(self) -> Engine:
        engine = engine_for(self.database_url)
        return read_only(engine) if self.read_only else engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    @property
    def rules(self) -> NamingRules:
        return self.config.rules

    def transaction(self) -> AbstractContextManager[Session]:
        """``with ctx.transaction() as session:`` — one unit of work."""
        return transaction(self.sessions)


def template_text(template: str, name: str, client: str = "", project_id: str = "") -> str:
    if template not in TEMPLATES:
        raise ConfigError("config.unknown_template", name=template, choices=", ".join(TEMPLATES))
    raw = resources.files("dangan.project_templates").joinpath(f"{template}.toml").read_text("utf-8")
    doc = tomlkit.parse(raw)
    doc["project"]["name"] = name
    if project_id:
        _set_project_id(doc, project_id)
    doc["project"]["client"] = client
    return tomlkit.dumps(doc)


def _set_project_id(doc: tomlkit.TOMLDocument, project_id: str) -> None:
    """Put ``id`` right after ``name`` in [project], keeping the file's formatting."""
    table = doc["project"]
    assert isinstance(table, tomlkit.items.Table)
    if "id" in table:
        table["id"] = project_id
        return
    if "name" not in table:
        table.add("id", project_id)
        return
    # tomlkit's container inserts beside a key and keeps every comment where it stands (a
    # delete-and-add of the keys after ``name`` left their comments behind, above ``id``)
    table.value._insert_after("name", "id", project_id)


def init_project(home: Path, template: str = "court", name: str | None = None,
                 client: str = "", *, database: str = "", storage: str = "") -> ProjectContext:
    """Write dangan.toml, create the database (migrated to head) and the storage areas.

    ``database`` / ``storage``: the project's database URL and storage root (``dangan init
    --database-url/--storage-url``), written into dangan.toml — the database URL without its
    password — after they are checked: the URLs valid, the same place as DANGAN_DATABASE_URL /
    DANGAN_STORAGE_URL when those apply to this home, the database reachable and holding no
    project, the storage root holding no stored files (another project's pages). The database
    is reached with the URL as given (its password included) or, when it applies, the
    environment's URL for the same database."""
    home = home.resolve()
    config_path = home / CONFIG_FILE
    if config_path.exists():
        raise ConfigError("config.exists", path=config_path)
    text = template_text(template, name or home.name, client, project_id=str(uuid.uuid4()))
    connect = ""
    if database or storage:
        text, connect = _chosen_places(home, text, database, storage)
    config = parse_config(text, config_path)
    if database:
        _refuse_used_database(connect)
    _refuse_used_storage(home, config)
    home.mkdir(parents=True, exist_ok=True)
    atomic_write_text(config_path, text)
    return _prepare(home, config, create=True, new_root=True, url=connect or None)


def _chosen_places(home: Path, text: str, database: str, storage: str) -> tuple[str, str]:
    """dangan.toml's text with [database] url (no password) and [storage] url (a local path
    made absolute) set, and the URL to reach the database by; ConfigError for a bad URL or
    one that is not where the environment's variable for this home points."""
    from dangan.config import check_database_url, check_storage_url
    from dangan.services.site.restore import without_password
    from dangan.site_env import database_identity, site_env

    doc = tomlkit.parse(text)
    connect = ""
    if database:
        try:
            check_database_url(database)
        except ValueError as exc:
            raise InputError("project.init_bad_url", option="--database-url",
                             detail=str(exc)) from None
        env = site_env("DANGAN_DATABASE_URL", home)
        if env and database_identity(env)[0] != database_identity(database)[0]:
            raise ConfigError("project.init_env_conflict", option="--database-url",
                              given=database_identity(database)[1], name="DANGAN_DATABASE_URL",
                              env=database_identity(env)[1])
        connect = env or database
        doc["database"]["url"] = without_password(database)
    if storage:
        if "://" not in storage:
            storage = str(Path(storage).expanduser().resolve())
        try:
            check_storage_url(storage)
        except ValueError as exc:
            raise InputError("project.init_bad_url", option="--storage-url",
                             detail=str(exc)) from None
        doc["storage"]["url"] = storage
        env = site_env("DANGAN_STORAGE_URL", home)
        used = storage_url(home, parse_config(tomlkit.dumps(doc), home / CONFIG_FILE))
        if env and used != storage:  # the variable, as later commands would read it
            raise ConfigError("project.init_env_conflict", option="--storage-url",
                              given=storage, name="DANGAN_STORAGE_URL", env=used)
    return tomlkit.dumps(doc), connect


def _refuse_used_database(url: str) -> None:
    """The database of ``dangan init --database-url`` must be reachable (else exit 11) and
    hold no project (ConflictError naming them): a second project is never made beside one."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return  # init makes the file
    engine = engine_for(url)
    try:
        if migrate.current_revision(engine) is None:
            return
        with transaction(session_factory(read_only(engine))) as session:
            names = list(session.scalars(select(Project.name).order_by(Project.id).limit(3)))
    except DatabaseError as exc:
        raise _db_failure(exc, url) from exc
    if names:
        raise ConflictError("project.init_database_in_use", url=_safe_url(url),
                            projects="、".join(names))


def _refuse_used_storage(home: Path, config: ProjectConfig) -> None:
    """The storage root init is to use (``--storage-url``, DANGAN_STORAGE_URL when it applies
    to this home, or the home's own) must hold no stored files: another project's pages there
    would be files the new, empty database does not record (fixity would name them all).
    ConflictError naming the root; an empty root, or stage folders without files, is used."""
    storage = Storage(storage_url(home, config), existing=True)
    try:
        used = storage.holds_stored_files()
    except OSError as exc:
        raise StorageError("storage.read_failed", path=storage.url, detail=str(exc)) from exc
    if used:
        raise ConflictError("project.init_storage_in_use", path=storage.url)


def _prepare(home: Path, config: ProjectConfig, create: bool,
             new_root: bool = False, url: str | None = None) -> ProjectContext:
    url = url or database_url(home, config)
    storage = Storage(storage_url(home, config), existing=True)
    try:
        storage.create_areas(create_root=new_root)  # only init creates a missing root
    except OSError as exc:
        raise StorageError("storage.write_failed", path=storage.url, detail=str(exc)) from exc
    if new_root:
        _create_database_file(url)  # only a new project makes its SQLite file
    engine = engine_for(url)
    try:
        if not new_root:
            _refuse_empty_database(engine, url, storage)
        migrate.upgrade(engine)
    except DatabaseError as exc:
        raise _db_failure(exc, url) from exc
    return _context(home, config, url, storage, create=create, writable=True)


def _refuse_empty_database(engine: Engine, url: str, storage: Storage) -> None:
    """An empty database beside storage that holds a project's files is a wrong
    ``DANGAN_DATABASE_URL`` or a lost database: made into a new, empty project it would hide
    every file and sign-off, so it is refused (the database is to be restored instead)."""
    if migrate.current_revision(engine) is None and storage.holds_stored_files():
        raise ConfigError("project.empty_database_beside_files", url=_safe_url(url),
                          path=storage.url)


def _create_database_file(url: str) -> None:
    try:
        create_sqlite_file(url)
    except (sqlite3.Error, OSError) as exc:
        raise StorageError("project.db_error", detail=f"{_safe_url(url)}: {exc}") from exc


def _db_failure(exc: DatabaseError, url: str) -> StorageError:
    """The error for a database that could not be opened or used: a SQLite file that is not
    there (a mistyped path: opened without creating it) is named as missing."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return StorageError("project.db_missing", path=path)
    error = db_error(exc, url)  # a server not answering at all is said so, with a hint
    if error.key != "project.db_error":
        return error
    return StorageError("project.db_error", detail=_db_detail(exc, url))


def _db_detail(exc: DatabaseError, url: str) -> str:
    """The first line of the driver's message, and which database it is about."""
    return f"{_safe_url(url)}: {driver_message(exc)}"


def open_project(home: Path, upgrade: bool = False, *, writable: bool = True) -> ProjectContext:
    """Open an existing project home.

    ``upgrade`` migrates the database first. ``writable=False`` opens it read-only: the
    context's transactions cannot write, and a project without an id is not upgraded.
    """
    home = home.resolve()
    config = load_config(home)
    if upgrade:
        return _prepare(home, config, create=True)
    url = database_url(home, config)
    engine = engine_for(url)
    storage = Storage(storage_url(home, config), existing=True)
    try:
        if not migrate.is_current(engine):
            _refuse_empty_database(engine, url, storage)
            raise ConfigError("project.not_initialised", url=_safe_url(url))
    except DatabaseError as exc:  # unreachable server, no such database, not a database file
        raise _db_failure(exc, url) from exc
    storage.require_root()  # an unmounted NAS share is refused, never recreated locally
    return _context(home, config, url, storage, create=False, writable=writable)


def open_project_at(home: Path, database_url: str, storage_url: str) -> ProjectContext:
    """Open the project whose dangan.toml is in ``home`` on the database and storage named
    here, not on those of the environment (``DANGAN_*``) nor of dangan.toml: a home just
    built, such as a restore's. The database is migrated to the latest revision first (an
    older copy) and the context is writable; the project row is made if it is missing."""
    home = home.resolve()
    config = load_config(home)
    storage = Storage(storage_url, existing=True)
    try:
        migrate.upgrade(engine_for(database_url))
    except DatabaseError as exc:
        raise _db_failure(exc, database_url) from exc
    return _context(home, config, database_url, storage, create=True, writable=True)


def _context(home: Path, config: ProjectConfig, url: str, storage: Storage, *, create: bool,
             writable: bool) -> ProjectContext:
    engine = engine_for(url)
    factory = session_factory(engine if writable else read_only(engine))
    toml_id = config.project.id
    with transaction(factory) as session:
        row = _find_project(session, config, url, create=create, writable=writable)
        project_id, project_uuid = row.id, row.uuid or ""
    if writable and project_uuid and project_uuid != toml_id:
        _write_project_id(home / CONFIG_FILE, project_uuid)
    return ProjectContext(home, config, url, storage, project_id, project_uuid,
                          read_only=not writable)


def _find_project(session: Session, config: ProjectConfig, url: str, *, create: bool,
                  writable: bool) -> Project:
    """The project row of this dangan.toml, by id; by name only for a project without one."""
    info = config.project
    path = CONFIG_FILE
    if info.id:
        row = session.scalar(select(Project).where(Project.uuid == info.id))
        if row is None:
            by_name = session.scalar(select(Project).where(Project.name == info.name))
            if by_name is not None and by_name.uuid is None:
                if writable:
                    by_name.uuid = info.id  # adopt: the id was written to the file first
                return by_name
            if by_name is not None or (not create and _has_projects(session)):
                ids = [u or "-" for u in session.scalars(select(Project.uuid).limit(3))]
                raise ConfigError("project.id_mismatch", path=path, id=info.id,
                                  found=", ".join(ids), url=_safe_url(url))
            if not create:
                raise ConfigError("project.not_in_database", id=info.id, url=_safe_url(url))
            row = Project(uuid=info.id, name=info.name, client=info.client,
                          template=info.template)
            session.add(row)
            session.flush()
            return row
        if row.name != info.name and writable:
            taken = session.scalar(select(Project.id).where(Project.name == info.name))
            if taken is not None:
                raise ConfigError("project.name_taken", name=info.name)
            row.name = info.name  # renamed in dangan.toml: same project, new name
        return row
    row = session.scalar(select(Project).where(Project.name == info.name))
    if row is None:
        if not (create or (writable and not _has_projects(session))):
            raise ConfigError("project.not_in_database", id=info.name, url=_safe_url(url))
        row = Project(name=info.name, client=info.client, template=info.template)
        session.add(row)
    if row.uuid is None and writable:
        row.uuid = str(uuid.uuid4())  # a project made before ids: upgrade it
    session.flush()
    return row


def _has_projects(session: Session) -> bool:
    return session.scalar(select(Project.id).limit(1)) is not None


def _write_project_id(config_path: Path, project_id: str) -> None:
    """Write ``project.id`` into dangan.toml, keeping the rest of the file as it is."""
    doc = tomlkit.parse(config_path.read_text(encoding="utf-8"))
    _set_project_id(doc, project_id)
    try:
        atomic_write_text(config_path, tomlkit.dumps(doc))
    except OSError as exc:
        raise StorageError("storage.write_failed", path=config_path, detail=str(exc)) from exc


def _safe_url(url: str) -> str:
    """A database URL without its password, for messages; a SQLite file as its path."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return str(parsed.database)
    return parsed.render_as_string(hide_password=True)
