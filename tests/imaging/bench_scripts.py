"""The bench scripts (``bench/*.py``) loaded from their files for the tests of their figures
and reports."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load_bench(name: str) -> Any:
    """``bench/<name>.py`` as the module ``bench_<name>``, loaded from its file: bench/ never
    goes on sys.path, where its packaging.py would shadow the ``packaging`` library for every
    process started later."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
