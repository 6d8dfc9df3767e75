"""Orientation benchmark: the text-evidence decision on real pages and on two generators.

    .venv/bin/python bench/orientation.py [--sets real,samples,pagegen] [--pages 24]
                                          [--seed 900000] [--show] [--decisions FILE]

Sets: ``real`` — every page of ``../shared/realscans`` turned 0/90/180/270 (the truth after
turning is known; skipped with a message where the folder is absent); ``samples`` — pages of
``dangan.samples`` (the generator the old engine was tuned on); ``pagegen`` — the second,
independent generator at held-out seeds (``--seed``, default in its benchmark range).
``latin`` — the Latin-script development pages of ``tests/imaging/latin_pages.py`` (seeds
from ``--seed``; development seeds only: it has no held-out range of its own). Generated
pages cycle through their kinds and the four turns.

Per set: right / wrong / abstained (rotation 0 and flagged for review), wrong turns of
upright pages, upright pages flagged, turned pages missed silently, turned pages on which no
text was found at all (blank sheets: left as they are, nothing to go by), and pages per
second per core of ``decide_orientation`` alone (grey scan already decoded; one process set
up as a page worker is, ``init_worker``: one OpenCV thread):
by CPU time (this process and the Tesseract it starts), which holds on a shared machine,
and by wall-clock time; then the CPU milliseconds per page (upright and turned pages
apart), the share of pages on which Tesseract was asked, the views the recogniser read
per page and the detector's and classifier's runs per page (counts that, unlike CPU time,
do not depend on what else shares the machine) and the machine's load average at the end
of the set (CPU time per page rises when other processes share the cores); then the CPU
milliseconds per page spent in each tool (detector, classifier, recogniser, Tesseract when
it runs in the process) and in the rest of the decision; then the pages by the way the
decision went (settled on the detector's first look without Tesseract, on its second, larger
look without Tesseract, or with Tesseract asked), each with its share of the pages, its CPU
milliseconds per page and its share of the set's CPU time: where a saving could come from.
``--seed 0`` runs development seeds (``--sets samples,pagegen,latin``).
``--decisions FILE`` writes each page's decision (turn, reason, confidence), one line a
page, to compare two versions page by page.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from dangan.compute.executors import init_worker
from dangan.imaging._exec import rapidocr, tesseract
from dangan.imaging.orientation import DET_LONG_SIDE, OrientationDecision, decide_orientation

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "realscans"
TURNS = (0, 90, 180, 270)


def real_cases() -> Iterator[tuple[str, np.ndarray, float, int]]:
    truth = json.loads((REAL / "truth.json").read_text(encoding="utf-8"))["pages"]
    for page in truth:
        grey = cv2.imread(str(REAL / page["file"]), cv2.IMREAD_GRAYSCALE)
        if grey is None:
            raise SystemExit(f"cannot read {page['file']}")
        # Resolution tags are often wrong here: take the sheet as about A4.
        dpi = max(grey.shape) / 11.7
        for q in TURNS:
            need = (page["turn_clockwise_deg"] - q) % 360
            yield f"{page['file']}@{q}", np.ascontiguousarray(np.rot90(grey, -q // 90)), dpi, need


def samples_cases(n: int, seed: int) -> Iterator[tuple[str, np.ndarray, float, int]]:
    from dangan.samples.layout import KINDS
    from dangan.samples.page import PageSpec, render_page

    for i in range(n):
        kind, turn = KINDS[i % len(KINDS)], TURNS[(i // len(KINDS)) % 4]
        rp = render_page(PageSpec(kind=kind, dpi=200, seed=seed + i, rotation=turn))
        scan = rp.scan_array
        grey = cv2.cvtColor(scan, cv2.COLOR_RGB2GRAY) if scan.ndim == 3 else scan
        yield f"{kind}#{seed + i}", grey, 200.0, rp.truth.rotation


def pagegen_cases(n: int, seed: int) -> Iterator[tuple[str, np.ndarray, float, int]]:
    from dangan.pagegen import KINDS, make_page

    for i in range(n):
        kind, turn = KINDS[i % len(KINDS)], TURNS[(i // len(KINDS)) % 4]
        page = make_page(seed + i, kind=kind, turn=turn)
        grey = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)
        tag = "v" if page.truth.vertical else ""
        yield f"{kind}{tag}#{seed + i}", grey, 200.0, page.truth.turn


RUNS: collections.Counter[str] = collections.Counter()
SPENT: dict[str, float] = collections.defaultdict(float)  # CPU seconds per tool
TOOLS = {"detect_lines": "detector", "classify_lines": "classifier",
         "recognise": "recogniser", "osd": "Tesseract"}


def _count_runs() -> None:
    """Count the detector's and classifier's calls (the recogniser's views are in the
    decision's evidence) and the CPU time of each tool (Tesseract in this process, as the
    page worker asks it)."""
    for module, name in ((rapidocr, "detect_lines"), (rapidocr, "classify_lines"),
                         (rapidocr, "recognise"), (tesseract, "osd")):
        fn = getattr(module, name)

        def counted(*args: object, _fn: Callable[..., object] = fn, _name: str = name
                    ) -> object:
            RUNS[_name] += 1
            c0 = time.process_time()
            try:
                return _fn(*args)
            finally:
                SPENT[_name] += time.process_time() - c0

        setattr(module, name, counted)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def latin_cases(n: int, seed: int) -> Iterator[tuple[str, np.ndarray, float, int]]:
    """Latin-script pages (``tests/imaging/latin_pages.py``): kind and dpi cycle with the seed
    as in its ``write_set``, the turn with every 20 seeds."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "imaging"))
    import latin_pages

    if not latin_pages.available():
        print("latin    skipped: its fonts or texts are not on this system")
        return
    for s in range(seed, seed + n):
        kind = latin_pages.KINDS[s % len(latin_pages.KINDS)]
        dpi = (200, 300)[(s // len(latin_pages.KINDS)) % 2]
        q = TURNS[(s // 20) % 4]
        grey = np.ascontiguousarray(np.rot90(latin_pages.page(s, kind, dpi), -q // 90))
        yield f"{kind}#{s}@{dpi}", grey, float(dpi), (360 - q) % 360


PATHS = ("first look", "second look", "Tesseract asked")


def path(d: OrientationDecision) -> str:
    """The way the decision went, from its evidence (``PATHS``)."""
    if "tesseract" in d.evidence:
        return PATHS[2]
    ppocr = d.evidence.get("ppocr")
    larger = isinstance(ppocr, dict) and int(ppocr.get("px", 0)) > DET_LONG_SIDE
    return PATHS[1] if larger else PATHS[0]


def run(name: str, cases: Iterator[tuple[str, np.ndarray, float, int]], show: bool,
        decisions: list[str]) -> None:
    RUNS.clear()
    SPENT.clear()
    n = right = wrong = flagged = wrong_upright = upright = upright_flagged = missed = 0
    no_text = osd = views = 0
    cpu = wall = cpu_upright = 0.0
    by_path: collections.Counter[str] = collections.Counter()
    cpu_path: dict[str, float] = collections.defaultdict(float)
    for label, grey, dpi, need in cases:
        c0, w0 = _cpu(), time.perf_counter()
        d = decide_orientation(grey, dpi)
        spent = _cpu() - c0
        cpu += spent
        cpu_upright += spent if need == 0 else 0.0
        wall += time.perf_counter() - w0
        by_path[path(d)] += 1
        cpu_path[path(d)] += spent
        decisions.append(f"{name} {label} need={need} turn={d.rotation} "
                         f"review={d.review or '-'} confidence={d.confidence:.3f}")
        osd += "tesseract" in d.evidence
        rd = d.evidence.get("reading")
        views += int(rd.get("recognised", 0)) if isinstance(rd, dict) else 0
        n += 1
        upright += need == 0
        ppocr = d.evidence.get("ppocr")
        lines = ppocr.get("lines", 1) if isinstance(ppocr, dict) else 1
        if d.rotation == need:
            right += 1
            upright_flagged += need == 0 and bool(d.review)
        elif d.rotation == 0 and d.review:
            flagged += 1
        elif d.rotation == 0 and lines == 0:
            no_text += 1
        else:
            wrong += 1
            wrong_upright += need == 0
            missed += d.rotation == 0
        if show and (d.rotation != need or d.review):
            print(f"  {label:40s} need {need:3d} got {d.rotation:3d} {d.review or '-':28s} "
                  f"{d.evidence}")
    if not n:
        return
    print(f"{name:8s} {n:4d} pages  right {right:4d} ({right / n:5.1%})  wrong {wrong:3d}  "
          f"abstained {flagged:3d} ({flagged / n:5.1%})  wrong turns of upright "
          f"{wrong_upright}/{upright}  upright flagged {upright_flagged}/{upright}  "
          f"turned missed silently {missed}  turned, no text found {no_text}  "
          f"{n / cpu:5.2f} pages/s/core (CPU)  {n / wall:5.2f} (wall)")
    turned = n - upright
    print(f"{'':8s} CPU {1000 * cpu / n:4.0f} ms/page (upright "
          f"{1000 * cpu_upright / max(upright, 1):4.0f}, turned "
          f"{1000 * (cpu - cpu_upright) / max(turned, 1):4.0f})  Tesseract asked on "
          f"{osd}/{n} ({osd / n:4.0%})  recogniser views {views / n:4.1f}/page  detector runs "
          f"{RUNS['detect_lines'] / n:4.2f}/page  classifier calls "
          f"{RUNS['classify_lines'] / n:4.2f}/page  load average "
          f"{' '.join(f'{a:.1f}' for a in os.getloadavg())}")
    print(f"{'':8s} CPU ms/page by tool: " + "  ".join(
        f"{label} {1000 * SPENT[name] / n:4.0f}" for name, label in TOOLS.items())
        + f"  the rest {1000 * (cpu - sum(SPENT.values())) / n:4.0f}")
    print(f"{'':8s} by path: " + "  ".join(
        f"{p} {by_path[p]}/{n} ({by_path[p] / n:4.0%}) "
        f"{1000 * cpu_path[p] / max(by_path[p], 1):4.0f} ms/page, {cpu_path[p] / cpu:4.0%} of CPU"
        for p in PATHS))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="real,samples,pagegen")
    ap.add_argument("--pages", type=int, default=24, help="pages per generated set")
    ap.add_argument("--seed", type=int, default=900_000)
    ap.add_argument("--show", action="store_true", help="print each wrong or flagged page")
    ap.add_argument("--decisions", type=Path, help="write each page's decision to this file")
    args = ap.parse_args()
    sets = args.sets.split(",")
    from host_reference import line as host_line

    print(host_line())
    init_worker()  # as a page worker runs: one OpenCV thread, freed buffers kept
    _count_runs()
    decisions: list[str] = []
    if "real" in sets:
        if (REAL / "truth.json").is_file():
            run("real", real_cases(), args.show, decisions)
        else:
            print(f"real     skipped: {REAL} not found")
    if "samples" in sets:
        run("samples", samples_cases(args.pages, args.seed), args.show, decisions)
    if "pagegen" in sets:
        try:
            import dangan.pagegen  # noqa: F401
        except ImportError:
            print("pagegen  skipped: dangan.pagegen not installed")
        else:
            run("pagegen", pagegen_cases(args.pages, args.seed), args.show, decisions)
    if "latin" in sets:
        run("latin", latin_cases(args.pages, args.seed), args.show, decisions)
    if args.decisions:
        args.decisions.write_text("".join(f"{line}\n" for line in decisions), encoding="utf-8")


if __name__ == "__main__":
    main()
