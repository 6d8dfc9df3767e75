"""Typed configuration: the project's ``dangan.toml`` and the ``DANGAN_*`` environment.

Built once at the edge (CLI command, web app factory) and passed down as a frozen object;
nothing below reads settings on its own. A wrong value is reported with the key and the line
of the file it came from.
"""

from __future__ import annotations

import re
import tomllib
import uuid
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from dangan.domain import registry
from dangan.domain import workflow as wf
from dangan.domain.naming import NamingRules
from dangan.domain.paper_sizes import PAPER_SIZES_MM, normalise_paper_size
from dangan.errors import ConfigError, NamingError
from dangan.site_env import (
    applies_to_any_home,
    local_storage,
    refuse_other_database,
    refuse_other_storage,
    site_env,
)

CONFIG_FILE = "dangan.toml"
DEFAULT_DB_FILE = "dangan.sqlite"
DEFAULT_STORAGE_DIR = "storage"

ColourMode = Literal["colour", "grey", "bilevel"]
PAGE_SIZES_MM = PAPER_SIZES_MM  # the one table (dangan.domain.paper_sizes)


def _known_paper_size(v: str) -> str:
    key = normalise_paper_size(v)
    if key is None:
        raise ValueError(_render("config.bad_page_size", choices=", ".join(PAPER_SIZES_MM)))
    return key


class SettingAtKey(ValueError):
    """A check of the whole file that is about one key of it (``piece_rates.scan_per_pgae``):
    the error is reported at that key and its line, not at the model."""

    def __init__(self, message: str, loc: tuple[str, ...]) -> None:
        super().__init__(message)
        self.loc = loc


def _known_defect_type(v: str) -> str:
    """A defect type the line records (``dangan.domain.registry``): a typo in a deduction or
    a critical type would otherwise never match a defect."""
    if v not in registry.DEFECTS:
        raise ValueError(_render("config.unknown_defect_type", name=v,
                                 choices=", ".join(registry.DEFECTS)))
    return v


def _known_stage(v: str) -> str:
    """A stage of the line (``dangan.domain.workflow.ALL_STAGES``, every stage the estimate
    has a rate for)."""
    if v not in wf.ALL_STAGES:
        raise ValueError(_render("config.unknown_stage", name=v, choices=", ".join(wf.ALL_STAGES)))
    return v


DefectType = Annotated[str, AfterValidator(_known_defect_type)]
StageName = Annotated[str, AfterValidator(_known_stage)]
# 元 a unit or a defect: a negative figure would pay for a defect or charge for work.
Money = Annotated[float, Field(ge=0)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectInfo(Section):
    name: str
    id: str = ""  # stable identity (UUID), also in the database; written on first open
    client: str = ""
    contractor: str = ""  # 加工单位: the digitization company (METS creator, bag's source)
    template: str = "court"
    description: str = ""

    @property
    def source_organization(self) -> str:
        """Who hands the bag over (its Source-Organization): the digitization company when
        the project names one, else the client (else the project)."""
        return self.contractor.strip() or self.client or self.name

    @field_validator("id")
    @classmethod
    def _uuid(cls, v: str) -> str:
        if not v:
            return v
        try:
            return str(uuid.UUID(v))
        except ValueError:
            raise ValueError(_render("project.bad_id")) from None


def balanced_braces(pattern: str) -> str:
    """A rule's braces must pair up: ``{year:4d}-{category`` is refused, not taken literally."""
    depth = 0
    for ch in pattern:
        if ch == "{":
            depth += 1
            if depth > 1:
                raise ValueError(_render("config.unbalanced_braces", pattern=pattern))
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise ValueError(_render("config.unbalanced_braces", pattern=pattern))
    if depth:
        raise ValueError(_render("config.unbalanced_braces", pattern=pattern))
    return pattern


class NamingConfig(Section):
    archive_code: str
    folder: str
    page_file: str = "{page_no:04d}"

    @field_validator("archive_code", "folder", "page_file")
    @classmethod
    def _braces(cls, v: str) -> str:
        return balanced_braces(v)

    @cached_property
    def rules(self) -> NamingRules:
        return NamingRules.build(self.archive_code, self.folder, self.page_file)


class ScanConfig(Section):
    format: Literal["jpg", "tif", "png", "jp2", "pdf"] = "jpg"
    dpi: int = Field(200, ge=100, le=1200)
    min_dpi: int = Field(200, ge=72, le=1200)
    colour_mode: ColourMode = "colour"
    page_size: str = "A4"
    size_tolerance: float = Field(0.08, ge=0, le=1)
    blank_pages_scanned: bool = True

    @field_validator("page_size")
    @classmethod
    def _known_size(cls, v: str) -> str:
        return _known_paper_size(v)


class RetouchConfig(Section):
    deskew: bool = True
    orientation: bool = True
    borders: bool = True
    holes: bool = False
    margin_mm: float = Field(2.5, ge=0, le=20)
    max_skew_deg: float = Field(3.0, ge=0, le=45)
    page_size: str = "A4"
    colour_mode: ColourMode = "colour"
    format: Literal["jpg", "tif"] = "jpg"
    jpeg_quality: int = Field(85, ge=30, le=100)

    @field_validator("page_size")
    @classmethod
    def _known_size(cls, v: str) -> str:
        return _known_paper_size(v)


class DeliveryConfig(Section):
    forms: list[Literal["pdf", "jpg", "tiff", "zip"]] = ["pdf"]
    ocr: bool = False
    pdf_name: str = "{archive_code}-{item_no:03d}"

    @field_validator("pdf_name")
    @classmethod
    def _a_file_name(cls, v: str) -> str:
        """A file name inside the delivery area: no folders, no way out of it."""
        name = v.strip()
        if not name or "/" in name or "\\" in name or ".." in name or name.startswith(".") \
                or "\x00" in name or (len(name) > 1 and name[1] == ":"):
            raise ValueError(_render("config.bad_file_name", name=v))
        return balanced_braces(v)


class CatalogueConfig(Section):
    """Which fields the volume record and the catalogue rows carry (per template)."""

    record_fields: list[str] = []
    entry_fields: list[str] = []
    required_record_fields: list[str] = []
    required_entry_fields: list[str] = ["title"]
    unnumbered_pages: list[str] = []
    double_keying: bool = False  # 一稿双录: two independent keyings, differences resolved by a third

    @model_validator(mode="after")
    def _known_names(self) -> CatalogueConfig:
        """Field and page names are checked when the file is loaded, not at first import."""
        from dangan.domain.catalogue import CatalogueSchema

        try:
            CatalogueSchema.from_config(self)
        except ConfigError as exc:
            raise ValueError(exc.message) from None
        return self


class QCConfig(Section):
    sample_rate: float = Field(0.05, gt=0, le=1)
    min_items: int = Field(5, ge=1)
    pass_rate: float = Field(0.95, gt=0, le=1)
    rounds: int = Field(1, ge=1, le=3)
    critical: list[DefectType] = ["archive_code", "missing_page"]


class WorkloadConfig(Section):
    pages_per_person_day: int = Field(2000, ge=1)
    borrow_due_days: int = Field(30, ge=1)
    # pages per person-day by stage for the estimate (dangan.reports.estimate has defaults)
    stage_rates: dict[StageName, Annotated[float, Field(gt=0)]] = {}


class PayConfig(Section):
    deduction_per_defect: dict[DefectType, Money] = {}  # 元 per defect type, e.g. skew = 0.5
    default_deduction: float = Field(1.0, ge=0)  # 元 for a type not listed
    mentor_share: float = Field(0.5, ge=0, le=1)  # share of a probationer's deduction


class WorkflowConfig(Section):
    stages: list[str] = [
        "borrow", "sort", "scan", "retouch", "index", "upload", "qc", "rebind", "return",
    ]


class WebConfig(Section):
    idle_minutes: int = Field(30, ge=1)  # a web session unused this long ends
    lock_after: int = Field(10, ge=3)  # failed logins in lock_minutes that lock the login
    lock_minutes: int = Field(15, ge=1)
    three_officers: bool = False  # 三员分立: admin / security officer / auditor kept apart


class StorageConfig(Section):
    url: str = DEFAULT_STORAGE_DIR

    @field_validator("url")
    @classmethod
    def _known_protocol(cls, v: str) -> str:
        check_storage_url(v)
        return v


class DatabaseConfig(Section):
    url: str = ""

    @field_validator("url")
    @classmethod
    def _a_database_url(cls, v: str) -> str:
        if v:
            check_database_url(v)
        return v


DATABASE_BACKENDS = ("sqlite", "postgresql")


def check_database_url(url: str) -> None:
    """A URL SQLAlchemy can parse, for a database dangan supports (else ValueError)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ValueError(_render("config.bad_database_url", backends=", ".join(DATABASE_BACKENDS))) from None
    if parsed.get_backend_name() not in DATABASE_BACKENDS:
        raise ValueError(_render("config.bad_database_url", backends=", ".join(DATABASE_BACKENDS)))


def check_storage_url(url: str) -> None:
    """A local path, or an fsspec URL whose protocol is known and installed (else ValueError)."""
    if "://" not in url:
        if "\x00" in url:
            raise ValueError(_render("config.bad_storage_url", protocol="", detail="NUL"))
        return
    import fsspec

    protocol = url.split("://", 1)[0]
    try:
        fsspec.get_filesystem_class(protocol)
    except (ValueError, ImportError) as exc:
        raise ValueError(_render("config.bad_storage_url", protocol=protocol,
                                 detail=str(exc).splitlines()[0] if str(exc) else "")) from None


class ProjectConfig(Section):
    project: ProjectInfo
    naming: NamingConfig
    scan: ScanConfig = ScanConfig()
    retouch: RetouchConfig = RetouchConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    catalogue: CatalogueConfig = CatalogueConfig()
    qc: QCConfig = QCConfig()
    workload: WorkloadConfig = WorkloadConfig()
    workflow: WorkflowConfig = WorkflowConfig()
    piece_rates: dict[str, Money] = {}
    pay: PayConfig = PayConfig()
    storage: StorageConfig = StorageConfig()
    web: WebConfig = WebConfig()
    database: DatabaseConfig = DatabaseConfig()

    @property
    def rules(self) -> NamingRules:
        return self.naming.rules

    @model_validator(mode="after")
    def _valid_line(self) -> ProjectConfig:
        """The stage list must make a line (checked at load, not at first use)."""
        from dangan.domain.workflow import validate_stages
        from dangan.i18n import t

        problems = validate_stages(self.workflow.stages, self.qc.rounds)
        if problems:
            raise ValueError("; ".join(t(p.key, **p.params) for p in problems))
        return self

    @model_validator(mode="after")
    def _piece_rates_name_stages(self) -> ProjectConfig:
        """Every ``[piece_rates]`` key is read by pay (``<stages>_per_<unit>``, stages of this
        line): checked at load with the pay report's own rule, not at the first report."""
        from dangan.errors import InputError
        from dangan.reports.common import UNITS
        from dangan.reports.pay import stage_rates

        stages = tuple(self.workflow.stages)
        try:
            stage_rates(self, stages)
        except InputError as exc:
            key = str(exc.params["key"])
            params = {"key": key, "stages": ", ".join(stages), "units": ", ".join(UNITS)}
            if exc.key == "reports.bad_piece_rate_stage":
                message = _render("config.piece_rate_stage", stage=exc.params["stage"], **params)
            else:
                message = _render("config.bad_piece_rate", **params)
            raise SettingAtKey(message, ("piece_rates", key)) from None
        return self


def _find_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line of a key path like ("scan", "dpi") in TOML text; a key inside an
    inline table (``stage_rates = { retuoch = 3000 }``) is on the line of its table."""
    while loc:
        found = _find_key_line(text, loc)
        if found is not None:
            return found
        loc = loc[:-1]
    return None


def _find_key_line(text: str, loc: tuple[Any, ...]) -> int | None:
    if not loc:
        return None
    lines = text.splitlines()
    section = [str(p) for p in loc[:-1] if not isinstance(p, int)]
    key = str(loc[-1]) if not isinstance(loc[-1], int) else (section.pop() if section else "")
    in_section = not section
    header = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
    for number, line in enumerate(lines, start=1):
        m = header.match(line)
        if m:
            in_section = m.group(1).strip().strip('"') == ".".join(section)
            if in_section and not key:
                return number
            continue
        if in_section and re.match(rf"^\s*\"?{re.escape(key)}\"?\s*=", line):
            return number
    whole = section or [key]  # a check of a whole section points at its header
    for number, line in enumerate(lines, start=1):
        m = header.match(line)
        if m and m.group(1).strip() == ".".join(whole):
            return number
    return None


# The TOML parser's (tomllib) messages, matched whole, and the catalogue key of each; a
# ``key`` group is a key path as Python shows it (``('scan', 'dpi')``).
_TOML_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key) for pattern, key in (
        (r"Invalid statement", "config.toml.invalid_statement"),
        (r"Expected newline or end of document after a statement", "config.toml.expected_newline"),
        (r"Expected '\]' at the end of a table declaration", "config.toml.table_end"),
        (r"Expected '\]\]' at the end of an array declaration", "config.toml.array_table_end"),
        (r"Expected '=' after a key in a key/value pair", "config.toml.expected_equals"),
        (r"Expected (?P<what>.+)", "config.toml.expected"),
        (r"Found invalid character (?P<char>.+)", "config.toml.invalid_character"),
        (r"Cannot declare (?P<key>.+) twice", "config.toml.declared_twice"),
        (r"Cannot overwrite a value", "config.toml.overwrite"),
        (r"Cannot mutate immutable namespace (?P<key>.+)", "config.toml.immutable"),
        (r"Cannot redefine namespace (?P<key>.+)", "config.toml.redefine"),
        (r"Invalid initial character for a key part", "config.toml.bad_key"),
        (r"Unclosed array", "config.toml.unclosed_array"),
        (r"Duplicate inline table key (?P<key>.+)", "config.toml.duplicate_inline_key"),
        (r"Unclosed inline table", "config.toml.unclosed_inline_table"),
        (r"Unescaped '\\' in a string", "config.toml.unescaped_backslash"),
        (r"Invalid hex value", "config.toml.bad_hex"),
        (r"Escaped character is not a Unicode scalar value", "config.toml.bad_unicode"),
        (r"Unterminated string", "config.toml.unterminated_string"),
        (r"Illegal character (?P<char>.+)", "config.toml.illegal_character"),
        (r"Invalid date or datetime", "config.toml.bad_date"),
        (r"Invalid value", "config.toml.invalid_value"),
    ))
_TOML_WHERE = re.compile(r"^(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)"
                         r"|(?P<end>end of document))\)$", re.S)


def _toml_key(text: str) -> str:
    """``('scan', 'dpi')`` → ``scan.dpi`` (as written in the file); else as it is."""
    parts = re.findall(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", text)
    return ".".join(a or b for a, b in parts) if parts else text


def toml_syntax_error(exc: tomllib.TOMLDecodeError, text: str, path: Path) -> ConfigError:
    """The parser's error in the reader's language: its kind from the catalogue, the line
    (at the end of the file: its last line) and column; a message this version of the
    parser words differently keeps its own text."""
    where = _TOML_WHERE.match(str(exc))
    message = where.group("msg") if where else str(exc)
    line: object = "?"
    detail = message
    for pattern, key in _TOML_MESSAGES:
        found = pattern.fullmatch(message)
        if found:
            params = found.groupdict()
            if "key" in params:
                params["key"] = _toml_key(params["key"])
            detail = _render(key, **params)
            break
    if where and where.group("line"):
        line = where.group("line")
        detail = _render("config.toml.at_column", message=detail, column=where.group("col"))
    elif where:
        line = max(1, len(text.rstrip("\n").splitlines()))
        detail = _render("config.toml.at_end", message=detail)
    return ConfigError("config.syntax", path=path, line=line, detail=detail)


def parse_config(text: str, path: Path) -> ProjectConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_syntax_error(exc, text, path) from None
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as exc:
        details = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            cause = (err.get("ctx") or {}).get("error")
            if isinstance(cause, SettingAtKey):  # a whole-file check about one key
                loc = cause.loc
            if loc and loc[-1] == "[key]":  # a key of a table (pay.deduction_per_defect.skwe)
                loc = loc[:-1]
            # A whole-model check (the stage list) reports no location: point at its key.
            loc = loc or ("workflow", "stages")
            key = ".".join(str(p) for p in loc)
            found = _find_line(text, loc)
            msg = _error_text(err)
            if found is None:
                details.append(_render("config.key_error_noline", path=path, key=key, detail=msg))
            else:
                details.append(_render("config.key_error", path=path, line=found, key=key, detail=msg))
        raise ConfigError("config.invalid", path=path, details=details) from None
    try:
        config.rules  # noqa: B018 - compile the naming rules now so a bad pattern is a config error
    except NamingError as exc:
        raise ConfigError(
            "config.key_error", path=path, line=_find_line(text, ("naming", "archive_code")) or "?", key="naming", detail=exc.message
        ) from None
    return config


# pydantic's error types, as catalogue texts (its own messages are English).
_TYPE_NAMES = {"int": "int", "float": "float", "bool": "bool", "string": "str", "list": "list",
               "tuple": "list", "set": "list", "dict": "dict", "model": "dict"}
_LIMITS = {"greater_than": "gt", "greater_than_equal": "ge", "too_short": "min_length",
           "less_than": "lt", "less_than_equal": "le", "too_long": "max_length"}


def _error_text(err: Any) -> str:
    """One pydantic error in the user's language: a validator's own text (already from the
    catalogue) as it is, else the kind of error — unknown key, wrong type, out of range…"""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", "")) or str(err["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return _render("config.error_type.extra_forbidden")
    if kind == "missing":
        return _render("config.error_type.missing")
    if kind in _LIMITS:
        small = kind.startswith(("greater", "too_short"))
        return _render("config.error_type.too_small" if small else "config.error_type.too_large",
                       limit=ctx.get(_LIMITS[kind], "?"))
    if kind in ("literal_error", "enum"):
        return _render("config.error_type.bad_choice", expected=ctx.get("expected", "?"))
    head = kind.split("_", 1)[0]
    if head in _TYPE_NAMES and kind.endswith(("_type", "_parsing")):
        return _render("config.error_type.wrong_type",
                       expected=_render(f"config.type.{_TYPE_NAMES[head]}"))
    return _render("config.error_type.invalid")


def _render(message_key: str, /, **params: Any) -> str:
    from dangan.i18n import t

    return t(message_key, **params)


def load_config(project_dir: Path) -> ProjectConfig:
    path = project_dir / CONFIG_FILE
    if not path.is_file():
        raise ConfigError("config.missing", path=path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError("config.unreadable", path=path, detail=exc.strerror or str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError("config.not_utf8", path=path, offset=exc.start) from None
    return parse_config(text.removeprefix("\ufeff"), path)


def database_url(project_dir: Path, config: ProjectConfig) -> str:
    """DANGAN_DATABASE_URL wins (for the home DANGAN_PROJECT names, when it names one), then
    the config, then a SQLite file in the project home."""
    env = site_env("DANGAN_DATABASE_URL", project_dir)
    if env:
        try:
            check_database_url(env)
        except ValueError as exc:
            raise ConfigError("config.bad_env", name="DANGAN_DATABASE_URL", detail=str(exc)) from None
        if applies_to_any_home():  # a home with its own database keeps it (or is refused)
            own = config.database.url
            if not own and (project_dir / DEFAULT_DB_FILE).is_file():
                own = sqlite_url(project_dir / DEFAULT_DB_FILE)
            refuse_other_database(project_dir / CONFIG_FILE, own, env)
        return env
    if config.database.url:
        return config.database.url
    return sqlite_url(project_dir / DEFAULT_DB_FILE)


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file, any character of its path escaped (a home named
    with '?', '#' or '%' must not have part of its path read as the URL's query)."""
    from sqlalchemy.engine import URL

    return URL.create("sqlite", database=str(Path(path).resolve())).render_as_string(
        hide_password=False)


def storage_url(project_dir: Path, config: ProjectConfig) -> str:
    """DANGAN_STORAGE_URL wins (for the home DANGAN_PROJECT names, when it names one); a
    relative path in the config is relative to the project home."""
    env = site_env("DANGAN_STORAGE_URL", project_dir)
    if env:
        try:
            check_storage_url(env)
        except ValueError as exc:
            raise ConfigError("config.bad_env", name="DANGAN_STORAGE_URL", detail=str(exc)) from None
        if applies_to_any_home():
            refuse_other_storage(project_dir / CONFIG_FILE, project_dir, config.storage.url, env)
    url = env or config.storage.url
    if "://" in url:
        return url
    return str(local_storage(project_dir, url))
