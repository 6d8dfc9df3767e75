"""A small clean generated volume set (sample generator, 200 dpi colour A4), made once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dangan.samples import SetTruth, generate_set


@pytest.fixture(scope="session")
def clean_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    truth = generate_set(root, 9, seed=11, pages=(6, 7), p_blank=0.0, p_duplicate=0.0)
    return root, truth


@pytest.fixture
def scan_copy(clean_set: tuple[Path, SetTruth], tmp_path: Path) -> tuple[Path, SetTruth]:
    root, truth = clean_set
    target = tmp_path / "scan"
    shutil.copytree(root, target)
    return target, truth
