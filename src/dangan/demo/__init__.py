"""The main job on embedded defaults: a sample court project run through the whole line.

``run_demo`` creates a project home (SQLite, local storage), generates realistic scanned
volumes with the sample generator, imports the client's volume list and then drives the
borrow batch through every stage with the same services the CLI and web app use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.errors import ConfigError
from dangan.i18n import t
from dangan.samples import generate_set, make_archive_codes, write_volume_list
from dangan.services.project import ProjectContext, init_project
from dangan.services.volumes import import_volumes

SCAN_SHARE = "扫描工作站"
DEMO_WORKERS = {
    "borrow_clerk": "王借还",
    "archive_staff": "李档案",
    "sorter": "赵整理",
    "scan_operator": "张扫描",
    "retoucher": "陈修图",
    "indexer": "刘标引",
    "uploader": "刘标引",
    "qc_inspector": "孙质检",
    "binder": "周装订",
    "project_manager": "吴经理",
}


@dataclass
class DemoSummary:
    home: Path
    scan_root: Path
    volumes: int
    pages: int
    line: dict[str, Any] = field(default_factory=dict)


def run_demo(home: Path, *, volumes: int = 4, pages: tuple[int, int] = (8, 14), seed: int = 2026,
             say: Callable[[str], None] = print) -> DemoSummary:
    home = home.resolve()
    if home.exists() and any(home.iterdir()):
        raise ConfigError("demo.exists", path=home)
    say(t("demo.start", path=home))
    ctx = init_project(home, "court", name="演示项目·某市中级人民法院1997年诉讼档案",
                       client="某市中级人民法院")
    scan_root = home / SCAN_SHARE
    say(t("demo.step", name=t("demo.step_samples", volumes=volumes)))
    codes = make_archive_codes(volumes, seed)
    truth = generate_set(scan_root, volumes, seed, pages=pages, archive_codes=codes,
                         borrow_batch="1", work_batch="1-1-1",
                         truth_path=home / "samples-truth.json")
    list_path = write_volume_list(home / "案卷清单.xlsx", truth)
    say(t("demo.step", name=t("demo.step_import")))
    say(import_volumes(ctx, list_path).message())
    summary = DemoSummary(home, scan_root, volumes, sum(len(v.pages) for v in truth.volumes))
    summary.line = _run_line(ctx, scan_root, say)
    say(t("demo.done", path=home))
    return summary


def _run_line(ctx: ProjectContext, scan_root: Path, say: Callable[[str], None]) -> dict[str, Any]:
    """Drive the line with the workflow service when it is installed in this build."""
    try:
        line = importlib.import_module("dangan.services.line")
    except ModuleNotFoundError:
        return {}
    result: dict[str, Any] = line.run_line(ctx, scan_root, DEMO_WORKERS, say=say)
    return result
