"""bench/accuracy.py's duplicate sets: rescans of a sheet at another skew, offset, scale,
exposure and bed — inside a volume and as the next volume's first page — beside two filled
copies of one printed form, on pagegen's held-out seeds and on the real pages; found by
``dangan check``'s content checks (precision and recall of ``duplicate_image``)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from accuracy import DUP_SEED, REAL, _pct, _real_entries


def _real_rescan(path: Path, rng: np.random.Generator) -> bytes:
    """A second 'scan' of a real page: turned 1–5°, scaled ±5 %, shifted, other exposure,
    on another bed colour."""
    rgb = np.asarray(Image.open(path).convert("RGB"))
    h, w = rgb.shape[:2]
    angle = float(rng.uniform(1, 5) * rng.choice([-1, 1]))
    scale = float(rng.uniform(0.95, 1.05))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    pad = int(0.04 * max(w, h))
    m[:, 2] += np.array([pad + rng.uniform(-pad / 2, pad / 2), pad + rng.uniform(-pad / 2, pad / 2)])
    bed = tuple(int(v) for v in [rng.choice([20, 140, 235])] * 3)
    out = cv2.warpAffine(rgb, m, (w + 2 * pad, h + 2 * pad), flags=cv2.INTER_LINEAR,
                         borderValue=bed)
    gain = float(rng.uniform(0.85, 1.1))
    out = np.clip(out.astype(np.float32) * gain, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, "JPEG", quality=88)
    return buf.getvalue()


def _as_jpeg(path: Path) -> bytes:
    if path.suffix.lower() in (".jpg", ".jpeg"):
        return path.read_bytes()
    buf = io.BytesIO()
    Image.open(path).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _volumes(root: Path, pages: list[list[tuple[str, bytes]]]) -> dict[str, str]:
    """Write volumes (lists of (id, bytes)) as court-rule folders; returns path → id."""
    ids = {}
    for v, vol in enumerate(pages):
        folder = root / f"1-1-1-1-1997-民-0014-{v + 1:04d}"
        folder.mkdir(parents=True)
        for i, (ident, data) in enumerate(vol):
            (folder / f"{i + 1:04d}.jpg").write_bytes(data)
            ids[f"{folder.name}/{i + 1:04d}.jpg"] = ident
    return ids


def duplicate_sets(quick: bool, real_ok: bool) -> Iterable[tuple[str, list[list[tuple[str, bytes]]]]]:
    """(name, volumes) — ids ``sheet`` / ``sheet~r`` for a rescan, ``form:a`` for form copies."""
    from dangan.pagegen import make_form_pair, make_page, make_rescan

    nvol, per = (2, 3) if quick else (6, 5)
    vols: list[list[tuple[str, bytes]]] = []
    seed = DUP_SEED
    for _v in range(nvol):
        pages = [make_page(seed + i, turn=0) for i in range(per)]
        vol = [(f"g{seed + i}", p.data) for i, p in enumerate(pages)]
        again = make_rescan(pages[1], seed + 500)
        vol.insert(per - 1, (f"g{seed + 1}~r", again.data))
        a, b = make_form_pair(seed + 900)
        vol[2:2] = [(f"form{seed}:a", a.data), (f"form{seed}:b", b.data)]
        vols.append(vol)
        seed += 1000
    for v in range(nvol - 1):  # last sheet of a volume rescanned as the next one's first
        last_id = vols[v][-1][0]
        last_seed = int(last_id[1:].split("~")[0])
        vols[v + 1].insert(0, (f"{last_id}~x", make_rescan(make_page(last_seed, turn=0),
                                                           last_seed + 700).data))
    yield "pagegen", vols
    if real_ok:
        rng = np.random.default_rng(DUP_SEED)
        files = [REAL / e["file"] for e in _real_entries() if e["turn_clockwise_deg"] == 0]
        files = files[: 8 if quick else len(files)]
        half = len(files) // 2
        rvols = [[(f.name, _as_jpeg(f)) for f in part] for part in (files[:half], files[half:])]
        for vol in rvols:  # two sheets of each volume rescanned later in it
            for k in (0, 2):
                vol.insert(len(vol) - 1, (vol[k][0] + "~r",
                                          _real_rescan(REAL / vol[k][0], rng)))
        rvols[1].insert(0, (rvols[0][-1][0] + "~x", _real_rescan(REAL / rvols[0][-1][0], rng)))
        yield "real", rvols


def duplicate_figures(vols: list[list[tuple[str, bytes]]]) -> dict[str, Any]:
    from dangan.config import ScanConfig
    from dangan.domain.naming import court_rules
    from dangan.intake.check import CheckOptions, run_check

    with tempfile.TemporaryDirectory(prefix="dangan-acc-") as tmp:
        ids = _volumes(Path(tmp), vols)
        report = run_check(tmp, CheckOptions(court_rules(), ScanConfig(), workers=1))
    def sheet(i: str) -> str:
        return i.split("~")[0]
    truth = {(a, b) for a in ids.values() for b in ids.values()
             if a < b and sheet(a) == sheet(b)}
    found, false, forms = set(), 0, 0
    for d in report.defects:
        if d.code != "duplicate_image":
            continue
        a = ids.get(d.path)
        other = str(d.params.get("other", ""))
        if "/" not in other:  # a page of the same volume
            other = f"{d.path.rsplit('/', 1)[0]}/{other}"
        b = ids.get(other)
        if a is None or b is None:
            false += 1
            continue
        pair = (min(a, b), max(a, b))
        if pair in truth:
            found.add(pair)
        else:
            false += 1
            forms += a.startswith("form") and b.startswith("form")
    return {"pairs": len(truth), "found": len(found), "false": false, "form_false": forms,
            "form_pairs": sum(1 for v in ids.values() if v.endswith(":a"))}


def print_duplicates(quick: bool, real_ok: bool) -> None:
    print("\n== duplicates: rescans at 1–5° other skew, offset, scale ±5 %, other bed ==")
    for name, vols in duplicate_sets(quick, real_ok):
        f = duplicate_figures(vols)
        prec = f["found"] / (f["found"] + f["false"]) if f["found"] + f["false"] else 1.0
        print(f"  {name:8s} found {_pct(f['found'], f['pairs']):16s} precision {prec:.2f}, "
              f"false alarms {f['false']} (on {f['form_pairs']} filled-form pairs: "
              f"{f['form_false']})   target ≥ 95 % found, 0 false alarms")
