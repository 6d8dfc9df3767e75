"""One message catalogue for everything a user reads.

Messages live in ``dangan.i18n.catalog.<area>`` modules, each a ``MESSAGES`` dict of
``key -> (zh, en)``. They are merged into one catalogue here; a key defined twice is a
programming error caught at load time (and by the tests). Simplified Chinese is the default;
``DANGAN_LANG=en`` or ``--lang en`` selects English.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from functools import cache
from typing import Any

LANGUAGES = ("zh", "en")

_language: ContextVar[str | None] = ContextVar("dangan_language", default=None)


def normalise_language(value: str | None) -> str:
    """Map what users type (zh_CN.UTF-8, en-US, cn, english) to one of LANGUAGES."""
    if not value:
        return "zh"
    v = value.strip().lower().replace("-", "_")
    if v.startswith("en"):
        return "en"
    return "zh"


def set_language(lang: str | None) -> None:
    _language.set(normalise_language(lang) if lang else None)


def current_language() -> str:
    lang = _language.get()
    if lang:
        return lang
    return normalise_language(os.environ.get("DANGAN_LANG"))


@cache
def catalogue() -> Mapping[str, tuple[str, str]]:
    """Load and merge every catalogue module; refuse duplicate keys."""
    from dangan.i18n import catalog as pkg

    merged: dict[str, tuple[str, str]] = {}
    owner: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        messages: Mapping[str, tuple[str, str]] = module.MESSAGES
        for key, pair in messages.items():
            if key in merged:
                raise RuntimeError(
                    f"message key {key!r} defined in both {owner[key]} and {info.name}"
                )
            merged[key] = pair
            owner[key] = info.name
    return merged


RANGE = "{first}–{last}"  # a range of pages or numbers; one number when first == last


def t(key: str, /, **params: Any) -> str:
    """Translate ``key`` into the current language and fill in ``params``.

    A range ``{first}–{last}`` whose ends are equal reads as the one number (第 2 页, page 2).
    An unknown key returns the key itself (visible, never a crash): a missing message must
    not hide the error it was meant to explain.
    """
    pair = catalogue().get(key)
    if pair is None:
        return key if not params else f"{key} {params}"
    text = pair[1] if current_language() == "en" else pair[0]
    if RANGE in text and "first" in params and params["first"] == params.get("last"):
        text = text.replace(f"pages {RANGE}", "page {first}").replace(RANGE, "{first}")
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return f"{text} {params}"


def label(key: str, fallback: str) -> str:
    """A catalogue text without parameters, else ``fallback`` (a code shown as it is)."""
    pair = catalogue().get(key)
    return t(key) if pair is not None and "{" not in pair[0] else fallback


def defect_label(code: str) -> str:
    """A defect type by its plain name: ``defect.<code>.label`` (when the type's message has
    parameters it is a sentence about one page), else that message; the code itself when the
    catalogue has neither."""
    return label(f"defect.{code}.label", label(f"defect.{code}", code))


def join(items: Iterable[object]) -> str:
    """Items listed in a sentence: separated by 、 in Chinese, by ", " in English."""
    return t("i18n.list_sep").join(str(item) for item in items)
