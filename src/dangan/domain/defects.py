"""Defects: one record shape for every check on the line, and the registry of their codes.

Every check in dangan (scan intake, retouch, catalogue link, QC) reports what it found as a
``Defect`` with the same six public fields ``{"path", "volume", "page", "code", "severity",
"message"}``, so reports, the JSON output, the database ``defect`` table and the web views
treat them alike. A code is public API (it appears in JSON, in the database and in the
README); it is declared once, with its default severity, owning area and stage, in
``dangan.domain.registry`` — this module's registry is filled from there when it is loaded,
so every process knows every code whatever it imported. The message is rendered from the catalogue key
``defect.<code>`` at creation time; the parameters are kept so it can be rendered again in
another language.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dangan.domain import registry
from dangan.i18n import t


class Severity(StrEnum):
    """``error`` blocks the volume from moving on; ``warning`` is shown and recorded only."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class DefectKind:
    code: str
    severity: Severity
    area: str  # who owns the code: intake / retouch / link / qc ...

    @property
    def message_key(self) -> str:
        return f"defect.{self.code}"


_REGISTRY: dict[str, DefectKind] = {
    d.code: DefectKind(d.code, Severity(d.severity), d.area) for d in registry.DEFECT_CODES}


def register_code(code: str, severity: Severity | str, area: str) -> DefectKind:
    """The declared kind of ``code`` (modules keep their constants this way).

    Codes are declared in ``dangan.domain.registry``; a code declared nowhere is kept for
    this process only and a test (tests/workflow/test_registry.py) fails until it is
    declared. A severity that disagrees with the declaration is an error.
    """
    kind = DefectKind(code, Severity(severity), area)
    existing = _REGISTRY.get(code)
    if existing is not None:
        if existing.severity != kind.severity:
            raise ValueError(f"defect code {code!r} already registered as {existing}")
        return existing
    _REGISTRY[code] = kind
    return kind


def kind_of(code: str) -> DefectKind:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise KeyError(f"unknown defect code {code!r}; register it with register_code") from None


def registered_codes(area: str | None = None) -> tuple[DefectKind, ...]:
    return tuple(k for k in _REGISTRY.values() if area is None or k.area == area)


@dataclass(frozen=True)
class Defect:
    """What is wrong, where, and how bad. ``path`` is relative to the root that was checked."""

    path: str
    volume: str | None
    page: int | None
    code: str
    severity: Severity
    message: str
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        """The public record shape (JSON output, web, reports)."""
        return {
            "path": self.path,
            "volume": self.volume,
            "page": self.page,
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
        }

    def rendered(self) -> Defect:
        """The same defect with its message rendered again in the current language."""
        return Defect(self.path, self.volume, self.page, self.code, self.severity,
                      t(f"defect.{self.code}", **self.params), self.params)


def make_defect(
    code: str,
    /,
    *,
    path: str,
    volume: str | None = None,
    page: int | None = None,
    severity: Severity | str | None = None,
    **params: Any,
) -> Defect:
    """Build a defect of a registered code; ``severity`` overrides the default (project rules)."""
    kind = kind_of(code)
    sev = kind.severity if severity is None else Severity(severity)
    all_params = {"path": path, "volume": volume or "", "page": "" if page is None else page,
                  **params}
    return Defect(path, volume, page, code, sev, t(kind.message_key, **all_params), all_params)


def has_errors(defects: Iterable[Defect]) -> bool:
    return any(d.is_error for d in defects)


def sort_key(defect: Defect) -> tuple[Any, ...]:
    return (defect.volume or "", defect.path, defect.page if defect.page is not None else -1,
            defect.code)


def summarise(defects: Iterable[Defect]) -> dict[str, Any]:
    """Counts by severity and by code, plus the volumes that have errors."""
    items = list(defects)
    by_code = Counter(d.code for d in items)
    return {
        "total": len(items),
        "errors": sum(1 for d in items if d.is_error),
        "warnings": sum(1 for d in items if not d.is_error),
        "by_code": dict(sorted(by_code.items())),
        "volumes_with_errors": sorted({d.volume for d in items if d.is_error and d.volume}),
    }


# --- the codes of scan intake (``dangan check``) -------------------------------------------
# Order here is the order of the README table.
INTAKE = "intake"
BAD_FOLDER_NAME = register_code("bad_folder_name", Severity.ERROR, INTAKE).code
BAD_ARCHIVE_CODE = register_code("bad_archive_code", Severity.ERROR, INTAKE).code
UNKNOWN_VOLUME = register_code("unknown_volume", Severity.ERROR, INTAKE).code
DUPLICATE_VOLUME = register_code("duplicate_volume", Severity.ERROR, INTAKE).code
BAD_FILE_NAME = register_code("bad_file_name", Severity.ERROR, INTAKE).code
BAD_PATH = register_code("bad_path", Severity.ERROR, INTAKE).code
MISSING_PAGE = register_code("missing_page", Severity.ERROR, INTAKE).code
DUPLICATE_PAGE_NO = register_code("duplicate_page_no", Severity.ERROR, INTAKE).code
EMPTY_VOLUME = register_code("empty_volume", Severity.ERROR, INTAKE).code
STRAY_FILE = register_code("stray_file", Severity.WARNING, INTAKE).code
CORRUPT_IMAGE = register_code("corrupt_image", Severity.ERROR, INTAKE).code
LOW_DPI = register_code("low_dpi", Severity.ERROR, INTAKE).code
WRONG_COLOUR_MODE = register_code("wrong_colour_mode", Severity.ERROR, INTAKE).code
WRONG_FORMAT = register_code("wrong_format", Severity.ERROR, INTAKE).code
WRONG_SIZE = register_code("wrong_size", Severity.ERROR, INTAKE).code
WRONG_DPI_TAG = register_code("wrong_dpi_tag", Severity.ERROR, INTAKE).code
BLANK_PAGE = register_code("blank_page", Severity.WARNING, INTAKE).code
FAINT_PAGE = register_code("faint_page", Severity.WARNING, INTAKE).code
DUPLICATE_IMAGE = register_code("duplicate_image", Severity.ERROR, INTAKE).code
PAGE_COUNT_MISMATCH = register_code("page_count_mismatch", Severity.ERROR, INTAKE).code
FOLDER_MISMATCH = register_code("folder_mismatch", Severity.ERROR, INTAKE).code
MISSING_FOLDER = register_code("missing_folder", Severity.WARNING, INTAKE).code
