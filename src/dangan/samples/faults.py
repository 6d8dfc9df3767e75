"""Inject scan-intake faults into clean generated volumes, returning what a check must find.

Each injector changes one volume folder the way scan operators really get it wrong and
returns the defects (code, path relative to the scan root) that ``dangan check`` must report
for it — including the knock-on ones (a missing page also breaks the page count).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

Expected = set[tuple[str, str]]


def _page(folder: Path, n: int, ext: str = "jpg") -> Path:
    return folder / f"{n:04d}.{ext}"


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _pages(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == ".jpg")


def missing_page(root: Path, folder: Path, n: int = 3) -> Expected:
    _page(folder, n).unlink()
    return {("missing_page", _rel(root, _page(folder, n))),
            ("page_count_mismatch", _rel(root, folder))}


def duplicate_page_no(root: Path, folder: Path, n: int = 2) -> Expected:
    """The same number twice (0002.jpg and 0002.jpeg): also the same picture twice."""
    extra = folder / f"{n:04d}.jpeg"
    img = Image.open(_page(folder, n))
    img.save(extra, "JPEG", quality=70, dpi=img.info.get("dpi", (200, 200)))
    # Reported on the file that sorts last (0002.jpg after 0002.jpeg).
    original = _rel(root, _page(folder, n))
    return {("duplicate_page_no", original), ("duplicate_image", original)}


def stray_files(root: Path, folder: Path) -> Expected:
    (folder / "Thumbs.db").write_bytes(b"\x00" * 64)
    (folder / "备注.txt").write_text("第3页有破损", encoding="utf-8")
    return {("stray_file", _rel(root, folder / "Thumbs.db")),
            ("stray_file", _rel(root, folder / "备注.txt"))}


def bad_file_name(root: Path, folder: Path) -> Expected:
    last = _pages(folder)[-1]
    bad = folder / f"{last.stem} (2).jpg"
    last.rename(bad)
    return {("bad_file_name", _rel(root, bad)), ("page_count_mismatch", _rel(root, folder))}


def corrupt_images(root: Path, folder: Path, n: int = 4) -> Expected:
    truncated, empty, fake = _page(folder, n), _page(folder, n + 1), _page(folder, n + 2)
    data = truncated.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    empty.write_bytes(b"")
    fake.write_text("这不是图像", encoding="utf-8")
    return {("corrupt_image", _rel(root, p)) for p in (truncated, empty, fake)}


def _resave(path: Path, img: Image.Image, dpi: int) -> None:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, dpi=(dpi, dpi))
    path.write_bytes(buf.getvalue())


def low_dpi(root: Path, folder: Path, n: int = 2) -> Expected:
    img = Image.open(_page(folder, n))
    small = img.resize((img.width * 3 // 4, img.height * 3 // 4))
    _resave(_page(folder, n), small, 150)
    return {("low_dpi", _rel(root, _page(folder, n)))}


def wrong_colour_mode(root: Path, folder: Path, n: int = 3) -> Expected:
    img = Image.open(_page(folder, n))
    _resave(_page(folder, n), img.convert("L"), 200)
    return {("wrong_colour_mode", _rel(root, _page(folder, n)))}


def wrong_size(root: Path, folder: Path, n: int = 4) -> Expected:
    img = Image.open(_page(folder, n))
    _resave(_page(folder, n), img.crop((0, 0, img.width, img.height // 2)), 200)
    return {("wrong_size", _rel(root, _page(folder, n)))}


def blank_page(root: Path, folder: Path, n: int = 5, seed: int = 0) -> Expected:
    img = Image.open(_page(folder, n))
    rng = np.random.default_rng(seed)
    paper = np.clip(rng.normal(236, 3, (img.height, img.width, 3)), 0, 255).astype(np.uint8)
    paper[:, :40] = 10  # scanner bed on the left
    _resave(_page(folder, n), Image.fromarray(paper), 200)
    return {("blank_page", _rel(root, _page(folder, n)))}


def duplicate_scan(root: Path, folder: Path, n: int = 2) -> Expected:
    """The sheet scanned again as a new last page (the count now exceeds the register)."""
    last = len(_pages(folder))
    target = _page(folder, last + 1)
    img = Image.open(_page(folder, n))
    _resave(target, img, 200)
    return {("duplicate_image", _rel(root, target)), ("page_count_mismatch", _rel(root, folder))}


def duplicate_across(root: Path, first: Path, second: Path) -> Expected:
    """The last sheet of one volume scanned again into the next volume's folder."""
    src = _pages(first)[-1]
    target = _page(second, len(_pages(second)) + 1)
    _resave(target, Image.open(src), 200)
    return {("duplicate_image", _rel(root, target)), ("page_count_mismatch", _rel(root, second))}


def rename_folder(root: Path, folder: Path, new_name: str, code: str) -> tuple[Path, Expected]:
    target = folder.with_name(new_name)
    shutil.move(folder, target)
    return target, {(code, _rel(root, target))}
