"""Which way up is the page? Decided from text, by tools made for text, or not at all.

Two independent readers of text give evidence:
  * PP-OCR's text detector finds the text lines; its direction classifier says, for each line
    laid horizontal, whether it reads as is or upside down. Lines that run across the page
    vote 0 or 180, lines that run along it vote 90 or 270, each weighted by its length and
    the classifier's certainty (``line_votes``). Cheap on a reduced image, and right on
    almost every horizontally written page — but an upright page in vertical script (竖排)
    has tall "lines" too, and looks to it like a page on its side.
  * Tesseract's OSD, which reads character shapes, tells vertical script apart; it is slower,
    and guesses on forms and tables unless it is shown the characters only: it gets the page
    binarised with everything outside the detector's text boxes whited out (``text_only``).
The page is turned only where both agree and at least one of them is clear; where the
detector finds the page upright with a clear margin the second tool is not asked. Anything
else leaves the page as it is (``rotation`` 0) with a reason for review: a wrong turn is far
worse than a flag. Nothing looks at the sheet's shape: a landscape sheet stays landscape
unless its text says otherwise, and a page with too little text is never turned.
Known blind spot: a page in vertical script lying on its side shows the detector rows of
(sideways) characters, which it takes for an upright page without asking Tesseract.
"""

from __future__ import annotations

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


def _osd(grey: np.ndarray, dpi: float, lv: LineVotes, small_shape: tuple[int, ...]
         ) -> tesseract.Osd | None:
    big, f = _reduce(grey, OSD_LONG_SIDE)
    stencil = text_only(big, lv.quads, big.shape[0] / small_shape[0])
    return tesseract.osd(stencil, max(dpi * f, 30.0))


def _evidence(lv: LineVotes, osd: tesseract.Osd | None, asked: bool) -> dict[str, object]:
    ev: dict[str, object] = {
        "ppocr": {"rotation": lv.best, "margin": round(lv.margin, 3), "lines": lv.lines,
                  "text": round(lv.text, 2), "across": round(lv.across, 3),
                  "votes": [round(float(v), 1) for v in lv.votes]}}
    if asked:
        ev["tesseract"] = None if osd is None else {
            "rotation": osd.rotate, "confidence": osd.orientation_confidence,
            "script": osd.script, "script_confidence": osd.script_confidence}
    return ev


def _little_text(grey: np.ndarray, dpi: float, lv: LineVotes, shape: tuple[int, ...]
                 ) -> OrientationDecision:
    """Never turned. Nothing to go by (blank, a picture) is not a question for a person; a
    few lines that do not clearly say "as it is", or that Tesseract reads otherwise, are."""
    if lv.lines == 0:
        return OrientationDecision(0, 0.0, "", _evidence(lv, None, False))
    if lv.best != 0 or lv.margin < MIN_MARGIN_UPRIGHT or not tesseract.available():
        return OrientationDecision(0, 0.0, LITTLE_TEXT, _evidence(lv, None, False))
    osd = _osd(grey, dpi, lv, shape)
    review = "" if osd is None or osd.rotate == 0 else LITTLE_TEXT
    return OrientationDecision(0, 0.0, review, _evidence(lv, osd, True))


def decide_orientation(grey: np.ndarray, dpi: float) -> OrientationDecision:
    """The clockwise quarter turn that makes the scan ``grey`` upright, or 0 and a reason."""
    small, _ = _reduce(grey, DET_LONG_SIDE)
    lv = line_votes(small)
    best, margin = lv.best, lv.margin
    if lv.text < MIN_TEXT:
        return _little_text(grey, dpi, lv, small.shape)
    if best == 0 and margin >= MIN_MARGIN_UPRIGHT:
        return OrientationDecision(0, min(1.0, margin), "", _evidence(lv, None, False))
    if not tesseract.available():
        return OrientationDecision(0, 0.0, TOOL_MISSING, _evidence(lv, None, True))
    osd = _osd(grey, dpi, lv, small.shape)
    ev = _evidence(lv, osd, True)
    if osd is None:
        return OrientationDecision(0, 0.0, UNCERTAIN, ev)
    conf = osd.orientation_confidence
    sure = min(1.0, conf / 10.0)
    if osd.rotate == best and conf >= MIN_OSD_AGREE:
        # Two weak answers that agree are still weak: one of them must be clear. (Here the
        # detector was unsure of "as it is", or it would not have asked.)
        if best == 0 and conf >= STRONG_OSD:
            return OrientationDecision(0, max(margin, sure), "", ev)
        if best and margin >= MIN_MARGIN_TURN and (margin >= STRONG_MARGIN or conf >= STRONG_OSD):
            return OrientationDecision(best, min(1.0, 0.5 * (margin + sure) + 0.25), "", ev)
        return OrientationDecision(0, 0.0, UNCERTAIN, ev)
    # Lines along the page, but characters upright: vertical script (竖排) as it should be.
    if (osd.rotate == 0 and best in (90, 270) and osd.script in CJK_SCRIPTS
            and conf >= MIN_OSD_VERTICAL):
        return OrientationDecision(0, sure, "", ev)
    return OrientationDecision(0, 0.0, DISAGREE, ev)
