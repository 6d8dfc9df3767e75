"""The one exception tree of dangan.

Every error a user can cause or meet is a ``DanganError``. It carries a message key from
the catalogue (so it renders in Chinese or English at the edge), its parameters, a
process ``exit_code`` (public API, documented in the README) and an ``http_status`` for the
web application. Third-party errors are translated into these at the boundary that calls
the library; nothing upstream reads an error's message text to decide what happened.

Exit codes:
  0 success · 1 unexpected internal error · 2 command-line usage (Typer/Click)
  3 configuration · 4 invalid input · 5 not found · 6 conflict · 7 workflow state
  8 integrity (checksum/fixity) · 9 defects found · 10 external tool · 11 storage
  130 interrupted (Ctrl-C)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dangan.i18n import t

MAX_DETAILS = 100  # detail lines kept on an error (a million bad rows print 101 lines)


class DanganError(Exception):
    """Root of all dangan errors."""

    exit_code: int = 1
    http_status: int = 500
    default_key: str = "error.internal"
    # the catalogue key the message is said with when it is not ``key`` (the web's wording of
    # a refusal whose own text names command-line options: ``dangan.web.errors.for_the_web``)
    said_as: str | None = None

    def __init__(
        self,
        key: str | None = None,
        /,
        *,
        details: Sequence[str] = (),
        **params: Any,
    ) -> None:
        self.key = key or self.default_key
        self.params = params
        # Already-rendered lines (one per bad row/segment/file), shown under the message;
        # at most MAX_DETAILS of them and a line saying how many more there were.
        lines = list(details)
        self.details = lines[:MAX_DETAILS]
        if len(lines) > MAX_DETAILS:
            self.details.append(t("error.more_details", count=len(lines) - MAX_DETAILS))
        super().__init__(self.key)

    @property
    def message(self) -> str:
        return t(self.said_as or self.key, **self.params)

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {d}" for d in self.details)

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": type(self).__name__,
            "key": self.key,
            "message": self.message,
            "details": self.details,
            "exit_code": self.exit_code,
            "params": {k: str(v) for k, v in self.params.items()},
        }


class ConfigError(DanganError):
    """The project configuration (dangan.toml, environment) is wrong."""

    exit_code = 3
    http_status = 500
    default_key = "error.config"


class InputError(DanganError):
    """A file, name, value or spreadsheet given by the user is not acceptable."""

    exit_code = 4
    http_status = 422
    default_key = "error.input"


class NamingError(InputError):
    """An archive code, folder name or page-file name does not follow the project's rule."""

    default_key = "error.naming"


class SpreadsheetError(InputError):
    """A spreadsheet or CSV could not be read or has bad rows."""

    default_key = "error.spreadsheet"


class NotFoundError(DanganError):
    exit_code = 5
    http_status = 404
    default_key = "error.not_found"


class ConflictError(DanganError):
    """The request collides with what is already recorded (double claim, changed file...)."""

    exit_code = 6
    http_status = 409
    default_key = "error.conflict"


class StateError(DanganError):
    """The workflow does not allow this step now (wrong stage, open defects, out of order)."""

    exit_code = 7
    http_status = 409
    default_key = "error.state"


class IntegrityError(DanganError):
    """A stored file does not match its recorded checksum, or a file is missing."""

    exit_code = 8
    http_status = 500
    default_key = "error.integrity"


class DefectsFound(DanganError):
    """A check ran to completion and found error-severity defects."""

    exit_code = 9
    http_status = 422
    default_key = "error.defects_found"


class ExternalToolError(DanganError):
    """An external program (unpaper, tesseract, ghostscript...) failed or is missing."""

    exit_code = 10
    http_status = 500
    default_key = "error.external_tool"


class StorageError(DanganError):
    """The storage backend (local disk, fsspec URL) failed."""

    exit_code = 11
    http_status = 503
    default_key = "error.storage"
