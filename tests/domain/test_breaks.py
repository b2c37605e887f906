"""Meal-break rotation (issue 5 item 4; STANDARDS MALL-1)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.domain.breaks import plan_breaks, present

SERVICE = "1F服务中心"
MEMBER = "4F会员中心"
HOUR = timedelta(hours=1)


def minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def check(
    plan: dict[str, tuple[time, time]],
    on_duty: dict[str, list[str]],
    min_present: int,
    lunch: tuple[time, time] = (time(11, 30), time(13, 30)),
    supper: tuple[time, time] = (time(17, 0), time(19, 0)),
) -> None:
    assert set(plan) == {p for people in on_duty.values() for p in people}
    for first, second in plan.values():
        assert minutes(lunch[0]) <= minutes(first) and minutes(first) + 60 <= minutes(lunch[1])
        assert minutes(supper[0]) <= minutes(second) and minutes(second) + 60 <= minutes(supper[1])
    for people in on_duty.values():
        for m in range(9 * 60, 22 * 60, 5):  # every 5 minutes of opening hours
            at = time(m // 60, m % 60)
            assert len(present(plan, people, at)) >= min_present, at


def test_two_per_centre_as_in_the_manual() -> None:
    on_duty = {SERVICE: ["甲", "乙"], MEMBER: ["丙", "丁"]}
    plan = plan_breaks(on_duty)
    assert plan == {
        "甲": (time(11, 30), time(17, 0)),
        "乙": (time(12, 30), time(18, 0)),
        "丙": (time(11, 30), time(17, 0)),
        "丁": (time(12, 30), time(18, 0)),
    }
    check(plan, on_duty, 1)


def test_everyone_has_the_same_gap_between_lunch_and_supper() -> None:
    plan = plan_breaks({SERVICE: ["甲", "乙"]})
    gaps = {
        datetime.combine(datetime.min, s) - datetime.combine(datetime.min, lunch)
        for lunch, s in plan.values()
    }
    assert len(gaps) == 1


def test_one_person_alone_cannot_take_a_break() -> None:
    with pytest.raises(ValueError, match="1F服务中心 只有 1 人在岗,午休轮休时至少要有 1 人在岗"):
        plan_breaks({SERVICE: ["甲"], MEMBER: ["丙", "丁"]})


def test_alone_is_fine_when_the_desk_may_close() -> None:
    assert plan_breaks({SERVICE: ["甲"]}, min_present=0) == {"甲": (time(11, 30), time(17, 0))}


def test_too_many_for_the_window() -> None:
    # 3 people, 2 must stay: 3 rounds of 1 needed, a 2-hour window holds 2.
    with pytest.raises(ValueError, match="只能分 2 批、每批最多 1 人休息"):
        plan_breaks({SERVICE: ["甲", "乙", "丙"]}, min_present=2)


def test_empty_centre_and_duplicates() -> None:
    with pytest.raises(ValueError, match="4F会员中心 无人在岗"):
        plan_breaks({SERVICE: ["甲", "乙"], MEMBER: []})
    with pytest.raises(ValueError, match="甲 同一天在两个中心在岗"):
        plan_breaks({SERVICE: ["甲", "乙"], MEMBER: ["甲", "丁"]})
    with pytest.raises(ValueError, match="重复"):
        plan_breaks({SERVICE: ["甲", "甲"]})


def test_break_longer_than_the_window() -> None:
    with pytest.raises(ValueError, match="放不下 150 分钟的休息"):
        plan_breaks({SERVICE: ["甲", "乙"]}, length=timedelta(minutes=150))


def test_three_in_a_centre_take_two_rounds() -> None:
    on_duty = {SERVICE: ["甲", "乙", "丙"]}
    plan = plan_breaks(on_duty)
    assert sorted(lunch for lunch, _ in plan.values()) == [time(11, 30), time(11, 30), time(12, 30)]
    check(plan, on_duty, 1)


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=4),
    min_present=st.integers(min_value=0, max_value=4),
)
def test_property_plan_exists_iff_staggering_fits(sizes: list[int], min_present: int) -> None:
    on_duty = {f"中心{c}": [f"员工{c}-{i}" for i in range(n)] for c, n in enumerate(sizes)}
    fits = all(
        (n == 0 and min_present == 0) or (n - min_present >= 1 and -(-n // (n - min_present)) <= 2)
        for n in sizes
    )
    if fits:
        check(plan_breaks(on_duty, min_present=min_present), on_duty, min_present)
    else:
        with pytest.raises(ValueError):
            plan_breaks(on_duty, min_present=min_present)
