"""One command-line convention, and the README's command tables say exactly what the CLI has.

- every command and option shown in the README exists, and every command exists in the README;
- the project is always ``-p/--project``; the person of the line always ``-w/--worker``; the
  archive room's people have their own named options; no other spelling of a person exists;
- every help text comes from the message catalogue, in both languages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from dangan.cli.localise import command_key, param_keys, walk
from dangan.cli.main import app
from dangan.i18n import catalogue

README = (Path(__file__).parent.parent.parent / "README.md").read_text(encoding="utf-8")
# Options that name a person of the archive room (not a worker of the line).
ARCHIVE_SIDE = {"--archive-staff", "--archive-leader"}
# Spellings of a person the convention replaced; none may come back.
OLD_PERSON_OPTIONS = {"--inspector", "--binder", "--user", "--by", "--clerk", "--agreed-by",
                      "--assignee", "--operator", "--person", "--typist", "--signer"}


def _tree() -> dict[tuple[str, ...], Any]:
    root = typer.main.get_command(app)
    return dict(walk(root))


def _leaves() -> dict[tuple[str, ...], Any]:
    return {p: c for p, c in _tree().items() if p and not getattr(c, "commands", None)}


def _options(command: Any) -> set[str]:
    names: set[str] = set()
    for param in command.params:
        if param.param_type_name == "option":
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


def _readme_commands() -> list[tuple[tuple[str, ...], set[str], str]]:
    """(command path, options shown, text) for every command in a README command table."""
    leaves = _leaves()
    found = []
    for line in README.splitlines():
        if not line.startswith("| `dangan "):
            continue
        first_cell = re.split(r"(?<!\\)\|", line)[1]
        for shown in re.findall(r"`([^`]+)`", first_cell):
            words = shown.removeprefix("dangan ").split()
            path: tuple[str, ...] = ()
            for n in range(len(words), 0, -1):
                if tuple(words[:n]) in leaves:
                    path = tuple(words[:n])
                    break
            options = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", shown.replace("\\|", " ")))
            found.append((path, options, shown))
    return found


def test_every_readme_command_exists_with_the_options_it_shows() -> None:
    leaves = _leaves()
    problems = []
    for path, options, shown in _readme_commands():
        if not path:
            problems.append(f"no such command: {shown}")
            continue
        have = _options(leaves[path])
        problems += [f"{' '.join(path)}: no option {o}" for o in sorted(options - have)]
    assert problems == []


def test_every_command_is_in_the_readme() -> None:
    documented = {path for path, _, _ in _readme_commands()}
    assert sorted(" ".join(p) for p in set(_leaves()) - documented) == []


def test_the_project_is_always_dash_p() -> None:
    problems = []
    for path, command in _leaves().items():
        for param in command.params:
            opts = set(param.opts)
            is_project = param.name in ("project", "home") or "--project" in opts
            if is_project and opts != {"-p", "--project"}:
                problems.append(f"{' '.join(path)}: {sorted(opts)}")
            if param.param_type_name == "argument" and param.name in ("project", "home", "target"):
                problems.append(f"{' '.join(path)}: project as an argument")
    assert problems == []


def test_the_person_is_always_dash_w() -> None:
    problems = []
    for path, command in _leaves().items():
        for param in command.params:
            opts = set(param.opts)
            if opts & OLD_PERSON_OPTIONS:
                problems.append(f"{' '.join(path)}: {sorted(opts)}")
            if "-w" in opts and opts != {"-w", "--worker"}:
                problems.append(f"{' '.join(path)}: -w is {sorted(opts)}")
            if "--worker" in opts and "-w" not in opts:
                problems.append(f"{' '.join(path)}: --worker without -w")
        named = [p for p in command.params if set(p.opts) & ({"-w"} | ARCHIVE_SIDE)]
        if any(set(p.opts) & ARCHIVE_SIDE for p in named) and "rebind" not in path \
                and not any("-w" in p.opts for p in named):
            # both sides sign: the line's person is -w, the archive room's its own option
            problems.append(f"{' '.join(path)}: archive side without -w")
    assert problems == []


# Commands that record who did something must take -w (the archive side excepted).
SIGNING = ["ingest", "watch", "claim", "signoff", "correct", "sort record", "qc sample",
           "qc record", "qc decide", "qc verify", "rework done", "rebind sign", "borrow confirm",
           "borrow problem", "return confirm", "index resolve", "retouch", "renumber",
           "page accept", "page replace"]


@pytest.mark.parametrize("command", SIGNING)
def test_commands_that_sign_take_dash_w(command: str) -> None:
    leaf = _leaves()[tuple(command.split())]
    assert any(set(p.opts) == {"-w", "--worker"} for p in leaf.params)


def test_every_help_text_is_in_the_catalogue() -> None:
    messages = catalogue()
    missing = []
    for path, command in _tree().items():
        if command_key(path) not in messages:
            missing.append(command_key(path))
        for param in command.params:
            if not any(k in messages for k in param_keys(path, param)):
                missing.append(param_keys(path, param)[0])
    assert missing == []


def test_help_follows_lang() -> None:
    from typer.testing import CliRunner

    runner = CliRunner()
    en = runner.invoke(app, ["--lang", "en", "index", "import", "--help"])
    zh = runner.invoke(app, ["index", "import", "--help"])
    assert en.exit_code == zh.exit_code == 0
    assert "Import volume records" in en.output and "导入卷宗信息" not in en.output
    assert "导入卷宗信息" in zh.output
    assert "Project home" in en.output
    root = runner.invoke(app, ["--lang", "en", "--help"])
    assert "Paper-archive digitization line" in root.output


def test_help_follows_dangan_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    monkeypatch.setenv("DANGAN_LANG", "en")
    out = CliRunner().invoke(app, ["status", "--help"]).output
    assert "Project status" in out


# Shown once for all commands (README: "All workflow commands take -p", "queries take --json").
GENERAL_OPTIONS = {"--project", "--json", "--help"}


def test_every_option_of_a_command_is_in_its_readme_row() -> None:
    """The other direction: an option the CLI has and its README row leaves out is a gap."""
    shown: dict[tuple[str, ...], set[str]] = {}
    for path, options, _ in _readme_commands():
        shown.setdefault(path, set()).update(options)
    missing = []
    for path, command in _leaves().items():
        for param in command.params:
            if param.param_type_name != "option":
                continue
            spellings = set(param.opts) | set(param.secondary_opts)
            if spellings & GENERAL_OPTIONS or spellings & shown.get(path, set()):
                continue
            missing.append(f"{' '.join(path)}: {'/'.join(sorted(param.opts))}")
    assert sorted(missing) == []
