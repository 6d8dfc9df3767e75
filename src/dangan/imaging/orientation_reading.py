"""The recogniser's reading of a page's text lines, for the orientation decision.

PP-OCR's recogniser reads the middle stretch of the longest lines, a few at a time, under the
turns that lay each line across: upright text reads fluently, upside down not at all (Latin
script also box after box by which way reads better). Where the longest boxes read nothing
(a form's handwritten entries), shorter boxes of denser ink (its printed labels) are read
before the reading gives up. Reading a box also as a column tells
rows of horizontal script from columns of vertical script; a box that reads as no row is
read as a column too, until a round's such boxes read as no column either. ``reading`` stops
as soon as the caller's ``enough`` says the page is settled. Used by
``dangan.imaging.orientation``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from dangan.imaging._exec import rapidocr

LINE_ASPECT = 2.0  # a detected box is a line when its long side is this many times its short

READ_STEP = 3  # boxes read in the first round: the fewest that can settle a page (MIN_FLUENT)
MORE_STEP = 1  # boxes read per later round, while the reading leaves a doubt: it stops at the
# box that settles the page, not at the end of a round of three
READ_BOXES = 12  # at most this many of the longest line-shaped boxes are read
IDLE_BOXES = 6  # boxes in a row that read nothing fluently end the reading
LINE_HEIGHT_SPREAD = 1.5  # a box this many times the usual line height is read last ...
FAINT = 0.3  # ... after those whose ink is a third as dark as the page's darkest lines or less
CANDIDATES = 3  # boxes looked at for each box read
OTHER_LENGTH = 0.7  # boxes at most this share of the shortest box read are of another kind
READ_ASPECT = 4.0  # at most this many line heights of each are read (the middle; a view's
# cost grows with its width: 4 reads as surely as 5 did on development pages, 15 % cheaper)
FLUENT = 0.8  # recogniser confidence of a view read fluently ...
FLUENT_GAP = 0.5  # ... and by this much better than the same view upside down
MIN_FLUENT = 3  # boxes read fluently one way before the reading says anything
HV_GAP = 0.15  # difference of a box's column readings telling a row from a column
HV_CLEAR = 0.3  # ... so clear that a quarter turn needs no third tool
LATIN = 0.6  # share of Latin letters in what was read: script without columns
LATIN_LETTERS = 5  # letters a box must read as to count as Latin script
# Latin script read upside down often reads nearly as well (d/p, b/q, n/u, o, s, x, z), so
# fluency alone says little there; but upright reads better, box after box.
PAIR_READS = 0.6  # a Latin box's better reading at least this confident ...
PAIR_GAP = 0.1  # ... and this much better than upside down: it pairs that way
PAIRED = 4  # boxes paired one way, none the other, that make an answer
PAIRED_SIDE = 6  # boxes paired one way, none another, no box read fluently another way:
# with the line direction clearly agreeing, beyond doubt ...
PAIRED_MANY = 8  # ... and so many: with the line direction agreeing at all
# Characters that are valid upside down (each itself or another of them: 6/9, n/u, d/p, b/q,
# M/W; 〇 一 二 三 十 ... as the recogniser reads them turned): a line made only of them, say a
# sheet of numbers in 0 1 6 8 9, reads the same (or as other valid text) turned a half turn,
# fluently both ways or one way by a glyph's serif. It is no evidence for a half turn either
# way (``ambiguous``).
SYMMETRIC = frozenset("01689" "-.,:;/|()[]+='\"" "HINOSXZMWlosxznudpbq"
                      "〇一二三十工王田中口日目回申井丰")
SYMMETRIC_CHARS = 3  # characters (not spaces) such a line must read as


@dataclass(frozen=True)
class Reading:
    """What PP-OCR's recogniser makes of the page under each quarter turn.

    Each box is read in the ways the page could be turned upright: as a row when the box,
    turned, lies across, and as a column (cut into squares laid side by side) when it
    stands. Upright text reads with a confidence near 1 and upside down near 0, Chinese and
    Western alike. One ambiguity is the recogniser's own: it reads Chinese characters lying
    a quarter turn counter-clockwise as well as upright ones (it was trained to read columns
    that way), so a row read fluently under ``r`` is either a row of a page needing ``r`` or
    a column of one needing ``r + 90``. The column readings tell them apart: a row's
    characters read as a column one quarter turn back (``r − 90``), a column's one quarter
    turn on (``r + 90``). Each box that reads fluently and tells which it is gives one vote
    (``fluent``); Latin script has no columns and needs no column reading. Once two boxes
    read fluently under ``r`` have told rows from columns clearly and alike, further boxes
    read fluently under ``r`` are taken as the same (a page's script runs one way): their
    columns are not read.
    """

    fluent: np.ndarray  # (4,) boxes whose reading says the page needs 0/90/180/270
    hv: np.ndarray  # (4,) sum over those boxes of |column difference| (0 for Latin boxes)
    latin: float  # share of Latin letters in the fluent readings
    boxes: int  # boxes read
    unsure: int = 0  # boxes read fluently that did not tell a row from a column
    recognised: int = 0  # views recognised (what the reading cost)
    paired: np.ndarray = field(default_factory=lambda: np.zeros(4))  # (4,) Latin boxes
    # read better (by PAIR_GAP) under 0/90/180/270 than upside down
    others: int = 0  # boxes of another kind read after the first ones read nothing
    unsure_turned: int = 0  # of ``unsure``, boxes read as a row under a quarter or half turn
    # clockwise (90 or 180 as a row, 180 or 270 as a column): neither way "as it is"
    ambiguous: int = 0  # boxes read confidently in text that reads the same upside down
    # (``SYMMETRIC``): not counted as evidence for either way

    def paired_answer(self) -> int | None:
        """The turn ``PAIRED`` Latin boxes or more read better than upside down, none the
        other way, none across it; or None."""
        p = self.paired
        r = int(np.argmax(p))
        if p[r] < PAIRED or p[(r + 2) % 4] > 0 or p[(r + 1) % 4] + p[(r + 3) % 4] > 0:
            return None
        return r * 90

    def latin_answer(self) -> int | None:
        """The turn ``PAIRED_SIDE`` Latin boxes or more read better than upside down, none
        another way, with no box read fluently another way either; or None. Line after line
        of Latin script reading better one way says which way is up."""
        turn = self.paired_answer()
        if turn is None or self.paired[turn // 90] < PAIRED_SIDE:
            return None
        return turn if self.fluent.sum() == self.fluent[turn // 90] else None

    def answer(self, min_fluent: int = MIN_FLUENT) -> int | None:
        """The clockwise turn the reading is sure of (``min_fluent`` boxes or more say so,
        none the opposite, any other way at most half as many), or None."""
        f = self.fluent
        order = np.argsort(f, kind="stable")
        r = int(order[-1])
        if f[r] < min_fluent or f[(r + 2) % 4] > 0 or f[order[-2]] >= 0.5 * f[r]:
            return None
        return r * 90

    def clear(self, turn: int) -> bool:
        """The boxes voting ``turn`` tell rows from columns beyond doubt (or are Latin)."""
        r = turn // 90
        return self.latin >= LATIN or float(self.hv[r]) >= HV_CLEAR * float(self.fluent[r])


def _as_column(img: np.ndarray) -> np.ndarray:
    """A standing strip cut into squares from the top, laid side by side left to right."""
    h, w = img.shape[:2]
    n = max(1, round(h / max(w, 1)))
    step = h / n
    parts = [cv2.resize(img[int(i * step):max(int((i + 1) * step), int(i * step) + 1)], (w, w))
             for i in range(n)]
    return np.ascontiguousarray(np.concatenate(parts, axis=1))


def _middle(crop: np.ndarray) -> np.ndarray:
    h, w = crop.shape[:2]
    short, long_ = min(h, w), max(h, w)
    if long_ <= READ_ASPECT * short:
        return crop
    n = int(READ_ASPECT * short)
    o = (long_ - n) // 2
    return crop[:, o:o + n] if w > h else crop[o:o + n]


def _view(crop: np.ndarray, q: int) -> np.ndarray:
    """``crop`` as it would be with the page turned ``q`` quarter turns clockwise: as a row
    when it then lies across, as a column laid out as a row when it stands."""
    turned = np.ascontiguousarray(np.rot90(crop, -q))
    return turned if turned.shape[1] >= turned.shape[0] else _as_column(turned)


def _latin(text: str) -> float:
    """Share of Latin letters in ``text``; 0 for fewer than ``LATIN_LETTERS`` of them (a
    rotated Chinese character can read as an "l" or an "I")."""
    chars = [c for c in text if not c.isspace()]
    letters = sum(c.isascii() and c.isalpha() for c in chars)
    return letters / len(chars) if letters >= LATIN_LETTERS else 0.0


def _symmetric(text: str) -> bool:
    """``text`` is made only of characters valid upside down (``SYMMETRIC``), at least
    ``SYMMETRIC_CHARS`` of them: it reads the same, or as other valid text, turned a half
    turn."""
    chars = [c for c in text if not c.isspace()]
    return len(chars) >= SYMMETRIC_CHARS and all(c in SYMMETRIC for c in chars)


def _ambiguous(conf: dict[int, float], text: dict[int, str], rows: tuple[int, int]) -> bool:
    """A box whose better row reading is confident and made only of characters valid upside
    down: whichever way it reads better, it says nothing of a half turn."""
    best = max(rows, key=lambda q: conf[q])
    return conf[best] >= FLUENT and _symmetric(text[best])


def _fluent(conf: dict[int, float], q: int) -> bool:
    return conf[q] >= FLUENT and conf[q] - conf[(q + 2) % 4] >= FLUENT_GAP


class _Reader:
    """Reads boxes round by round and keeps the tally (see ``Reading``)."""

    def __init__(self) -> None:
        self.fluent, self.hv, self.paired = np.zeros(4), np.zeros(4), np.zeros(4)
        self.latin: list[float] = []
        # per row reading r: the turns (r: a row, r + 1: a column) clear boxes gave
        self.told: dict[int, list[int]] = {}
        self.boxes = self.unsure = self.recognised = self.others = 0
        self.unsure_turned = self.ambiguous = 0
        # Set once a round's boxes that read as no row read as no column either: the page's
        # script is not columns lying across, and its later boxes' columns are not read.
        self.no_columns = False

    def _recognise(self, views: list[tuple[int, np.ndarray, int]],
                   conf: list[dict[int, float]], text: list[dict[int, str]]) -> None:
        got = rapidocr.recognise([_view(c, q) for _, c, q in views])
        self.recognised += len(views)
        for (i, _, q), (t, s) in zip(views, got, strict=True):
            conf[i][q], text[i][q] = s, t

    def _columns(self, idx: list[int], crops: list[np.ndarray], rows: list[tuple[int, int]],
                 conf: list[dict[int, float]], text: list[dict[int, str]]) -> None:
        self._recognise([(i, crops[i], (q + 1) % 4) for i in idx for q in rows[i]], conf, text)

    def _row(self, r: int, c: dict[int, float]) -> None:
        """Tally a non-Latin box read fluently as a row under ``r``: a row or a column?"""
        known = self._known(r)
        if known is not None and (r - 1) % 4 not in c:
            self.fluent[known] += 1
            self.hv[known] += HV_CLEAR
            return
        d = c[(r - 1) % 4] - c[(r + 1) % 4]
        if abs(d) < HV_GAP:
            self.unsure += 1
            self.unsure_turned += r in (1, 2)
            return
        turn = r if d > 0 else (r + 1) % 4
        self.fluent[turn] += 1
        self.hv[turn] += abs(d)
        if abs(d) >= HV_CLEAR:
            self.told.setdefault(r, []).append(turn)

    def round(self, crops: list[np.ndarray]) -> None:
        rows = [(0, 2) if c.shape[1] >= c.shape[0] else (1, 3) for c in crops]
        conf: list[dict[int, float]] = [{} for _ in crops]
        text: list[dict[int, str]] = [{} for _ in crops]
        self._recognise([(i, c, q) for i, c in enumerate(crops) for q in rows[i]], conf, text)
        # Text that reads the same upside down (numbers in 0 1 6 8 9) is no evidence: its
        # box counts as read neither way, and is read no further.
        same = {i for i in range(len(crops)) if _ambiguous(conf[i], text[i], rows[i])}
        self.ambiguous += len(same)
        hits = {i: None if i in same else next((q for q in rows[i] if _fluent(conf[i], q)), None)
                for i in range(len(crops))}
        latin = {i: _latin(text[i][q]) for i, q in hits.items() if q is not None}
        page_latin = float(np.mean(self.latin + list(latin.values()))) if latin else 0.0
        self.latin += list(latin.values())
        for i, r in hits.items():
            if r is not None and latin[i] >= LATIN:
                self.fluent[r] += 1
        # Columns: of boxes read fluently in a script with columns (row or column?) — of
        # the first two under each reading, the rest only if those two did not agree —
        # and, when few boxes read as rows on a page not in Latin script, of every box
        # (columns of vertical script lying across read as columns, not as rows) — until a
        # round's such boxes read as no column either (handwriting, a form's entries: what
        # reads as no row reads as no column; a page's script runs one way).
        few = 2 * len(latin) < len(crops) and page_latin < LATIN and not self.no_columns
        lone = [i for i in range(len(crops)) if hits[i] is None and few and i not in same
                and max(_latin(text[i][q]) for q in rows[i]) < LATIN]
        pending = {i: r for i, r in hits.items() if r is not None and latin[i] < LATIN}
        first: list[int] = []
        for i, r in pending.items():
            if self._known(r) is None and sum(pending[j] == r for j in first) < 2:
                first.append(i)
        self._columns(first + lone, crops, rows, conf, text)
        for i in first:
            self._row(pending[i], conf[i])
        rest = [i for i in pending if i not in first]
        self._columns([i for i in rest if self._known(pending[i]) is None], crops, rows, conf,
                      text)
        for i in rest:
            self._row(pending[i], conf[i])
        columns = 0
        for i in lone:
            c = conf[i]
            col = next((q for q in ((rows[i][0] + 1) % 4, (rows[i][1] + 1) % 4)
                        if _fluent(c, q)), None)
            if col is not None and c[col] - max(c[(col - 1) % 4], c[(col + 1) % 4]) >= HV_GAP:
                # Reads as a column only: a column of vertical script on a page needing col.
                self.fluent[col] += 1
                self.hv[col] += c[col] - max(c[(col - 1) % 4], c[(col + 1) % 4])
                columns += 1
        if lone and not columns:
            self.no_columns = True
        for i, c in enumerate(conf):
            a, b = sorted(rows[i], key=lambda q: -c[q])
            if (c[a] >= PAIR_READS and c[a] - c[b] >= PAIR_GAP and i not in same
                    and _latin(text[i][a]) >= LATIN):
                self.paired[a] += 1
        self.boxes += len(crops)

    def _known(self, r: int) -> int | None:
        """The turn boxes read fluently under ``r`` stand for, once two told it alike."""
        told = self.told.get(r, [])
        return told[0] if len(told) >= 2 and len(set(told)) == 1 else None

    def result(self) -> Reading:
        return Reading(self.fluent.copy(), self.hv.copy(),
                       float(np.mean(self.latin)) if self.latin else 0.0, self.boxes,
                       self.unsure, self.recognised, self.paired.copy(), self.others,
                       self.unsure_turned, self.ambiguous)


class LineCrops:
    """The boxes of ``quads`` (reduced page's px; ``scale`` to ``mid``'s) cut from the grey
    page ``mid`` (``rapidocr.crop_line``), each once: the classifier's lines and the boxes
    the reader looks at are largely the same."""

    def __init__(self, mid: np.ndarray, quads: np.ndarray, scale: float) -> None:
        self.mid, self.quads, self.scale = mid, quads, scale
        self._done: dict[int, np.ndarray] = {}

    def __call__(self, i: int) -> np.ndarray:
        crop = self._done.get(i)
        if crop is None:
            crop = self._done[i] = rapidocr.crop_line(self.mid, self.quads[i] * self.scale)
        return crop


def _low_high(crop: np.ndarray) -> tuple[float, float]:
    """``np.percentile(crop, (5, 90))`` (linear), the same floats, without its overhead (a
    third of the reading's own work on small crops)."""
    flat = crop.ravel()
    n = flat.size
    at = [(n - 1) * q for q in (0.05, 0.9)]
    below = [math.floor(v) for v in at]
    part = np.partition(flat, sorted({k for b in below for k in (b, min(b + 1, n - 1))}))
    out = []
    for v, b in zip(at, below, strict=True):
        lo, hi = float(part[b]), float(part[min(b + 1, n - 1)])
        t = v - b
        out.append(hi - (hi - lo) * (1 - t) if t >= 0.5 else lo + (hi - lo) * t)
    return out[0], out[1]


def _cut(cut: LineCrops, idx: np.ndarray
         ) -> tuple[list[int], list[np.ndarray], np.ndarray, np.ndarray]:
    """The middle stretch of the boxes ``idx`` (grey) with their ink's contrast and the
    share of the stretch in ink."""
    kept, crops, contrast, ink = [], [], [], []
    for i in idx:
        crop = cut(int(i))
        if min(crop.shape[:2]) >= 4:
            crop = _middle(crop)
            lo, hi = _low_high(crop)
            kept.append(int(i))
            crops.append(crop)
            contrast.append(float(hi - lo))
            ink.append(float(np.mean(crop < 0.5 * (lo + hi))))
    return kept, crops, np.asarray(contrast), np.asarray(ink)


def _line_boxes(quads: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The line-shaped boxes of ``quads``, their long sides and whether each is much taller
    than the page's usual line (a block of several lines, a heading or a figure: reads
    worse)."""
    sides = np.linalg.norm(quads - np.roll(quads, -1, axis=1), axis=2)
    long_, short = sides.max(axis=1), sides.min(axis=1)
    lines = np.flatnonzero(long_ >= LINE_ASPECT * short)
    if not len(lines):
        return lines, long_, np.zeros(0, bool)
    usual = float(np.median(short[lines]))
    return lines, long_, short[lines] > LINE_HEIGHT_SPREAD * usual


def _first(cut: LineCrops, n: int) -> list[tuple[int, np.ndarray]]:
    """``n`` line-shaped boxes (index, middle stretch, BGR): the longest of the page's own
    line height in full ink first."""
    lines, long_, tall = _line_boxes(cut.quads)
    if not len(lines):
        return []
    cands = lines[np.lexsort((-long_[lines], tall))][:CANDIDATES * n]
    kept, crops, contrast, _ = _cut(cut, cands)
    if not crops:
        return []
    # Faint lines last: text showing through thin paper from the back, mirrored, reads as
    # nothing, and a page's own ink is darker.
    faint = contrast < FAINT * float(np.percentile(contrast, 90))
    order = np.argsort(faint, kind="stable")[:n]
    return [(kept[i], cv2.cvtColor(crops[i], cv2.COLOR_GRAY2BGR)) for i in order]


def _others(cut: LineCrops, read: list[int], n: int) -> list[tuple[int, np.ndarray]]:
    """``n`` boxes of another kind than those ``read`` (which read nothing): line-shaped,
    in full ink, at most ``OTHER_LENGTH`` of the shortest box read, those most filled with
    ink first (of the page's own line height before taller ones). On a form or a table the
    longest boxes are often handwritten entries no recogniser reads; its printed labels are
    short, their characters' strokes dense where a hand's are sparse."""
    lines, long_, tall = _line_boxes(cut.quads)
    if not len(lines) or not read:
        return []
    kept, crops, contrast, ink = _cut(cut, lines)
    if not crops:
        return []
    full = contrast >= FAINT * float(np.percentile(contrast, 90))
    limit = OTHER_LENGTH * float(long_[read].min())
    position = {int(b): k for k, b in enumerate(lines)}
    done = set(read)
    cands = [k for k, i in enumerate(kept)
             if full[k] and i not in done and long_[i] <= limit]
    cands.sort(key=lambda k: (bool(tall[position[kept[k]]]), -float(ink[k])))
    return [(kept[k], cv2.cvtColor(crops[k], cv2.COLOR_GRAY2BGR)) for k in cands[:n]]


def line_crops(mid: np.ndarray, quads: np.ndarray, scale: float, n: int) -> list[np.ndarray]:
    """The middle stretch of ``n`` of the line-shaped boxes of ``quads`` (reduced page's px;
    ``scale`` to the grey ``mid``'s), BGR, as they lie on the page: the longest of the
    page's own line height in full ink first."""
    return [c for _, c in _first(LineCrops(mid, quads, scale), n)]


def reading(mid: np.ndarray, quads: np.ndarray, scale: float,
            enough: Callable[[Reading], bool] | None = None,
            cut: LineCrops | None = None) -> Reading:
    """Read the longest boxes of ``quads`` (reduced page's px; ``scale`` to ``mid``'s) on the
    grey page ``mid``, ``READ_STEP`` at first, then ``MORE_STEP`` at a time, until what was
    read is ``enough``, ``IDLE_BOXES`` boxes in a row read nothing fluently (handwriting,
    blackletter, pictures: more of the same will not read either), or ``READ_BOXES`` were
    read. Boxes of another kind (``_others``: shorter, as a form's printed labels are beside
    its handwritten entries) are then read the same way, once, before the reading gives up.
    ``cut``: the boxes already cut from ``mid`` (the same ``quads`` and ``scale``), if any."""
    if cut is None or cut.mid is not mid or cut.quads is not quads or cut.scale != scale:
        cut = LineCrops(mid, quads, scale)
    reader = _Reader()
    read: list[int] = []

    def rounds(boxes: list[tuple[int, np.ndarray]]) -> bool:
        """Read ``boxes`` round by round; True when they ended in boxes reading nothing."""
        idle = k = 0
        while k < len(boxes):
            part = boxes[k:k + (READ_STEP if k == 0 else MORE_STEP)]
            k += len(part)
            before = reader.fluent.sum() + reader.unsure + reader.paired.sum()
            reader.round([c for _, c in part])
            read.extend(i for i, _ in part)
            got = reader.fluent.sum() + reader.unsure + reader.paired.sum() > before
            idle = 0 if got else idle + len(part)
            if idle >= IDLE_BOXES:
                return True
            if enough is not None and enough(reader.result()):
                return False
        return False

    if rounds(_first(cut, READ_BOXES)):
        first = reader.boxes
        rounds(_others(cut, read, READ_BOXES))
        reader.others = reader.boxes - first
    return reader.result()
