"""QC sampling plans: how many units to inspect, which ones, and the verdict. Pure.

The sample is drawn with ``random.Random(seed)`` over the population sorted by its key, so
recording the seed (QCInspection.seed) is enough to redraw exactly the same sample later.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T", bound=Hashable)


@dataclass(frozen=True)
class SamplingPlan:
    """Default from DOMAIN.md: ≥5 % of items, at least ``min_items``, pass at ≥95 %."""

    sample_rate: float = 0.05
    min_items: int = 5
    pass_rate: float = 0.95
    critical: frozenset[str] = frozenset({"archive_code", "missing_page"})

    def sample_size(self, population: int) -> int:
        if population <= 0:
            return 0
        wanted = max(math.ceil(population * self.sample_rate - 1e-9), self.min_items)
        return min(population, wanted)


def draw_sample(population: Sequence[T], size: int, seed: int,
                must_include: Iterable[T] = ()) -> list[T]:
    """``size`` units drawn reproducibly from ``population`` (plus ``must_include``).

    ``must_include`` (e.g. units that had defects in the previous round) are always in the
    sample and do not count towards ``size``. The result is in population order.
    """
    ordered = sorted(set(population), key=_sort_key)
    forced = [u for u in ordered if u in set(must_include)]
    rest = [u for u in ordered if u not in set(forced)]
    rng = random.Random(seed)
    picked = set(rng.sample(rest, min(size, len(rest)))) | set(forced)
    return [u for u in ordered if u in picked]


def _sort_key(unit: object) -> tuple[str, object]:
    return (type(unit).__name__, unit)


@dataclass(frozen=True)
class Verdict:
    passed: bool
    rate: float
    inspected: int
    defective: int
    critical: int


def decide(plan: SamplingPlan, inspected: int, defective_units: int,
           critical_defects: int) -> Verdict:
    """Pass when the share of good units reaches the plan's rate and no critical defect exists."""
    rate = 1.0 if inspected == 0 else (inspected - defective_units) / inspected
    passed = inspected > 0 and rate + 1e-9 >= plan.pass_rate and critical_defects == 0
    return Verdict(passed, rate, inspected, defective_units, critical_defects)
