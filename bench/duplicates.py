"""Duplicate-scan detection: precision and recall on rescans with varied geometry, and speed.

    .venv/bin/python bench/duplicates.py [--pages 20] [--seed 900000] [--no-real]
    .venv/bin/python bench/duplicates.py --no-real --seeds 1100,2300,3500   # development

``--seeds`` runs the two generated sets once per seed and adds up the counts: development
seeds (below 40,000, so that the rescans' and forms' seeds, 50,000 and 60,000 further, stay
below 100,000) for tuning; the default 900,000 is held out and measured once after a change.

Three sets, each laid out as two neighbouring volumes: volume 1 holds distinct pages, half of
them rescanned later in volume 1, the other half rescanned into volume 2 (the sheet that went
into the next folder); two filled copies of one printed form sit in volume 1 as the negative
case. A rescan differs from the first scan by 1–5° of skew, an offset, scale within ±5 %,
another bed and another exposure.

* ``real``: every page of ``../shared/realscans`` (skipped where absent); both scans are the
  image warped (rotation, shift, scale, bed colour, gamma and gain, JPEG quality); the forms
  are one real page with handwriting-like strokes added in the same three places, twice.
  ``ocrmypdf__skew_p1`` is ``ocrmypdf__cardinal_p3`` printed skewed: one sheet, so the
  pair counts as a rescan.
* ``samples``: ``dangan.samples`` pages; a rescan is the same clean sheet, with the same
  punched holes, scanned again with another scan seed (skew, margins, bed, noise, blur,
  quarter turns); the negatives are
  covers of neighbouring volumes (one printed form, other values).
* ``pagegen``: held-out seeds of ``dangan.pagegen`` (``make_rescan``, ``make_form_pair``).

The two generated sets also hold two closing pages of neighbouring volumes with the same
seal stamped at other places (other page numbers, holes and beds): a negative case.

Prints per set: rescans found / expected, false alarms, precision, recall, and pages per
second per core (CPU time of this process, so a shared machine does not skew it) of the
content check with the marks (reduced decode, as ``dangan check``) and of the search, with
and without the rescans (a batch without duplicates only pays for candidates of one form).
"""

from __future__ import annotations

import argparse
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from dangan.intake.content import inspect_page
from dangan.intake.duplicates import find_duplicates

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "realscans"
SAME_SHEET = {("ocrmypdf__cardinal_p3.png", "ocrmypdf__skew_p1.png")}


@dataclass
class Batch:
    """Pages in batch order with their volume index and the sheet they show."""

    data: list[bytes] = field(default_factory=list)
    group: list[int] = field(default_factory=list)
    sheet: list[str] = field(default_factory=list)

    def add(self, data: bytes, group: int, sheet: str) -> None:
        self.data.append(data)
        self.group.append(group)
        self.sheet.append(sheet)

    def ordered(self) -> Batch:
        out = Batch()
        for i in sorted(range(len(self.data)), key=lambda i: self.group[i]):
            out.add(self.data[i], self.group[i], self.sheet[i])
        return out


def warp_scan(rgb: np.ndarray, rng: np.random.Generator, angle: float) -> bytes:
    """The sheet on another bed: turned by ``angle``°, shifted, scaled ±5 %, another
    exposure and JPEG quality."""
    h, w = rgb.shape[:2]
    level = int(rng.choice([int(rng.integers(225, 250)), int(rng.integers(110, 170)),
                            int(rng.integers(5, 40))]))
    cw, ch = int(w * rng.uniform(1.03, 1.15)), int(h * rng.uniform(1.03, 1.15))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, float(rng.uniform(0.95, 1.05)))
    m[0, 2] += cw / 2 - w / 2 + rng.uniform(-0.03, 0.03) * w
    m[1, 2] += ch / 2 - h / 2 + rng.uniform(-0.03, 0.03) * h
    noise = rng.normal(0, 3, (ch, cw, 1))
    canvas = np.clip(level + noise, 0, 255).astype(np.uint8).repeat(3, axis=2)
    out = cv2.warpAffine(rgb, m, (cw, ch), dst=canvas, borderMode=cv2.BORDER_TRANSPARENT)
    gamma, gain = float(rng.uniform(0.75, 1.3)), float(rng.uniform(0.85, 1.1))
    lut = np.clip(255 * gain * (np.arange(256) / 255) ** gamma, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(cv2.LUT(out, lut)).save(buf, "JPEG", quality=int(rng.integers(65, 95)),
                                            dpi=(200, 200))
    return buf.getvalue()


def handwriting(rgb: np.ndarray, rng: np.random.Generator,
                places: list[tuple[float, float]]) -> np.ndarray:
    """Pen strokes (0.4–0.6 mm, 15–40 mm long) at the given places (fractions of the page)."""
    out = rgb.copy()
    h, w = out.shape[:2]
    mm = min(h, w) / 210
    for fx, fy in places:
        length = rng.uniform(15, 40) * mm
        t = np.linspace(0, 1, 200)
        freq = rng.uniform(0.6, 1.2) * length / (2.5 * mm)
        xs = fx * w + t * length + 1.2 * mm * np.sin(2 * np.pi * freq * t + rng.uniform(0, 6))
        ys = fy * h + 2.2 * mm * np.sin(2 * np.pi * freq * t * 1.07) * rng.uniform(0.6, 1.0)
        pts = np.stack([xs, ys], 1).astype(np.int32)
        cv2.polylines(out, [pts], False, (20, 20, 110), max(1, round(mm * rng.uniform(0.4, 0.6))),
                      cv2.LINE_AA)
    return out


def seal_pages(batch: Batch, rng: np.random.Generator) -> None:
    """Two closing pages (备考表-like) of neighbouring volumes: the same court seal stamped at
    other places, other page numbers and holes, each on its own bed — two sheets."""
    from dangan.samples.fonts import FAMILY_NAMES
    from dangan.samples.seal import seal_mask, stamp

    h, w = 2339, 1654  # A4 at 200 dpi
    seal = seal_mask(200, rng, "某某市中级人民法院", FAMILY_NAMES[0])
    for n in range(2):
        page = np.empty((h, w, 3), np.uint8)
        page[:] = (246, 242, 230)
        cx, cy = float(rng.uniform(0.25, 0.75)), float(rng.uniform(0.2, 0.8))
        stamp(page, seal, int(cx * w), int(cy * h), 0.9)
        cv2.putText(page, str(int(rng.integers(2, 60))), (w - 180, 120),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.6, (40, 40, 40), 3, cv2.LINE_AA)
        holes = 2 + n
        for k in range(holes):
            cv2.circle(page, (80, int(h * (k + 1) / (holes + 1))), 24, (10, 10, 10), -1)
        batch.add(warp_scan(page, rng, _angle(rng)), n, f"sealpage:{n}")


def _angle(rng: np.random.Generator) -> float:
    return float(rng.uniform(1, 5)) * (1 if rng.random() < 0.5 else -1)


def real_batch(limit: int, seed: int) -> Batch | None:
    files = sorted(p for p in REAL.glob("*") if p.suffix.lower() not in (".md", ".json"))
    if not files:
        return None
    rng = np.random.default_rng(seed)
    batch = Batch()
    images = {p.name: np.asarray(Image.open(p).convert("RGB")) for p in files[:limit]}
    for k, (name, rgb) in enumerate(images.items()):
        first = float(rng.uniform(-3, 3))
        batch.add(warp_scan(rgb, rng, first), 0, name)
        batch.add(warp_scan(rgb, rng, first + _angle(rng)), k % 2, name)
    form = images.get("tsr__table_recognition.jpg", next(iter(images.values())))
    places = [(float(rng.uniform(0.2, 0.6)), float(rng.uniform(0.15, 0.85))) for _ in range(3)]
    for copy in ("form:1", "form:2"):
        batch.add(warp_scan(handwriting(form, rng, places), rng, _angle(rng)), 0, copy)
    return batch.ordered()


def samples_batch(count: int, seed: int) -> Batch:
    from dangan.samples import PageSpec, render_page
    from dangan.samples.codes import make_archive_codes

    kinds = ("text", "table", "seal", "sparse", "photo", "cover")
    batch = Batch()
    for k in range(count):
        # the sheet's punched holes are the sheet's, as in a generated volume: the same on
        # both scans (left to the scan's seed, a rescan showed other holes)
        rng = np.random.default_rng(seed + k)
        holes = int(rng.integers(2, 4))
        punched = {"holes": holes, "hole_offset_mm": float(rng.uniform(8, 15)),
                   "hole_spacing_mm": 80.0 if holes == 2 else float(rng.uniform(85, 100))}
        spec = PageSpec(kind=kinds[k % len(kinds)], seed=seed + k, scan_seed=seed + 10_000 + k,
                        max_skew_deg=5.0, **punched)
        batch.add(render_page(spec).encode(), 0, f"s{k}")
        again = PageSpec(kind=spec.kind, seed=spec.seed, scan_seed=seed + 20_000 + k,
                         max_skew_deg=5.0, **punched)
        batch.add(render_page(again).encode(), k % 2, f"s{k}")
    for n, code in enumerate(make_archive_codes(3, seed=seed)):
        cover = PageSpec(kind="cover", seed=seed + 99 + n, archive_code=code, scan_seed=seed + n)
        batch.add(render_page(cover).encode(), min(n, 1), f"cover:{n}")
    seal_pages(batch, np.random.default_rng(seed))
    return batch.ordered()


def pagegen_batch(count: int, seed: int) -> Batch:
    from dangan.pagegen import make_form_pair, make_page, make_rescan

    batch = Batch()
    for k in range(count):
        page = make_page(seed + k)
        batch.add(page.data, 0, f"p{k}")
        batch.add(make_rescan(page, seed + 50_000 + k).data, k % 2, f"p{k}")
    for k in range(max(1, count // 4)):
        a, b = make_form_pair(seed + 60_000 + k)
        batch.add(a.data, 0, f"form{k}:a")
        batch.add(b.data, 0, f"form{k}:b")
    seal_pages(batch, np.random.default_rng(seed))
    return batch.ordered()


def _same(a: str, b: str) -> bool:
    return a == b or (a, b) in SAME_SHEET or (b, a) in SAME_SHEET


def score(name: str, batch: Batch) -> tuple[int, int, int]:
    t0 = time.process_time()
    infos = [inspect_page(d) for d in batch.data]
    t_inspect = time.process_time() - t0
    marks = [i.marks if i.ok and not i.blank else b"" for i in infos]
    t0 = time.process_time()
    found = find_duplicates(marks, batch.group, lambda i: batch.data[i])
    t_search = time.process_time() - t0
    expected = {j for j in range(len(batch.sheet))
                if any(_same(batch.sheet[i], batch.sheet[j]) for i in range(j))}
    right = {d.page for d in found if _same(batch.sheet[d.page], batch.sheet[d.other])}
    wrong = [(batch.sheet[d.other], batch.sheet[d.page]) for d in found if d.page not in right]
    missed = sorted(batch.sheet[j] for j in expected - right)
    n = len(batch.data)
    precision = len(right) / max(len(found), 1)
    recall = len(right) / max(len(expected), 1)
    firsts = [i for i in range(n) if i not in expected]  # the batch without its rescans
    t0 = time.process_time()
    find_duplicates([marks[i] for i in firsts], [batch.group[i] for i in firsts],
                    lambda k: batch.data[firsts[k]])
    t_clean = time.process_time() - t0
    print(f"{name:8s} {n:4d} pages {len(expected):3d} rescans: found {len(right):3d}, "
          f"false alarms {len(wrong):2d}, precision {precision:.1%}, recall {recall:.1%}")
    print(f"         per core (CPU time): content check with marks {n / t_inspect:5.1f} pages/s; search "
          f"{n / t_search:5.1f} pages/s, {len(firsts) / t_clean:5.1f} pages/s without the "
          f"rescans")
    if missed:
        print(f"         missed: {', '.join(missed)}")
    if wrong:
        print(f"         false alarms: {wrong}")
    return len(expected), len(right), len(wrong)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20, help="distinct sheets per generated set")
    parser.add_argument("--seed", type=int, default=900_000, help="pagegen held-out seed base")
    parser.add_argument("--seeds", default="",
                        help="comma-separated pagegen seed bases, one pair of generated sets "
                             "each, counts added up (development: below 40,000)")
    parser.add_argument("--no-real", action="store_true")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()] or [args.seed]
    real = None if args.no_real else real_batch(99, seeds[0])
    if real is None:
        print("real     skipped: ../shared/realscans not found" if not args.no_real else "")
    else:
        score("real", real)
    totals: dict[str, list[int]] = {}
    for seed in seeds:
        tag = "" if len(seeds) == 1 else f" {seed}"
        for name, batch in (("samples", samples_batch(args.pages, 70_000 + seed % 1000)),
                            ("pagegen", pagegen_batch(args.pages, seed))):
            counts = score(name + tag, batch)
            totals[name] = [a + b for a, b in zip(totals.get(name, [0, 0, 0]), counts,
                                                  strict=True)]
    if len(seeds) > 1:
        for name, (expected, right, wrong) in totals.items():
            print(f"{name} over seeds {args.seeds}: found {right} of {expected} rescans, "
                  f"false alarms {wrong}")


if __name__ == "__main__":
    main()
