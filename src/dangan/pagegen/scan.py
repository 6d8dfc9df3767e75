"""Lay a sheet on a scanner bed and scan it: geometry, bed, light, curl, optics, noise, JPEG.

The clean→scan map is one affine (scale, turn + skew about the sheet's centre, shift into
the frame) applied by a single ``warpAffine``; everything else is photometric or confined to
a strip at one edge (a curled edge), so the affine stays exact for the rest of the sheet and
is what the truth records.

Conventions (the same as ``dangan.samples``' truth, so one scorer serves both): continuous
pixel coordinates, origin at the top-left image corner, x right, y down; pixel (i, j) covers
[i, i+1) × [j, j+1). ``turn``: the scan shows the sheet turned counter-clockwise by ``turn``
degrees, so it must be turned clockwise by ``turn`` to be upright. ``skew_deg``: further
counter-clockwise rotation as seen on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import simplejpeg

from dangan.pagegen.sheet import Sheet

BEDS = {"white": (222, 250), "grey": (85, 165), "black": (4, 40)}
EDGES = ("left", "top", "right", "bottom")


@dataclass(frozen=True)
class ScanParams:
    turn: int
    skew_deg: float
    scale: float
    margins_mm: tuple[float, float, float, float]  # bed visible left/top/right/bottom of file
    bed: str
    bed_level: int
    exposure: float  # gain on the whole frame
    gamma: float
    light: str  # flat | gradient | vignette | lamp
    light_depth: float  # darkest point = 1 - depth of the brightest
    light_angle: float
    curl_edge: str | None
    curl_mm: float
    blur_sigma: float
    noise_sigma: float
    jpeg_quality: int


def draw_params(rng: np.random.Generator, sheet: Sheet, *, turn: int | None = None,
                skew_deg: float | None = None, scale: float | None = None,
                bed: str | None = None) -> ScanParams:
    if turn is None:
        turn = int(rng.choice([0, 90, 180, 270], p=[0.7, 0.075, 0.15, 0.075]))
    if skew_deg is None:
        wide = rng.random() < 0.4
        skew_deg = float(rng.uniform(-5, 5) if wide else rng.uniform(-1.5, 1.5))
    if scale is None:
        scale = 1.0 if rng.random() < 0.6 else float(rng.uniform(0.97, 1.03))
    bed = bed or str(rng.choice(["white", "grey", "black"], p=[0.35, 0.25, 0.4]))
    lo, hi = BEDS[bed]
    margins = tuple(float(rng.uniform(0.3, 1.5) if rng.random() < 0.12 else rng.uniform(2, 16))
                    for _ in range(4))
    light = str(rng.choice(["flat", "gradient", "vignette", "lamp"], p=[0.35, 0.3, 0.2, 0.15]))
    depth = 0.0 if light == "flat" else float(rng.uniform(0.08, 0.4 if light == "lamp" else 0.3))
    free = [e for e in ("right", "bottom", "top", "left") if e != sheet.binding_edge]
    curl = str(free[int(rng.integers(len(free)))]) if rng.random() < 0.3 else None
    return ScanParams(
        turn=turn, skew_deg=skew_deg, scale=scale,
        margins_mm=margins,  # type: ignore[arg-type]
        bed=bed, bed_level=int(rng.integers(lo, hi + 1)),
        exposure=float(rng.uniform(0.92, 1.06)), gamma=float(rng.uniform(0.85, 1.15)),
        light=light, light_depth=depth, light_angle=float(rng.uniform(0, 2 * np.pi)),
        curl_edge=curl, curl_mm=float(rng.uniform(1.0, 3.0)) if curl else 0.0,
        blur_sigma=float(rng.uniform(0.3, 0.9)), noise_sigma=float(rng.uniform(1.0, 4.0)),
        jpeg_quality=int(rng.integers(55, 93)))


def clean_to_scan(size: tuple[int, int], p: ScanParams, dpi: int
                  ) -> tuple[np.ndarray, tuple[int, int]]:
    """The continuous clean→scan affine (3×3) and the frame size (w, h)."""
    w, h = size
    phi = np.deg2rad(p.turn + p.skew_deg)
    c, s = np.cos(phi), np.sin(phi)
    lin = p.scale * np.array([[c, s], [-s, c]])
    corners = (np.array([[0, 0], [w, 0], [w, h], [0, h]], float) - (w / 2, h / 2)) @ lin.T
    px = dpi / 25.4
    ml, mt, mr, mb = (m * px for m in p.margins_mm)
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    shift = np.array([ml, mt]) - lo
    a = np.eye(3)
    a[:2, :2] = lin
    a[:2, 2] = shift - lin @ np.array([w / 2, h / 2])
    frame = (int(np.ceil(hi[0] - lo[0] + ml + mr)), int(np.ceil(hi[1] - lo[1] + mt + mb)))
    return a, frame


def _curl(rgb: np.ndarray, alpha: np.ndarray, edge: str, depth_px: float, dpi: int,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A lifted edge: content in a band pulled towards the middle, paper edge moved in, shaded."""
    def to_top(a: np.ndarray) -> np.ndarray:  # view with the curled edge as row 0
        return {"top": a, "bottom": a[::-1], "left": a.swapaxes(0, 1),
                "right": a.swapaxes(0, 1)[::-1]}[edge]

    band = int(rng.uniform(12, 25) * dpi / 25.4)
    rgb, alpha = rgb.copy(), alpha.copy()
    vr, va = to_top(rgb), to_top(alpha)
    n = vr.shape[1]
    t = np.linspace(0, 1, n, dtype=np.float32)
    ramp = 0.3 + 0.7 * (t if rng.random() < 0.5 else 1 - t) ** rng.uniform(0.5, 2)
    s = np.arange(band, dtype=np.float32)[:, None] + 0.5
    pull = depth_px * ramp[None, :] * (1 - s / band) ** 2
    map_y = (s - pull - 0.5).astype(np.float32)
    map_x = np.broadcast_to(np.arange(n, dtype=np.float32)[None, :], map_y.shape).copy()
    strip = np.ascontiguousarray(vr[:band])
    astrip = np.ascontiguousarray(va[:band])
    new = cv2.remap(strip, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                    borderValue=(0, 0, 0))
    newa = cv2.remap(astrip, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=0)
    shade = 1 - 0.25 * ramp[None, :] * (1 - s / band) ** 2
    vr[:band] = np.clip(new * shade[..., None], 0, 255).astype(np.uint8)
    va[:band] = newa
    return rgb, alpha


def _light(frame: tuple[int, int], p: ScanParams) -> np.ndarray | None:
    if p.light == "flat" or p.light_depth <= 0:
        return None
    gw, gh = 48, 64
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    u, v = xx / (gw - 1) - 0.5, yy / (gh - 1) - 0.5
    if p.light == "vignette":
        g = (u * u + v * v) / 0.5
    else:
        d = u * np.cos(p.light_angle) + v * np.sin(p.light_angle) + 0.5
        g = np.clip(d, 0, 1) ** (2.5 if p.light == "lamp" else 1.0)
    field = (1 - p.light_depth * g).astype(np.float32)
    out: np.ndarray = cv2.resize(field, frame, interpolation=cv2.INTER_LINEAR)
    return out


def _bed(frame: tuple[int, int], p: ScanParams, cover: np.ndarray, dpi: int) -> np.ndarray:
    """The bed colour with the sheet's shadow along its edges (and inside holes)."""
    r = max(1, int(0.8 * dpi / 25.4))
    shadow = cv2.subtract(cv2.stackBlur(cover, (2 * r + 1, 2 * r + 1)), cover)
    k = {"white": 0.9, "grey": 0.6, "black": 0.3}[p.bed]
    # level = bed * (1 - k * shadow / 255); ``convertScaleAbs`` saturates to uint8
    level = cv2.convertScaleAbs(shadow, alpha=-k * p.bed_level / 255.0, beta=p.bed_level)
    blue = {"white": 0.99, "grey": 1.03, "black": 1.1}[p.bed]
    out: np.ndarray = cv2.merge([level, level, cv2.convertScaleAbs(level, alpha=blue)])
    return out


def _cover(sheet: Sheet, a: np.ndarray, frame: tuple[int, int], scale: float) -> np.ndarray:
    """Paper coverage of the frame drawn directly (anti-aliased quad minus the holes): the
    same as warping the sheet's alpha when no edge is curled, at a fraction of the cost."""
    w, h = sheet.size
    quad = np.array([[0, 0], [w, 0], [w, h], [0, h]], float) @ a[:2, :2].T + a[:2, 2]
    cover = np.zeros((frame[1], frame[0]), np.uint8)
    cv2.fillConvexPoly(cover, np.round((quad - 0.5) * 16).astype(np.int32), 255, cv2.LINE_AA, 4)
    for x, y, r in sheet.holes:
        cx, cy = np.array([x, y]) @ a[:2, :2].T + a[:2, 2]
        cv2.circle(cover, (round(cx * 16 - 8), round(cy * 16 - 8)), round(r * scale * 16), 0,
                   -1, cv2.LINE_AA, 4)
    return cover


def _composite(paper: np.ndarray, bed: np.ndarray, cover: np.ndarray) -> np.ndarray:
    """Paper over bed by coverage: copied where fully covered, blended only along the edges
    (and hole rims), where coverage is partial."""
    out = bed
    cv2.copyTo(paper, (cover == 255).astype(np.uint8), out)
    ys, xs = np.nonzero((cover > 0) & (cover < 255))
    a = cover[ys, xs].astype(np.float32)[:, None] * (1.0 / 255.0)
    out[ys, xs] = (paper[ys, xs] * a + bed[ys, xs] * (1.0 - a) + 0.5).astype(np.uint8)
    return out


def _add_noise(img: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Sensor noise per channel, from a random tile repeated with a random offset (a full
    frame of Gaussian draws costs more than the rest of the scan)."""
    th, tw = 257, 769
    flat = img.reshape(img.shape[0], -1)
    tile = np.round(rng.normal(0, sigma, (th, tw))).astype(np.int16)
    oy, ox = int(rng.integers(th)), int(rng.integers(tw))
    tile = np.roll(tile, (-oy, -ox), axis=(0, 1))
    for y in range(0, flat.shape[0], th):
        for x in range(0, flat.shape[1], tw):
            block = flat[y:y + th, x:x + tw]
            block[...] = cv2.add(block, tile[:block.shape[0], :block.shape[1]], dtype=cv2.CV_8U)
    return img


def _pixel_matrix(a: np.ndarray) -> np.ndarray:
    shift = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1.0]])
    m: np.ndarray = (np.linalg.inv(shift) @ a @ shift)[:2]
    return m


def with_dpi(jpeg: bytes, dpi: int) -> bytes:
    """Write the resolution into the JFIF header (units: dots per inch)."""
    if len(jpeg) > 18 and jpeg[2:4] == b"\xff\xe0" and jpeg[6:11] == b"JFIF\x00":
        d = dpi.to_bytes(2, "big")
        return jpeg[:13] + b"\x01" + d + d + jpeg[18:]
    return jpeg


def scan(sheet: Sheet, p: ScanParams, seed: int) -> tuple[bytes, np.ndarray, np.ndarray]:
    """Scan ``sheet`` → (JPEG bytes as the scanner wrote them, decoded RGB, clean→scan 3×3)."""
    rng = np.random.default_rng([seed, 21])
    rgb, alpha = sheet.rgb, sheet.alpha
    if p.curl_edge:
        rgb, alpha = _curl(rgb, alpha, p.curl_edge, p.curl_mm * sheet.dpi / 25.4, sheet.dpi, rng)
    a, frame = clean_to_scan(sheet.size, p, sheet.dpi)
    m = _pixel_matrix(a)
    paper = cv2.warpAffine(rgb, m, frame, flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    cover = (cv2.warpAffine(alpha, m, frame, flags=cv2.INTER_LINEAR, borderValue=0)
             if p.curl_edge else _cover(sheet, a, frame, p.scale))
    out = _composite(paper, _bed(frame, p, cover, sheet.dpi), cover)
    light = _light(frame, p)
    if light is not None:
        lit = cv2.convertScaleAbs(light, alpha=255.0)
        out = cv2.multiply(out, cv2.merge([lit, lit, lit]), scale=1 / 255.0)
    lut = np.clip(255 * p.exposure * (np.arange(256) / 255.0) ** p.gamma, 0, 255).astype(np.uint8)
    out = cv2.LUT(out, lut)
    if p.blur_sigma > 0.35:
        out = cv2.GaussianBlur(out, (0, 0), p.blur_sigma)
    out = _add_noise(out, p.noise_sigma, rng)
    data = with_dpi(simplejpeg.encode_jpeg(np.ascontiguousarray(out), p.jpeg_quality, "RGB",
                                           "420"), sheet.dpi)
    image = simplejpeg.decode_jpeg(data, "RGB")
    return data, image, a
