"""A physical sheet before it is scanned: paper, what is on it, holes punched through it.

Kept apart from the scan so the same sheet can be scanned again (a rescan) at another
angle, offset, scale, bed and exposure, which is what duplicate detection must see through.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dangan.pagegen import corpus as C
from dangan.pagegen import fonts
from dangan.pagegen.ink import Canvas, Line
from dangan.pagegen.layouts import KIND_WEIGHTS, LAYOUTS, flow
from dangan.pagegen.marks import seal

PAPERS_MM = {"A4": (210.0, 297.0), "16K": (184.0, 260.0)}
PAPER_TINTS = (  # new white, office cream, aged yellow, recycled grey, onion-skin
    (249, 248, 244), (243, 238, 224), (230, 219, 190), (226, 226, 219), (238, 238, 242))
HOLE_SPACING_MM = 80.0


@dataclass
class Sheet:
    seed: int
    fill_seed: int
    kind: str
    dpi: int
    paper: str
    landscape: bool
    thin: bool  # the back page shows through
    rgb: np.ndarray  # H×W×3 uint8, upright
    alpha: np.ndarray  # H×W uint8: 255 paper, 0 where a hole is punched
    content: np.ndarray  # H×W bool
    lines: list[Line]
    holes: list[tuple[float, float, float]]  # centre x, y and radius, sheet px
    binding_edge: str  # left | top

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]

    @property
    def vertical(self) -> bool:
        """Vertical script (竖排): most characters stand in columns."""
        v = sum(ln.chars for ln in self.lines if ln.vertical)
        return v > 0.5 * max(1, sum(ln.chars for ln in self.lines))

    @property
    def text_chars(self) -> int:
        return sum(ln.chars for ln in self.lines)


def _paper(w: int, h: int, rng: np.random.Generator, tint: tuple[int, int, int]) -> np.ndarray:
    """Paper colour with fibre mottle (a low-resolution random field, upsampled)."""
    field = rng.normal(0, rng.uniform(0.5, 1.6), (h // 48 + 2, w // 48 + 2)).astype(np.float32)
    mottle = cv2.resize(field, (w, h), interpolation=cv2.INTER_CUBIC)
    base = np.asarray(tint, np.float64) + rng.normal(0, 2, 3)
    out: np.ndarray = cv2.merge([cv2.convertScaleAbs(mottle, alpha=1.0, beta=float(b))
                                 for b in base])  # |mottle + b| saturated: b >> |mottle|
    return out


def _back_page(cv: Canvas, rng: np.random.Generator) -> None:
    """Text of the sheet's other side, mirrored, in the faint ``back`` ink."""
    back = Canvas(cv.width, cv.height, cv.dpi)
    face = fonts.pick_face(("song", "fang", "kai")[int(rng.integers(3))], rng)
    size = back.mm(rng.uniform(4, 5))
    flow(back, C.paragraph(rng, 900), face, size, back.mm(20), back.width - back.mm(30),
         back.mm(rng.uniform(25, 60)), back.height - back.mm(25), 1.8)
    if "print" in back.layers:
        lay = np.ascontiguousarray(back.layers["print"][:, ::-1])
        cv.layer("back")
        cv.layers["back"] = (lay.astype(np.float32) * rng.uniform(0.15, 0.35)).astype(np.uint8)
        cv.boxes["back"] = [0, 0, cv.width, cv.height]


def _holes(w: int, h: int, dpi: int, edge: str, rng: np.random.Generator,
           count: int | None = None) -> list[tuple[float, float, float]]:
    drawn = int(rng.choice([0, 2, 3], p=[0.4, 0.4, 0.2]))
    count = drawn if count is None else count
    px = dpi / 25.4
    offset = rng.uniform(8, 14) * px
    r = rng.uniform(5.5, 6.5) / 2 * px
    along = (h if edge == "left" else w) / 2 + rng.normal(0, 3) * px
    steps = (np.arange(count) - (count - 1) / 2) * HOLE_SPACING_MM * px
    if edge == "left":
        return [(offset, along + s, r) for s in steps]
    return [(along + s, offset, r) for s in steps]


def _archive_marks(cv: Canvas, rng: np.random.Generator, kind: str) -> None:
    """What the archive adds to a sheet: the page number stamped in the top-right corner
    (a numbering machine, 5–10 mm from the edges) and, on letters and forms, a seal across
    the sheet's edge (骑缝章) of which only half is on this sheet."""
    if rng.random() < 0.5:
        face = fonts.pick_face("hei", rng)
        size = cv.mm(rng.uniform(3.5, 4.5))
        digits = str(int(rng.integers(1, 300)))
        x = cv.width - cv.mm(rng.uniform(5, 10)) - len(digits) * size // 2
        cv.text(digits, face, size, x, cv.mm(rng.uniform(5, 10)),
                "pen" if rng.random() < 0.5 else "print", record=False)
    if kind in ("letter", "form", "carbon", "sparse") and rng.random() < 0.15:
        r = cv.mm(rng.uniform(17, 21))
        seal(cv, cv.width + int(rng.uniform(-0.2, 0.2) * r),
             int(cv.height * rng.uniform(0.3, 0.7)), r, C.unit(rng), rng,
             fonts.pick_face("song", rng))


CHART_SHARE = 0.06


def draw_kind(rng: np.random.Generator, seed: int) -> str:
    kinds = list(KIND_WEIGHTS)
    p = np.asarray([KIND_WEIGHTS[k] for k in kinds])
    kind = kinds[int(rng.choice(len(kinds), p=p / p.sum()))]
    return "chart" if np.random.default_rng([seed, 15]).random() < CHART_SHARE else kind


def make_sheet(seed: int, dpi: int = 200, kind: str | None = None,
               fill_seed: int | None = None, holes: int | None = None) -> Sheet:
    """The sheet of ``seed``: its kind, paper, print (from ``seed``) and fill-in (``fill_seed``);
    ``holes`` (0, 2, 3) overrides the drawn number of binding holes."""
    rng = np.random.default_rng([seed, 11])
    fill = np.random.default_rng([seed if fill_seed is None else fill_seed, 12])
    kind = kind or draw_kind(rng, seed)
    paper = "16K" if rng.random() < 0.15 else "A4"
    landscape = kind == "landscape"
    wmm, hmm = PAPERS_MM[paper]
    if landscape:
        wmm, hmm = hmm, wmm
    w, h = round(wmm * dpi / 25.4), round(hmm * dpi / 25.4)
    cv = Canvas(w, h, dpi)
    LAYOUTS[kind](cv, rng, fill, "print")
    if kind != "blank":
        _archive_marks(cv, np.random.default_rng([seed, 13]), kind)
    thin = kind == "carbon" or rng.random() < 0.2
    tint = PAPER_TINTS[4] if kind == "carbon" else PAPER_TINTS[int(rng.integers(4))]
    if thin:
        _back_page(cv, rng)
    blur = {"back": rng.uniform(1.2, 2.5) * dpi / 200, "carbon": rng.uniform(0.6, 1.3) * dpi / 200}
    rgb, content = cv.compose(_paper(w, h, rng, tint), blur)
    edge = "top" if landscape else "left"
    punched = _holes(w, h, dpi, edge, rng, holes)
    alpha = np.full((h, w), 255, np.uint8)
    for x, y, r in punched:
        cv2.circle(alpha, (round(x * 16 - 8), round(y * 16 - 8)), round(r * 16),
                   0, -1, cv2.LINE_AA, 4)
    return Sheet(seed, seed if fill_seed is None else fill_seed, kind, dpi, paper, landscape,
                 thin, rgb, alpha, content, list(cv.lines), punched, edge)
