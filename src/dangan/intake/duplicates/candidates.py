"""Candidate pairs: pages that share many LSH words of their marks at one consistent turn."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from dangan.intake.duplicates.marks import Marks

HASH_TABLES = 6
HASH_BITS = 16
TURN_BINS = 16
MIN_SHARED = 6  # shared words a pair needs to be a candidate
TOP_CANDIDATES = 3  # candidates kept per page, best first
MAX_WORD_PAGES = 16  # a word on more pages than this is texture, not one sheet

_BIT_ORDER = np.random.default_rng(20_261_126).permutation(256)


def _words(desc: np.ndarray) -> np.ndarray:
    """(n, HASH_TABLES) LSH words per descriptor: disjoint random bit subsets, offset by table."""
    bits = np.unpackbits(desc, axis=1)[:, _BIT_ORDER[: HASH_TABLES * HASH_BITS]]
    weights = (1 << np.arange(HASH_BITS, dtype=np.int64))
    words = bits.reshape(len(desc), HASH_TABLES, HASH_BITS).astype(np.int64) @ weights
    out: np.ndarray = words + (np.arange(HASH_TABLES, dtype=np.int64) << HASH_BITS)
    return out


def _postings(marks: Sequence[Marks]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(word, page, turn) of every keypoint's words, sorted by word then page."""
    words_l, pages_l, turns_l = [], [], []
    for i, m in enumerate(marks):
        if len(m):
            w = _words(m.desc)
            words_l.append(w.ravel())
            pages_l.append(np.full(w.size, i, np.int64))
            turns_l.append(np.repeat(m.turn.astype(np.int64), HASH_TABLES))
    if not words_l:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    words, pages, turns = (np.concatenate(x) for x in (words_l, pages_l, turns_l))
    order = np.lexsort((pages, words))
    return words[order], pages[order], turns[order]


def shared_words(marks: Sequence[Marks]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, score) for every pair of pages i < j that share a word.

    Two scans of one sheet share words whose keypoints all turned by the same angle (the
    angle between the scans); words shared by chance (one typeface, ruled lines) turn any
    way. So shared words are counted per bin of angle difference, and the best bin (with
    its neighbour) is the pair's score.
    """
    n = len(marks)
    words, pages, turns = _postings(marks)
    _, start, count = np.unique(words, return_index=True, return_counts=True)
    keep = (count >= 2) & (count <= MAX_WORD_PAGES)
    codes: list[np.ndarray] = []
    for size in np.unique(count[keep]):
        s = int(size)
        idx = start[keep & (count == s)][:, None] + np.arange(s)[None, :]
        pg, tn = pages[idx], turns[idx]
        for a, b in itertools.combinations(range(s), 2):
            other = pg[:, a] != pg[:, b]
            dbin = ((tn[:, b] - tn[:, a]) % 256) * TURN_BINS // 256
            codes.append(((pg[:, a] * n + pg[:, b]) * TURN_BINS + dbin)[other])
    if not codes:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    keys, counts = np.unique(np.concatenate(codes), return_counts=True)
    pairs, inverse = np.unique(keys // TURN_BINS, return_inverse=True)
    grid = np.zeros((len(pairs), TURN_BINS), np.int64)
    grid[inverse, keys % TURN_BINS] = counts
    score = (grid + np.roll(grid, -1, axis=1)).max(axis=1)
    return pairs // n, pairs % n, score


def candidate_pairs(marks: Sequence[Marks], allowed: Callable[[int, int], bool] | None = None,
                    ) -> list[tuple[int, int]]:
    """Pairs (i < j) worth confirming: enough shared words, among the best few of a page."""
    first, second, score = shared_words(marks)
    order = np.argsort(-score, kind="stable")
    taken: dict[int, int] = {}
    out = []
    for k in order[score[order] >= MIN_SHARED]:
        i, j = int(first[k]), int(second[k])
        if allowed is not None and not allowed(i, j):
            continue
        if taken.get(i, 0) >= TOP_CANDIDATES and taken.get(j, 0) >= TOP_CANDIDATES:
            continue
        taken[i] = taken.get(i, 0) + 1
        taken[j] = taken.get(j, 0) + 1
        out.append((i, j))
    return out
