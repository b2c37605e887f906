"""MALL-6: the 1st verified complaint of a year costs the month's bonus, the 2nd the year's, the
3rd leads to a termination recommendation; reversing a verification reverses its step."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.ladder import (
    DEFAULT_LADDER,
    LadderStep,
    VerifiedComplaint,
    ladder_check,
    standings,
)


def vc(cid: str, staff: str, day: date) -> VerifiedComplaint:
    return VerifiedComplaint(complaint=cid, staff=staff, verified_on=day)


@pytest.mark.parametrize(
    ("days", "action", "count"),
    [
        ([], None, 0),
        ([date(2026, 3, 5)], "month_bonus", 1),
        ([date(2026, 3, 5), date(2026, 6, 1)], "year_bonus", 2),
        ([date(2026, 3, 5), date(2026, 6, 1), date(2026, 9, 9)], "termination", 3),
        (
            [date(2026, 3, 5), date(2026, 6, 1), date(2026, 9, 9), date(2026, 12, 1)],
            "termination",
            4,
        ),
    ],
)
def test_steps_follow_the_count_of_the_year(
    days: list[date], action: str | None, count: int
) -> None:
    result = standings([vc(f"c{i}", "s1", d) for i, d in enumerate(days)], year=2026)
    if not days:
        assert result == {}
        return
    s = result["s1"]
    assert s.count == count
    assert s.step is not None and s.step.action == action
    assert [c.step.count for c in s.consequences] == [min(n, 3) for n in range(1, count + 1)]


def test_each_calendar_year_starts_again() -> None:
    complaints = [
        vc("a", "s1", date(2025, 11, 1)),
        vc("b", "s1", date(2025, 12, 1)),
        vc("c", "s1", date(2026, 1, 2)),
    ]
    assert standings(complaints, year=2025)["s1"].step.action == "year_bonus"  # type: ignore[union-attr]
    assert standings(complaints, year=2026)["s1"].step.action == "month_bonus"  # type: ignore[union-attr]


def test_reversing_a_verification_reverses_the_step() -> None:
    complaints = [vc("a", "s1", date(2026, 2, 1)), vc("b", "s1", date(2026, 4, 1))]
    assert standings(complaints, year=2026)["s1"].step.action == "year_bonus"  # type: ignore[union-attr]
    reversed_b = [c for c in complaints if c.complaint != "b"]
    assert standings(reversed_b, year=2026)["s1"].step.action == "month_bonus"  # type: ignore[union-attr]


def test_people_are_counted_separately_and_order_is_by_verification_date() -> None:
    complaints = [
        vc("late", "s1", date(2026, 8, 1)),
        vc("early", "s1", date(2026, 1, 1)),
        vc("x", "s2", date(2026, 5, 5)),
    ]
    result = standings(complaints, year=2026)
    assert [c.complaint for c in result["s1"].consequences] == ["early", "late"]
    assert result["s2"].count == 1


def test_a_configured_ladder_with_a_warning_first() -> None:
    ladder = (
        LadderStep(1, "warning", "书面警告"),
        LadderStep(3, "month_bonus", "扣发当月奖金"),
    )
    complaints = [vc(str(i), "s1", date(2026, 1, i + 1)) for i in range(2)]
    s = standings(complaints, year=2026, ladder=ladder)["s1"]
    assert s.step.action == "warning" and len(s.consequences) == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("ladder", "message"),
    [
        ((), "不能为空"),
        ((LadderStep(2, "a", "x"), LadderStep(2, "b", "y")), "逐级递增"),
        ((LadderStep(0, "a", "x"),), "逐级递增"),
        ((LadderStep(1, "a", " "),), "不能为空"),
    ],
)
def test_a_bad_ladder_is_refused_with_a_message(
    ladder: tuple[LadderStep, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ladder_check(ladder)
    with pytest.raises(ValueError, match=message):
        standings([], year=2026, ladder=ladder)


@given(st.lists(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)), max_size=8))
def test_more_complaints_never_lower_the_step(days: list[date]) -> None:
    previous = 0
    for n in range(1, len(days) + 1):
        s = standings([vc(str(i), "s1", d) for i, d in enumerate(days[:n])], year=2026)["s1"]
        assert s.step is not None
        assert s.step.count >= previous
        previous = s.step.count
    assert DEFAULT_LADDER[0].count == 1


def test_same_day_complaints_count_in_numeric_id_order() -> None:
    from datetime import date as _date

    from kefu.domain.ladder import VerifiedComplaint, standings

    day = _date(2026, 5, 1)
    found = standings([VerifiedComplaint(10, "s", day), VerifiedComplaint(9, "s", day)], year=2026)[
        "s"
    ]
    assert [c.complaint for c in found.consequences] == [9, 10]
