"""The public generator: pages, rescans of a page, and pairs of filled copies of one form."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from dangan.errors import InputError
from dangan.pagegen.layouts import KINDS
from dangan.pagegen.scan import BEDS, ScanParams, draw_params, scan
from dangan.pagegen.sheet import Sheet, make_sheet
from dangan.pagegen.truth import HoleTruth, LineTruth, PageTruth

TEXT_PAGE_CHARS = 40  # fewer characters than this: not a text page (no reliable lines)


@dataclass
class GeneratedPage:
    image: np.ndarray  # H×W×3 RGB uint8, decoded from ``data``
    data: bytes  # the JPEG as the scanner wrote it (dpi in its header)
    truth: PageTruth
    sheet: Sheet

    @property
    def content_mask(self) -> np.ndarray:
        """Content on the clean upright sheet (sheet px), for ``imaging.accuracy``."""
        return self.sheet.content


def _check(dpi: int, kind: str | None, turn: int | None) -> None:
    if not 50 <= dpi <= 1200:
        raise InputError("pagegen.bad_argument", field="dpi", value=dpi)
    if kind is not None and kind not in KINDS:
        raise InputError("pagegen.bad_argument", field="kind", value=kind)
    if turn is not None and turn not in (0, 90, 180, 270):
        raise InputError("pagegen.bad_argument", field="turn", value=turn)


def _map(a: np.ndarray, pts: np.ndarray) -> np.ndarray:
    out: np.ndarray = pts @ a[:2, :2].T + a[:2, 2]
    return out


def _truth(seed: int, scan_seed: int, sheet: Sheet, p: ScanParams, a: np.ndarray,
           image: np.ndarray, rescan_of: int | None) -> PageTruth:
    w, h = sheet.size
    quad = _map(a, np.array([[0, 0], [w, 0], [w, h], [0, h]], float))
    holes = []
    for x, y, r in sheet.holes:
        sx, sy = _map(a, np.array([[x, y]]))[0]
        holes.append(HoleTruth(float(sx), float(sy), float(r * p.scale), x, y, r))
    lines = []
    for ln in sheet.lines:
        x0, y0, x1, y1 = ln.box
        q = _map(a, np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float))
        lines.append(LineTruth((x0, y0, x1, y1), tuple((float(u), float(v)) for u, v in q),
                               ln.vertical, ln.hand, ln.chars))
    return PageTruth(
        seed=seed, sheet_seed=sheet.seed, fill_seed=sheet.fill_seed, scan_seed=scan_seed,
        kind=sheet.kind, dpi=sheet.dpi, paper=sheet.paper, landscape=sheet.landscape,
        vertical=sheet.vertical, text_page=sheet.text_chars >= TEXT_PAGE_CHARS,
        thin=sheet.thin, carbon=sheet.kind == "carbon", page_size=(w, h),
        scan_size=(image.shape[1], image.shape[0]), turn=p.turn, skew_deg=p.skew_deg,
        scale=p.scale, clean_to_scan=a.tolist(),
        paper_quad=[(float(u), float(v)) for u, v in quad], bed=p.bed, bed_level=p.bed_level,
        light=p.light, light_depth=p.light_depth, exposure=p.exposure, curl_edge=p.curl_edge,
        curl_mm=p.curl_mm, blur_sigma=p.blur_sigma, noise_sigma=p.noise_sigma,
        jpeg_quality=p.jpeg_quality, ink_ratio=float(sheet.content.mean()),
        binding_edge=sheet.binding_edge, holes=holes, lines=lines, rescan_of=rescan_of)


def scan_page(sheet: Sheet, p: ScanParams, seed: int, scan_seed: int,
              rescan_of: int | None = None) -> GeneratedPage:
    data, image, a = scan(sheet, p, scan_seed)
    return GeneratedPage(image, data, _truth(seed, scan_seed, sheet, p, a, image, rescan_of),
                         sheet)


def make_page(seed: int, *, dpi: int = 200, kind: str | None = None, turn: int | None = None,
              skew_deg: float | None = None, bed: str | None = None, holes: int | None = None,
              scan: dict[str, Any] | None = None) -> GeneratedPage:
    """One scanned page, the same for the same arguments. ``None`` means drawn from ``seed``.

    ``holes``: 0, 2 or 3 binding holes; ``scan``: overrides of any ``ScanParams`` field
    (``{"light": "flat", "curl_edge": None, "noise_sigma": 0}``); everything else stays as
    the seed draws it."""
    _check(dpi, kind, turn)
    if bed is not None and bed not in BEDS:
        raise InputError("pagegen.bad_argument", field="bed", value=bed)
    if holes not in (None, 0, 2, 3):
        raise InputError("pagegen.bad_argument", field="holes", value=holes)
    unknown = sorted(set(scan or {}) - {f.name for f in fields(ScanParams)})
    if unknown:
        raise InputError("pagegen.bad_argument", field="scan", value=", ".join(unknown))
    sheet = make_sheet(seed, dpi, kind, holes=holes)
    rng = np.random.default_rng([seed, 31])
    p = replace(draw_params(rng, sheet, turn=turn, skew_deg=skew_deg, bed=bed), **(scan or {}))
    return scan_page(sheet, p, seed, seed)


def make_rescan(page: GeneratedPage, seed: int, *, turn: int = 0) -> GeneratedPage:
    """A second scan of ``page``'s sheet: skew 1–5° away from the first, another offset,
    scale within ±5 %, another bed and exposure."""
    rng = np.random.default_rng([seed, 41])
    first = page.truth
    delta = float(rng.uniform(1, 5)) * (1 if rng.random() < 0.5 else -1)
    skew = float(np.clip(first.skew_deg + delta, -6, 6))
    if abs(skew - first.skew_deg) < 1:
        skew = first.skew_deg - delta
    beds = [b for b in BEDS if b != first.bed]
    p = draw_params(rng, page.sheet, turn=turn, skew_deg=skew,
                    scale=float(rng.uniform(0.95, 1.05)), bed=beds[int(rng.integers(len(beds)))])
    p = replace(p, exposure=float(np.clip(first.exposure + rng.choice([-1, 1]) *
                                          rng.uniform(0.04, 0.1), 0.85, 1.12)))
    return scan_page(page.sheet, p, first.seed, seed, rescan_of=first.seed)


def make_form_pair(seed: int, *, dpi: int = 200) -> tuple[GeneratedPage, GeneratedPage]:
    """Two filled copies of one printed form: same print, different hands and answers —
    different documents that a duplicate detector must not confuse."""
    _check(dpi, None, None)
    out = []
    for k in (1, 2):
        sheet = make_sheet(seed, dpi, "form", fill_seed=seed * 7919 + k)
        rng = np.random.default_rng([seed, 51, k])
        p = draw_params(rng, sheet, turn=0)
        out.append(scan_page(sheet, p, seed, seed * 10 + k))
    return out[0], out[1]
