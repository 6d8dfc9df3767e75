"""Renumber plans: inserting where the scan left a number out fills the gap instead of
shifting every later page past it (and leaving the gap where it was)."""

from __future__ import annotations

import pytest

from dangan.domain.pages import PageFile, PlanError, plan_renumber


def _files(*numbers: int) -> list[PageFile]:
    return [PageFile(n, f"{n:04d}.jpg", "jpg") for n in numbers]


def _name(n: int, ext: str) -> str:
    return f"{n:04d}.{ext}"


def _final(plan) -> list[int]:  # type: ignore[no-untyped-def]
    return [n for n, _ in plan.final]


@pytest.mark.parametrize("where", [{"insert_before": 7}, {"insert_after": 5},
                                   {"insert_before": 6}])
def test_one_page_fills_a_one_page_gap(where: dict[str, int]) -> None:
    plan = plan_renumber(_files(1, 2, 3, 4, 5, 7, 8), _name, new_exts=["jpg"], **where)
    assert plan.moves == () and plan.inserts == ((0, "0006.jpg"),)
    assert _final(plan) == [1, 2, 3, 4, 5, 6, 7, 8]


def test_more_pages_than_the_gap_holds_shift_only_the_rest() -> None:
    plan = plan_renumber(_files(1, 2, 4, 5), _name, new_exts=["jpg", "jpg"], insert_before=4)
    assert plan.inserts == ((0, "0003.jpg"), (1, "0004.jpg"))
    assert sorted(plan.moves) == [("0004.jpg", "0005.jpg"), ("0005.jpg", "0006.jpg")]
    assert _final(plan) == [1, 2, 3, 4, 5, 6]


def test_a_gap_is_filled_from_its_start() -> None:
    plan = plan_renumber(_files(1, 2, 5), _name, new_exts=["jpg"], insert_before=5)
    assert plan.inserts == ((0, "0003.jpg"),) and plan.moves == ()


def test_a_missing_first_page_is_filled_by_prepending() -> None:
    plan = plan_renumber(_files(2, 3), _name, new_exts=["jpg"], insert_after=0)
    assert plan.inserts == ((0, "0001.jpg"),) and plan.moves == ()


def test_without_a_gap_later_pages_shift_as_before() -> None:
    plan = plan_renumber(_files(1, 2, 3), _name, new_exts=["jpg"], insert_before=2)
    assert plan.inserts == ((0, "0002.jpg"),)
    assert sorted(plan.moves) == [("0002.jpg", "0003.jpg"), ("0003.jpg", "0004.jpg")]
    appended = plan_renumber(_files(1, 2, 3), _name, new_exts=["jpg"], insert_after=3)
    assert appended.inserts == ((0, "0004.jpg"),) and appended.moves == ()


def test_a_number_past_the_end_is_still_refused() -> None:
    with pytest.raises(PlanError) as err:
        plan_renumber(_files(1, 2, 3), _name, new_exts=["jpg"], insert_before=9)
    assert err.value.args[0] == "page_absent"
