"""Do-no-harm accuracy of the whole retouch pipeline, on pages the engine was not tuned on.

    .venv/bin/python bench/accuracy.py [--quick] [--workers 2] [--json rows.json]
    .venv/bin/python bench/accuracy.py --dev [--count 60]   # development seeds, for tuning

Sets (each printed on its own, with the issue's targets beside every figure):

* ``real-zh`` / ``real-western``: ``../shared/realscans`` (from the repo root; skipped with a
  message where absent), each page as it is and turned 90/180/270 clockwise-needed copies
  (lossless PNG), so every copy's quarter turn is known. ``--quick``: as is plus one turned
  copy each.
* ``samples``: ``dangan.samples`` pages, seeds from 53_000 (the accuracy tests use 51_000),
  every kind, a third turned.
* ``pagegen``: ``dangan.pagegen`` held-out seeds from 900_000 (``pagegen.BENCH_SEEDS``;
  development uses 0–99_999), every third page forced to a 90/180/270 turn.
* duplicates: volume folders checked by ``dangan check`` (``intake.check.run_check``): each
  volume holds distinct pages, one sheet rescanned later in the volume, the last sheet of
  a volume rescanned as the first of the next, and two filled copies of one printed form
  (the negative case). Rescans differ by 1–5° skew, offset, scale ±5 %, bed and exposure
  (``pagegen.make_rescan``); for real pages the same changes are applied to the image.

Every page goes through ``retouch_bytes`` with ``RetouchOptions(holes=True,
trust_file_dpi=True)`` — what ``dangan retouch`` does without ``--dpi`` — and is judged by
``dangan.imaging.accuracy.assess``:

* *wrong turn*: an upright input whose output is not upright (the matrix's quarter turn).
* *put right*: an input needing a turn whose output is upright; the rest should be flagged.
* *content lost*: ink kept < 98 %, or more than 0.1 % of the ink cut off (a page number off
  a corner is a small share of a page's ink). Ink = input pixels ≥ 40 grey levels darker
  than their 2.5 mm grey closing — on generated pages only the truth's content (followed through the
  truth's clean→scan affine, leaving out a curled edge's band), on real pages only where the
  surround is paper-bright and ≥ 3 mm from dark bed. Each ink pixel is mapped through
  ``Retouched.matrix``; it is kept when it lands in the output and the output, within ±2 px,
  is at least 35 % as dark there. Painted over, erased and cut off are all lost.
* *false hole fill*: a recorded fill (``PageReport.hole_boxes``) whose centre is farther than
  the hole radius + 2 mm from every real hole (real pages have none; fills on the
  tractor-feed invoice are reported apart). *Holes filled where real*: truth holes inside
  the output with a fill on them.
* *residual skew* (text pages): generated — the rotation of truth clean→scan composed with
  the matrix, modulo 90°; real — the output's line angle by projection profiles
  (``accuracy.line_angle``, independent of the engine), on pages whose truth gives a line
  angle that ``line_angle`` also finds on the input (within 0.3°). Printed over all text
  pages (the target) and over the pages the engine let through unflagged, with the count of
  those left over 0.5° without a flag (silent harm; a flagged page goes to a person).
* *border left* (generated pages): more than 20 mm² of the output lying over 1 mm beyond
  the sheet's edge (by the truth's clean→output map) and darker than 0.8 of the paper's
  tone nearby (``accuracy.bed_left_mm2``: the canvas and a white lid as light as the paper
  beside it are no border). *Blurred*: the scan's blur (truth) is a Gaussian of 0.3 mm or
  more.
* *QC*: a page *should be flagged* when it was damaged (any of the above, residual skew
  > 0.5°, an unreadable page) or is blank; *flagged* = any QC defect (status ≠ ok). Per
  flag: the pages carrying it that should be flagged and the fine ones; per kind of damage:
  the pages flagged; and the fine pages flagged, by name.
* ``--dev``: ``dangan.samples`` seeds from 20_000 and ``dangan.pagegen`` from 1_000
  (development seeds, 0–99_999), no real pages and no duplicates: what tuning is done on.
  ``--count``: pages of each set.
* *speed*: pages per CPU second spent in ``retouch_bytes`` (all threads of the worker and
  the tools it runs, e.g. tesseract; OpenCV held to one thread), i.e. pages per second per
  core; in brackets pages per second of the pipeline's own wall time per page, which a
  shared machine makes pessimistic.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from dangan.imaging.accuracy import (
    Outcome,
    Truth,
    assess,
    clean_to_scan,
    frame_dpi,
    line_angle,
)
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.imaging.qc import INFORMATION

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "realscans"
SAMPLES_SEED = 53_000
PAGEGEN_SEED = 900_000
# --dev: development seeds (0-99,999 of both generators), for tuning; never reported as
# held-out figures
DEV_SAMPLES_SEED = 20_000
DEV_PAGEGEN_SEED = 1_000
DUP_SEED = 950_000
OPTIONS = RetouchOptions(holes=True, trust_file_dpi=True)
CURL_BAND_MM = 25.0
SHRINK_HARM = 0.95  # an output shrunk below this no longer has the sheet's size and dpi
ARCHIVAL_MIN_DPI = 200  # DA/T 31-2017: the minimum for archival masters (scan.min_dpi)

Job = tuple[str, str, int, int]  # (set, name or kind, seed, turn)


# --- inputs ------------------------------------------------------------------------------
def _real_entries() -> list[dict[str, Any]]:
    doc = json.loads((REAL / "truth.json").read_text(encoding="utf-8"))
    return list(doc["pages"])


def _turned_copy(path: Path, turn: int) -> tuple[bytes, np.ndarray]:
    """The file's bytes (turn 0) or a lossless PNG of it shown turned ``turn``° further
    counter-clockwise (so it needs ``turn`` more clockwise), with the file's dpi."""
    im = Image.open(path)
    grey = np.asarray(im.convert("L"))
    if turn == 0:
        return path.read_bytes(), grey
    dpi = im.info.get("dpi")
    rgb = im.convert("RGB").rotate(turn, expand=True)
    buf = io.BytesIO()
    rgb.save(buf, "PNG", compress_level=1, **({"dpi": dpi} if dpi else {}))
    return buf.getvalue(), np.rot90(grey, turn // 90)


def _real(name: str, turn: int) -> tuple[bytes, np.ndarray, Truth, dict[str, Any]]:
    entry = next(e for e in _real_entries() if e["file"] == name)
    data, grey = _turned_copy(REAL / name, turn)
    t = Truth(turn=(entry["turn_clockwise_deg"] + turn) % 360, text_page=_lines_measurable(
        grey, entry["text_line_skew_abs_deg"]))
    dpi = str(entry.get("dpi_in_file") or "")
    below = dpi.replace(".", "", 1).isdigit() and float(dpi) < ARCHIVAL_MIN_DPI
    return data, grey, t, {"feed_holes": entry.get("feed_holes") or 0, "below_min_dpi": below}


def _lines_measurable(grey: np.ndarray, truth_deg: float | None) -> bool:
    """Residual skew is measured on a real page's output only where the truth gives a line
    angle and ``line_angle`` finds that angle on the input (within 0.3°)."""
    if truth_deg is None:
        return False
    found = line_angle(grey, frame_dpi(grey.shape))
    return found is not None and abs(abs((found + 45) % 90 - 45) - truth_deg) <= 0.3


def _samples(kind: str, seed: int, turn: int) -> tuple[bytes, np.ndarray, Truth, dict[str, Any]]:
    from dangan.samples.page import PageSpec, render_page

    rp = render_page(PageSpec(kind=kind, dpi=200, mode="colour", seed=seed, rotation=turn))
    tr = rp.truth
    w, h = tr.page_size
    t = Truth(turn=tr.rotation, text_page=kind not in ("blank", "photo"), blank=tr.blank,
              clean_to_scan=clean_to_scan(np.asarray(tr.paper_quad), w, h),
              content=rp.content_mask,
              holes=tuple((hl.clean_x, hl.clean_y, hl.clean_r) for hl in tr.holes),
              blur_mm=tr.blur_sigma * 25.4 / tr.dpi, dpi=tr.dpi)
    return rp.encode(), np.asarray(rp.scan.convert("L")), t, {}


def _pagegen(seed: int, turn: int) -> tuple[bytes, np.ndarray, Truth, dict[str, Any]]:
    from dangan.pagegen import make_page

    page = make_page(seed, turn=turn if turn >= 0 else None)
    tr = page.truth
    band = (tr.curl_edge, CURL_BAND_MM * tr.dpi / 25.4) if tr.curl_edge else None
    t = Truth(turn=tr.turn, text_page=tr.text_page, blank=tr.ink_ratio == 0,
              clean_to_scan=tr.matrix, content=page.content_mask,
              holes=tuple((hl.clean_x, hl.clean_y, hl.clean_r) for hl in tr.holes),
              skip_band=band, blur_mm=tr.blur_sigma * 25.4 / tr.dpi, dpi=tr.dpi)
    grey = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)
    # Whether the sheet fits the A4 page at its own size (as scanned, ±5 %): if so, an output
    # shrunk by more than 5 % has lost the sheet's size and dpi (measured from the truth).
    sheet = sorted(v * tr.scale * 25.4 / tr.dpi for v in tr.page_size)
    fits = sheet[0] <= 210 / SHRINK_HARM and sheet[1] <= 297 / SHRINK_HARM
    return page.data, grey, t, {"kind": tr.kind, "vertical": tr.vertical, "bed": tr.bed,
                                "sheet_fits": fits}


def _init_worker() -> None:
    cv2.setNumThreads(1)


def run_job(job: Job) -> dict[str, Any]:
    """One page: make or read it, retouch it, judge it (runs in a worker)."""
    kind, name, seed, turn = job
    if kind.startswith("real"):
        data, grey, truth, extra = _real(name, turn)
    elif kind == "samples":
        data, grey, truth, extra = _samples(name, seed, turn)
    else:
        data, grey, truth, extra = _pagegen(seed, turn)
    before = os.times()
    result = retouch_bytes(data, OPTIONS, source=name)
    after = os.times()  # every thread of this worker and the tools it ran (tesseract)
    cpu = sum(getattr(after, k) - getattr(before, k)
              for k in ("user", "system", "children_user", "children_system"))
    out = None
    if result.data is not None:
        out = cv2.imdecode(np.frombuffer(result.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    o = assess(grey, truth, out, result.matrix, result.report)
    rep = result.report
    if extra.get("feed_holes"):  # real holes of another kind: fills reported apart
        extra["feed_fills"] = o.false_fills
        o = Outcome(**{**asdict(o), "false_fills": 0})
    return {"set": kind, "name": f"{name}@{turn}" if kind.startswith("real") else
            f"{name}:{seed}@{truth.turn}", **asdict(o), **extra,
            "cpu": cpu, "rotation": rep.rotation, "scale": rep.scale, "defects": [f"{d.code}:{d.detail}" for d in rep.defects]}


def jobs_for(quick: bool, real_ok: bool, dev: bool = False, count: int | None = None
             ) -> list[Job]:
    """The pages of every set; ``dev``: development seeds of samples and pagegen (no real
    pages), ``count`` pages of each instead of the default."""
    jobs: list[Job] = []
    real_ok = real_ok and not dev
    samples_seed, pagegen_seed = ((DEV_SAMPLES_SEED, DEV_PAGEGEN_SEED) if dev
                                  else (SAMPLES_SEED, PAGEGEN_SEED))
    if real_ok:
        for i, e in enumerate(_real_entries()):
            group = "real-zh" if "feed_holes" in e else "real-western"
            turns = (0, (90, 180, 270)[i % 3]) if quick else (0, 90, 180, 270)
            jobs += [(group, e["file"], 0, t) for t in turns]
    from dangan.samples.layout import KINDS

    kinds = [k for k in KINDS if k != "blank"] * 3 + ["blank"]
    n = count or (7 if quick else 20)
    jobs += [("samples", kinds[i % len(kinds)], samples_seed + i,
              (0, 0, (90, 180, 270)[(i // 3) % 3])[i % 3]) for i in range(n)]
    n = count or (12 if quick else 45)
    jobs += [("pagegen", "page", pagegen_seed + i,
              -1 if i % 3 else (90, 180, 270)[(i // 3) % 3]) for i in range(n)]
    return jobs


# --- figures -----------------------------------------------------------------------------
def _pct(a: int, b: int) -> str:
    return f"{a} / {b}" + (f" ({100 * a / b:.0f} %)" if b else "")


def figures(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(figure, value, target) lines of one set."""
    up = [r for r in rows if r["turn_needed"] == 0]
    turned = [r for r in rows if r["turn_needed"] != 0]
    right = [r for r in turned if r["upright"]]
    flagged_wrong = [r for r in turned if not r["upright"] and r["flagged"]]
    lost = [r for r in rows if _lost(r)]
    skews = [abs(r["residual_skew"]) for r in rows if r["residual_skew"] is not None]
    passed = [abs(r["residual_skew"]) for r in rows
              if r["residual_skew"] is not None and not r["flagged"]]
    fills = sum(r["false_fills"] for r in rows)
    real, filled = sum(r["holes_real"] for r in rows), sum(r["holes_filled"] for r in rows)
    should = [r for r in rows if _should(r)]
    flagged = [r for r in rows if r["flagged"]]
    both = [r for r in rows if r["flagged"] and _should(r)]
    secs = sum(r["seconds"] for r in rows)
    cpu = sum(r["cpu"] for r in rows)
    lines = [
        ("wrong turns of upright pages", _pct(sum(not r["upright"] for r in up), len(up)), "0"),
        ("turned pages put right", _pct(len(right), len(turned)), "≥ 95 %"),
        ("  not put right, flagged", _pct(len(flagged_wrong), len(turned) - len(right)),
         "all of them"),
        ("    of them, too little text found to turn",
         _pct(sum(_little_text(r) for r in turned if not r["upright"]),
              len(turned) - len(right)), "never turned (the rule)"),
        ("upright pages flagged (needs_review)",
         f"{_pct(sum(r['flagged'] for r in up), len(up))} ({sum(r['review'] for r in up)})",
         "≤ 10 % on Chinese pages"),
        ("pages with content lost (kept < 98 % / cut)",
         f"{_pct(len(lost), len(rows))}, min kept "
         f"{100 * min((r['ink_kept'] for r in rows), default=1):.1f} %, "
         f"{sum(r['ink_cut'] > 0.001 for r in rows)} cut", "0"),
        ("false hole fills", f"{fills} on {sum(r['false_fills'] > 0 for r in rows)} pages", "0"),
        ("holes filled where real", _pct(filled, real), "≥ 98 %"),
        ("residual skew, text pages (n)",
         f"mean {np.mean(skews):.2f}°, max {np.max(skews):.2f}° ({len(skews)})" if skews
         else "not measured", "mean ≤ 0.1°, max ≤ 0.5°"),
        ("  of pages not flagged; over 0.5° and not flagged",
         (f"mean {np.mean(passed):.2f}°, max {np.max(passed):.2f}° ({len(passed)}); "
          f"{sum(v > 0.5 for v in passed)}") if passed else "none", "0 over 0.5° unflagged"),
        ("QC flags precision / recall",
         f"{len(both) / len(flagged) if flagged else 1:.2f} / "
         f"{len(both) / len(should) if should else 1:.2f} "
         f"(flagged {len(flagged)}, should {len(should)})", "flags mean damage"),
    ]
    if any("below_min_dpi" in r for r in rows):
        # A page whose file (by its truth, not by the engine) is below the archival minimum
        # is rightly flagged low_dpi: precision with those flags counted as right.
        low = [r for r in flagged if r.get("below_min_dpi") and not _should(r)]
        lines.append(("  precision, low_dpi on a file truly < 200 dpi right",
                      f"{(len(both) + len(low)) / len(flagged) if flagged else 1:.2f} "
                      f"({len(low)} pages flagged for their file's dpi alone or besides)",
                      "flags mean damage"))
    if any("sheet_fits" in r for r in rows):
        # A sheet that fits the page at its size but came out shrunk by more than 5 % (kept
        # whole on a white bed) has lost its size and dpi: a flag on it is right.
        shrunk = [r for r in rows if r.get("sheet_fits") and r["scale"] < SHRINK_HARM
                  and not _should(r)]
        right = [r for r in flagged if r in shrunk]
        lines.append(("  precision, a fitting sheet shrunk > 5 % as damage",
                      f"{(len(both) + len(right)) / len(flagged) if flagged else 1:.2f} "
                      f"({len(shrunk)} such pages, {len(right)} of them flagged)",
                      "flags mean damage"))
    lines += [
        ("speed, pages/s per core: CPU (wall)",
         f"{len(rows) / cpu:.2f} ({len(rows) / secs:.2f}); {cpu / len(rows):.2f} CPU s/page",
         "≥ 3"),
    ]
    return lines


def print_set(name: str, rows: list[dict[str, Any]]) -> None:
    feed = sum(r.get("feed_fills", 0) for r in rows)
    print(f"\n== {name}: {len(rows)} pages ==")
    for label, value, target in figures(rows):
        print(f"  {label:44s} {value:44s} target {target}")
    if feed:
        print(f"  (fills on the tractor-feed invoice, real holes of another kind: {feed})")
    print_kinds(rows)
    print_flags(rows)
    print_causes(rows)
    print_damage(rows)


def flag_names(r: dict[str, Any]) -> set[str]:
    """The page's QC flags by name; a review reason as ``needs_review:<reason>``."""
    names = set()
    for d in r["defects"]:
        code, _, rest = d.partition(":")
        if code in INFORMATION:
            continue
        names.add(f"{code}:{rest.split(':')[0]}" if code == "needs_review" else code)
    return names


def print_flags(rows: list[dict[str, Any]]) -> None:
    """Per flag: pages carrying it that should be flagged (damaged or blank) and fine pages
    carrying it (precision of the flag); per kind of damage: pages flagged (recall)."""
    count: dict[str, list[int]] = {}
    for r in rows:
        for f in flag_names(r):
            count.setdefault(f, [0, 0])[0 if _should(r) else 1] += 1
    if count:
        print("  per flag (on damaged or blank pages / on fine pages, precision):")
        for f, (right, wrong) in sorted(count.items()):
            print(f"    {f:40s} {right:3d} / {wrong:3d}  {right / (right + wrong):.2f}")
    kinds: dict[str, list[int]] = {}
    for r in rows:
        o = _outcome(r)
        for d in o.damage + (("blank",) if o.blank else ()):
            kinds.setdefault(d, [0, 0])[0] += 1
            kinds[d][1] += r["flagged"]
    if kinds:
        print("  per damage (pages, flagged, recall):")
        for d, (n, hit) in sorted(kinds.items()):
            print(f"    {d:40s} {n:3d} {hit:3d}  {hit / n:.2f}")
    fine = [r for r in rows if r["flagged"] and not _should(r)]
    for r in fine[:20]:
        print(f"    fine but flagged: {r['name']:28s} {' '.join(sorted(flag_names(r)))}")


def print_causes(rows: list[dict[str, Any]]) -> None:
    """Why pages went to a person: the upright pages flagged, by flag (a page counts under
    each of its flags; an orientation review by its reason), and the turned pages not put
    right, by the orientation decision's reason (or their other flags, when it gave none)."""
    up = [r for r in rows if r["turn_needed"] == 0 and r["flagged"]]
    missed = [r for r in rows if r["turn_needed"] != 0 and not r["upright"]]
    for title, sel, only_turn in (("upright pages flagged, by flag", up, False),
                                  ("turned pages not put right, by reason", missed, True)):
        if not sel:
            continue
        count: dict[str, int] = {}
        for r in sel:
            names = sorted(_cause_names(r))
            turn = [n for n in names if n.startswith("needs_review:orientation")]
            for n in (turn or ["(no orientation reason) " + " ".join(names)]) if only_turn \
                    else names:
                count[n] = count.get(n, 0) + 1
        print(f"  {title} ({len(sel)} pages):")
        for n, k in sorted(count.items(), key=lambda x: (-x[1], x[0])):
            print(f"    {n:60s} {k:3d}")


def _cause_names(r: dict[str, Any]) -> set[str]:
    """``flag_names`` with an orientation review named by its reason."""
    names = set()
    for d in r["defects"]:
        code, _, rest = d.partition(":")
        if code in INFORMATION:
            continue
        parts = rest.split(":")
        if code == "needs_review" and parts[0] == "orientation" and len(parts) > 1:
            names.add(f"needs_review:orientation:{parts[1].split(',')[0]}")
        elif code == "needs_review":
            names.add(f"needs_review:{parts[0]}")
        else:
            names.add(code)
    return names


def print_kinds(rows: list[dict[str, Any]]) -> None:
    kinds = sorted({r["kind"] for r in rows if "kind" in r})
    if kinds:
        print("  by kind (pages, not upright, flagged, holes filled/real, max |skew|):")
        for k in kinds:
            sel = [r for r in rows if r.get("kind") == k]
            sk = [abs(r["residual_skew"]) for r in sel if r["residual_skew"] is not None]
            print(f"    {k:12s} {len(sel):3d} {sum(not r['upright'] for r in sel):3d} "
                  f"{sum(r['flagged'] for r in sel):3d}  "
                  f"{sum(r['holes_filled'] for r in sel)}/{sum(r['holes_real'] for r in sel)}"
                  f"  {max(sk, default=0):.2f}°")


def print_damage(rows: list[dict[str, Any]]) -> None:
    bad = [r for r in rows if _should(r) and not r["blank"]]
    bad.sort(key=lambda r: r["flagged"])  # the missed ones first
    for r in bad[:12]:
        why = [w for w, c in (("turned wrong", r["turn_needed"] == 0 and not r["upright"]),
                              ("not put right", r["turn_needed"] != 0 and not r["upright"]),
                              (f"ink kept {100 * r['ink_kept']:.1f} %, cut "
                               f"{100 * r['ink_cut']:.2f} %", _lost(r)),
                              (f"{r['false_fills']} false fills", r["false_fills"] > 0),
                              (f"skew {r['residual_skew'] or 0:.2f}°", r["residual_skew"] is not None
                               and abs(r["residual_skew"]) > 0.5),
                              (f"border left {r['bed_left_mm2']:.0f} mm²",
                               _outcome(r).border_left),
                              ("blurred", r["blurred"]),
                              ("failed", r["failed"])) if c]
        print(f"    damaged: {r['name']:40s} {', '.join(why)}; "
              f"{'flagged' if r['flagged'] else 'NOT flagged'}")


def _little_text(r: dict[str, Any]) -> bool:
    """The orientation decision found too little text to turn the page by (a page with no
    text found at all is not counted here: it is not flagged for its orientation)."""
    return any(d.endswith(":orientation:orientation_little_text") for d in r["defects"])


def _outcome(r: dict[str, Any]) -> Outcome:
    return Outcome(**{k: r[k] for k in Outcome.__dataclass_fields__})


def _lost(r: dict[str, Any]) -> bool:
    return _outcome(r).content_lost


def _should(r: dict[str, Any]) -> bool:
    return _outcome(r).should_flag


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a small run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write every page's row here")
    ap.add_argument("--sets", help="comma-separated subset of real,samples,pagegen,duplicates "
                                   "(default: all; with --dev samples,pagegen)")
    ap.add_argument("--dev", action="store_true",
                    help=f"development seeds (samples {DEV_SAMPLES_SEED}+, pagegen "
                         f"{DEV_PAGEGEN_SEED}+), no real pages: for tuning")
    ap.add_argument("--count", type=int, help="pages of samples and of pagegen each")
    args = ap.parse_args(argv)
    sets = set((args.sets or ("samples,pagegen" if args.dev else
                              "real,samples,pagegen,duplicates")).split(","))
    if args.dev and sets & {"real", "duplicates"}:
        ap.error("--dev: real pages and the duplicates set are held out; "
                 "--sets samples,pagegen")
    real_ok = (REAL / "truth.json").exists()
    if not real_ok and "real" in sets:
        print(f"real pages: {REAL} is absent — real-page sets skipped")
    jobs = [j for j in jobs_for(args.quick, real_ok and "real" in sets, args.dev, args.count)
            if j[0].split("-")[0] in sets]
    from host_reference import line as host_line

    print(host_line())
    start = time.perf_counter()
    rows: list[dict[str, Any]] = []
    if jobs:
        with ProcessPoolExecutor(args.workers, initializer=_init_worker) as pool:
            rows = list(pool.map(run_job, jobs, chunksize=1))
    wall = time.perf_counter() - start
    print(f"{len(rows)} pages in {wall:.0f} s on {args.workers} workers "
          f"(load average {os.getloadavg()[0]:.1f}); seeds: " + (
              f"samples {DEV_SAMPLES_SEED}+, pagegen {DEV_PAGEGEN_SEED}+ (development)"
              if args.dev else f"samples {SAMPLES_SEED}+, pagegen {PAGEGEN_SEED}+ (held out)"))
    for name in ("real-zh", "real-western", "samples", "pagegen"):
        sel = [r for r in rows if r["set"] == name]
        if sel:
            print_set(name, sel)
    if "duplicates" in sets:
        from accuracy_duplicates import print_duplicates

        print_duplicates(args.quick, real_ok)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
