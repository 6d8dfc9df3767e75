"""``--help`` in the user's language: every help text comes from the message catalogue.

Typer builds the Click command tree when the app is called, before any option is parsed, so
help texts cannot be rendered at import time. Instead the root group is a ``LocalisedGroup``:
when it starts it reads ``--lang`` from the arguments (or ``DANGAN_LANG``), then renders every
command's and parameter's help from the catalogue:

- a command at path ``index import`` takes ``cli.help.index.import`` (the root ``cli.help.root``);
- a parameter takes ``cli.opt.<path>.<name>``, else its own help when that is a catalogue key
  (``cli.opt.project``), else ``cli.opt.<name>``: the first the catalogue has.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from dangan.i18n import catalogue, set_language, t

LANG_VALUES = ("zh", "zh_cn", "zh_hans", "cn", "chinese", "en", "en_us", "en_gb", "english")


def known_language(value: str) -> bool:
    return value.strip().lower().replace("-", "_") in LANG_VALUES


def lang_from_args(args: Sequence[str]) -> str | None:
    """The value of a root ``--lang`` in ``args`` (best effort, before Click parses them)."""
    for i, arg in enumerate(args):
        if arg == "--":
            return None
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
    return None


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of the (Typer-vendored Click) tree with its path; the root's is empty."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, (*path, name))


def command_key(path: tuple[str, ...]) -> str:
    return "cli.help." + (".".join(path) if path else "root")


def param_keys(path: tuple[str, ...], param: Any) -> list[str]:
    own = getattr(param, "help", None)
    name = param.name or ""
    keys = [f"cli.opt.{'.'.join(path)}.{name}"] if path else []
    if isinstance(own, str) and own.startswith("cli."):
        keys.append(own)
    keys.append(f"cli.opt.{name}")
    return keys


def _localised_help_option(original: Any) -> Any:
    """Click's own ``--help`` option, with its text from the catalogue."""

    def get_help_option(ctx: Any) -> Any:
        option = original(ctx)
        if option is not None:
            option.help = t("cli.opt.help")
        return option

    return get_help_option


def localise(root: Any) -> None:
    """Render the help of every command and parameter in the current language."""
    from typer import rich_utils

    messages = catalogue()
    rich_utils.ARGUMENTS_PANEL_TITLE = t("cli.panel.arguments")
    rich_utils.OPTIONS_PANEL_TITLE = t("cli.panel.options")
    rich_utils.COMMANDS_PANEL_TITLE = t("cli.panel.commands")
    for path, command in walk(root):
        if not getattr(command, "_dangan_help_option", False):
            command.get_help_option = _localised_help_option(command.get_help_option)
            command._dangan_help_option = True
        key = command_key(path)
        if key in messages:
            command.help = t(key)
            command.short_help = None
        for param in command.params:
            if not hasattr(param, "help"):
                continue
            for candidate in param_keys(path, param):
                if candidate in messages:
                    param.help = t(candidate)
                    break


class LocalisedGroup(TyperGroup):
    """The root group: sets the language from ``--lang`` before rendering any help."""

    def main(self, args: Sequence[str] | None = None, *a: Any, **kw: Any) -> Any:
        import sys

        argv = list(sys.argv[1:] if args is None else args)
        lang = lang_from_args(argv)
        # Each invocation speaks the language it was given (else DANGAN_LANG, else Chinese).
        set_language(lang if lang and known_language(lang) else None)
        localise(self)
        return super().main(argv, *a, **kw)


def check_lang(value: str | None) -> str | None:
    """``--lang`` callback: an unknown language is a usage error (exit 2), never ignored."""
    if value is None:
        return None
    if not known_language(value):
        raise typer.BadParameter(t("cli.bad_lang", value=value, choices="zh, en"))
    set_language(value)
    return value
