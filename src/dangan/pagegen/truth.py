"""Ground truth of a generated scan, JSON-ready.

The fields ``page_size``, ``paper_quad``, ``holes`` (with ``clean_x/clean_y/clean_r``) and
``dpi`` mean what they mean in ``dangan.samples``' truth, so ``dangan.imaging.accuracy``
scores pages of both generators. ``turn`` (also written as ``rotation``) is the clockwise
quarter turn needed to make the scan upright. ``paper_quad`` and ``clean_to_scan`` are those
of the flat sheet: with a curled edge (``curl_edge``) the paper's edge there lies up to
``curl_mm`` inside the quad and content within ~25 mm of it is pulled inward by up to as much.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class HoleTruth:
    x: float  # scan px (centre)
    y: float
    r: float
    clean_x: float  # sheet px
    clean_y: float
    clean_r: float


@dataclass(frozen=True)
class LineTruth:
    box: tuple[float, float, float, float]  # sheet px x0, y0, x1, y1 (upright sheet)
    quad: tuple[tuple[float, float], ...]  # the box's corners in scan px (TL, TR, BR, BL)
    vertical: bool
    hand: bool
    chars: int


@dataclass
class PageTruth:
    seed: int
    sheet_seed: int
    fill_seed: int
    scan_seed: int
    kind: str
    dpi: int
    paper: str  # A4 | 16K
    landscape: bool
    vertical: bool  # vertical script (竖排)
    text_page: bool  # enough text lines for skew and orientation to be measured
    thin: bool  # show-through of the mirrored back page
    carbon: bool
    page_size: tuple[int, int]  # clean sheet (w, h) px
    scan_size: tuple[int, int]  # file (w, h) px
    turn: int
    skew_deg: float
    scale: float
    clean_to_scan: list[list[float]]  # 3×3, continuous coordinates
    paper_quad: list[tuple[float, float]]  # scan px of the sheet's TL, TR, BR, BL
    bed: str
    bed_level: int
    light: str
    light_depth: float
    exposure: float
    curl_edge: str | None
    curl_mm: float
    blur_sigma: float
    noise_sigma: float
    jpeg_quality: int
    ink_ratio: float  # content pixels / sheet pixels
    binding_edge: str
    holes: list[HoleTruth] = field(default_factory=list)
    lines: list[LineTruth] = field(default_factory=list)
    rescan_of: int | None = None  # seed of the page this is a second scan of
    generator: str = "dangan.pagegen"

    @property
    def matrix(self) -> np.ndarray:
        return np.asarray(self.clean_to_scan, np.float64)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["page_size"], d["scan_size"] = list(self.page_size), list(self.scan_size)
        d["paper_quad"] = [list(p) for p in self.paper_quad]
        d["lines"] = [{**asdict(ln), "box": list(ln.box), "quad": [list(q) for q in ln.quad]}
                      for ln in self.lines]
        d["rotation"] = self.turn
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PageTruth:
        d = {k: v for k, v in d.items() if k != "rotation"}
        d["holes"] = [HoleTruth(**h) for h in d.get("holes", [])]
        d["lines"] = [LineTruth(tuple(ln["box"]), tuple(tuple(q) for q in ln["quad"]),
                                ln["vertical"], ln["hand"], ln["chars"])
                      for ln in d.get("lines", [])]
        d["page_size"], d["scan_size"] = tuple(d["page_size"]), tuple(d["scan_size"])
        d["paper_quad"] = [tuple(p) for p in d["paper_quad"]]
        return cls(**d)
