"""One sheet: spec → clean page → scan → encoded file, with its ground truth.

A ``PageSpec`` value left as ``None`` is drawn from the scan's random generator; every drawn
value is written back into the ``PageTruth``, so the truth never depends on defaults.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from PIL import Image

from dangan.errors import InputError
from dangan.samples.codes import year_of
from dangan.samples.degrade import SIDES, ScanParams, apply, hole_layout, scan_sheet
from dangan.samples.layout import KINDS, a4_pixels, draw_clean_page
from dangan.samples.truth import HoleTruth, PageTruth

Mode = Literal["colour", "grey", "bilevel"]
MODES = ("colour", "grey", "bilevel")
FORMATS = ("jpg", "tif", "png")
# Ink darker than this on the clean page counts as content (antialiased edges included).
CONTENT_LEVEL = 230


@dataclass(frozen=True)
class PageSpec:
    kind: str = "text"
    dpi: int = 200
    mode: str = "colour"
    fmt: str | None = None  # jpg for colour/grey, tif (G4) for bilevel
    seed: int = 0  # content of the sheet
    scan_seed: int | None = None  # this scan's degradation; None → derived from ``seed``
    file_name: str = "0001.jpg"
    page_no: int = 1
    sheet_no: int | None = 1
    archive_code: str = "1997-民-0014-0025"
    volume_pages: int = 40
    cover: tuple[tuple[str, str], ...] | None = None  # 案卷封面 fields for kind="cover"
    duplicate_of: str | None = None
    skew_deg: float | None = None
    max_skew_deg: float = 4.0
    rotation: int | None = None
    margins_mm: tuple[float, float, float, float] | None = None  # bed gap left/top/right/bottom
    holes: int | None = None  # None → 2 or 3; 0 → unbound sheet
    hole_edge: str = "left"
    hole_offset_mm: float | None = None  # edge → hole centre, drawn from 8-15 mm
    hole_spacing_mm: float | None = None
    noise_sigma: float | None = None
    blur_sigma: float | None = None
    jpeg_quality: int | None = None

    def validate(self) -> None:
        checks = {
            "kind": self.kind in KINDS,
            "mode": self.mode in MODES,
            "fmt": self.fmt is None or self.fmt in FORMATS,
            "dpi": 50 <= self.dpi <= 1200,
            "rotation": self.rotation is None or self.rotation in (0, 90, 180, 270),
            "hole_edge": self.hole_edge in ("left", "top"),
            "fmt/mode": not (self.fmt == "jpg" and self.mode == "bilevel"),
        }
        for name, ok in checks.items():
            if not ok:
                raise InputError(
                    "samples.bad_spec", field=name, value=getattr(self, name.split("/")[0])
                )


@dataclass
class RenderedPage:
    clean: np.ndarray  # H×W×3 uint8, the undegraded upright A4 sheet
    content_mask: np.ndarray  # H×W bool, True where ink/content is on ``clean``
    scan: Image.Image  # the degraded scan in its final mode (RGB, L or 1)
    truth: PageTruth

    def encode(self) -> bytes:
        return encode(self.scan, self.truth.format, self.truth.dpi, self.truth.jpeg_quality)

    @property
    def scan_array(self) -> np.ndarray:
        return np.asarray(self.scan.convert("L") if self.scan.mode == "1" else self.scan)


def _resolve(spec: PageSpec, rng: np.random.Generator, w: int, h: int) -> ScanParams:
    mm = spec.dpi / 25.4
    skew = (
        spec.skew_deg
        if spec.skew_deg is not None
        else float(rng.uniform(-1, 1) * spec.max_skew_deg)
    )
    rotation = spec.rotation
    if rotation is None:
        rotation = int(rng.choice([0, 180, 90, 270], p=[0.88, 0.06, 0.03, 0.03]))
    if spec.margins_mm is not None:
        margins = tuple(round(m * mm) for m in spec.margins_mm)
    else:
        sides = rng.permutation(4)[: int(rng.integers(1, 5))]
        margins = tuple(int(rng.uniform(2, 15) * mm) if i in sides else 0 for i in range(4))
    count = spec.holes if spec.holes is not None else int(rng.integers(2, 4))
    holes: tuple[tuple[float, float, float], ...] = ()
    if count:
        offset = (
            spec.hole_offset_mm if spec.hole_offset_mm is not None else float(rng.uniform(8, 15))
        )
        spacing = spec.hole_spacing_mm or (80.0 if count == 2 else float(rng.uniform(85, 100)))
        jitter = tuple(float(v) for v in rng.uniform(-0.6, 0.6, size=count))
        holes = hole_layout(w, h, spec.dpi, count, offset, spec.hole_edge, 6.0, spacing, jitter)
    yellow = float(rng.uniform(0.02, 0.12))
    bright = float(rng.uniform(0.86, 0.97))
    return ScanParams(
        skew_deg=round(float(skew), 4),
        rotation=rotation,
        margins=(margins[0], margins[1], margins[2], margins[3]),
        holes=holes,
        tint=(bright, bright * (1 - yellow * 0.4), bright * (1 - yellow)),
        unevenness=float(rng.uniform(0.01, 0.05)),
        bed_level=int(rng.integers(4, 40)),
        noise_sigma=spec.noise_sigma
        if spec.noise_sigma is not None
        else float(rng.uniform(1.5, 5)),
        blur_sigma=spec.blur_sigma
        if spec.blur_sigma is not None
        else float(rng.choice([0, 0, 0.6, 0.9])),
    )


def to_mode(rgb: np.ndarray, mode: str) -> Image.Image:
    if mode == "colour":
        return Image.fromarray(rgb, "RGB")
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if mode == "grey":
        return Image.fromarray(grey, "L")
    return Image.fromarray(grey > 128).convert("1")


def encode(img: Image.Image, fmt: str, dpi: int, quality: int | None) -> bytes:
    """File bytes with the resolution written in (JFIF density, TIFF/PNG resolution)."""
    buf = io.BytesIO()
    if fmt == "jpg":
        img.save(buf, "JPEG", quality=quality or 85, dpi=(dpi, dpi))
    elif fmt == "tif":
        compression = "group4" if img.mode == "1" else "tiff_lzw"
        img.save(buf, "TIFF", compression=compression, dpi=(dpi, dpi))
    else:
        img.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def render_page(spec: PageSpec, clean: np.ndarray | None = None) -> RenderedPage:
    """Draw the sheet (unless ``clean`` is given, as for a rescan) and scan it."""
    spec.validate()
    w, h = a4_pixels(spec.dpi)
    if clean is None:
        clean = draw_clean_page(
            spec.kind,
            spec.dpi,
            np.random.default_rng(spec.seed),
            sheet_no=spec.sheet_no,
            archive_code=spec.archive_code,
            year=year_of(spec.archive_code),
            pages=spec.volume_pages,
            cover=spec.cover,
        )
    r, g, b = cv2.split(clean)
    content = cv2.min(cv2.min(r, g), b) < CONTENT_LEVEL
    scan_seed = spec.scan_seed if spec.scan_seed is not None else spec.seed + 7_919
    rng = np.random.default_rng(scan_seed)
    params = _resolve(spec, rng, w, h)
    rgb, m = scan_sheet(clean, params, rng)
    fmt = spec.fmt or ("tif" if spec.mode == "bilevel" else "jpg")
    quality = None
    if fmt == "jpg":
        quality = spec.jpeg_quality if spec.jpeg_quality is not None else int(rng.integers(75, 93))
    sh, sw = rgb.shape[:2]
    quad = apply(m, [[0, 0], [w, 0], [w, h], [0, h]])
    lo, hi = quad.min(axis=0), quad.max(axis=0)
    gaps = (lo[0], lo[1], sw - hi[0], sh - hi[1])
    holes = (
        [
            HoleTruth(
                round(float(p[0]), 3),
                round(float(p[1]), 3),
                round(r, 3),
                round(x, 3),
                round(y, 3),
                round(r, 3),
            )
            for (x, y, r), p in zip(
                params.holes, apply(m, [(x, y) for x, y, _ in params.holes]), strict=True
            )
        ]
        if params.holes
        else []
    )
    truth = PageTruth(
        file=spec.file_name,
        page_no=spec.page_no,
        sheet_no=spec.sheet_no if spec.kind not in ("blank", "cover") else None,
        kind=spec.kind,
        dpi=spec.dpi,
        mode=spec.mode,
        format=fmt,
        page_size=(w, h),
        scan_size=(sw, sh),
        skew_deg=params.skew_deg,
        rotation=params.rotation,
        borders={s: round(max(0.0, float(g)), 3) for s, g in zip(SIDES, gaps, strict=True)},
        paper_quad=[(round(float(x), 3), round(float(y), 3)) for x, y in quad],
        holes=holes,
        duplicate_of=spec.duplicate_of,
        blank=spec.kind == "blank",
        jpeg_quality=quality,
        noise_sigma=round(params.noise_sigma, 3),
        blur_sigma=round(params.blur_sigma, 3),
        seed=spec.seed,
        scan_seed=scan_seed,
    )
    return RenderedPage(clean, content, to_mode(rgb, spec.mode), truth)
