"""Candidate pairs: pages that share many LSH words of their marks at one consistent turn."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from dangan.intake.duplicates.marks import Marks

HASH_TABLES = 6
HASH_BITS = 16
TURN_BINS = 16
OFFSET_PX = 32.0  # offset cells, working px
OFFSET_BINS = 32
MIN_SHARED = 4  # shared words (in one turn and offset cell) a pair needs to be a candidate
TOP_CANDIDATES = 3  # candidates kept per page, best first
WIDE_CANDIDATES = 5  # ... of which those plainly not one sheet (the fit of the marks fails)
# are cheap and do not count: the search looks this far down a page's list at most
MAX_WORD_PAGES = 16  # a word on more pages than this is texture, not one sheet

_BIT_ORDER = np.random.default_rng(20_261_126).permutation(256)


def _words(desc: np.ndarray) -> np.ndarray:
    """(n, HASH_TABLES) LSH words per descriptor: disjoint random bit subsets, offset by table."""
    bits = np.unpackbits(desc, axis=1)[:, _BIT_ORDER[: HASH_TABLES * HASH_BITS]]
    weights = (1 << np.arange(HASH_BITS, dtype=np.int64))
    words = bits.reshape(len(desc), HASH_TABLES, HASH_BITS).astype(np.int64) @ weights
    out: np.ndarray = words + (np.arange(HASH_TABLES, dtype=np.int64) << HASH_BITS)
    return out


def _postings(marks: Sequence[Marks]) -> tuple[np.ndarray, ...]:
    """(word, page, turn, x, y) of every keypoint's words, sorted by word then page; x, y
    from the centre of the page's working image."""
    cols: list[list[np.ndarray]] = [[], [], [], [], []]
    for i, m in enumerate(marks):
        if len(m):
            w = _words(m.desc)
            centred = m.points - np.array([m.shape[1], m.shape[0]], np.float32) / 2
            for col, v in zip(cols, (w.ravel(), np.full(w.size, i, np.int64),
                                     m.turn.astype(np.int64), centred[:, 0], centred[:, 1]),
                              strict=True):
                col.append(v if v.size == w.size else np.repeat(v, HASH_TABLES))
    if not cols[0]:
        return tuple(np.zeros(0, np.int64) for _ in range(5))
    words, pages, turns, xs, ys = (np.concatenate(c) for c in cols)
    order = np.lexsort((pages, words))
    return words[order], pages[order], turns[order], xs[order], ys[order]


def _votes(marks: Sequence[Marks]) -> tuple[np.ndarray, ...]:
    """Every pair of postings of one word on two pages: (pair code, turn, xa, ya, xb, yb)."""
    n = len(marks)
    words, pages, turns, xs, ys = _postings(marks)
    _, start, count = np.unique(words, return_index=True, return_counts=True)
    keep = (count >= 2) & (count <= MAX_WORD_PAGES)
    cols: list[list[np.ndarray]] = [[], [], [], [], [], []]
    for size in np.unique(count[keep]):
        size_ = int(size)
        idx = start[keep & (count == size_)][:, None] + np.arange(size_)[None, :]
        pg, tn, px, py = pages[idx], turns[idx], xs[idx], ys[idx]
        for a, b in itertools.combinations(range(size_), 2):
            two = pg[:, a] != pg[:, b]
            for col, v in zip(cols, (pg[:, a] * n + pg[:, b], (tn[:, b] - tn[:, a]) % 256,
                                     px[:, a], py[:, a], px[:, b], py[:, b]), strict=True):
                col.append(v[two])
    if not cols[0]:
        return tuple(np.zeros(0) for _ in range(6))
    return tuple(np.concatenate(c) for c in cols)


def _best_per_pair(pair: np.ndarray, cell: np.ndarray, cells: int) -> tuple[np.ndarray, ...]:
    """(pairs, their best cell, its votes) from one vote per (pair, cell) entry."""
    keys, counts = np.unique(pair * cells + cell, return_counts=True)
    order = np.lexsort((-counts, keys // cells))  # per pair, its best cell first
    keys, counts = keys[order], counts[order]
    first = np.ones(len(keys), bool)
    first[1:] = keys[1:] // cells != keys[:-1] // cells
    return keys[first] // cells, keys[first] % cells, counts[first]


def shared_words(marks: Sequence[Marks]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, score) for every pair of pages i < j that share a word.

    Two scans of one sheet share words whose keypoints all moved the same way: turned by
    the angle between the scans, then shifted by one offset. Words shared by chance (one
    typeface, ruled lines) turn and move any way. So the words of a pair first vote for a
    turn (the keypoint angles are rough: 1/16-turn bins, a bin and the next), then those of
    the winning turn, turned by their mean angle, vote for an offset cell; the pair's score
    is its best cell.
    """
    n = len(marks)
    pair, turn, xa, ya, xb, yb = _votes(marks)
    if not len(pair):
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    pair = pair.astype(np.int64)
    turn_bin = turn.astype(np.int64) * TURN_BINS // 256
    both = np.concatenate([turn_bin, (turn_bin - 1) % TURN_BINS])  # a bin and the one before
    pairs, best, _votes_n = _best_per_pair(np.concatenate([pair, pair]), both, TURN_BINS)
    at = np.searchsorted(pairs, pair)
    sel = (turn_bin == best[at]) | (turn_bin == (best[at] + 1) % TURN_BINS)
    rad = turn[sel] * (2 * np.pi / 256)
    sin = np.bincount(at[sel], np.sin(rad), len(pairs))
    cos = np.bincount(at[sel], np.cos(rad), len(pairs))
    mean = np.arctan2(sin, cos)[at[sel]]
    c, s = np.cos(mean), np.sin(mean)
    tx = xb[sel] - (c * xa[sel] - s * ya[sel])
    ty = yb[sel] - (s * xa[sel] + c * ya[sel])
    half = OFFSET_BINS // 2
    scores = np.zeros(len(pairs), np.int64)
    for shift in (0.0, OFFSET_PX / 2):  # two grids half a cell apart
        bx = np.clip(np.floor((tx + shift) / OFFSET_PX).astype(np.int64) + half, 0,
                     OFFSET_BINS - 1)
        by = np.clip(np.floor((ty + shift) / OFFSET_PX).astype(np.int64) + half, 0,
                     OFFSET_BINS - 1)
        got, _cell, votes = _best_per_pair(pair[sel], bx * OFFSET_BINS + by,
                                           OFFSET_BINS * OFFSET_BINS)
        where = np.searchsorted(pairs, got)
        scores[where] = np.maximum(scores[where], votes)
    return pairs // n, pairs % n, scores


def candidate_pairs(marks: Sequence[Marks], allowed: Callable[[int, int], bool] | None = None,
                    top: int = TOP_CANDIDATES) -> list[tuple[int, int]]:
    """Pairs (i < j) worth confirming, best first: enough shared words, among the best
    ``top`` of a page."""
    first, second, score = shared_words(marks)
    order = np.argsort(-score, kind="stable")
    taken: dict[int, int] = {}
    out = []
    for k in order[score[order] >= MIN_SHARED]:
        i, j = int(first[k]), int(second[k])
        if allowed is not None and not allowed(i, j):
            continue
        if taken.get(i, 0) >= top and taken.get(j, 0) >= top:
            continue
        taken[i] = taken.get(i, 0) + 1
        taken[j] = taken.get(j, 0) + 1
        out.append((i, j))
    return out
