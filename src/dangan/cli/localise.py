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

import re
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
            if hasattr(option, "display_type_rich"):
                option.display_type_rich = _localised_type(option.display_type_rich)
        return option

    return get_help_option


# Typer's type column (``<str>``, ``<path>`` …) and the metavars set in code, by catalogue key;
# a flag's ``<bool>`` says nothing its name does not, so it is left out.
TYPE_LABELS = {
    "<str>": "cli.type.text", "<path>": "cli.type.path", "<int>": "cli.type.int",
    "<int range>": "cli.type.int", "<list[str]>": "cli.type.texts",
    "<list[Path]>": "cli.type.paths", "<bool>": None, "REASON": "cli.type.reason",
}


def _localised_type(original: Any) -> Any:
    """A parameter's ``display_type_rich`` whose label is taken from the catalogue."""

    def display_type_rich(ctx: Any) -> str | None:
        label = original(ctx)
        if label not in TYPE_LABELS:
            return label
        key = TYPE_LABELS[label]
        return t(key) if key else None

    return display_type_rich


def _folding_help(original: Any) -> Any:
    """Typer's parameter help renderer, its texts folded where a line is too long: a Chinese
    help has no spaces to wrap at, and Rich's default overflow (``ellipsis``) cut it with "…"."""

    def get_parameter_help(**kwargs: Any) -> Any:
        rendered = original(**kwargs)
        for item in getattr(rendered, "renderables", ()):
            if hasattr(item, "overflow"):
                item.overflow = "fold"
        return rendered

    get_parameter_help._dangan_folds = True  # type: ignore[attr-defined]
    return get_parameter_help


def localise(root: Any) -> None:
    """Render the help of every command and parameter in the current language."""
    from typer import rich_utils

    if not getattr(rich_utils._get_parameter_help, "_dangan_folds", False):
        rich_utils._get_parameter_help = _folding_help(rich_utils._get_parameter_help)

    messages = catalogue()
    rich_utils.ARGUMENTS_PANEL_TITLE = t("cli.panel.arguments")
    rich_utils.OPTIONS_PANEL_TITLE = t("cli.panel.options")
    rich_utils.COMMANDS_PANEL_TITLE = t("cli.panel.commands")
    rich_utils.DEFAULT_STRING = t("cli.panel.default")
    rich_utils.REQUIRED_LONG_STRING = t("cli.panel.required")
    rich_utils.ENVVAR_STRING = t("cli.panel.envvar")
    rich_utils.DEPRECATED_STRING = t("cli.panel.deprecated")
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
            if hasattr(param, "display_type_rich") and not getattr(param, "_dangan_type", False):
                param.display_type_rich = _localised_type(param.display_type_rich)
                param._dangan_type = True
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


# --- usage errors -------------------------------------------------------------------------------
# Click writes its usage errors in English ("Missing option '-w'.", "No such command 'x'.").
# ``usage_text`` renders them from the catalogue instead, by the error's kind and parameters.

_NO_SUCH_COMMAND = re.compile(
    r"No such command '(?P<name>.*?)'\.?(?: Did you mean '(?P<hint>.*)'\?)?$")
_EXTRA_ARGS = re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)\.?$")
_NEEDS = re.compile(r"Option '(?P<name>.+)' requires (?:an argument|(?P<n>\d+) arguments)\.?$")
_NO_VALUE = re.compile(r"Option '(?P<name>.+)' does not take a value\.?$")


def _hint(exc: Any) -> str:
    hint = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    if hint is None and param is not None:
        hint = param.get_error_hint()
    if hint is None:
        return ""
    return hint if isinstance(hint, str) else " / ".join(hint)


def usage_message(exc: Any) -> str:
    """The message of a Click usage error in the current language."""
    kind = type(exc).__name__
    message = str(getattr(exc, "message", "") or "")
    if kind == "MissingParameter":
        param = getattr(exc, "param", None)
        ptype = exc.param_type or (param.param_type_name if param is not None else "parameter")
        key = {"option": "cli.usage.missing_option", "argument": "cli.usage.missing_argument"}
        return t(key.get(ptype, "cli.usage.missing_parameter"), name=_hint(exc))
    if kind == "NoSuchOption":
        if exc.option_name == "--lang" or exc.option_name.startswith("--lang="):
            return t("cli.usage.lang_first")
        text = t("cli.usage.no_such_option", name=exc.option_name)
        if exc.possibilities:
            text += t("cli.usage.possible_options", options=", ".join(sorted(exc.possibilities)))
        return text
    if kind == "BadParameter":
        hint = _hint(exc)
        return (t("cli.usage.invalid_value_for", name=hint, message=message) if hint
                else t("cli.usage.invalid_value", message=message))
    if m := _NO_SUCH_COMMAND.match(message):
        text = t("cli.usage.no_such_command", name=f"'{m['name']}'")
        return text + (t("cli.usage.did_you_mean", name=f"'{m['hint']}'") if m["hint"] else "")
    if message == "Missing command.":
        return t("cli.usage.missing_command")
    if m := _EXTRA_ARGS.match(message):
        return t("cli.usage.extra_arguments", args=m["args"])
    if m := _NEEDS.match(message):
        return (t("cli.usage.needs_values", name=f"'{m['name']}'", n=m["n"]) if m["n"]
                else t("cli.usage.needs_value", name=f"'{m['name']}'"))
    if m := _NO_VALUE.match(message):
        return t("cli.usage.takes_no_value", name=f"'{m['name']}'")
    format_message = getattr(exc, "format_message", None)
    return str(format_message()) if callable(format_message) else message


def usage_text(exc: Any) -> str:
    """What Click's ``UsageError.show`` prints — usage line, help hint, error — translated."""
    lines = []
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        usage = ctx.get_usage()
        if usage.startswith("Usage: "):
            usage = t("cli.usage.usage") + usage[len("Usage: "):]
        lines.append(usage)
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(t("cli.usage.try_help", command=ctx.command_path,
                           option=ctx.help_option_names[0]))
        lines.append("")
    lines.append(t("cli.error_prefix") + usage_message(exc))
    return "\n".join(lines)
