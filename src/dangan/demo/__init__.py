"""The main job on embedded defaults: a sample court project run through the whole line.

``run_demo`` creates a project home (SQLite, local storage), generates realistic scanned
volumes with the sample generator, imports the client's volume list and then drives the
borrow batch through every stage with the same services the CLI and web app use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.demo.catalogue import write_demo_catalogue
from dangan.errors import ConfigError
from dangan.i18n import t
from dangan.samples import generate_set, make_archive_codes, write_volume_list
from dangan.services.delivery.handover import build_handover, verify_handover
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
    bag: Path | None = None


def run_demo(home: Path, *, volumes: int = 4, pages: tuple[int, int] = (8, 14), seed: int = 2026,
             say: Callable[[str], None] = print) -> DemoSummary:
    home = home.resolve()
    if home.exists() and any(home.iterdir()):
        raise ConfigError("demo.exists", path=home)
    say(t("demo.start", path=home))
    ctx = init_project(home, "court", name="演示项目·某市中级人民法院诉讼档案",
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
    say(t("demo.step", name=t("demo.step_rescans")))
    for line in remove_rescans(ctx, scan_root):
        say(line)
    say(t("demo.step", name=t("demo.step_catalogue")))
    catalogue = write_demo_catalogue(ctx, truth, scan_root, home / "卷内目录-录入.xlsx", seed)
    summary.line = _run_line(ctx, scan_root, say, catalogue)
    say(t("demo.step", name=t("demo.step_handover")))
    bag = build_handover(ctx, home / "移交" / f"{home.name}.bag")
    report = verify_handover(bag.path)
    say(t("demo.handover_done", path=bag.path, volumes=bag.volumes, files=bag.files,
          ok=t("demo.ok") if report.ok else t("demo.not_ok")))
    summary.bag = bag.path
    say(t("demo.done", path=home))
    return summary


def remove_rescans(ctx: ProjectContext, scan_root: Path) -> list[str]:
    """What the scan operator does after ``dangan check``: a sheet scanned twice (重页) is
    taken out with ``renumber --remove`` (kept in ``.dangan-removed``, later pages shift),
    so the volume's images match the paper again before ingest."""
    from dangan.services.intake import check_scan_root
    from dangan.services.renumber import renumber_volume
    from dangan.services.scan_lookup import check_options

    report = check_scan_root(scan_root, check_options(ctx, workers=1))
    lines = []
    for vol in report.volumes:
        rescans = sorted({d.page for d in vol.defects
                          if d.code == "duplicate_image" and d.page is not None}, reverse=True)
        for page in rescans:  # highest first: removing one never renumbers the next
            renumber_volume(Path(vol.folder.path), rules=ctx.rules, remove=[f"{page:04d}"],
                            ctx=ctx)  # not ingested yet: nothing to sign in the project
            lines.append(t("demo.rescan_removed", volume=vol.folder.label, page=f"{page:04d}"))
    return lines


def _run_line(ctx: ProjectContext, scan_root: Path, say: Callable[[str], None],
              catalogue: Path) -> dict[str, Any]:
    """Drive the line: every stage through the real services and the workflow engine."""
    from dangan.demo.line import run_line

    return run_line(ctx, scan_root, DEMO_WORKERS, say=say, catalogue=catalogue)
