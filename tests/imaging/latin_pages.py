"""Latin-script pages in the kinds of a Western archive, drawn with the fonts of the system.

Typed letters, book pages, forms filled in by a hand-like face, tables and ledgers, pages in a
hand-like face, low-contrast pages, near-blank pages and blurred book pages, at 200 or 300
dpi, slightly askew, blurred and noisy, upright. The words come from the licence texts every
Debian system carries. Used by the orientation tests and to develop the orientation decision
(``page``; ``write_set`` writes copies turned 0/90/180/270 with their truth).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

URW = "/usr/share/fonts/opentype/urw-base35/"
DEJAVU = "/usr/share/fonts/truetype/dejavu/"
SERIF = [URW + "C059-Roman.otf", URW + "P052-Roman.otf", URW + "NimbusRoman-Regular.otf",
         URW + "URWBookman-Light.otf", DEJAVU + "DejaVuSerif.ttf"]
SANS = [URW + "NimbusSans-Regular.otf", URW + "NimbusSansNarrow-Regular.otf",
        DEJAVU + "DejaVuSans.ttf", URW + "URWGothic-Book.otf"]
MONO = [URW + "NimbusMonoPS-Regular.otf", DEJAVU + "DejaVuSansMono.ttf"]
HAND = URW + "Z003-MediumItalic.otf"
BOLD = [URW + "NimbusSans-Bold.otf", URW + "C059-Bold.otf"]
TEXTS = ("GPL-3", "Apache-2.0", "Artistic")
KINDS = ("typed", "book", "form", "table", "hand", "faint", "sparse", "ledger", "handfaint",
         "blurbook")


def available() -> bool:
    """The fonts and texts the pages are drawn with are on this system."""
    need = [HAND, *BOLD, SERIF[0], SANS[0], MONO[0]]
    need += [f"/usr/share/common-licenses/{n}" for n in TEXTS]
    return all(Path(p).is_file() for p in need)


@cache
def _words() -> list[str]:
    text = " ".join(Path(f"/usr/share/common-licenses/{n}").read_text(errors="ignore")
                    for n in TEXTS)
    return re.findall(r"[A-Za-z][a-z]+|[0-9]+", text)


def _fonts(paths: list[str]) -> list[str]:
    return [p for p in paths if Path(p).is_file()]


def _run(rng: np.random.Generator, n: int) -> list[str]:
    words = _words()
    i = int(rng.integers(0, len(words) - n - 1))
    return words[i:i + n]


def _para(rng: np.random.Generator, n: int) -> str:
    w = _run(rng, n)
    w[0] = w[0].capitalize()
    return " ".join(w) + "."


def _flow(d: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, x0: int, x1: int,
          y: int, lh: int, y1: int, fill: int) -> int:
    line: list[str] = []
    for w in text.split():
        if d.textlength(" ".join([*line, w]), font=font) > x1 - x0 and line:
            d.text((x0, y), " ".join(line), font=font, fill=fill)
            y += lh
            line = [w]
            if y > y1:
                return y
        else:
            line.append(w)
    if line:
        d.text((x0, y), " ".join(line), font=font, fill=fill)
        y += lh
    return y


def page(seed: int, kind: str, dpi: int) -> np.ndarray:
    """An upright grey page of ``kind`` (A4; a ledger is A4 landscape) at ``dpi``."""
    rng = np.random.default_rng(seed)
    serif, sans, mono = _fonts(SERIF), _fonts(SANS), _fonts(MONO)
    mm = dpi / 25.4
    w, h = int(210 * mm), int(297 * mm)
    if kind == "ledger":
        w, h = h, w
    paper, ink = int(rng.integers(215, 250)), int(rng.integers(10, 70))
    if kind in ("faint", "handfaint"):
        paper, ink = int(rng.integers(190, 225)), int(rng.integers(120, 165))
    im = Image.new("L", (w, h), paper)
    d = ImageDraw.Draw(im)

    def pt(p: float) -> int:
        return max(6, int(p * dpi / 72))

    def font(paths: list[str], lo: float, hi: float) -> ImageFont.FreeTypeFont:
        path = str(rng.choice(paths))  # the face first, then its size
        return ImageFont.truetype(path, pt(rng.uniform(lo, hi)))

    m = int(rng.uniform(18, 28) * mm)
    x0, x1, y, y1 = m, w - m, m, h - m
    if kind in ("typed", "faint"):
        f = font(mono + serif, 10, 12.5)
        lh = int(f.size * rng.uniform(1.2, 1.6))
        for _ in range(int(rng.integers(3, 5))):
            d.text((x0, y), " ".join(_run(rng, 4)).title(), font=f, fill=ink)
            y += lh
        y += lh
        d.text((x1 - int(60 * mm), y), f"{rng.integers(1, 28)} March 19{rng.integers(20, 99)}",
               font=f, fill=ink)
        y += 2 * lh
        d.text((x0, y), "Dear " + " ".join(_run(rng, 2)).title() + ",", font=f, fill=ink)
        y += 2 * lh
        for _ in range(int(rng.integers(2, 6))):
            y = _flow(d, _para(rng, int(rng.integers(30, 90))), f, x0, x1, y, lh,
                      y1 - 6 * lh, ink) + lh
        d.text((x0, y), "Yours faithfully,", font=f, fill=ink)
        y += 2 * lh
        d.text((x0, y), " ".join(_run(rng, 2)).title(),
               font=ImageFont.truetype(HAND, pt(20)), fill=ink)
    elif kind in ("book", "blurbook"):
        f = font(serif, 9, 12)
        lh = int(f.size * 1.3)
        d.text(((w - 200) // 2, y), " ".join(_run(rng, 3)).upper(), font=f, fill=ink)
        y += 2 * lh
        while y < y1 - lh:
            y = _flow(d, _para(rng, int(rng.integers(40, 140))), f, x0, x1, y, lh, y1 - lh,
                      ink)
        d.text((w // 2, h - m // 2), str(rng.integers(2, 400)), font=f, fill=ink)
    elif kind == "form":
        fl = font(sans, 9, 11)
        fb = ImageFont.truetype(str(rng.choice(BOLD)), pt(16))
        fh = ImageFont.truetype(HAND, pt(rng.uniform(13, 18)))
        d.text((x0, y), " ".join(_run(rng, 3)).upper() + " FORM", font=fb, fill=ink)
        y += int(fb.size * 2.5)
        while y < y1 - 20 * mm:
            label = " ".join(_run(rng, int(rng.integers(1, 4)))).title() + ":"
            d.text((x0, y), label, font=fl, fill=ink)
            lx = x0 + int(d.textlength(label, font=fl)) + 10
            d.line((lx, y + fl.size, x1, y + fl.size), fill=ink, width=max(1, dpi // 150))
            if rng.random() < 0.7:
                d.text((lx + 20, y - fh.size // 3), " ".join(_run(rng, int(rng.integers(1, 4)))),
                       font=fh, fill=int(rng.integers(20, 90)))
            y += int(rng.uniform(9, 14) * mm)
    elif kind in ("table", "ledger"):
        f = font(sans + mono, 7, 10)
        cols, rows = int(rng.integers(4, 8)), int(rng.integers(15, 40))
        d.text((x0, y), " ".join(_run(rng, 5)).title(),
               font=ImageFont.truetype(str(rng.choice(BOLD)), pt(13)), fill=ink)
        y += int(12 * mm)
        rh, cw = max(int(f.size * 1.7), (y1 - y) // rows), (x1 - x0) // cols
        for r in range(rows + 1):
            d.line((x0, y + r * rh, x0 + cols * cw, y + r * rh), fill=ink,
                   width=max(1, dpi // 120))
        for c in range(cols + 1):
            d.line((x0 + c * cw, y, x0 + c * cw, y + rows * rh), fill=ink,
                   width=max(1, dpi // 120))
        for r in range(rows):
            for c in range(cols):
                t = (" ".join(_run(rng, 2)).title() if c == 0 or r == 0 or rng.random() < 0.3
                     else f"{rng.uniform(0, 9999):.2f}")
                while d.textlength(t, font=f) > cw - 8 and len(t) > 2:
                    t = t[:-1]
                d.text((x0 + c * cw + 5, y + r * rh + (rh - f.size) // 2), t, font=f, fill=ink)
    elif kind in ("hand", "handfaint"):
        f = ImageFont.truetype(HAND, pt(rng.uniform(14, 20)))
        lh = int(f.size * 1.5)
        while y < y1 - lh:
            y = _flow(d, _para(rng, int(rng.integers(20, 60))), f, x0, x1, y, lh, y1 - lh,
                      ink) + lh // 2
    elif kind == "sparse":
        f = font(serif + sans, 11, 16)
        lh = int(f.size * 1.5)
        y = int(rng.uniform(0.2, 0.5) * h)
        for _ in range(int(rng.integers(2, 6))):
            d.text((x0 + int(rng.integers(0, 40 * mm)), y),
                   " ".join(_run(rng, int(rng.integers(2, 7)))).title(), font=f, fill=ink)
            y += lh
    a = np.asarray(im, np.float32)
    m2 = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-1.5, 1.5), 1.0)
    a = cv2.warpAffine(a, m2, (w, h), borderValue=float(paper))
    blur = rng.uniform(0.4, 1.2) * dpi / 300 * (2.2 if kind == "blurbook" else 1)
    a = cv2.GaussianBlur(a, (0, 0), blur)
    a += rng.normal(0, rng.uniform(2, 8), a.shape)
    return np.clip(a, 0, 255).astype(np.uint8)


def write_set(out: Path, seeds: range, dpis: tuple[int, ...] = (200, 300)) -> None:
    """Each seed's page (its kind and dpi cycling with the seed) turned clockwise 0/90/180/
    270 as JPEG files in ``out``, with ``manifest.json`` naming the turn that puts each
    right."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for s in seeds:
        kind, dpi = KINDS[s % len(KINDS)], dpis[(s // len(KINDS)) % len(dpis)]
        grey = page(s, kind, dpi)
        for q in (0, 90, 180, 270):
            name = f"{kind}-{s}-{dpi}-{q}.jpg"
            cv2.imwrite(str(out / name), np.ascontiguousarray(np.rot90(grey, -q // 90)),
                        [cv2.IMWRITE_JPEG_QUALITY, 88])
            manifest.append({"file": name, "dpi": dpi, "need": (360 - q) % 360,
                             "label": name[:-4]})
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
