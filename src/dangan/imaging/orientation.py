"""Which way up is the page? Decided from text, by tools made for text, or not at all.

Three independent readers of text give evidence, asked in order of cost and only as far as
the decision needs:
  * PP-OCR's text detector finds the text lines on the page reduced to 640 px (960 px when
    it finds little text there: small print); its direction classifier says, for each line
    laid horizontal (cut from the 1600 px view), whether it reads as is or upside down.
    Lines that run across the page vote 0 or 180, lines that run along it vote 90 or 270,
    each weighted by its length and the classifier's certainty (``line_votes``). Right on
    almost every horizontally written page — but an upright page in vertical script (竖排)
    has tall "lines" too, and looks to it like a page on its side.
  * PP-OCR's recogniser reads the middle stretch of the lines, three at a time (the
    longest of the usual line height in full ink first: faint text showing through from
    the back reads as nothing), under the turns that lay each line across (``reading``):
    upright text reads fluently, upside down not at all, Chinese and Western alike.
    Reading a box also as a column tells rows of horizontal script from columns of vertical
    script; once two boxes have told it alike, the page's further boxes are taken as the
    same. Latin script read upside down often reads nearly as well (d/p, n/u, o, s), so
    there a box also counts when it reads better one way, box after box (``paired``). The
    reading stops when it settles the page, or after two rounds that read nothing.
  * Tesseract's OSD, which reads character shapes, tells vertical script apart; it costs
    more than the rest together and is asked only when the cheaper evidence leaves a doubt.
    It guesses on forms and tables unless it is shown the characters only: it gets the page
    binarised with everything outside the detector's text boxes whited out (``text_only``).
A sure reading that tells rows from columns settles the page without Tesseract: "as it is",
or a turn when the line direction clearly says the same. Otherwise a turn needs the reading
and one other tool and no clear "no" (or, with nothing read, the detector and Tesseract
agreeing, one of them clear, and no box read fluently another way); an unflagged "as it is"
needs no two boxes read fluently as a turn. Anything else leaves the page as it is
(``rotation`` 0) with a reason for review: a wrong turn is far worse than a flag. Nothing
looks at the sheet's shape: a landscape sheet stays landscape unless its text says
otherwise, and a page with little text is not turned unless several of its lines read
fluently one way and the line direction says the same. Nothing is kept from one page to
the next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from dangan.imaging._exec import rapidocr, tesseract

DET_LONG_SIDE = 640  # px: the detector's view of the page (A4 at ~55 dpi) ...
DET_LONG_SIDE_SPARSE = 960  # ... and its second look when it found little text there
OSD_LONG_SIDE = 1600  # px: Tesseract's view (A4 at ~140 dpi; less and it guesses)
READ_LONG_SIDE = OSD_LONG_SIDE  # px: the view lines are cut from for the classifier and reader
LINE_ASPECT = 2.0  # a detected box is a line when its long side is this many times its short
MAX_LINES = 24  # the longest lines are classified; more only cost time
MIN_TEXT = 1.0  # total line length, in long sides of the reduced page, below which: too little
MIN_MARGIN_UPRIGHT = 0.4  # share of the vote by which "as it is" must win to skip the check
MIN_MARGIN_TURN = 0.3  # share of the vote by which a turn must win before it is checked
MIN_OSD_AGREE = 0.2  # Tesseract's orientation confidence when it agrees with the detector
MIN_OSD_VERTICAL = 5.0  # ... when it alone says "upright vertical script"
STRONG_MARGIN, STRONG_OSD = 0.6, 1.5  # a turn needs one of the two tools to be this clear
# (line is tall, classifier's answer on the line laid down) -> clockwise turn to upright
TURN_OF_LINE = {(False, 0): 0, (True, 180): 90, (False, 180): 180, (True, 0): 270}
CJK_SCRIPTS = frozenset({"Han", "Japanese", "Korean", "Hangul"})

UNCERTAIN = "orientation_uncertain"
DISAGREE = "orientation_tools_disagree"
LITTLE_TEXT = "orientation_little_text"
TOOL_MISSING = "orientation_tool_missing"
READING_DISAGREES = "orientation_reading_disagrees"


@dataclass(frozen=True)
class OrientationDecision:
    rotation: int  # clockwise quarter turn that makes the page upright; 0 when abstaining
    confidence: float  # 0..1
    review: str  # "" when sure; otherwise why a person should look
    evidence: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class LineVotes:
    votes: np.ndarray  # (4,) weight for 0/90/180/270 (clockwise turn that makes it upright)
    lines: int  # detected boxes shaped like lines
    text: float  # total line length in long sides of the page
    quads: np.ndarray  # (n, 4, 2) every detected text box, in the reduced page's pixels

    @property
    def best(self) -> int:
        return int(np.argmax(self.votes)) * 90

    @property
    def margin(self) -> float:
        """By how much the best answer wins, as a share of all votes (0..1)."""
        total = float(self.votes.sum())
        if total <= 0:
            return 0.0
        top = np.sort(self.votes)
        return float(top[-1] - top[-2]) / total

    @property
    def across(self) -> float:
        """Share of the vote from lines running across the page (0/180) as it lies."""
        total = float(self.votes.sum())
        return float(self.votes[0] + self.votes[2]) / total if total > 0 else 0.0


def _reduce(grey: np.ndarray, long_side: int) -> tuple[np.ndarray, float]:
    f = min(1.0, long_side / max(grey.shape[:2]))
    if f >= 0.999:
        return grey, 1.0
    return cv2.resize(grey, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), f


def line_votes(small: np.ndarray, page: np.ndarray | None = None) -> LineVotes:
    """Detect text lines on ``small`` (grey, already reduced) and let each one vote; the
    lines are cut for the classifier from ``page`` (the same view, larger) when given."""
    quads = rapidocr.detect_lines(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
    src = small if page is None else page
    scale = src.shape[0] / small.shape[0]
    sides = np.linalg.norm(quads - np.roll(quads, -1, axis=1), axis=2)  # (n, 4) edge lengths
    longest = np.argsort(-sides.max(axis=1))[:MAX_LINES]
    crops, tall, length = [], [], []
    for i in longest:
        if sides[i].max() < LINE_ASPECT * sides[i].min():
            continue  # a single character or a blot: its direction says nothing
        crop = cv2.cvtColor(rapidocr.crop_line(src, quads[i] * scale), cv2.COLOR_GRAY2BGR)
        h, w = crop.shape[:2]
        # A tall line is laid down counter-clockwise, as RapidOCR does: text that runs
        # upwards then reads upright.
        crops.append(np.ascontiguousarray(np.rot90(crop)) if h > w else crop)
        tall.append(h > w)
        length.append(max(h, w) / scale)
    votes = np.zeros(4)
    for is_tall, n, (label, score) in zip(tall, length, rapidocr.classify_lines(crops),
                                          strict=True):
        votes[TURN_OF_LINE[is_tall, label] // 90] += n * max(0.0, 2.0 * score - 1.0)
    return LineVotes(votes, len(crops), float(sum(length)) / max(small.shape), quads)


# --- the recogniser's reading ------------------------------------------------------------
READ_STEP = 3  # boxes read per round; another round only while the reading leaves a doubt
READ_BOXES = 12  # at most this many of the longest line-shaped boxes are read
IDLE_ROUNDS = 2  # rounds in a row that read nothing fluently end the reading
LINE_HEIGHT_SPREAD = 1.5  # a box this many times the usual line height is read last ...
FAINT = 0.3  # ... after those whose ink is a third as dark as the page's darkest lines or less
CANDIDATES = 3  # boxes looked at for each box read
READ_ASPECT = 5.0  # at most this many line heights of each are read (the middle)
FLUENT = 0.8  # recogniser confidence of a view read fluently ...
FLUENT_GAP = 0.5  # ... and by this much better than the same view upside down
MIN_FLUENT = 3  # boxes read fluently one way before the reading says anything
HV_GAP = 0.15  # difference of a box's column readings telling a row from a column
HV_CLEAR = 0.3  # ... so clear that a quarter turn needs no third tool
LATIN = 0.6  # share of Latin letters in what was read: script without columns
LATIN_LETTERS = 5  # letters a box must read as to count as Latin script
OSD_VETO = 3.0  # Tesseract this sure of another answer vetoes a turn on a weak reading
WEAK_TURN = 2  # boxes read fluently one way that a turn on a weak reading needs
# Latin script read upside down often reads nearly as well (d/p, b/q, n/u, o, s, x, z), so
# fluency alone says little there; but upright reads better, box after box.
PAIR_READS = 0.6  # a Latin box's better reading at least this confident ...
PAIR_GAP = 0.1  # ... and this much better than upside down: it pairs that way
PAIRED = 4  # boxes paired one way, none the other, that make an answer


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

    def paired_answer(self) -> int | None:
        """The turn ``PAIRED`` Latin boxes or more read better than upside down, none the
        other way, none across it; or None."""
        p = self.paired
        r = int(np.argmax(p))
        if p[r] < PAIRED or p[(r + 2) % 4] > 0 or p[(r + 1) % 4] + p[(r + 3) % 4] > 0:
            return None
        return r * 90

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


def _fluent(conf: dict[int, float], q: int) -> bool:
    return conf[q] >= FLUENT and conf[q] - conf[(q + 2) % 4] >= FLUENT_GAP


class _Reader:
    """Reads boxes round by round and keeps the tally (see ``Reading``)."""

    def __init__(self) -> None:
        self.fluent, self.hv, self.paired = np.zeros(4), np.zeros(4), np.zeros(4)
        self.latin: list[float] = []
        # per row reading r: the turns (r: a row, r + 1: a column) clear boxes gave
        self.told: dict[int, list[int]] = {}
        self.boxes = self.unsure = self.recognised = 0

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
        hits = {i: next((q for q in rows[i] if _fluent(conf[i], q)), None)
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
        # (columns of vertical script lying across read as columns, not as rows).
        few = 2 * len(latin) < len(crops) and page_latin < LATIN
        lone = [i for i in range(len(crops)) if hits[i] is None and few
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
        for i in lone:
            c = conf[i]
            col = next((q for q in ((rows[i][0] + 1) % 4, (rows[i][1] + 1) % 4)
                        if _fluent(c, q)), None)
            if col is not None and c[col] - max(c[(col - 1) % 4], c[(col + 1) % 4]) >= HV_GAP:
                # Reads as a column only: a column of vertical script on a page needing col.
                self.fluent[col] += 1
                self.hv[col] += c[col] - max(c[(col - 1) % 4], c[(col + 1) % 4])
        for i, c in enumerate(conf):
            a, b = sorted(rows[i], key=lambda q: -c[q])
            if (c[a] >= PAIR_READS and c[a] - c[b] >= PAIR_GAP
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
                       self.unsure, self.recognised, self.paired.copy())


def line_crops(mid: np.ndarray, quads: np.ndarray, scale: float, n: int) -> list[np.ndarray]:
    """The middle stretch of ``n`` of the line-shaped boxes of ``quads`` (reduced page's px;
    ``scale`` to the grey ``mid``'s), BGR, as they lie on the page: the longest of the
    page's own line height in full ink first."""
    sides = np.linalg.norm(quads - np.roll(quads, -1, axis=1), axis=2)
    long_, short = sides.max(axis=1), sides.min(axis=1)
    lines = np.flatnonzero(long_ >= LINE_ASPECT * short)
    if not len(lines):
        return []
    # A box much taller than the usual line is a block of several lines, a heading or a
    # figure, and reads worse.
    usual = float(np.median(short[lines]))
    tall = short[lines] > LINE_HEIGHT_SPREAD * usual
    cands = lines[np.lexsort((-long_[lines], tall))][:CANDIDATES * n]
    crops, contrast = [], []
    for i in cands:
        crop = rapidocr.crop_line(mid, quads[i] * scale)
        if min(crop.shape[:2]) >= 4:
            crop = _middle(crop)
            lo, hi = np.percentile(crop, (5, 90))
            crops.append(crop)
            contrast.append(float(hi - lo))
    if not crops:
        return []
    # Faint lines last: text showing through thin paper from the back, mirrored, reads as
    # nothing, and a page's own ink is darker.
    faint = np.asarray(contrast) < FAINT * float(np.percentile(contrast, 90))
    order = np.argsort(faint, kind="stable")[:n]
    return [cv2.cvtColor(crops[i], cv2.COLOR_GRAY2BGR) for i in order]


def reading(mid: np.ndarray, quads: np.ndarray, scale: float,
            enough: Callable[[Reading], bool] | None = None) -> Reading:
    """Read the longest boxes of ``quads`` (reduced page's px; ``scale`` to ``mid``'s) on the
    grey page ``mid``, ``READ_STEP`` at a time, until what was read is ``enough``,
    ``IDLE_ROUNDS`` rounds in a row read nothing fluently (handwriting, blackletter,
    pictures: more of the same will not read either), or ``READ_BOXES`` were read."""
    crops = line_crops(mid, quads, scale, READ_BOXES)
    reader = _Reader()
    idle = 0
    for k in range(0, len(crops), READ_STEP):
        before = reader.fluent.sum() + reader.unsure + reader.paired.sum()
        reader.round(crops[k:k + READ_STEP])
        idle = idle + 1 if reader.fluent.sum() + reader.unsure + reader.paired.sum() == before else 0
        if idle == IDLE_ROUNDS:
            break
        if enough is not None and enough(reader.result()):
            break
    return reader.result()


def text_only(grey: np.ndarray, quads: np.ndarray, scale: float) -> np.ndarray:
    """``grey`` binarised, white everywhere but in the detected text boxes.

    Table rules, photos, seals and stains are what make Tesseract's OSD guess on forms and
    tables; with the detector's boxes as a stencil it sees characters only.
    """
    mask = np.zeros(grey.shape, np.uint8)
    cv2.fillPoly(mask, [np.round(q * scale).astype(np.int32) for q in quads], 255)
    bw = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 31, 12)
    bw[mask == 0] = 255
    return bw


class _Osd:
    """Tesseract's OSD on the stencil of the detected lines, asked at most once per page."""

    def __init__(self, grey: np.ndarray, dpi: float, lv: LineVotes, small_shape: tuple[int, ...]):
        self.grey, self.dpi, self.lv, self.small_shape = grey, dpi, lv, small_shape
        self.asked = False
        self._answer: tesseract.Osd | None = None

    def __call__(self) -> tesseract.Osd | None:
        if not self.asked:
            self.asked = True
            big, f = _reduce(self.grey, OSD_LONG_SIDE)
            stencil = text_only(big, self.lv.quads, big.shape[0] / self.small_shape[0])
            self._answer = tesseract.osd(stencil, max(self.dpi * f, 30.0))
        return self._answer

    def says(self, rotation: int, confidence: float) -> bool:
        o = self() if tesseract.available() else None
        return o is not None and o.rotate == rotation and o.orientation_confidence >= confidence

    def denies(self, rotation: int, confidence: float) -> bool:
        o = self() if tesseract.available() else None
        return o is not None and o.rotate != rotation and o.orientation_confidence >= confidence


def _evidence(lv: LineVotes, osd: _Osd, rd: Reading | None, small_side: int
              ) -> dict[str, object]:
    ev: dict[str, object] = {
        "ppocr": {"px": small_side, "rotation": lv.best, "margin": round(lv.margin, 3), "lines": lv.lines,
                  "text": round(lv.text, 2), "across": round(lv.across, 3),
                  "votes": [round(float(v), 1) for v in lv.votes]}}
    if rd is not None:
        ev["reading"] = {"fluent": [int(v) for v in rd.fluent],
                         "hv": [round(float(v), 2) for v in rd.hv],
                         "unsure": rd.unsure,
                         "latin": round(rd.latin, 2), "boxes": rd.boxes,
                         "recognised": rd.recognised,
                         "paired": [int(v) for v in rd.paired],
                         "paired_answer": rd.paired_answer(),
                         "answer": rd.answer(), "weak_answer": rd.answer(1)}
    if osd.asked:
        o = osd()
        ev["tesseract"] = None if o is None else {
            "rotation": o.rotate, "confidence": o.orientation_confidence,
            "script": o.script, "script_confidence": o.script_confidence}
    return ev


def _little_text(lv: LineVotes, osd: _Osd) -> tuple[int, str, float]:
    """Never turned. Nothing to go by (blank, a picture) is not a question for a person; a
    few lines that do not clearly say "as it is", or that Tesseract reads otherwise, are."""
    if lv.lines == 0:
        return 0, "", 0.0
    if lv.best != 0 or lv.margin < MIN_MARGIN_UPRIGHT or not tesseract.available():
        return 0, LITTLE_TEXT, 0.0
    o = osd()
    return 0, "" if o is None or o.rotate == 0 else LITTLE_TEXT, 0.0


def _tools(lv: LineVotes, osd: _Osd) -> tuple[int, str, float]:
    """The detector's line votes checked by Tesseract: (turn, review, confidence)."""
    best, margin = lv.best, lv.margin
    if best == 0 and margin >= MIN_MARGIN_UPRIGHT:
        return 0, "", min(1.0, margin)
    if not tesseract.available():
        return 0, TOOL_MISSING, 0.0
    if best == 180 and margin < MIN_MARGIN_TURN:
        return 0, UNCERTAIN, 0.0  # nothing Tesseract could say would settle it
    o = osd()
    if o is None:
        return 0, UNCERTAIN, 0.0
    conf = o.orientation_confidence
    sure = min(1.0, conf / 10.0)
    if o.rotate == best and conf >= MIN_OSD_AGREE:
        # Two weak answers that agree are still weak: one of them must be clear. (Here the
        # detector was unsure of "as it is", or it would not have asked.)
        if best == 0 and conf >= STRONG_OSD:
            return 0, "", max(margin, sure)
        if best and margin >= MIN_MARGIN_TURN and (margin >= STRONG_MARGIN or conf >= STRONG_OSD):
            return best, "", min(1.0, 0.5 * (margin + sure) + 0.25)
        return 0, UNCERTAIN, 0.0
    # Lines along the page, but characters upright: vertical script (竖排) as it should be.
    if (o.rotate == 0 and best in (90, 270) and o.script in CJK_SCRIPTS
            and conf >= MIN_OSD_VERTICAL):
        return 0, "", sure
    return 0, DISAGREE, 0.0


def _read_otherwise(turn: int, review: str, conf: float, rd: Reading) -> tuple[int, str, float]:
    """The other tools' answer stands only when the reading does not say otherwise: no box
    read fluently another way for a turn, no two boxes read fluently as a turn for "as it
    is"."""
    if review:
        return turn, review, conf
    other = rd.answer(WEAK_TURN)
    if turn == 0 and other not in (None, 0):
        return 0, READING_DISAGREES, 0.0
    if turn and (rd.fluent.sum() > rd.fluent[turn // 90]
                 or rd.paired.sum() > rd.paired[turn // 90]):
        return 0, READING_DISAGREES, 0.0
    return turn, review, conf


def _sure(lv: LineVotes, rd: Reading) -> int | None:
    """The turn a sure reading that tells rows from columns beyond doubt settles without
    Tesseract: "as it is" unless the lines clearly say upside down; a turn when the line
    direction clearly says the same (on a page with little text too)."""
    strong = rd.answer()
    if strong is None and rd.paired_answer() == 0 and rd.fluent[1:].sum() == 0:
        strong = 0  # Latin lines read better as they lie than upside down, box after box
    elif strong is None or not rd.clear(strong):
        return None
    if strong == 0:
        return None if lv.best == 180 and lv.margin >= MIN_MARGIN_TURN else 0
    return strong if lv.best == strong and lv.margin >= STRONG_MARGIN else None


def _decide(lv: LineVotes, rd: Reading | None, osd: _Osd) -> tuple[int, str, float]:
    """(turn, review, confidence) from the three readers of the page."""
    if rd is None or lv.lines == 0:
        return _little_text(lv, osd) if lv.text < MIN_TEXT else _tools(lv, osd)
    strong = rd.answer()

    def lines_say(turn: int) -> bool:
        return lv.best == turn and lv.margin >= STRONG_MARGIN

    sure = _sure(lv, rd)
    if sure is not None:
        return sure, "", 0.9
    if strong is None:
        # Boxes read fluently one way (two or more for a turn): enough with one more clear
        # tool and no clear "no" from the other.
        paired = rd.paired_answer()
        if (paired and lines_say(paired) and rd.fluent.sum() == rd.fluent[paired // 90]
                and not osd.denies(paired, OSD_VETO)):
            return paired, "", 0.7
        weak = rd.answer(1)
        if weak is not None and (weak == 0 or (lv.text >= MIN_TEXT
                                               and rd.fluent[weak // 90] >= WEAK_TURN)):
            if lines_say(weak) and (weak == 0 or not osd.denies(weak, OSD_VETO)):
                return weak, "", 0.7
            if (osd.says(weak, STRONG_OSD) and not (lv.best != weak
                                                    and lv.margin >= MIN_MARGIN_TURN)):
                return weak, "", 0.7
        return _read_otherwise(*(_little_text(lv, osd) if lv.text < MIN_TEXT
                                 else _tools(lv, osd)), rd)
    if lv.text < MIN_TEXT:
        # Little text is not turned without the sure reading and the lines agreeing.
        turn, review, conf = _little_text(lv, osd)
        return (0, "", 0.8) if strong == 0 else (turn, review or LITTLE_TEXT, conf)
    turn, review, conf = _tools(lv, osd)
    if strong == 0:
        return (0, "", max(conf, 0.8)) if turn == 0 else (0, READING_DISAGREES, 0.0)
    if turn == strong and not review:
        return turn, "", max(conf, 0.8)
    if (((lv.best == strong and lv.margin >= MIN_MARGIN_TURN) or osd.says(strong, 1.0))
            and not osd.denies(strong, OSD_VETO)):
        return strong, "", 0.7
    return 0, READING_DISAGREES, 0.0


def decide_orientation(grey: np.ndarray, dpi: float) -> OrientationDecision:
    """The clockwise quarter turn that makes the scan ``grey`` upright, or 0 and a reason."""
    small, _ = _reduce(grey, DET_LONG_SIDE)
    mid, _ = _reduce(grey, READ_LONG_SIDE)
    lv = line_votes(small, mid)
    if lv.text < MIN_TEXT and max(grey.shape) > DET_LONG_SIDE:
        # Little or no text found: small print (a table's cells, a page scanned small) may
        # be lost at that size.
        small, _ = _reduce(grey, DET_LONG_SIDE_SPARSE)
        lv = line_votes(small, mid)
    rd = None
    if lv.lines:
        # Boxes are read until the reading settles the page (or will not).
        rd = reading(mid, lv.quads, mid.shape[0] / small.shape[0],
                     lambda r: _sure(lv, r) is not None)
    osd = _Osd(grey, dpi, lv, small.shape)
    turn, review, conf = _decide(lv, rd, osd)
    return OrientationDecision(turn, conf, review, _evidence(lv, osd, rd, max(small.shape)))
