"""Usage errors of the command line that Click words in English (see ``cli/localise.py``)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "cli.usage.did_you_mean": ("是否要用 {name}？", " Did you mean {name}?"),
    "cli.usage.lang_first": ("--lang 是 dangan 的总选项，须写在命令之前，例如：dangan --lang en status",
                             "--lang is an option of dangan itself and goes before the command, "
                             "e.g. dangan --lang en status"),
}
