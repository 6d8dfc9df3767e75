"""Naming rules as configuration: archive codes, volume folders, page files.

A rule is a pattern of literal text and named, typed segments::

    {year:4d}-{category}-{catalogue_no:04d}-{case_no:04d}      ->  1997-民-0014-0025
    {fonds}-{class}·{year:4d}-{retention}-{item_no:04d}        ->  J001-WS·2019-Y-0001
    {category:民|刑|行}                                         ->  one of the listed values

Segment kinds: ``{name}`` text (anything up to the next literal), ``{name:d}`` a number of
any length, ``{name:Nd}`` / ``{name:0Nd}`` a number of exactly N digits (zero-padded when
formatted), ``{name:a|b|c}`` one of a list. Parsing walks the pattern left to right so a
failure names the segment that is wrong. Sort keys compare numeric segments as numbers.

Folder rules may use two macros: ``{archive_code}`` (the project's archive-code rule) and
``{work_batch}`` (the seed's ``borrow-total-no`` work-batch label such as ``1-6-2``).

Look-alike characters are never part of a valid name: number segments take ASCII digits only
(``0005``, never the full-width ``０００５`` or other Unicode digits that ``int()`` would
accept), and no segment takes a character that merely looks like an ASCII one — full-width
letters and signs, dash-like signs, special spaces, invisible characters. ``diagnose`` names
the character. Non-ASCII characters written in the pattern itself (``·`` above) are allowed.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from dangan.errors import NamingError
from dangan.i18n import catalogue, t

_FIELD_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class Segment:
    name: str
    kind: str  # "text" | "int" | "choice"
    width: int | None = None
    choices: tuple[str, ...] = ()

    def regex(self, stop: str | None) -> str:
        if self.kind == "int":
            # [0-9], not \d: \d (and int()) also take full-width and other Unicode digits
            return (rf"(?P<{self.name}>[0-9]{{{self.width}}})" if self.width
                    else rf"(?P<{self.name}>[0-9]+)")
        if self.kind == "choice":
            alts = "|".join(re.escape(c) for c in sorted(self.choices, key=len, reverse=True))
            return rf"(?P<{self.name}>{alts})"
        if stop:
            return rf"(?P<{self.name}>[^{re.escape(stop[0])}/\\]+?)"
        return rf"(?P<{self.name}>[^/\\]+)"


Token = Literal | Segment


@cache
def lookalike_kind(ch: str) -> tuple[str, str] | None:
    """(kind, the ASCII it imitates) when ``ch`` is not ASCII but passes for it; else None.

    Full-width letters, digits and the signs that separate segments (``－．＿``) are
    look-alikes; other full-width punctuation (``（）、，``) is ordinary Chinese text.
    """
    if ch.isascii():
        return None
    if ch.isdigit():
        digit = unicodedata.digit(ch, None)
        return "digit", "" if digit is None else str(digit)
    category = unicodedata.category(ch)
    if category == "Pd" or ch in "\u2212\u2043\u2796\ufe63":
        return "dash", "-"
    if category == "Zs":
        return "space", " "
    if category in ("Cf", "Cc", "Zl", "Zp"):
        return "invisible", ""
    folded = unicodedata.normalize("NFKC", ch)
    if 0xFF01 <= ord(ch) <= 0xFF5E and (folded.isalnum() or folded in "-._/\\"):
        return "fullwidth", folded
    return None


def find_lookalike(value: str, allowed: frozenset[str] = frozenset()) -> tuple[int, str] | None:
    """(position, character) of the first look-alike character in ``value``, if any."""
    if value.isascii():
        return None
    for i, ch in enumerate(value):
        if ch not in allowed and lookalike_kind(ch) is not None:
            return i, ch
    return None


def lookalike_message(pos: int, ch: str) -> str:
    kind, like = lookalike_kind(ch) or ("invisible", "")
    if kind == "invisible":
        return t("naming.invisible", pos=pos + 1, code=f"U+{ord(ch):04X}")
    return t("naming.lookalike", pos=pos + 1, char=ch, code=f"U+{ord(ch):04X}",
             kind=t(f"naming.kind.{kind}"), like=like or "∅")


def _parse_spec(name: str, spec: str | None, pattern: str) -> Segment:
    if spec is None or spec == "":
        return Segment(name, "text")
    if "|" in spec:
        choices = tuple(c for c in spec.split("|") if c)
        if not choices:
            raise NamingError("naming.bad_pattern", pattern=pattern, detail=spec)
        return Segment(name, "choice", choices=choices)
    m = re.fullmatch(r"0?([0-9]*)d", spec)
    if not m:
        raise NamingError("naming.bad_pattern", pattern=pattern, detail=f"{{{name}:{spec}}}")
    width = int(m.group(1)) if m.group(1) else None
    return Segment(name, "int", width=width)


def _tokenize(pattern: str, macros: Mapping[str, str]) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    for m in _FIELD_RE.finditer(pattern):
        if m.start() > pos:
            tokens.append(Literal(pattern[pos : m.start()]))
        name, spec = m.group(1), m.group(2)
        if name in macros and spec is None:
            tokens.extend(_tokenize(macros[name], {}))
        else:
            tokens.append(_parse_spec(name, spec, pattern))
        pos = m.end()
    if pos < len(pattern):
        tokens.append(Literal(pattern[pos:]))
    if not any(isinstance(tok, Segment) for tok in tokens):
        raise NamingError("naming.bad_pattern", pattern=pattern, detail="no {segment}")
    names = [tok.name for tok in tokens if isinstance(tok, Segment)]
    if len(names) != len(set(names)):
        raise NamingError("naming.bad_pattern", pattern=pattern, detail="duplicate segment")
    for a, b in itertools.pairwise(tokens):
        if isinstance(a, Segment) and isinstance(b, Segment) and a.kind == "text":
            raise NamingError(
                "naming.bad_pattern", pattern=pattern, detail=f"{{{a.name}}} needs a separator"
            )
    return tokens


WORK_BATCH_MACRO = "{wb_borrow:d}-{wb_total:d}-{wb_no:d}"


class Rule:
    """A compiled naming rule; immutable and cheap to share between processes."""

    def __init__(self, pattern: str, macros: Mapping[str, str] | None = None) -> None:
        self.pattern = pattern
        self.macros: dict[str, str] = dict(macros or {})  # said in words (``describe_rule``)
        self.tokens: tuple[Token, ...] = tuple(_tokenize(pattern, self.macros))

    def __repr__(self) -> str:
        return f"Rule({self.pattern!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_rule, (self.pattern, self.tokens, self.macros))

    @property
    def segments(self) -> tuple[Segment, ...]:
        return tuple(tok for tok in self.tokens if isinstance(tok, Segment))

    @cached_property
    def _allowed(self) -> frozenset[str]:
        """Non-ASCII characters the pattern itself writes (they are not look-alikes here)."""
        return frozenset(ch for tok in self.tokens if isinstance(tok, Literal)
                         for ch in tok.text if not ch.isascii())

    def lookalike(self, value: str) -> str | None:
        """The message naming the first look-alike character of ``value``, if it has one."""
        hit = find_lookalike(value, self._allowed)
        return lookalike_message(*hit) if hit else None

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        parts: list[str] = []
        for i, tok in enumerate(self.tokens):
            if isinstance(tok, Literal):
                parts.append(re.escape(tok.text))
            else:
                nxt = self.tokens[i + 1] if i + 1 < len(self.tokens) else None
                parts.append(tok.regex(nxt.text if isinstance(nxt, Literal) else None))
        return re.compile("".join(parts))

    def match(self, value: str) -> dict[str, str] | None:
        """Fast path: the segments as strings, or None when the value does not follow the rule."""
        m = self._regex.fullmatch(value)
        if m is None or (not value.isascii() and find_lookalike(value, self._allowed)):
            return None
        return m.groupdict()

    def parse(self, value: str) -> dict[str, str | int]:
        """Segments of ``value`` (numbers as int); raises NamingError naming the bad segment."""
        raw = self.match(value)
        if raw is None:
            raise NamingError("naming.mismatch", value=value, rule=describe_rule(self),
                              pattern=self.pattern, detail=self.diagnose(value))
        return {
            seg.name: int(raw[seg.name]) if seg.kind == "int" else raw[seg.name]
            for seg in self.segments
        }

    def is_valid(self, value: str) -> bool:
        return self.match(value) is not None

    def diagnose(self, value: str) -> str:
        """Walk the pattern left to right and say which segment (or separator) is wrong."""
        lookalike = self.lookalike(value)
        if lookalike:
            return lookalike
        pos = 0
        for i, tok in enumerate(self.tokens):
            if isinstance(tok, Literal):
                if not value.startswith(tok.text, pos):
                    found = value[pos : pos + len(tok.text)] or "∅"
                    return t("naming.expected_literal", pos=pos + 1, literal=tok.text, found=found)
                pos += len(tok.text)
                continue
            nxt = self.tokens[i + 1] if i + 1 < len(self.tokens) else None
            if isinstance(nxt, Literal):
                end = value.find(nxt.text, pos)
                end = len(value) if end < 0 else end
            elif tok.kind == "int":
                end = pos
                while end < len(value) and value[end] in "0123456789":
                    end += 1
            else:
                end = len(value)
            piece = value[pos:end]
            if tok.kind == "int" and isinstance(nxt, Literal) and not (piece.isascii()
                                                                    and piece.isdigit()):
                run = len(piece) - len(piece.lstrip("0123456789"))
                if run and (tok.width is None or run == tok.width):
                    return t("naming.expected_literal", pos=pos + run + 1, literal=nxt.text,
                             found=piece[run : run + len(nxt.text)])
            if tok.kind == "int" and piece == "" and pos < len(value):
                # a name that is no number where one belongs ("IMG_0932"): said as such,
                # never as an empty segment
                stop = value.find(nxt.text, pos) if isinstance(nxt, Literal) else -1
                return t("naming.segment_not_number", segment=_segment_words(tok.name),
                         found=value[pos:stop if stop > pos else len(value)])
            problem = _segment_problem(tok, piece)
            if problem:
                return problem
            pos = end
        if pos < len(value):
            return t("naming.trailing", found=value[pos:])
        return t("naming.bad_value", segment=describe_rule(self), found=value)

    def format(self, values: Mapping[str, Any] | None = None, /, **kw: Any) -> str:
        """Build a name from segment values; validates each value against its segment."""
        data = {**(values or {}), **kw}
        out: list[str] = []
        for tok in self.tokens:
            if isinstance(tok, Literal):
                out.append(tok.text)
                continue
            if tok.name not in data or data[tok.name] is None:
                raise NamingError("naming.missing_value", segment=_segment_words(tok.name))
            out.append(_format_segment(tok, data[tok.name]))
        return "".join(out)

    def sort_key(self, value: str) -> tuple[Any, ...]:
        """Order codes the way archive rooms shelve them: numbers numerically."""
        raw = self.match(value)
        if raw is None:
            return (1, value)
        key: list[Any] = [0]
        for seg in self.segments:
            v = raw[seg.name]
            if seg.kind == "int":
                key.append((0, int(v), ""))
            elif seg.kind == "choice":
                key.append((0, seg.choices.index(v), v))
            else:
                key.append((1, 0, v))
        return tuple(key)


def _rebuild_rule(pattern: str, tokens: tuple[Token, ...],
                  macros: dict[str, str] | None = None) -> Rule:
    rule = Rule.__new__(Rule)
    rule.pattern = pattern
    rule.macros = macros or {}
    rule.tokens = tokens
    return rule


def _segment_words(name: str) -> str:
    """A segment as a person knows it — "借卷批次号（wb_borrow）" — where the catalogue names it
    (``naming.segment.<name>``); a project's own segment by its name."""
    if f"naming.segment.{name}" not in catalogue():
        return name
    return t("naming.segment_named", label=t(f"naming.segment.{name}"), name=name)


# What a segment of a known name holds in the example a rule is described with.
_EXAMPLE_VALUES: dict[str, str | int] = {
    "year": 1997, "category": "民", "catalogue_no": 14, "case_no": 25, "volume_no": 25,
    "fonds": "J001", "doc_class": "WS", "retention": "Y", "item_no": 1, "page_no": 1,
    "borrow_batch": 1, "work_batch": "1-6-2", "wb_borrow": 1, "wb_total": 6, "wb_no": 2,
}


def _label(name: str) -> str:
    """A segment's label where the catalogue names it (``naming.segment.<name>``), else its name."""
    key = f"naming.segment.{name}"
    return t(key) if key in catalogue() else name


def _describe_segment(seg: Segment, macros: Mapping[str, str] | None = None) -> str:
    """A segment in words; a folder rule's macro (``{work_batch}``, ``{archive_code}``) with
    the parts it is written in: 小批次号（借卷批次号-小批次总数-小批次序号）."""
    if macros and seg.name in macros and seg.kind == "text":
        inner = "".join(tok.text if isinstance(tok, Literal) else
                        _describe_segment(tok) for tok in _tokenize(macros[seg.name], {}))
        return t("naming.describe.macro", label=_label(seg.name), parts=inner)
    key = f"naming.describe.part.{seg.name}"  # a macro's part, as said inside it
    label = t(key) if key in catalogue() else _label(seg.name)
    if seg.kind == "int" and seg.width:  # a number of any length: the example shows it
        return t("naming.describe.digits", label=label, width=seg.width)
    if seg.kind == "choice":
        return t("naming.describe.choice", label=label, choices="/".join(seg.choices))
    return label


def _example_segment(seg: Segment) -> str:
    known = _EXAMPLE_VALUES.get(seg.name)
    if seg.kind == "int":
        number = known if isinstance(known, int) else 1
        text = f"{number:0{seg.width}d}" if seg.width else str(number)
        return text if not seg.width or len(text) == seg.width else "1".zfill(seg.width)
    if seg.kind == "choice":
        return str(known) if known in seg.choices else seg.choices[0]
    return str(known) if isinstance(known, str) else "A"


def describe_rule(rule: Rule, extensions: tuple[str, ...] = ()) -> str:
    """A rule in words an archive clerk reads, with an example built from it:
    ``{year:4d}-{category}-{catalogue_no:04d}-{case_no:04d}`` ->
    "年度4位-类别-目录号4位-案卷号4位，如 1997-民-0014-0025". Segments are named by their
    labels (``naming.segment.<name>``, as in the messages that name a wrong segment); a
    project's own segment by its name; a folder rule's macros by theirs (the example spells
    them out). ``extensions``: a page-file rule's, written after it."""
    try:  # a folder rule's {archive_code} / {work_batch} by their own labels (档号, 小批次号)
        written: tuple[Token, ...] = tuple(_tokenize(rule.pattern, {}))
    except NamingError:
        written = rule.tokens
    words = "".join(tok.text if isinstance(tok, Literal) else
                    _describe_segment(tok, getattr(rule, "macros", None)) for tok in written)
    example: str | None = "".join(tok.text if isinstance(tok, Literal) else _example_segment(tok)
                                  for tok in rule.tokens)
    if example is not None and rule.match(example) is None:
        example = None  # no example rather than one the rule refuses
    if extensions:
        words += "." + t("naming.describe.extension")
        example = None if example is None else f"{example}.{extensions[0]}"
    return words if example is None else t("naming.describe.rule", words=words, example=example)


def _segment_problem(seg: Segment, piece: str) -> str | None:
    if piece == "":
        return t("naming.segment_empty", segment=_segment_words(seg.name))
    if seg.kind == "int":
        if not piece.isascii() or not piece.isdigit():
            return t("naming.segment_not_number", segment=_segment_words(seg.name), found=piece)
        if seg.width and len(piece) != seg.width:
            return t("naming.segment_width", segment=_segment_words(seg.name), width=seg.width, found=piece)
    elif seg.kind == "choice" and piece not in seg.choices:
        return t("naming.segment_choice", segment=_segment_words(seg.name), choices="/".join(seg.choices), found=piece)
    elif seg.kind == "text" and ("/" in piece or "\\" in piece):
        return t("naming.bad_value", segment=_segment_words(seg.name), found=piece)
    return None


def _format_segment(seg: Segment, value: Any) -> str:
    if seg.kind == "int":
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise NamingError("naming.segment_not_number", segment=_segment_words(seg.name), found=value) from None
        if number < 0:
            raise NamingError("naming.segment_not_number", segment=_segment_words(seg.name), found=value)
        text = f"{number:0{seg.width}d}" if seg.width else str(number)
        if seg.width and len(text) != seg.width:
            raise NamingError("naming.segment_width", segment=_segment_words(seg.name), width=seg.width, found=text)
        return text
    text = str(value)
    problem = _segment_problem(seg, text)
    if problem:
        raise NamingError("naming.bad_value", segment=_segment_words(seg.name), found=text)
    return text


# Every format a scanner writes: a page-named file in any of them is a page (in the wrong
# format when it is not the project's), never a stray file to be moved away.
PAGE_EXTENSIONS: tuple[str, ...] = (
    "jpg", "jpeg", "jfif", "tif", "tiff", "png", "jp2", "j2k", "jpx", "pdf", "bmp", "webp",
    "gif", "pbm", "pgm", "ppm", "pnm")


@dataclass(frozen=True)
class NamingRules:
    """The three rules of a project, compiled once from its configuration."""

    archive_code: Rule
    folder: Rule
    page_file: Rule  # without extension, e.g. {page_no:04d}
    extensions: tuple[str, ...]

    @classmethod
    def build(
        cls,
        archive_code: str,
        folder: str,
        page_file: str = "{page_no:04d}",
        extensions: tuple[str, ...] = PAGE_EXTENSIONS,
    ) -> NamingRules:
        code_rule = Rule(archive_code)
        folder_rule = Rule(folder, {"archive_code": archive_code, "work_batch": WORK_BATCH_MACRO})
        page_rule = Rule(page_file)
        if "page_no" not in {s.name for s in page_rule.segments}:
            raise NamingError("naming.bad_pattern", pattern=page_file, detail="{page_no} missing")
        return cls(code_rule, folder_rule, page_rule, tuple(e.lower() for e in extensions))

    def parse_folder(self, name: str) -> FolderName:
        """Split a volume folder name into borrow batch, work batch label and archive code."""
        parts = self.folder.parse(name)
        code_values = {s.name: parts[s.name] for s in self.archive_code.segments}
        code = self.archive_code.format(code_values)
        borrow = parts.get("borrow_batch", parts.get("wb_borrow"))
        work = None
        if "wb_no" in parts:
            work = f"{parts['wb_borrow']}-{parts['wb_total']}-{parts['wb_no']}"
        return FolderName(name, code, None if borrow is None else int(borrow), work)

    def folder_name(self, archive_code: str, borrow_batch: int | None = None,
                    work_batch: str | None = None) -> str:
        values: dict[str, Any] = dict(self.archive_code.parse(archive_code))
        if borrow_batch is not None:
            values["borrow_batch"] = borrow_batch
        if work_batch is not None:
            wb_borrow, wb_total, wb_no = (int(x) for x in work_batch.split("-"))
            values.update(wb_borrow=wb_borrow, wb_total=wb_total, wb_no=wb_no)
        return self.folder.format(values)

    def parse_page_file(self, filename: str) -> tuple[int, str]:
        """``0007.jpg`` -> (7, "jpg"); raises NamingError for a wrong stem or extension."""
        stem, dot, ext = filename.rpartition(".")
        if not dot or ext.lower() not in self.extensions:
            raise NamingError(
                "naming.mismatch", value=filename,
                rule=describe_rule(self.page_file, self.extensions),
                pattern=self.page_file.pattern + ".<ext>",
                detail=t("naming.segment_choice", segment="ext",
                         choices="/".join(self.extensions), found=ext if dot else ""),
            )
        page_no = self.page_file.parse(stem)["page_no"]
        assert isinstance(page_no, int)
        return page_no, ext.lower()

    def page_file_name(self, page_no: int, ext: str = "jpg") -> str:
        return f"{self.page_file.format(page_no=page_no)}.{ext}"


@dataclass(frozen=True)
class FolderName:
    name: str
    archive_code: str
    borrow_batch: int | None
    work_batch: str | None


COURT_ARCHIVE_CODE = "{year:4d}-{category}-{catalogue_no:04d}-{case_no:04d}"
COURT_FOLDER = "{borrow_batch:d}-{work_batch}-{archive_code}"
WENSHU_ARCHIVE_CODE = "{fonds}-{doc_class}·{year:4d}-{retention}-{item_no:04d}"


def court_rules() -> NamingRules:
    """The default rule set (the seed's court project), used when no project is given."""
    return NamingRules.build(COURT_ARCHIVE_CODE, COURT_FOLDER)
