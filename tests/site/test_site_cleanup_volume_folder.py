"""``dangan cleanup`` given one volume folder instead of the scan station's root is refused,
saying what the folder is and what is wanted, before anything is read or deleted."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import returned_and_open
from test_site_cleanup import _station

from cli.runner import dangan
from dangan.errors import InputError
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.site import cleanup


def test_a_volume_folder_given_for_the_scan_root_is_refused_naming_it(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", done[:1], ctx)
    folder = root / "1-1" / done[0]  # a finished, returned, verified volume's folder
    pages = sorted(p.name for p in folder.iterdir())
    for args in ((), ("--apply", "-w", "张扫"), ("--json",)):
        r = dangan("cleanup", str(folder), "-p", str(ctx.home), *args)
        assert r.returncode == 4, (args, r.stdout, r.stderr)  # was: 0, "0 local folders"
        flat = "".join(r.stderr.split())
        assert "".join(str(folder).split()) in flat and done[0] in flat
        assert "不是扫描根目录" in flat and "".join(str(folder.parent).split()) in flat
        assert sorted(p.name for p in folder.iterdir()) == pages  # nothing deleted
    en = dangan("--lang", "en", "cleanup", str(folder), "-p", str(ctx.home))
    assert en.returncode == 4 and "not the scan root" in " ".join(en.stderr.split())
    for run in (lambda: cleanup.plan(ctx, folder),
                lambda: cleanup.apply(ctx, resolve_actor(ctx, "张扫"), folder)):
        with pytest.raises(InputError) as err:
            run()
        assert err.value.key == "site.cleanup.volume_folder"
        assert err.value.params["code"] == done[0] and err.value.params["path"] == folder
    assert sorted(p.name for p in folder.iterdir()) == pages
    # the station's root itself (or a work-batch folder holding volume folders) still works
    for good in (root, root / "1-1"):
        report = cleanup.plan(ctx, good)
        assert {d.archive_code: d.reason for d in report.folders}[done[0]] == cleanup.DELETABLE


def test_an_empty_folder_named_like_a_volume_is_no_refusal(project: ProjectContext,
                                                          tmp_path: Path) -> None:
    """Nothing in it to mistake for pages: an empty scan root that happens to carry a
    volume's name lists no folder, as before."""
    ctx = project
    done, _ = returned_and_open(ctx)
    empty = tmp_path / done[0]
    empty.mkdir()
    (empty / "Thumbs.db").write_bytes(b"x")  # the system's own file is not a page
    assert cleanup.plan(ctx, empty).folders == []
