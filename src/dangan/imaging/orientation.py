"""Which way up is the page? Decided from text, by tools made for text, or not at all.

Three independent readers of text give evidence, asked in order of cost and only as far as
the decision needs:
  * PP-OCR's text detector finds the text lines on the page reduced to 640 px (960 px when
    it finds little text there: small print — but not when it found not one box and next to
    no ink lies on the page: a blank sheet; when not one line at 960 px but strokes of ink,
    on that view turned a quarter: faint lines running down the page escape it); its direction
    classifier says, for each line laid horizontal (cut from the 1600 px view), whether it
    reads as is or upside down. Lines that run across the page vote 0 or 180, lines that
    run along it vote 90 or 270, each weighted by its length and the classifier's
    certainty (``line_votes``). Right on
    almost every horizontally written page — but an upright page in vertical script (竖排)
    has tall "lines" too, and looks to it like a page on its side.
  * PP-OCR's recogniser reads the middle stretch of the lines, three first, then one at a
    time while it leaves a doubt (the longest of the usual line height in full ink first:
    faint text showing through from the back reads as nothing), under the turns that lay
    each line across (``reading``): upright text reads fluently, upside down not at all,
    Chinese and Western alike. Reading a box also as a column tells rows of horizontal
    script from columns of vertical script; once two boxes have told it alike, the page's
    further boxes are taken as the same. Latin script read upside down often reads nearly
    as well (d/p, n/u, o, s), so there a box also counts when it reads better one way, box
    after box (``paired``). The reading stops at the box that settles the page, or after
    six boxes in a row that read nothing; then, once, it reads boxes of another kind the
    same way (much shorter ones, the densest ink first: on a form the longest boxes are
    often handwritten entries that read as nothing, beside short printed labels that read
    well).
  * Tesseract's OSD, which reads character shapes, tells vertical script apart; it costs
    about as much as the rest together and is asked only when the cheaper evidence leaves a
    doubt.
    It guesses on forms and tables unless it is shown the characters only: it gets the page
    binarised with everything outside the detector's text boxes whited out (``text_only``).
A sure reading that tells rows from columns settles the page without Tesseract: "as it is",
or a turn when the line direction says the same with a margin (a clear margin on a page
with little text): two independent tools agreeing, whatever Tesseract would say. Otherwise
a turn needs the reading and one other tool and no clear "no" (or, with nothing read, the
detector and Tesseract agreeing, one of them clear, and no box read fluently another way);
an unflagged "as it is" needs no two boxes read fluently as a turn (and, on a page of text
of which not one box read as it is, Tesseract not saying otherwise). Anything else leaves the page as it is
(``rotation`` 0) with a reason for review: a wrong turn is far worse than a flag. Nothing
looks at the sheet's shape: a landscape sheet stays landscape unless its text says
otherwise. On a page of Latin script left in doubt by the rest, six boxes or more reading
better one way, none another way, turn the page when the line direction clearly points the same way
(or at all, with eight boxes) and Tesseract is not sure of another answer — its opposite
quarter turn (270 for 90) excepted where the line direction is clear: it takes Latin script
on its side, hand-like italic above all, for that (``_latin``).
A page with little text is turned when every box read fluently reads so one way (one box
telling row from column beyond doubt, or two of Latin script; none read another way) and the
line direction says the same beyond doubt (``_few_lines``), not on a word or two
(``FEW_TEXT``); a page with not one line of text but ink on it (a seal alone) is flagged, a
blank sheet is not. Two boxes read so on a page of text, with the line direction beyond
doubt, turn it without asking Tesseract (``_unanimous``). Text that reads the same upside
down (numbers in 0 1 6 8 9, 一 二 三 十) is no evidence of a half turn: where the reading
found nothing else, the page is left as it is and flagged, whatever the detector and
Tesseract say of its shapes.
Nothing is kept from one page to the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from dangan.imaging._exec import rapidocr, tesseract
from dangan.imaging.orientation_reading import (
    LATIN,
    LINE_ASPECT,
    PAIRED_MANY,
    LineCrops,
    Reading,
    reading,
)

DET_LONG_SIDE = 640  # px: the detector's view of the page (A4 at ~55 dpi) ...
DET_LONG_SIDE_SPARSE = 960  # ... and its second look when it found little text there
OSD_LONG_SIDE = 1600  # px: Tesseract's view (A4 at ~140 dpi; less and it guesses)
READ_LONG_SIDE = OSD_LONG_SIDE  # px: the view lines are cut from for the classifier and reader
# (Tesseract's stencil is made from that same reduced page)
MAX_LINES = 24  # the longest lines are classified; more only cost time
STROKE = 25  # grey levels below the paper within 2 px: a stroke of ink, not show-through
STROKES = 0.004  # share of a page's middle in strokes for which a page with not one line
# found is looked at again turned a quarter (blank sheets: 0 to 0.0033 on development pages;
# faint letters 0.013 and more)
BLANK_STROKE, BLANK_STROKES = 20, 0.005  # below, a page whose first look found not one box
# is blank: not looked at again (blank sheets with show-through 0 to 0.004 on development
# pages, one 0.025; the faintest letter 0.016, a page of three short lines 0.007)
MIN_TEXT = 1.0  # total line length, in long sides of the reduced page, below which: too little
FEW_TEXT = 0.2  # ... and below which not even lines read fluently one way turn a page (a page
# number, a word or two: on development pages such a box, alone, read fluently the wrong way)
MIN_MARGIN_UPRIGHT = 0.4  # share of the vote by which "as it is" must win to skip the check
MIN_MARGIN_TURN = 0.3  # share of the vote by which a turn must win before it is checked
MIN_OSD_AGREE = 0.2  # Tesseract's orientation confidence when it agrees with the detector
MIN_OSD_VERTICAL = 5.0  # ... when it alone says "upright vertical script"
OSD_VETO = 3.0  # Tesseract this sure of another answer vetoes a turn on a weak reading
OSD_DOUBT = 1.0  # ... and, this sure, an "as it is" of the detector alone on a page of
# text the recogniser read nothing of (vertical script on its side reads as nothing either way)
WEAK_TURN = 2  # boxes read fluently one way that a turn on a weak reading needs
STRONG_MARGIN, STRONG_OSD = 0.6, 1.5  # a turn needs one of the two tools to be this clear
AMBIGUOUS = 2  # boxes read as text that reads the same upside down, and nothing else read:
# the page's half turn cannot be told (``_all_ambiguous``)
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


@dataclass(frozen=True)
class _Lines:
    """The detector's boxes on a reduced page and its line-shaped ones cut for the
    classifier (before the classifier is asked)."""

    quads: np.ndarray  # (n, 4, 2) every detected text box, in the reduced page's pixels
    crops: list[np.ndarray]  # the line-shaped boxes among the longest, laid horizontal
    tall: list[bool]  # ... whether each stood on the page
    length: list[float]  # ... and its length in the reduced page's pixels
    text: float  # total line length in long sides of the page
    cut: LineCrops  # the boxes cut from the larger view (kept for the reader)


def _strokes(small: np.ndarray, level: int = STROKE) -> float:
    """Share of the middle of ``small`` (grey; its middle 60 % each way, away from a
    scanner bed's edges) that lies ``level`` grey levels or more below the brightest within
    2 px: ink strokes, however faint the page (show-through from a sheet's back is
    fainter)."""
    h, w = small.shape[:2]
    part = small[int(0.2 * h):int(0.8 * h), int(0.2 * w):int(0.8 * w)]
    dip = cv2.dilate(part, np.ones((5, 5), np.uint8)).astype(np.int16) - part
    return float(np.mean(dip >= level)) if dip.size else 0.0


def _detect(small: np.ndarray, quarter: bool = False) -> np.ndarray:
    """The detector's boxes on ``small`` (grey); with ``quarter``, found on the view turned a
    quarter counter-clockwise and given back in ``small``'s pixels."""
    if not quarter:
        return rapidocr.detect_lines(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
    turned = np.ascontiguousarray(np.rot90(small))
    q = rapidocr.detect_lines(cv2.cvtColor(turned, cv2.COLOR_GRAY2BGR))
    # (x, y) on the turned view is (w - 1 - y, x) on ``small``, w its width.
    return np.stack([small.shape[1] - 1 - q[..., 1], q[..., 0]], axis=-1).astype(np.float32)


def _lines(small: np.ndarray, page: np.ndarray | None = None, quarter: bool = False
           ) -> _Lines:
    """Detect text lines on ``small`` (grey, already reduced; turned a quarter for the
    detector with ``quarter``) and cut the longest for the classifier from ``page`` (the
    same view, larger) when given."""
    quads = _detect(small, quarter)
    src = small if page is None else page
    scale = src.shape[0] / small.shape[0]
    cut = LineCrops(src, quads, scale)
    sides = np.linalg.norm(quads - np.roll(quads, -1, axis=1), axis=2)  # (n, 4) edge lengths
    longest = np.argsort(-sides.max(axis=1))[:MAX_LINES]
    crops, tall, length = [], [], []
    for i in longest:
        if sides[i].max() < LINE_ASPECT * sides[i].min():
            continue  # a single character or a blot: its direction says nothing
        crop = cv2.cvtColor(cut(int(i)), cv2.COLOR_GRAY2BGR)
        h, w = crop.shape[:2]
        # A tall line is laid down counter-clockwise, as RapidOCR does: text that runs
        # upwards then reads upright.
        crops.append(np.ascontiguousarray(np.rot90(crop)) if h > w else crop)
        tall.append(h > w)
        length.append(max(h, w) / scale)
    return _Lines(quads, crops, tall, length, float(sum(length)) / max(small.shape), cut)


def _votes(lines: _Lines) -> LineVotes:
    """Each line votes by the classifier's answer, weighted by its length and certainty."""
    votes = np.zeros(4)
    for is_tall, n, (label, score) in zip(lines.tall, lines.length,
                                          rapidocr.classify_lines(lines.crops), strict=True):
        votes[TURN_OF_LINE[is_tall, label] // 90] += n * max(0.0, 2.0 * score - 1.0)
    return LineVotes(votes, len(lines.crops), lines.text, lines.quads)


def line_votes(small: np.ndarray, page: np.ndarray | None = None) -> LineVotes:
    """Detect text lines on ``small`` (grey, already reduced) and let each one vote; the
    lines are cut for the classifier from ``page`` (the same view, larger) when given."""
    return _votes(_lines(small, page))


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

    def __init__(self, view: np.ndarray, dpi: float, lv: LineVotes, small_shape: tuple[int, ...]):
        """``view``: the page reduced to ``OSD_LONG_SIDE``; ``dpi``: its resolution."""
        self.view, self.dpi, self.lv, self.small_shape = view, dpi, lv, small_shape
        self.asked = False
        self._answer: tesseract.Osd | None = None

    def __call__(self) -> tesseract.Osd | None:
        if not self.asked:
            self.asked = True
            stencil = text_only(self.view, self.lv.quads, self.view.shape[0] / self.small_shape[0])
            self._answer = tesseract.osd(stencil, max(self.dpi, 30.0))
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
                         "unsure": rd.unsure, "unsure_turned": rd.unsure_turned,
                         "ambiguous": rd.ambiguous,
                         "latin": round(rd.latin, 2), "boxes": rd.boxes, "others": rd.others,
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


def _tools(lv: LineVotes, osd: _Osd, alone: bool = True) -> tuple[int, str, float]:
    """The detector's line votes checked by Tesseract: (turn, review, confidence).
    ``alone`` False: a clear "as it is" of the detector stands only where Tesseract does not
    say otherwise (``OSD_DOUBT``)."""
    best, margin = lv.best, lv.margin
    if best == 0 and margin >= MIN_MARGIN_UPRIGHT:
        if alone or not osd.denies(0, OSD_DOUBT):
            return 0, "", min(1.0, margin)
        return 0, DISAGREE, 0.0
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


def _read_as_turn(rd: Reading) -> bool:
    """A box read fluently as a turn: as a row or a column one way (``fluent``), or as a
    row under a quarter or half turn, not telling row from column (``unsure_turned``: the
    title of a ledger lying on its side), where no such box could be "as it is" (one read
    under 0 or 270 could: a row as it is, a column of vertical script upright)."""
    return bool(rd.fluent.sum()) or 0 < rd.unsure_turned == rd.unsure


def _read_otherwise(turn: int, review: str, conf: float, rd: Reading) -> tuple[int, str, float]:
    """The other tools' answer stands only when the reading does not say otherwise: no box
    read fluently another way for a turn, no two boxes read fluently as a turn for "as it
    is" (nor one, where no box read as it is)."""
    if review:
        return turn, review, conf
    other = rd.answer(WEAK_TURN)
    if turn == 0 and other not in (None, 0):
        return 0, READING_DISAGREES, 0.0
    if turn == 0 and not (rd.fluent[0] or rd.paired[0]) and _read_as_turn(rd):
        # Not one box read as it is, and one read fluently as a turn: a person looks.
        return 0, READING_DISAGREES, 0.0
    if turn and (rd.fluent.sum() > rd.fluent[turn // 90]
                 or rd.paired.sum() > rd.paired[turn // 90]):
        return 0, READING_DISAGREES, 0.0
    return turn, review, conf


def _sure(lv: LineVotes, rd: Reading) -> int | None:
    """The turn a sure reading that tells rows from columns beyond doubt settles without
    Tesseract: "as it is" unless the lines clearly say upside down; a turn when the line
    direction says the same by ``MIN_MARGIN_TURN`` (by ``STRONG_MARGIN`` on a page with
    little text)."""
    strong = rd.answer()
    if strong is None and rd.paired_answer() == 0 and rd.fluent[1:].sum() == 0:
        strong = 0  # Latin lines read better as they lie than upside down, box after box
    elif strong is None or not rd.clear(strong):
        return None
    if strong == 0:
        return None if lv.best == 180 and lv.margin >= MIN_MARGIN_TURN else 0
    # The reading and the line direction are independent: both clear the same way is enough.
    # On a page with little text the line direction must be beyond doubt.
    need = STRONG_MARGIN if lv.text < MIN_TEXT else MIN_MARGIN_TURN
    return strong if lv.best == strong and lv.margin >= need else None


def _decide(lv: LineVotes, rd: Reading | None, osd: _Osd) -> tuple[int, str, float]:
    """(turn, review, confidence) from the three readers of the page."""
    if rd is not None and _all_ambiguous(rd):
        # What the page says reads the same upside down (a sheet of numbers in 0 1 6 8 9):
        # the detector's and Tesseract's half turns rest on the same shapes. Left as it is.
        return 0, UNCERTAIN, 0.0
    turn, review, conf = _weigh(lv, rd, osd)
    if not review or rd is None:
        return turn, review, conf
    few = _few_lines(lv, rd)
    if few:
        return few, "", 0.7
    latin = _latin(lv, rd, osd)
    return (latin, "", 0.8) if latin else (turn, review, conf)


def _all_ambiguous(rd: Reading) -> bool:
    """The reading read nothing but text that reads the same upside down (``ambiguous``):
    ``AMBIGUOUS`` boxes or more of it, at least half the boxes read, and not one box read
    fluently, better one way or as a row or column of any turn."""
    return (rd.ambiguous >= AMBIGUOUS and 2 * rd.ambiguous >= rd.boxes - rd.others
            and not (rd.fluent.sum() or rd.paired.sum() or rd.unsure))


def _unanimous(rd: Reading, boxes: int) -> int | None:
    """The turn every box read fluently reads as — ``boxes`` of them or more (two or more of
    Latin script, which read upside down often reads nearly as well), telling row from
    column beyond doubt (or Latin) — where no box read better another way, stood unsure
    between row and column or read the same upside down; or None (also for "as it is")."""
    f = rd.fluent
    r = int(np.argmax(f))
    if not r or f.sum() != f[r] or rd.paired.sum() != rd.paired[r] or rd.unsure or rd.ambiguous:
        return None
    if f[r] < max(boxes, WEAK_TURN if rd.latin >= LATIN else 1) or not rd.clear(90 * r):
        return None
    return 90 * r


def _few_lines(lv: LineVotes, rd: Reading) -> int | None:
    """The turn of a page with little text (``FEW_TEXT`` to ``MIN_TEXT``) whose reading is
    unanimous (``_unanimous``: one box will do, two of Latin script) where the line direction
    says the same beyond doubt (``STRONG_MARGIN``); or None. A caption under a photograph,
    the two lines of a cover: the recogniser and the detector's classifier are independent,
    and both clear. Tesseract is not asked: on a few lines it guesses."""
    if not FEW_TEXT <= lv.text < MIN_TEXT:
        return None
    turn = _unanimous(rd, 1)
    return turn if turn and lv.best == turn and lv.margin >= STRONG_MARGIN else None


def _latin(lv: LineVotes, rd: Reading, osd: _Osd) -> int | None:
    """The turn line after line of Latin script reads better one way (``latin_answer``),
    where the line direction points the same way — clearly, or at all when
    ``PAIRED_MANY`` boxes read so — on a page of text, and Tesseract is not sure of
    another answer; or None. The direction classifier is often unsure of Latin lines, and
    Tesseract takes Latin script on its side, in italic and hand-like faces above all, for
    the opposite quarter turn (270 for 90): with the line direction clear, that answer is
    no veto."""
    turn = rd.latin_answer()
    if not turn or lv.text < MIN_TEXT or lv.best != turn:
        return None
    clear = lv.margin >= MIN_MARGIN_TURN
    if not clear and rd.paired[turn // 90] < PAIRED_MANY:
        return None
    o = osd() if tesseract.available() else None
    swapped = o is not None and clear and turn in (90, 270) and o.rotate == (turn + 180) % 360
    if o is not None and o.rotate != turn and o.orientation_confidence >= OSD_VETO:
        return turn if swapped else None
    return turn


def _weigh(lv: LineVotes, rd: Reading | None, osd: _Osd) -> tuple[int, str, float]:
    """(turn, review, confidence) from the three readers of the page, before the Latin
    reading beyond doubt is heard (``_decide``)."""
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
            # A unanimous reading of two boxes and the line direction beyond doubt: two
            # independent tools, both clear; Tesseract is not asked (on development pages
            # it answered otherwise than both on 22 pages, wrongly on each).
            if lines_say(weak) and (weak == 0 or _unanimous(rd, WEAK_TURN) == weak
                                    or not osd.denies(weak, OSD_VETO)):
                return weak, "", 0.7
            # Tesseract only where the line direction does not already say otherwise.
            if (not (lv.best != weak and lv.margin >= MIN_MARGIN_TURN)
                    and osd.says(weak, STRONG_OSD)):
                return weak, "", 0.7
        # Plenty of text and not one box read as it is: the detector's line direction is
        # one tool's word (columns of vertical script lying across look like rows; a box
        # of them read as a column is no "as it is" either). Two boxes read as one turn
        # flag the page whatever Tesseract says (``_read_otherwise``): it is not asked.
        read_nothing = (rd.boxes > 0 and not (rd.fluent[0] or rd.unsure or rd.paired[0])
                        and rd.answer(WEAK_TURN) is None)
        return _read_otherwise(*(_little_text(lv, osd) if lv.text < MIN_TEXT
                                 else _tools(lv, osd, alone=not read_nothing)), rd)
    if lv.text < MIN_TEXT:
        # Little text is not turned without the sure reading and the lines agreeing. Tesseract
        # is not asked: ``_little_text`` never turns, and here its reason would be LITTLE_TEXT
        # whatever Tesseract said.
        return (0, "", 0.8) if strong == 0 else (0, LITTLE_TEXT, 0.0)
    turn, review, conf = _tools(lv, osd)
    if strong == 0:
        return (0, "", max(conf, 0.8)) if turn == 0 else (0, READING_DISAGREES, 0.0)
    if turn == strong and not review:
        return turn, "", max(conf, 0.8)
    if (((lv.best == strong and lv.margin >= MIN_MARGIN_TURN) or osd.says(strong, 1.0))
            and not osd.denies(strong, OSD_VETO)):
        return strong, "", 0.7
    return 0, READING_DISAGREES, 0.0


@dataclass(frozen=True)
class _Settled:
    """A decision on one look's lines, with its evidence."""

    lv: LineVotes
    rd: Reading | None
    osd: _Osd
    turn: int
    review: str
    conf: float


def _settle(lines: _Lines, lv: LineVotes, small: np.ndarray, mid: np.ndarray, dpi: float
            ) -> _Settled:
    """The decision on the lines of one look of the detector (``small``, its view) and their
    votes ``lv``."""
    rd = None
    if lv.lines:
        # Boxes are read until the reading settles the page (or will not).
        rd = reading(mid, lv.quads, mid.shape[0] / small.shape[0],
                     lambda r: _sure(lv, r) is not None, lines.cut)
    osd = _Osd(mid, dpi, lv, small.shape)
    return _Settled(lv, rd, osd, *_decide(lv, rd, osd))


def decide_orientation(grey: np.ndarray, dpi: float) -> OrientationDecision:
    """The clockwise quarter turn that makes the scan ``grey`` upright, or 0 and a reason."""
    tesseract.prepare()  # before the models: see there
    mid, f = _reduce(grey, READ_LONG_SIDE)  # also Tesseract's view (OSD_LONG_SIDE)
    # The detector's views are reduced from that one: a third of the cost of reducing the
    # whole scan again.
    small, _ = _reduce(mid, DET_LONG_SIDE)
    lines = _lines(small, mid)
    if lines.text < MIN_TEXT and max(grey.shape) > DET_LONG_SIDE:
        first_votes = _votes(lines) if lines.text >= FEW_TEXT else None
        if first_votes is not None and first_votes.margin >= STRONG_MARGIN:
            # A few lines found, their direction beyond doubt: what they say may settle
            # the page without the second, larger look (2.25 times the first's cost) —
            # the reading agreeing, Tesseract not asked. Otherwise the page is looked at
            # again and decided on that look alone (lines in doubt are not read: on Latin
            # script they seldom settled the page, and the reading was spent for nothing).
            first = _settle(lines, first_votes, small, mid, dpi * f)
            if not first.review and not first.osd.asked:
                return OrientationDecision(first.turn, first.conf, "", _evidence(
                    first.lv, first.osd, first.rd, max(small.shape)))
        # Little or no text found: small print (a table's cells, a page scanned small) may
        # be lost at that size. The page is decided on the second look's lines alone.
        sparse, _ = _reduce(mid, DET_LONG_SIDE_SPARSE)
        # Not one box and next to no stroke of ink (a blank sheet, show-through from its
        # back): the second look would find nothing either, at 2.25 times the cost.
        if len(lines.quads) or _strokes(sparse, BLANK_STROKE) >= BLANK_STROKES:
            small, lines = sparse, _lines(sparse, mid)
            if not lines.crops and _strokes(small) >= STROKES:
                # Not one line, but strokes: faint lines running down the page (a faint
                # page on its side) escape the detector, which finds them running across.
                across = _lines(small, mid, quarter=True)
                if across.crops:
                    lines = across
    d = _settle(lines, _votes(lines), small, mid, dpi * f)
    review = d.review
    if not d.lv.lines and not review and _strokes(small, BLANK_STROKE) >= BLANK_STROKES:
        # Not one line of text, but ink on the sheet (a seal, a stamp, a drawing): nothing
        # says which way is up, and the page is not blank. A person looks.
        review = LITTLE_TEXT
    return OrientationDecision(d.turn, d.conf, review,
                               _evidence(d.lv, d.osd, d.rd, max(small.shape)))
