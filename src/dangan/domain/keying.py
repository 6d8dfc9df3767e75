"""一稿双录: compare two independent typings of a catalogue, field by field and char by char.

A typing is ``{archive_code: {"record": {field: text}, "entries": [{field: text}, ...]}}``.
Entries are paired by position (a typist who skips a row shows up as one row ``missing``
and every later row differing, which is exactly what the third person must see). Each
difference carries the character-level edit script (difflib opcodes) so a UI can
highlight it and a report can print ``关于[甲→乙]的通知``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Typing = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Difference:
    volume: str
    where: str  # "record" | "entry" | "volume"
    seq: int | None  # position of the entry (1-based) when where == "entry"
    field: str
    first: str
    second: str
    ops: tuple[tuple[str, str, str], ...]  # (tag, text in first, text in second)

    def marked(self) -> str:
        """``equal text[first→second]equal text`` — readable in a terminal or a cell."""
        out: list[str] = []
        for tag, a, b in self.ops:
            if tag == "equal":
                out.append(a)
            else:
                out.append(f"[{a or '∅'}→{b or '∅'}]")
        return "".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {"volume": self.volume, "where": self.where, "seq": self.seq,
                "field": self.field, "first": self.first, "second": self.second,
                "marked": self.marked()}


def char_ops(a: str, b: str) -> tuple[tuple[str, str, str], ...]:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return tuple((tag, a[i1:i2], b[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes())


def _fields(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys([*a.keys(), *b.keys()]))


def _compare_maps(volume: str, where: str, seq: int | None, a: Mapping[str, Any],
                  b: Mapping[str, Any]) -> list[Difference]:
    out = []
    for name in _fields(a, b):
        va, vb = str(a.get(name, "") or ""), str(b.get(name, "") or "")
        if va != vb:
            out.append(Difference(volume, where, seq, name, va, vb, char_ops(va, vb)))
    return out


def compare_typings(first: Typing, second: Typing) -> list[Difference]:
    """All differences between two typings, volumes in the first typing's order."""
    diffs: list[Difference] = []
    for volume in dict.fromkeys([*first.keys(), *second.keys()]):
        a, b = first.get(volume), second.get(volume)
        if a is None or b is None:
            present = "first" if b is None else "second"
            diffs.append(Difference(volume, "volume", None, "present",
                                    "1" if a else "", "1" if b else "", (("replace", present, ""),)))
            continue
        diffs.extend(_compare_maps(volume, "record", None, a.get("record", {}), b.get("record", {})))
        ea: Sequence[Mapping[str, Any]] = a.get("entries", [])
        eb: Sequence[Mapping[str, Any]] = b.get("entries", [])
        for i in range(max(len(ea), len(eb))):
            ra = ea[i] if i < len(ea) else {}
            rb = eb[i] if i < len(eb) else {}
            diffs.extend(_compare_maps(volume, "entry", i + 1, ra, rb))
    return diffs


def resolution_choices(diffs: Sequence[Difference], final: Typing) -> list[dict[str, Any]]:
    """For each difference, which typing the resolver's final text agrees with."""
    out = []
    for d in diffs:
        vol = final.get(d.volume, {})
        if d.where == "record":
            value = str(vol.get("record", {}).get(d.field, "") or "")
        elif d.where == "entry" and d.seq is not None:
            entries = vol.get("entries", [])
            value = str(entries[d.seq - 1].get(d.field, "") or "") if d.seq <= len(entries) else ""
        else:
            value = "1" if vol else ""
        chosen = "first" if value == d.first else "second" if value == d.second else "other"
        out.append({**d.to_dict(), "final": value, "chosen": chosen})
    return out
