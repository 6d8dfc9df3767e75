"""The content check's faster forms give what the plain formulas give, to the bit: the ink
share (a median only where a pixel can be ink), the relative ink (one table lookup for the
float formula) and the duplicate marks built on them. Each is compared here with the plain
computation written out, on generated pages (development seeds) and on synthetic sheets
dense enough to take the other path."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from dangan.intake.content import (
    INK_DELTA,
    PAPER_SHAPE,
    _inspect_jpeg,
    inspect_page,
    measure_ink,
    upright_paper,
)
from dangan.intake.duplicates import marks as marks_module
from dangan.intake.duplicates.marks import ORB_PARAMS, WORK_SIDE, page_marks, relative_ink
from dangan.pagegen import make_page
from dangan.samples import PageSpec, render_page


def _plain_ink(paper: np.ndarray) -> float:
    darker = cv2.subtract(cv2.medianBlur(paper, 11), paper)
    h, w = darker.shape
    inner = darker[h // 16 : h - h // 16, w // 8 : w - w // 8]
    return int(np.count_nonzero(inner > INK_DELTA)) / inner.size


def _plain_relative(grey: np.ndarray, kernel: int) -> np.ndarray:
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel, kernel))
    paper = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, k)
    darker = cv2.subtract(paper, grey).astype(np.float32)
    rel = (darker - 4.0) * 382.0 / np.maximum(paper.astype(np.float32), 140.0)
    return np.clip(rel, 0, 255).astype(np.uint8)


def _plain_marks(grey: np.ndarray) -> bytes:
    h, w = grey.shape
    f = WORK_SIDE / max(h, w)
    work = cv2.resize(grey, (max(1, round(w * f)), max(1, round(h * f))),
                      interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    orb = cv2.ORB_create(**ORB_PARAMS)  # type: ignore[attr-defined]
    keypoints, desc = orb.detectAndCompute(255 - _plain_relative(work, 9), None)
    n = 0 if desc is None else len(keypoints)
    head = np.array([work.shape[0], work.shape[1], n], dtype=np.uint16).tobytes()
    if n == 0:
        return head
    pts = np.array([k.pt for k in keypoints], dtype=np.float32)
    xy = np.clip(np.round(pts * 16), 0, 65535).astype(np.uint16)
    turn = np.array([round(k.angle / 360 * 256) % 256 for k in keypoints], dtype=np.uint8)
    return head + xy.tobytes() + turn.tobytes() + desc.astype(np.uint8).tobytes()


@pytest.fixture(scope="module")
def greys() -> list[np.ndarray]:
    """Reduced decodes of generated pages: pagegen development seeds (varied kinds, beds,
    turns, holes) and sample pages (text, table, seal, photo, sparse, blank)."""
    data = [make_page(seed, dpi=100).data for seed in range(6)]
    data += [render_page(PageSpec(kind=kind, seed=40 + n, scan_seed=70 + n)).encode()
             for n, kind in enumerate(("text", "table", "seal", "photo", "sparse", "blank"))]
    out = []
    for d in data:
        _info, grey = _inspect_jpeg(d, False)
        assert grey is not None
        out.append(grey)
    return out


def test_relative_ink_table_is_the_float_formula_for_every_pair_of_levels() -> None:
    paper, darker = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    expected = np.clip((darker.astype(np.float32) - 4.0) * 382.0
                       / np.maximum(paper.astype(np.float32), 140.0), 0, 255).astype(np.uint8)
    assert np.array_equal(marks_module._RELATIVE.reshape(256, 256), expected)


@pytest.mark.parametrize("kernel", [9, 15])
def test_relative_ink_is_the_float_formula_on_pages(greys: list[np.ndarray], kernel: int) -> None:
    for grey in greys:
        assert np.array_equal(relative_ink(grey, kernel), _plain_relative(grey, kernel))
    strided = np.ascontiguousarray(np.dstack([greys[0]] * 2))[:, :, 0]  # a view, not contiguous
    assert np.array_equal(relative_ink(strided, 9), _plain_relative(greys[0], 9))


def test_ink_share_is_the_full_median_count(greys: list[np.ndarray]) -> None:
    papers = [upright_paper(g, (PAPER_SHAPE[1], PAPER_SHAPE[0])) for g in greys]
    rng = np.random.default_rng(5)
    for share in (0.02, 0.2, 0.6):  # dark specks: few candidates, then many (the median path)
        sheet = np.full(PAPER_SHAPE, 235, np.uint8)
        specks = rng.random(PAPER_SHAPE) < share
        sheet[specks] = rng.integers(0, 200, int(specks.sum()))
        papers.append(sheet)
    papers.append(np.full(PAPER_SHAPE, 200, np.uint8))  # nothing darker anywhere
    papers += [rng.integers(0, 256, shape).astype(np.uint8) for shape in ((20, 12), (40, 300))]
    inks = [_plain_ink(p) for p in papers]
    assert max(inks) > 0.25 and min(inks) == 0.0 and len(set(inks)) > 8  # the paths are used
    assert [measure_ink(p) for p in papers] == inks


def test_marks_and_page_info_are_those_of_the_plain_formulas(greys: list[np.ndarray]) -> None:
    for grey in greys:
        assert page_marks(grey) == _plain_marks(grey)
    data = make_page(3, dpi=100).data
    info = inspect_page(data)
    _i, decoded = _inspect_jpeg(data, False)
    assert decoded is not None and info.marks == _plain_marks(decoded)
    paper = upright_paper(decoded, (PAPER_SHAPE[1], PAPER_SHAPE[0]))
    assert info.ink == round(_plain_ink(paper), 5) and not info.blank


def test_a_jpeg_is_whole_exactly_when_the_full_search_says_so() -> None:
    """``_complete_jpeg`` (a file ending in its end-of-image marker needs only a start of
    scan) answers as ``jpeg.complete``'s two searches do: on whole pages, pages cut short at
    many places, padded, with a trailer, and on random bytes full of both markers."""
    from dangan.imaging import jpeg
    from dangan.intake.content import _complete_jpeg

    whole = [make_page(seed, dpi=100).data for seed in range(3)]
    cases: list[bytes] = []
    for d in whole:
        cases += [d, d[:-1], d[:-2], d + b"\x00" * 7, d + b"\xff\xd8\xff\xe0trailer",
                  d[:400] + jpeg.EOI, jpeg.EOI, jpeg.SOS + jpeg.EOI, jpeg.EOI + jpeg.SOS]
        cases += [d[:cut] for cut in range(0, len(d), max(1, len(d) // 97))]
    rng = np.random.default_rng(11)
    alphabet = np.frombuffer(b"\xff\xda\xd9\x00\x01", np.uint8)
    cases += [alphabet[rng.integers(0, len(alphabet), int(n))].tobytes()
              for n in rng.integers(0, 12, 3000)]
    answers = [jpeg.complete(c) for c in cases]
    assert any(answers) and not all(answers)
    assert sum(c.endswith(jpeg.EOI) and not a for c, a in zip(cases, answers, strict=True)) > 0
    assert [_complete_jpeg(c) for c in cases] == answers


@pytest.mark.parametrize("batch_bytes", [64 << 20, 1])
def test_pages_decoded_a_batch_at_a_time_are_found_as_one_by_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_bytes: int) -> None:
    """``inspect_files`` decodes a few pages before measuring them: each file's findings are
    those ``inspect_page`` gives it alone, in the files' order, whatever else shares its
    batch (a blank page looked at again, files that cannot be read or decoded), also when a
    batch ends on its files' size rather than their count."""
    from dangan.intake import check

    monkeypatch.setattr(check, "DECODE_BATCH_BYTES", batch_bytes)
    pages = [make_page(seed, dpi=100).data for seed in range(5)]
    pages.insert(2, render_page(PageSpec(kind="blank", seed=41, scan_seed=71)).encode())
    pages += [b"", b"not an image", pages[0][: len(pages[0]) // 2],
              render_page(PageSpec(kind="sparse", seed=42, scan_seed=72)).encode(), pages[1]]
    paths = []
    for n, data in enumerate(pages, start=1):
        path = tmp_path / f"{n:04d}.jpg"
        path.write_bytes(data)
        paths.append(str(path))
    paths.insert(4, str(tmp_path / "gone.jpg"))  # no such file: unreadable
    assert len(paths) > 1 + check.DECODE_BATCH
    got = check.inspect_files(paths)
    assert len(got) == len(paths)
    assert got[4].reason == "unreadable"
    for name, info in zip(paths[:4] + paths[5:], got[:4] + got[5:], strict=True):
        data = Path(name).read_bytes()
        alone = inspect_page(data)
        if data:
            alone = replace(alone, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                            mtime_ns=Path(name).stat().st_mtime_ns)
        assert info == alone
    assert [i.blank for i in got].count(True) == 1 and got[7].reason == "empty_file"
    assert got[8].reason == "not_image" and got[9].reason == "truncated"
