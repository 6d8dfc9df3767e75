"""A volume folder name with a segment too few or too many (``1-1-4-1997-刑-0001-0008``: the
work batch written as 1-4): say so by counting segments, instead of blaming the first segment
that no longer lines up (the archive code's year, there).

Only for folder rules whose segments are all parted by separators (``-``, ``·``): the name is
cut at those, and each place a segment could be missing (or extra) is tried; the part of the
project's folder pattern (``{borrow_batch}``, ``{work_batch}``, ``{archive_code}``) each such
place lies in is named when they all lie in one, else the parts it may be in.
"""

from __future__ import annotations

import re

from dangan.domain.naming import (
    WORK_BATCH_MACRO,
    Literal,
    NamingRules,
    Rule,
    Segment,
    describe_rule,
)
from dangan.errors import NamingError
from dangan.i18n import t


def _placeholder(seg: Segment) -> str:
    if seg.kind == "int":
        return "1".zfill(seg.width or 1)
    if seg.kind == "choice":
        return seg.choices[0]
    return "x"


def _parts(rules: NamingRules) -> list[str] | None:
    """The top-level part of the folder pattern each of its segments belongs to."""
    try:
        top = Rule(rules.folder.pattern).segments
    except NamingError:
        return None
    sizes = {"archive_code": len(rules.archive_code.segments),
             "work_batch": len(Rule(WORK_BATCH_MACRO).segments)}
    out = [seg.name for seg in top for _ in range(sizes.get(seg.name, 1))]
    return out if len(out) == len(rules.folder.segments) else None


def _part_words(name: str) -> str:
    key = f"intake.folder_part.{name}"
    return t(key) if name in ("borrow_batch", "work_batch", "archive_code") else name


def segment_count_detail(rules: NamingRules, name: str) -> str | None:
    """The message for a folder name with another number of segments than the folder
    pattern has, naming where one looks missing (or extra); None when the count agrees or
    the pattern is not parted by separators alone."""
    if rules.folder.lookalike(name):
        return None  # a full-width hyphen and the like: said by the rule's own diagnosis
    tokens = rules.folder.tokens
    if not tokens or isinstance(tokens[0], Literal) or isinstance(tokens[-1], Literal):
        return None
    seps = [tok.text for tok in tokens if isinstance(tok, Literal)]
    segments = rules.folder.segments
    if len(seps) != len(segments) - 1 or not seps:
        return None
    pieces = re.split("|".join(re.escape(s) for s in sorted(set(seps), key=len, reverse=True)),
                      name)
    need = len(segments)
    if len(pieces) == need:
        return None
    parts = _parts(rules)
    places: list[int] = []
    if len(pieces) == need - 1:
        for i in range(need):
            trial = [*pieces[:i], _placeholder(segments[i]), *pieces[i:]]
            if _fits(rules, trial, seps):
                places.append(i)
    elif len(pieces) == need + 1:
        for i in range(len(pieces)):
            if _fits(rules, pieces[:i] + pieces[i + 1:], seps):
                places.append(min(i, need - 1))
    where = ""
    if places and parts is not None:
        found = list(dict.fromkeys(parts[i] for i in places))
        if len(found) > 1 and parts[-1] == "archive_code" and _code_at_end(rules, name, seps):
            found.remove("archive_code")  # the name ends in a whole archive code: not there
        kind = "missing" if len(pieces) < need else "extra"
        key = f"intake.folder_segments.{kind}_{'in' if len(found) == 1 else 'among'}"
        where = t(key, part=_part_words(found[0]),
                  parts=t("intake.folder_segments.or").join(_part_words(p) for p in found))
    return t("intake.folder_segments.count", found=len(pieces), need=need,
             rule=describe_rule(rules.folder), where=where)


def _fits(rules: NamingRules, pieces: list[str], seps: list[str]) -> bool:
    out = [pieces[0]]
    for sep, piece in zip(seps, pieces[1:], strict=True):
        out += [sep, piece]
    return rules.folder.match("".join(out)) is not None


def _code_at_end(rules: NamingRules, name: str, seps: list[str]) -> bool:
    """Whether the name ends, after a separator, in a whole archive code."""
    return any(name.endswith(sep, 0, k) and rules.archive_code.match(name[k:]) is not None
               for k in range(1, len(name)) for sep in set(seps))
