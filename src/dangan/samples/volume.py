"""Volumes and sets of volumes: folders of 0001.jpg… as a scan operator leaves them.

Every sheet of one volume shares the binding (same hole layout) and the volume's cover data;
each file gets its own scan seed, and a duplicate is the same clean sheet scanned again.
Ground truth goes outside the volume folders so intake checks never see a stray file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from dangan.errors import ConflictError
from dangan.samples import text as tx
from dangan.samples.codes import folder_name, make_archive_codes, shelf_location, year_of
from dangan.samples.page import PageSpec, render_page
from dangan.samples.truth import SetTruth, VolumeTruth

BODY_KINDS = ("text", "seal", "table", "sparse", "photo")
BODY_WEIGHTS = (0.5, 0.18, 0.14, 0.11, 0.07)


@dataclass(frozen=True)
class VolumeSpec:
    archive_code: str = "1997-民-0014-0025"
    folder_name: str | None = None  # default: <borrow_batch>-<work_batch>-<archive_code>
    borrow_batch: str = "1"
    work_batch: str = "1-1-1"
    pages: int = 40  # physical sheets, cover included
    seed: int = 0
    dpi: int = 200
    mode: str = "colour"
    fmt: str | None = None
    cover: bool = True
    bound: bool = True  # binding holes on every sheet, same layout for the whole volume
    p_blank: float = 0.05
    p_duplicate: float = 0.03
    p_upside_down: float = 0.04
    p_sideways: float = 0.02
    max_skew_deg: float = 4.0
    jpeg_quality: tuple[int, int] = (75, 92)

    @property
    def folder(self) -> str:
        return self.folder_name or folder_name(
            self.borrow_batch, self.work_batch, self.archive_code
        )


def plan_volume(spec: VolumeSpec) -> tuple[list[PageSpec], VolumeTruth]:
    """The page specs (one per file) and the volume's truth shell, without rendering."""
    rng = np.random.default_rng(spec.seed)
    year = year_of(spec.archive_code)
    fields = tx.cover_fields(rng, spec.archive_code, year, spec.pages)
    title = dict(fields)["案卷题名"]
    holes = int(rng.integers(2, 4)) if spec.bound else 0
    offset = float(rng.uniform(8, 15))
    spacing = 80.0 if holes == 2 else float(rng.uniform(85, 100))
    ext = spec.fmt or ("tif" if spec.mode == "bilevel" else "jpg")
    specs: list[PageSpec] = []
    for sheet in range(1, spec.pages + 1):
        if sheet == 1 and spec.cover:
            kind = "cover"
        elif rng.random() < spec.p_blank:
            kind = "blank"
        else:
            kind = BODY_KINDS[int(rng.choice(len(BODY_KINDS), p=BODY_WEIGHTS))]
        base = PageSpec(
            kind=kind,
            dpi=spec.dpi,
            mode=spec.mode,
            fmt=spec.fmt,
            seed=int(rng.integers(2**62)),
            sheet_no=sheet,
            archive_code=spec.archive_code,
            volume_pages=spec.pages,
            cover=tuple(fields) if kind == "cover" else None,
            max_skew_deg=spec.max_skew_deg,
            holes=holes,
            hole_offset_mm=offset,
            hole_spacing_mm=spacing,
        )
        copies = 2 if rng.random() < spec.p_duplicate else 1
        first = None
        for _ in range(copies):
            n = len(specs) + 1
            u = rng.random()
            if u < spec.p_upside_down:
                rotation = 180
            elif u < spec.p_upside_down + spec.p_sideways:
                rotation = 90 if rng.random() < 0.5 else 270
            else:
                rotation = 0
            page = replace(
                base,
                file_name=f"{n:04d}.{ext}",
                page_no=n,
                scan_seed=int(rng.integers(2**62)),
                rotation=rotation,
                duplicate_of=first,
                jpeg_quality=int(rng.integers(spec.jpeg_quality[0], spec.jpeg_quality[1] + 1)),
            )
            first = first or page.file_name
            specs.append(page)
    truth = VolumeTruth(
        spec.archive_code, spec.folder, title, year, shelf_location(rng), spec.pages
    )
    return specs, truth


def generate_volume(dest_dir: Path, spec: VolumeSpec) -> VolumeTruth:
    """Write the volume's page files into ``dest_dir`` (created; must be empty) and return its truth."""
    dest_dir = Path(dest_dir)
    if dest_dir.exists() and any(dest_dir.iterdir()):
        raise ConflictError("samples.folder_exists", path=str(dest_dir))
    dest_dir.mkdir(parents=True, exist_ok=True)
    specs, truth = plan_volume(spec)
    cleans: dict[str, np.ndarray] = {}
    for page in specs:
        rendered = render_page(page, clean=cleans.get(page.duplicate_of or ""))
        if page.duplicate_of is None:
            cleans = {page.file_name: rendered.clean}  # a rescan follows its original at once
        (dest_dir / page.file_name).write_bytes(rendered.encode())
        truth.pages.append(rendered.truth)
    return truth


def generate_set(
    root: Path,
    volumes: int,
    seed: int,
    dpi: int = 200,
    mode: str = "colour",
    *,
    pages: tuple[int, int] = (30, 50),
    fmt: str | None = None,
    archive_codes: Sequence[str] | None = None,
    folder_names: Sequence[str] | None = None,
    borrow_batch: str = "1",
    work_batch: str = "1-1-1",
    truth_path: Path | None = None,
    **volume_options: float,
) -> SetTruth:
    """Generate ``volumes`` volume folders under ``root`` and write the set's truth JSON.

    The truth goes to ``truth_path`` or, by default, ``<root>.truth.json`` beside ``root``.
    ``volume_options`` are passed to every ``VolumeSpec`` (p_blank, p_duplicate, ...).
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    codes = list(archive_codes) if archive_codes else make_archive_codes(volumes, seed)
    result = SetTruth(str(root), seed)
    for i in range(volumes):
        spec = VolumeSpec(
            archive_code=codes[i],
            folder_name=folder_names[i] if folder_names else None,
            borrow_batch=borrow_batch,
            work_batch=work_batch,
            pages=int(rng.integers(pages[0], pages[1] + 1)),
            seed=int(rng.integers(2**62)),
            dpi=dpi,
            mode=mode,
            fmt=fmt,
            **volume_options,  # type: ignore[arg-type]
        )
        result.volumes.append(generate_volume(root / spec.folder, spec))
    result.to_json(truth_path or root.parent / f"{root.name}.truth.json")
    return result
