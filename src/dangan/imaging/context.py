"""The frozen per-page context and the measurements a retouched page carries.

Steps never read global settings: everything they may depend on is in ``RetouchOptions``,
which is built once at the edge (CLI or project config) and pickled to every worker.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Mode = Literal["colour", "grey", "bilevel"]
Format = Literal["jpg", "tif"]

MM_PER_INCH = 25.4

# Defect codes (public: they appear in reports and in the database).
SKEW = "skew"
UPSIDE_DOWN = "upside_down"
BLACK_BORDER = "black_border"
HOLE = "hole"
BLURRED = "blurred"
CONTENT_AT_EDGE = "content_at_edge"
BLANK_PAGE = "blank_page"
UNREADABLE = "unreadable"
# The engine was not sure, so it left the page (or that part of it) as it was: a person
# should look. The detail is a reason code, ``retouch.review.<reason>`` in the catalogue.
NEEDS_REVIEW = "needs_review"

# Change codes: what was done to a page (``PageReport.changes``), never a defect by itself.
TURNED = "turned"
DESKEWED = "deskewed"
BED_REMOVED = "bed_removed"
HOLE_FILLED = "hole_filled"
SCALED = "scaled"

# Where the page's resolution came from (``PageReport.dpi_source``).
DPI_FILE, DPI_OPTION, DPI_FALLBACK = "file", "option", "fallback"
DPI_SIZE = "size"  # the dpi at which the pixels are exactly a usual paper size (``dpi_size``)


@dataclass(frozen=True)
class QcThresholds:
    """Limits beyond which a page is flagged for a human to look at."""

    max_residual_skew_deg: float = 1.0  # the project's ``retouch.max_skew_deg`` when set
    max_edge_residue_ratio: float = 0.02
    min_sharpness: float = 0.18
    min_ink_ratio: float = 0.0008
    orientation_min_confidence: float = 0.2
    min_dpi: int = 200  # the archival minimum (DA/T 31-2017); the project's ``scan.min_dpi``


@dataclass(frozen=True)
class RetouchOptions:
    """Everything a retouch step may depend on; picklable, immutable."""

    dpi: int = 200
    mode: Mode = "colour"
    fmt: Format = "jpg"
    holes: bool = True
    orientation: bool = True  # turn pages scanned sideways or upside down
    deskew: bool = True
    borders: bool = True  # paint the scanner bed outside the paper
    jpeg_quality: int = 85
    page_size_mm: tuple[float, float] = (210.0, 297.0)
    margin_mm: float = 2.5
    max_skew_deg: float = 10.0
    trust_file_dpi: bool = False
    qc: QcThresholds = field(default_factory=QcThresholds)

    def px(self, mm: float, dpi: float | None = None) -> int:
        return round(mm * (dpi or self.dpi) / MM_PER_INCH)

    def page_px(self, dpi: float | None = None) -> tuple[int, int]:
        """Output (width, height) in pixels."""
        w_mm, h_mm = self.page_size_mm
        return self.px(w_mm, dpi), self.px(h_mm, dpi)

    @property
    def suffix(self) -> str:
        return ".jpg" if self.fmt == "jpg" else ".tif"


@dataclass
class Defect:
    code: str
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail}


@dataclass
class PageReport:
    """What the pipeline measured and decided for one page (JSON-ready via ``to_dict``)."""

    source: str
    output: str = ""
    status: str = "ok"  # ok | defect | failed | skipped
    width: int = 0
    height: int = 0
    rotation: int = 0
    orientation_confidence: float = 0.0
    skew_before_deg: float = 0.0
    skew_after_deg: float | None = 0.0  # measured on the output; None: no angle to measure
    skew_after_doubt: bool = False  # None above because parts of the ink disagree on it
    skew_method: str = ""
    bed_sides: list[str] = field(default_factory=list)
    holes_found: int = 0
    holes_filled: int = 0
    scale: float = 1.0
    ink_ratio: float = 0.0
    faint_ratio: float = 0.0  # faint marks on a page without ink (measured only then)
    writing_marks: int = 0  # written marks on a page with little ink (measured only then)
    stroke_marks: int = 0  # marks of a written stroke's shape however few, on such a page
    corners_cut_mm2: list[float] = field(default_factory=list)  # folded or torn-off corners
    torn_mm2: list[float] = field(default_factory=list)  # bays torn into the sheet's edges
    sharpness: float = 0.0
    edge_residue: float = 0.0
    edge_residue_side: str = ""  # the output side the residue was measured on
    content_margin_mm: float = 0.0
    seconds: float = 0.0
    matrix: list[float] = field(default_factory=list)  # 2×3 scan px → output px, row-major
    dpi: int = 0  # resolution the page was read at (and written at)
    dpi_source: str = ""  # file | option | fallback | size
    page: int = 1  # page of the source file (1-based), of ``pages``
    pages: int = 1
    hole_boxes: list[list[int]] = field(default_factory=list)  # filled holes, output px x0 y0 x1 y1
    hole_unsure_boxes: list[list[int]] = field(default_factory=list)  # likely holes left, output px
    changes: list[Defect] = field(default_factory=list)  # what was done (code, detail)
    review: list[str] = field(default_factory=list)  # why a person should look (reason codes)
    defects: list[Defect] = field(default_factory=list)

    def flag(self, code: str, detail: str = "") -> None:
        self.defects.append(Defect(code, detail))

    def needs_review(self, reason: str, detail: str = "") -> None:
        """Ask a person to look; ``reason`` is a catalogue code, ``detail`` the measurement."""
        if reason not in self.review:
            self.review.append(reason)
            self.flag(NEEDS_REVIEW, f"{reason}:{detail}" if detail else reason)

    def changed(self, code: str, detail: str = "") -> None:
        self.changes.append(Defect(code, detail))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, float):
                data[key] = round(value, 4)
        data["matrix"] = [round(v, 7) for v in self.matrix]
        return data
