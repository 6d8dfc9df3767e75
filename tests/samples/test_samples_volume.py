"""Volumes and sets written to disk: names, sequences, duplicates, truth file, volume list."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
from openpyxl import load_workbook
from PIL import Image

from dangan.samples import (
    SetTruth,
    VolumeSpec,
    generate_set,
    generate_volume,
    make_archive_code,
    unwarp,
    write_volume_list,
)

FOLDER = re.compile(r"^\d+-\d+-\d+-\d+-\d{4}-[民刑行执]-\d{4}-\d{4}$")


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_archive_code_shape() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert re.fullmatch(r"\d{4}-[民刑行执]-\d{4}-\d{4}", make_archive_code(rng))


def test_generate_set_layout_truth_and_list(tmp_path: Path) -> None:
    root = tmp_path / "scanned"
    truth = generate_set(root, volumes=2, seed=3, dpi=100, pages=(3, 4), p_duplicate=0.5)
    assert sorted(p.name for p in root.iterdir()) == sorted(v.folder for v in truth.volumes)
    codes = [v.archive_code for v in truth.volumes]
    assert len(set(codes)) == 2
    for vol in truth.volumes:
        assert FOLDER.match(vol.folder) and vol.folder.endswith(vol.archive_code)
        files = sorted(p.name for p in (root / vol.folder).iterdir())
        assert files == [f"{i:04d}.jpg" for i in range(1, len(files) + 1)]  # nothing else
        assert [p.file for p in vol.pages] == files
        assert vol.page_count == len(files) - sum(p.duplicate_of is not None for p in vol.pages)
        assert vol.pages[0].kind == "cover"
        with Image.open(root / vol.folder / "0001.jpg") as img:
            assert img.size == tuple(vol.pages[0].scan_size)
    truth_file = tmp_path / "scanned.truth.json"
    assert truth_file.exists()
    assert SetTruth.from_json(truth_file).to_dict() == truth.to_dict()

    xlsx = write_volume_list(tmp_path / "list.xlsx", truth)
    ws = load_workbook(xlsx).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("档号", "题名", "年度", "存放位置", "页数")
    assert [r[0] for r in rows[1:]] == codes
    assert [r[4] for r in rows[1:]] == [v.page_count for v in truth.volumes]


def test_volume_is_deterministic_and_duplicates_match(tmp_path: Path) -> None:
    spec = VolumeSpec(
        archive_code="1997-民-0014-0025",
        work_batch="1-6-2",
        pages=3,
        seed=9,
        p_duplicate=1.0,
        p_blank=0.0,
    )
    a = generate_volume(tmp_path / "a" / spec.folder, spec)
    b = generate_volume(tmp_path / "b" / spec.folder, spec)
    assert spec.folder == "1-1-6-2-1997-民-0014-0025"
    assert digest(tmp_path / "a" / spec.folder) == digest(tmp_path / "b" / spec.folder)
    assert a.to_dict() == b.to_dict()
    assert len(a.pages) == 6
    folder = tmp_path / "a" / spec.folder

    def back(name: str) -> np.ndarray:
        page = next(p for p in a.pages if p.file == name)
        scan = np.asarray(Image.open(folder / name).convert("L"))
        return unwarp(scan, np.array(page.paper_quad), *page.page_size).astype(np.float32)

    dups = [p for p in a.pages if p.duplicate_of]
    assert len(dups) == 3
    for dup in dups:
        orig = next(p for p in a.pages if p.file == dup.duplicate_of)
        assert dup.sheet_no == orig.sheet_no and dup.kind == orig.kind
        assert (dup.skew_deg, dup.scan_seed) != (orig.skew_deg, orig.scan_seed)
        same = np.abs(back(dup.file) - back(orig.file))[60:-60, 60:-60].mean()
        other_name = next(p.file for p in a.pages if p.sheet_no != orig.sheet_no)
        other = np.abs(back(other_name) - back(orig.file))[60:-60, 60:-60].mean()
        assert same < 10 and same < other / 2, (same, other)
