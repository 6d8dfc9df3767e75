"""The ``dangan`` command: a thin Typer shell over services.

Each area registers its own commands (``register(app)`` in ``dangan.cli.<area>``). Errors are
mapped to exit codes in exactly one place, ``run()``.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import sys
from typing import Any, NoReturn, TextIO

import typer
from rich.markup import escape

from dangan.cli.common import console, err_console
from dangan.cli.localise import LocalisedGroup, check_lang, usage_text, walk
from dangan.errors import DanganError
from dangan.i18n import set_language, t

# Areas whose module exists get their commands; a missing area is simply not offered yet.
AREAS = ("foundation", "intake", "retouch", "indexing", "workflow", "sheets", "qc", "reports", "web", "site", "demo")

def _localised_usage(original: Any) -> Any:
    """A command's usage line with Click's ``Usage:`` in the current language."""

    def get_usage(ctx: Any) -> str:
        usage = str(original(ctx))
        english = "Usage: "
        return t("cli.usage.usage") + usage[len(english):] if usage.startswith(english) else usage

    return get_usage


class _Root(LocalisedGroup):
    """The root group: besides the help texts (``LocalisedGroup``), the usage line of every
    command speaks the current language — ``[选项]``, ``命令 [参数]...``, ``用法：`` — in the
    help screens and in the usage errors alike."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None,
                     **extra: Any) -> Any:
        # LocalisedGroup.main has set the language by now; parsing (and --help) comes next
        for _path, command in walk(self):
            command.options_metavar = t("cli.usage.options_metavar")
            if hasattr(command, "commands") and not getattr(command, "chain", False):
                command.subcommand_metavar = t("cli.usage.subcommand_metavar")
            if not getattr(command, "_dangan_usage", False):
                command.get_usage = _localised_usage(command.get_usage)
                command._dangan_usage = True
        return super().make_context(info_name, args, parent, **extra)


app = typer.Typer(
    name="dangan",
    cls=_Root,
    help="cli.help.root",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def _main(
    lang: str = typer.Option(None, "--lang", callback=check_lang, help="cli.opt.lang"),
) -> None:
    if lang:
        set_language(lang)


def _register_areas() -> None:
    for area in AREAS:
        try:
            module = importlib.import_module(f"dangan.cli.{area}")
        except ModuleNotFoundError as exc:
            if exc.name == f"dangan.cli.{area}":
                continue
            raise
        module.register(app)


_register_areas()


class _PipeGuard:
    """``sys.stdout`` / ``sys.stderr`` of the command: once the reader of a pipe has gone
    (``dangan … | head -2``), what is still written is dropped (the stream's descriptor is
    pointed at /dev/null) instead of raising BrokenPipeError into the command. The command
    finishes as it would have — a restore is not cut short by a closed pager — and its own
    exit code stands; the error lines it could not print are lost with the pipe."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.broken = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self._stream.write(text)
            except OSError as exc:
                self._drop(exc)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except OSError as exc:
                self._drop(exc)

    def _drop(self, exc: OSError) -> None:
        if not (isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE):
            raise exc
        self.broken = True
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())  # the interpreter's last flush too
            os.close(devnull)


def _guard_pipes() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _PipeGuard):
            setattr(sys, name, _PipeGuard(stream))


def _exit(code: int) -> NoReturn:
    """End with ``code``; output still buffered is flushed first, so a reader gone by now
    changes nothing (the interpreter's own last flush would otherwise fail: exit 120)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    sys.exit(code)


# A pipe's reader gone though the guard (output written past it, straight to a descriptor):
# the exit status a shell gives a writer stopped by SIGPIPE, never "internal error".
_BROKEN_PIPE_EXIT = 128 + 13


def run() -> None:
    """Console entry point: run the app and map every error to its documented exit code.

    A closed pipe on stdout or stderr never changes the exit code (see ``_PipeGuard``)."""
    _guard_pipes()
    try:
        _exit(_run())
    except BrokenPipeError:
        _exit(_BROKEN_PIPE_EXIT)


def _run() -> int:
    try:
        code = app(standalone_mode=False)
    except DanganError as exc:
        # the message names files and settings as they are: "[catalogue]", a folder "[1997]"
        # are text, not console markup
        err_console.print(f"[bold red]{t('cli.error_prefix')}[/]{escape(exc.message)}",
                          highlight=False)
        for line in exc.details:
            err_console.print(f"  • {escape(str(line))}", highlight=False)
        return exc.exit_code
    except KeyboardInterrupt:
        _interrupted()
    except SystemExit:
        raise
    except BrokenPipeError:
        raise
    except Exception as exc:  # usage errors (Typer's click) and anything unexpected
        show = getattr(exc, "show", None)
        code = getattr(exc, "exit_code", None)
        if code == 2 and hasattr(exc, "ctx"):  # Click's usage errors, in the user's language
            err_console.print(usage_text(exc), highlight=False, markup=False)
            return code
        if callable(show) and isinstance(code, int):
            show()
            return code
        if type(exc).__name__ == "Abort":
            _interrupted()
        err_console.print(escape(t("error.unexpected", type=type(exc).__name__, detail=exc)))
        return 1
    # Without standalone mode Typer turns Ctrl-C and ``typer.Exit(n)`` into a returned code.
    if isinstance(code, int) and not isinstance(code, bool) and code:
        if code == 130:
            _interrupted()
        return code
    return 0


def _interrupted() -> NoReturn:
    """Ctrl-C: say so and end with 130 at once. The command's cleanup has run (its ``finally``
    blocks, the pools' workers stopped, partial files removed, transactions rolled back); a
    helper thread of a stopped pool left waiting on a pipe would otherwise hold the exit
    until a second Ctrl-C (the interpreter joins every such thread when it shuts down)."""
    err_console.print(t("error.interrupted"))
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(130)


__all__ = ["app", "console", "run"]
