"""Which way up is the page? Decided from text, by tools made for text, or not at all.

Three independent readers of text give evidence:
  * PP-OCR's text detector finds the text lines; its direction classifier says, for each line
    laid horizontal, whether it reads as is or upside down. Lines that run across the page
    vote 0 or 180, lines that run along it vote 90 or 270, each weighted by its length and
    the classifier's certainty (``line_votes``). Cheap on a reduced image, and right on
    almost every horizontally written page — but an upright page in vertical script (竖排)
    has tall "lines" too, and looks to it like a page on its side.
  * PP-OCR's recogniser reads the longest lines under each of the four quarter turns
    (``reading``): upright text reads fluently, upside down not at all, Chinese and Western
    alike; reading each box both as a row and as a column tells rows of horizontal script
    from columns of vertical script. Its answer counts only when several boxes agree and
    none reads the opposite way.
  * Tesseract's OSD, which reads character shapes, tells vertical script apart; it is slower,
    and guesses on forms and tables unless it is shown the characters only: it gets the page
    binarised with everything outside the detector's text boxes whited out (``text_only``).
A turn is made only when the reading and one other tool agree and nothing clearly says
otherwise (or, with no sure reading, when the detector and Tesseract agree and one of them is
clear); "as it is" needs the reading or a clear detector. Anything else leaves the page as it
is (``rotation`` 0) with a reason for review: a wrong turn is far worse than a flag. Nothing
looks at the sheet's shape: a landscape sheet stays landscape unless its text says otherwise,
and a page with too little text is not turned unless many of its lines read fluently one way
and the line direction says the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from dangan.imaging._exec import rapidocr, tesseract

DET_LONG_SIDE = 960  # px: the detector's view of the page (A4 at ~80 dpi)
OSD_LONG_SIDE = 1600  # px: Tesseract's view (A4 at ~140 dpi; less and it guesses)
LINE_ASPECT = 2.0  # a detected box is a line when its long side is this many times its short
MAX_LINES = 40  # the longest lines are classified; more only cost time
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


def line_votes(small: np.ndarray) -> LineVotes:
    """Detect text lines on ``small`` (grey, already reduced) and let each one vote."""
    bgr = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    quads = rapidocr.detect_lines(bgr)
    sides = np.linalg.norm(quads - np.roll(quads, -1, axis=1), axis=2)  # (n, 4) edge lengths
    longest = np.argsort(-sides.max(axis=1))[:MAX_LINES]
    crops, tall, length = [], [], []
    for i in longest:
        if sides[i].max() < LINE_ASPECT * sides[i].min():
            continue  # a single character or a blot: its direction says nothing
        crop = rapidocr.crop_line(bgr, quads[i])
        h, w = crop.shape[:2]
        # A tall line is laid down counter-clockwise, as RapidOCR does: text that runs
        # upwards then reads upright.
        crops.append(np.ascontiguousarray(np.rot90(crop)) if h > w else crop)
        tall.append(h > w)
        length.append(max(h, w))
    votes = np.zeros(4)
    for is_tall, n, (label, score) in zip(tall, length, rapidocr.classify_lines(crops),
                                          strict=True):
        votes[TURN_OF_LINE[is_tall, label] // 90] += n * max(0.0, 2.0 * score - 1.0)
    return LineVotes(votes, len(crops), float(sum(length)) / max(small.shape), quads)


# --- the recogniser's reading ------------------------------------------------------------
READ_BOXES = 8  # the longest line-shaped boxes are read ...
READ_FIRST = 4  # ... these first, the rest only when they leave a doubt
READ_ASPECT = 8.0  # at most this many line heights of each are read (the middle)
FLUENT = 0.8  # recogniser confidence of a box read fluently ...
FLUENT_GAP = 0.5  # ... and by this much better than the same box upside down
MIN_FLUENT = 3  # boxes read fluently one way before the reading says anything
HV_GAP = 0.15  # mean difference of the column readings telling rows from columns
LATIN = 0.6  # share of Latin letters in what was read: script without columns
OSD_VETO = 3.0  # Tesseract this sure of another answer vetoes a turn on a weak reading
LITTLE_TEXT_FLUENT = 5  # boxes read fluently that make a short page's turn sure


@dataclass(frozen=True)
class Reading:
    """What PP-OCR's recogniser makes of the page under each quarter turn.

    Each box is read in the four ways the page could be turned upright: as a row when the
    box, turned, lies across, and as a column (cut into squares laid side by side) when it
    stands. Upright text reads with a confidence near 1 and upside down near 0, Chinese and
    Western alike, so ``fluent[r]`` counts the boxes that read fluently turned ``r`` and
    not turned ``r + 180``. One ambiguity is the recogniser's own: it reads Chinese
    characters lying a quarter turn counter-clockwise as well as upright ones (it was
    trained to read columns that way), so a row read fluently under ``r`` is either a row
    of a page needing ``r`` or a column of one needing ``r + 90``. The column readings tell
    them apart: a row's characters read as a column one quarter turn back (``r − 90``),
    a column's one quarter turn on (``r + 90``); ``rows[r]`` sums that difference.
    """

    fluent: np.ndarray  # (4,) boxes read fluently with the page turned 0/90/180/270
    rows: np.ndarray  # (4,) sum over those boxes of column(r − 90) − column(r + 90)
    latin: float  # share of Latin letters in the fluent readings
    boxes: int  # boxes read

    def answer(self, min_fluent: int = MIN_FLUENT) -> int | None:
        """The clockwise turn the reading is sure of (``min_fluent`` boxes or more read
        fluently that way, none upside down, any other way at most half as many), or None."""
        f = self.fluent
        order = np.argsort(f, kind="stable")
        r = int(order[-1])
        if f[r] < min_fluent or f[(r + 2) % 4] > 0 or f[order[-2]] >= 0.5 * f[r]:
            return None
        if self.latin >= LATIN:
            return r * 90
        hv = float(self.rows[r]) / float(f[r])
        if hv >= HV_GAP:
            return r * 90
        if hv <= -HV_GAP:
            return (r * 90 + 90) % 360
        return None


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


def reading(mid: np.ndarray, quads: np.ndarray, scale: float,
            enough: Callable[[Reading], bool] | None = None) -> Reading:
    """Read the longest boxes of ``quads`` (reduced page's px; ``scale`` to ``mid``'s) on the
    grey page ``mid`` under the four quarter turns: ``READ_FIRST`` of them, and up to
    ``READ_BOXES`` unless what was read is ``enough``."""
    bgr = cv2.cvtColor(mid, cv2.COLOR_GRAY2BGR)
    sides = np.linalg.norm(quads - np.roll(quads, -1, axis=1), axis=2)
    crops = []
    for i in np.argsort(-sides.max(axis=1)):
        if sides[i].max() < LINE_ASPECT * sides[i].min():
            continue
        crop = rapidocr.crop_line(bgr, quads[i] * scale)
        if min(crop.shape[:2]) >= 4:
            crops.append(_middle(crop))
        if len(crops) == READ_BOXES:
            break
    fluent, rows, latin = np.zeros(4), np.zeros(4), []
    done = 0
    rd = Reading(fluent.copy(), rows.copy(), 0.0, 0)
    for batch in (crops[:READ_FIRST], crops[READ_FIRST:]):
        if not batch or (done and enough is not None and enough(rd)):
            break
        # Rows first (the box turned to lie across, both ways); columns only for a box that
        # read fluently, to tell rows from columns.
        across = [(crop, r) for crop in batch
                  for r in ((0, 2) if crop.shape[1] >= crop.shape[0] else (1, 3))]
        score = dict(zip(((id(c), r) for c, r in across),
                         rapidocr.recognise([_view(c, r) for c, r in across]), strict=True))
        hits = [(crop, r) for crop, r in across
                if score[id(crop), r][1] >= FLUENT
                and score[id(crop), r][1] - score[id(crop), (r + 2) % 4][1] >= FLUENT_GAP]
        cols = [(crop, q) for crop, r in hits for q in ((r - 1) % 4, (r + 1) % 4)]
        score.update(zip(((id(c), q) for c, q in cols),
                         rapidocr.recognise([_view(c, q) for c, q in cols]), strict=True))
        for crop, r in hits:
            fluent[r] += 1
            rows[r] += score[id(crop), (r - 1) % 4][1] - score[id(crop), (r + 1) % 4][1]
            text = [c for c in score[id(crop), r][0] if not c.isspace()]
            latin.append(sum(c.isascii() and c.isalpha() for c in text) / max(1, len(text)))
        done += len(batch)
        rd = Reading(fluent.copy(), rows.copy(), float(np.mean(latin)) if latin else 0.0, done)
    return rd


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


def _evidence(lv: LineVotes, osd: _Osd, rd: Reading | None) -> dict[str, object]:
    ev: dict[str, object] = {
        "ppocr": {"rotation": lv.best, "margin": round(lv.margin, 3), "lines": lv.lines,
                  "text": round(lv.text, 2), "across": round(lv.across, 3),
                  "votes": [round(float(v), 1) for v in lv.votes]}}
    if rd is not None:
        ev["reading"] = {"fluent": [int(v) for v in rd.fluent],
                         "rows": [round(float(v), 2) for v in rd.rows],
                         "latin": round(rd.latin, 2), "boxes": rd.boxes,
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


def _decide(lv: LineVotes, rd: Reading | None, osd: _Osd) -> tuple[int, str, float]:
    """(turn, review, confidence) from the three readers of the page."""
    if rd is None or lv.lines == 0:
        return _little_text(lv, osd) if lv.text < MIN_TEXT else _tools(lv, osd)
    strong = rd.answer()

    def lines_say(turn: int) -> bool:
        return lv.best == turn and lv.margin >= STRONG_MARGIN

    if strong is None:
        # A few boxes read fluently one way: enough with one more clear tool and no clear
        # "no" from the other.
        weak = rd.answer(1)
        if weak is not None and (lv.text >= MIN_TEXT or weak == 0):
            if lines_say(weak) and (weak == 0 or not osd.denies(weak, OSD_VETO)):
                return weak, "", 0.7
            if (osd.says(weak, STRONG_OSD) and not (lv.best != weak
                                                    and lv.margin >= MIN_MARGIN_TURN)):
                return weak, "", 0.7
        return _little_text(lv, osd) if lv.text < MIN_TEXT else _tools(lv, osd)
    if lv.text < MIN_TEXT:
        # Little text is never turned — unless many lines read fluently and the line
        # direction says the same.
        if strong and lines_say(strong) and rd.fluent.max() >= LITTLE_TEXT_FLUENT:
            return strong, "", 0.8
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
    lv = line_votes(small)
    rd = None
    if lv.lines:
        mid, _ = _reduce(grey, OSD_LONG_SIDE)
        # Four boxes are enough when they agree with a clear line direction.
        rd = reading(mid, lv.quads, mid.shape[0] / small.shape[0],
                     lambda r: r.answer() is not None and r.answer() == lv.best
                     and lv.margin >= MIN_MARGIN_UPRIGHT)
    osd = _Osd(grey, dpi, lv, small.shape)
    turn, review, conf = _decide(lv, rd, osd)
    return OrientationDecision(turn, conf, review, _evidence(lv, osd, rd))
