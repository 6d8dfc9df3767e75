"""``retouch SRC DST`` on a hostile tree: a FIFO, a device and links leading out of the
tree are refused before anything is opened (exit 4, each named), never followed and never
waited on; nothing is written to DST. A link that stays inside the tree is a page."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

CLI = [sys.executable, "-m", "dangan", "--lang", "en", "retouch"]


def _page(path: Path) -> None:
    rng = np.random.default_rng(3)
    img = np.full((283, 200, 3), 245, np.uint8)
    img[60:70, 30:170] = rng.integers(0, 60, (10, 140, 3), dtype=np.uint8)
    Image.fromarray(img).save(path, "JPEG", dpi=(50, 50))


def _run(src: Path, dst: Path) -> subprocess.CompletedProcess[str]:
    # a timeout, not a timing assertion: a hang is the failure being tested for
    return subprocess.run([*CLI, str(src), str(dst), "--workers", "1", "--no-orientation"],
                          capture_output=True, text=True, timeout=240)


def test_fifo_device_and_links_out_of_the_tree_are_refused(tmp_path: Path) -> None:
    src, dst, outside = tmp_path / "src", tmp_path / "dst", tmp_path / "outside"
    src.mkdir()
    outside.mkdir()
    _page(src / "0001.jpg")
    _page(outside / "secret.jpg")
    os.mkfifo(src / "0002.jpg")
    (src / "0003.jpg").symlink_to(outside / "secret.jpg")  # absolute, out of the tree
    (src / "0004.jpg").symlink_to(Path("..") / "outside" / "secret.jpg")  # relative, out
    (src / "vol").symlink_to(outside)  # a folder out of the tree
    refused = ["0002.jpg", "0003.jpg", "0004.jpg", "vol"]
    try:
        os.mknod(src / "0005.jpg", stat.S_IFCHR | 0o600, os.makedev(1, 3))  # as /dev/null
        refused.append("0005.jpg")
    except OSError:
        pass  # no device nodes here (unprivileged): the FIFO stands for them

    done = _run(src, dst)
    assert done.returncode == 4, done.stdout + done.stderr
    out = " ".join((done.stdout + done.stderr).split())
    assert "Traceback" not in out
    for name in refused:
        assert name in out, (name, out)
    assert "0001.jpg" not in out.replace("0001.jpg:", "")  # the real page is not refused
    written = [p for p in dst.rglob("*") if p.is_file()] if dst.exists() else []
    assert written == []
    assert (outside / "secret.jpg").is_file()


def test_a_link_inside_the_tree_is_a_page(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "a").mkdir(parents=True)
    _page(src / "a" / "0001.jpg")
    (src / "0002.jpg").symlink_to(src / "a" / "0001.jpg")  # absolute, but inside
    done = _run(src, dst)
    assert done.returncode in (0, 9), done.stdout + done.stderr  # 9: defects found on a page
    assert sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*.jpg")) == [
        "0002.jpg", "a/0001.jpg"]
