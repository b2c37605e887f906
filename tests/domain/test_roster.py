"""Rosters with CP-SAT (issue 5 item 3; STANDARDS MALL-1, seed 003 一)."""

from __future__ import annotations

import dataclasses
import time as _time
from collections import Counter, defaultdict
from datetime import date, time, timedelta

import pytest

from kefu.domain.holidays import statutory_overrides
from kefu.domain.roster import (
    Assignment,
    HolidayInfo,
    Requirement,
    Roster,
    RosterInfeasible,
    Rules,
    ShiftPattern,
    Staff,
    holiday_marks,
    solve_roster,
)

SERVICE = "1F服务中心"
MEMBER = "4F会员中心"
PATTERNS = [
    ShiftPattern("S", SERVICE, time(9), time(22), 11),
    ShiftPattern("M", MEMBER, time(9), time(22), 11),
]
SPECIALISTS = [Staff(f"s{i}", f"客服专员{i}", frozenset({SERVICE})) for i in range(1, 5)] + [
    Staff(f"m{i}", f"会员专员{i}", frozenset({MEMBER})) for i in range(1, 5)
]
MANAGER = Staff("mgr", "客服经理", frozenset({SERVICE, MEMBER}), relief=True)
ALTERNATE = Rules.alternate_day()


def month(year: int, mon: int) -> list[date]:
    first = date(year, mon, 1)
    return [
        first + timedelta(days=i) for i in range(31) if (first + timedelta(days=i)).month == mon
    ]


def mall_requirements(days: list[date], count: int = 2) -> list[Requirement]:
    return [
        Requirement(d, post, code, count)
        for d in days
        for post, code in ((SERVICE, "S"), (MEMBER, "M"))
    ]


def statutory(year: int) -> dict[date, str]:
    return {o.day: o.name for o in statutory_overrides([year]) if o.kind == "holiday"}


def solve_mall(
    days: list[date], staff: list[Staff], rules: Rules = ALTERNATE, **kwargs: object
) -> Roster:
    return solve_roster(
        staff=staff,
        patterns=PATTERNS,
        requirements=mall_requirements(days),
        days=days,
        rules=rules,
        holidays=statutory(days[0].year),
        **kwargs,  # type: ignore[arg-type]
    )


def check_mall(roster: Roster, days: list[date], staff: list[Staff]) -> None:
    """Hard rules of MALL-1 hold in ``roster``."""
    posts = {p.code: p.post for p in PATTERNS}
    by_staff = {s.id: s for s in staff}
    per_slot = Counter((a.day, a.shift) for a in roster.assignments)
    for d in days:
        assert per_slot[(d, "S")] == 2 and per_slot[(d, "M")] == 2, d  # exact coverage
    worked: dict[str, set[date]] = defaultdict(set)
    for a in roster.assignments:
        assert posts[a.shift] in by_staff[a.staff_id].posts
        assert a.day not in by_staff[a.staff_id].leave
        assert a.day not in worked[a.staff_id], "two shifts on one day"
        worked[a.staff_id].add(a.day)
    for sid, seen in worked.items():
        assert len(seen) * 11 == roster.hours_by_staff[sid] <= 174
        for d in seen:  # alternate-day: never two days running, let alone three
            assert d + timedelta(days=1) not in seen


# --------------------------------------------------------------------------------------------
# The mall (MALL-1)
# --------------------------------------------------------------------------------------------


def test_mall_30_day_month_needs_exactly_the_eight_specialists() -> None:
    days = month(2026, 11)
    began = _time.perf_counter()
    roster = solve_mall(days, SPECIALISTS)
    assert _time.perf_counter() - began < 10
    check_mall(roster, days, SPECIALISTS)
    assert set(roster.hours_by_staff.values()) == {165.0}  # 15 alternate days x 11 h each
    assert roster.status == "OPTIMAL"
    assert roster.warnings == []


def test_mall_31_day_month_without_relief_is_explained_not_just_infeasible() -> None:
    # 31 days x 2 = 62 shifts per centre; 174 h / 11 h = 15 shifts each, x 4 = 60.
    with pytest.raises(RosterInfeasible) as caught:
        solve_mall(month(2026, 12), SPECIALISTS)
    text = str(caught.value)
    assert "1F服务中心:本期共需要 62 人次" in text
    assert "最多只能排 60 人次" in text
    assert "4F会员中心:本期共需要 62 人次" in text
    assert "每月工时上限" in text
    assert any("月" in p and "日" in p and "需要 2 人" in p for p in caught.value.problems)


@pytest.mark.parametrize("mon", [12, 10])
def test_mall_31_day_month_with_the_manager_as_relief(mon: int) -> None:
    days = month(2026, mon)
    staff = [*SPECIALISTS, MANAGER]
    began = _time.perf_counter()
    roster = solve_mall(days, staff)
    elapsed = _time.perf_counter() - began
    assert elapsed < 10
    check_mall(roster, days, staff)
    assert roster.status == "OPTIMAL"
    # The manager covers only the 4 shifts the specialists cannot (2 per centre).
    assert roster.hours_by_staff["mgr"] == 44
    assert all(roster.hours_by_staff[s.id] == 165 for s in SPECIALISTS)
    assert any("客服经理 顶班 4 天" in w for w in roster.warnings)


def test_statutory_holidays_are_marked_with_triple_pay() -> None:
    days = month(2026, 10)
    roster = solve_mall(days, [*SPECIALISTS, MANAGER])
    assert roster.holiday_marks[date(2026, 10, 1)] == HolidayInfo("国庆节", 3.0)
    assert set(roster.holiday_marks) == {date(2026, 10, d) for d in range(1, 8)}
    assert all(m.multiplier == 3.0 for m in roster.holiday_marks.values())
    # December has no statutory holiday.
    assert solve_mall(month(2026, 12), [*SPECIALISTS, MANAGER]).holiday_marks == {}


def test_holiday_marks_caller_multiplier_and_rest_days() -> None:
    days = [date(2026, 10, 3), date(2026, 10, 4), date(2026, 10, 10), date(2026, 10, 11)]
    marks = holiday_marks(
        days,
        {date(2026, 10, 3): "国庆节", date(2026, 10, 4): HolidayInfo("国庆节(休息日)", 2.0)},
        mark_rest_days=True,
    )
    assert marks[date(2026, 10, 3)].multiplier == 3.0
    assert marks[date(2026, 10, 4)] == HolidayInfo("国庆节(休息日)", 2.0)
    assert date(2026, 10, 10) in marks and marks[date(2026, 10, 10)].multiplier == 2.0  # Sat
    assert marks[date(2026, 10, 11)].multiplier == 2.0  # Sunday
    assert date(2026, 10, 10) not in holiday_marks(days, {})


def test_a_centre_short_on_one_day_names_the_day_the_post_and_who_is_away() -> None:
    days = month(2026, 12)
    xmas_eve = date(2026, 12, 24)
    staff = [
        dataclasses.replace(s, leave=frozenset({xmas_eve})) if s.id in {"s1", "s2", "s3"} else s
        for s in SPECIALISTS
    ]
    with pytest.raises(RosterInfeasible) as caught:
        solve_mall(days, staff)
    assert caught.value.problems == [
        "12月24日 1F服务中心 需要 2 人,只有 1 人可排(客服专员1、客服专员2、客服专员3 休假)"
    ]


def test_a_specialist_on_leave_all_month_is_explained_by_post_and_day() -> None:
    days = month(2026, 12)
    staff = [
        dataclasses.replace(SPECIALISTS[0], leave=frozenset(days)),
        *SPECIALISTS[1:],
        MANAGER,
    ]
    began = _time.perf_counter()
    with pytest.raises(RosterInfeasible) as caught:
        solve_mall(days, staff)
    assert _time.perf_counter() - began < 10
    problems = caught.value.problems
    assert problems[0].startswith("1F服务中心:本期共需要 62 人次")
    assert "客服专员1 0 天" in problems[0]
    shortfalls = [p for p in problems if "在硬性规则下只能排" in p]
    assert shortfalls and all(p.startswith("12月") for p in shortfalls)


def test_the_model_itself_infeasible_is_diagnosed_with_slack() -> None:
    # Pre-checks pass (each day has a person, 2 shifts fit the cap) but 12 h rest forbids a
    # 9-22 shift followed by the next day's 9:00 start.
    days = [date(2026, 12, 1), date(2026, 12, 2)]
    one = [Staff("a", "甲", frozenset({SERVICE}))]
    reqs = [Requirement(d, SERVICE, "S", 1) for d in days]
    kwargs = {"staff": one, "patterns": PATTERNS, "requirements": reqs, "days": days}
    with pytest.raises(RosterInfeasible) as caught:
        solve_roster(**kwargs, rules=Rules(min_rest_hours=12))  # type: ignore[arg-type]
    problems = caught.value.problems
    assert len([p for p in problems if "需要 1 人,在硬性规则下只能排 0 人" in p]) == 1
    assert "两班之间最短休息时间(12 小时)" in problems[-1]
    # 9-22 then 9:00 the next day is exactly 11 hours of rest: allowed at 11.
    roster = solve_roster(**kwargs, rules=Rules(min_rest_hours=11))  # type: ignore[arg-type]
    assert len(roster.assignments) == 2


def test_max_consecutive_days_named_when_it_is_the_culprit() -> None:
    days = [date(2026, 12, 1) + timedelta(days=i) for i in range(4)]
    one = [Staff("a", "甲", frozenset({SERVICE}))]
    reqs = [Requirement(d, SERVICE, "S", 1) for d in days]
    with pytest.raises(RosterInfeasible) as caught:
        solve_roster(
            staff=one,
            patterns=PATTERNS,
            requirements=reqs,
            days=days,
            rules=Rules(max_consecutive_days=3),
        )
    assert "最多连续工作天数" in str(caught.value)


def test_history_carries_the_consecutive_rule_across_the_month_boundary() -> None:
    days = month(2026, 12)
    last_nov = date(2026, 11, 30)
    # s1 and s2 worked on 30 November: they may not open December (alternate-day).
    history = [Assignment(last_nov, "s1", "S"), Assignment(last_nov, "s2", "S")]
    roster = solve_mall(days, [*SPECIALISTS, MANAGER], history=history)
    first = {a.staff_id for a in roster.on(date(2026, 12, 1))}
    assert not first & {"s1", "s2"}


def test_fixed_assignments_are_kept_when_re_solving() -> None:
    days = month(2026, 12)
    staff = [*SPECIALISTS, MANAGER]
    published = solve_mall(days, staff)
    cut = date(2026, 12, 10)
    keep = [a for a in published.assignments if a.day <= cut]
    # s1 falls sick on a later day they were rostered: re-solve the rest, keeping what is out.
    sick = next(a.day for a in published.assignments if a.staff_id == "s1" and a.day > cut)
    staff[0] = dataclasses.replace(SPECIALISTS[0], leave=frozenset({sick}))
    again = solve_mall(days, staff, fixed=keep)
    assert set(keep) <= set(again.assignments)
    assert sick not in {a.day for a in again.assignments if a.staff_id == "s1"}
    check_mall(again, days, staff)


def test_fixed_assignment_that_breaks_a_rule_is_refused_with_its_reason() -> None:
    days = month(2026, 11)
    on_leave = dataclasses.replace(SPECIALISTS[0], leave=frozenset({date(2026, 11, 3)}))
    with pytest.raises(RosterInfeasible) as caught:
        solve_mall(
            days,
            [on_leave, *SPECIALISTS[1:]],
            fixed=[
                Assignment(date(2026, 11, 3), "s1", "S"),
                Assignment(date(2026, 11, 4), "m1", "S"),
            ],
        )
    assert caught.value.problems == [
        "已发布排班 11月3日 客服专员1:当天已批准休假",
        "已发布排班 11月4日 会员专员1:不能在 1F服务中心 上岗",
    ]


def test_preferences_are_honoured_when_possible() -> None:
    days = month(2026, 11)
    d = date(2026, 11, 14)
    staff = [
        dataclasses.replace(SPECIALISTS[0], preferences={d: False}),
        dataclasses.replace(SPECIALISTS[1], preferences={d: True}),
        *SPECIALISTS[2:],
    ]
    roster = solve_mall(days, staff)
    on = {a.staff_id for a in roster.on(d)}
    assert "s1" not in on and "s2" in on
    assert not [w for w in roster.warnings if "希望" in w]


def test_a_wish_that_cannot_be_granted_is_a_warning_not_a_failure() -> None:
    days = month(2026, 11)
    d = date(2026, 11, 14)
    # All four service specialists want the day off: two must still work.
    staff = [
        dataclasses.replace(s, preferences={d: False}) if s.id.startswith("s") else s
        for s in SPECIALISTS
    ]
    roster = solve_mall(days, staff)
    check_mall(roster, days, staff)
    assert len([w for w in roster.warnings if w.startswith("11月14日") and "希望休息" in w]) == 2


def test_skills_and_at_least_coverage_for_a_hotline() -> None:
    hotline = "热线"
    patterns = [
        ShiftPattern("E", hotline, time(8), time(16), 8),
        ShiftPattern("L", hotline, time(14), time(22), 8),
        ShiftPattern("N", hotline, time(22), time(8), 10),
    ]
    days = [date(2026, 12, 1) + timedelta(days=i) for i in range(14)]
    staff = [
        Staff(f"h{i}", f"话务员{i}", frozenset({hotline}), frozenset({"VIP"} if i < 3 else set()))
        for i in range(10)
    ]
    reqs = [Requirement(d, hotline, code, 2) for d in days for code in ("E", "L", "N")]
    reqs += [Requirement(d, hotline, "E", 1, skill="VIP") for d in days]
    roster = solve_roster(
        staff=staff,
        patterns=patterns,
        requirements=reqs,
        days=days,
        rules=Rules(max_consecutive_days=5, exact_coverage=False),
    )
    assert roster.status in {"OPTIMAL", "FEASIBLE"}
    by_id = {s.id: s for s in staff}
    spans = {p.code: p for p in patterns}
    for d in days:
        on = [a for a in roster.on(d)]
        for code in ("E", "L", "N"):
            assert sum(a.shift == code for a in on) >= 2
        assert any(a.shift == "E" and "VIP" in by_id[a.staff_id].skills for a in on)
    # Rest: a night shift (22-8) is never followed by the next day's early (8:00) or late (14:00).
    worked = {(a.staff_id, a.day): a.shift for a in roster.assignments}
    for (sid, d), code in worked.items():
        nxt = worked.get((sid, d + timedelta(days=1)))
        if nxt:
            _, end = spans[code].span(d)
            start, _ = spans[nxt].span(d + timedelta(days=1))
            assert start - end >= timedelta(hours=11)


def test_skill_shortage_is_named() -> None:
    days = [date(2026, 12, 24)]
    staff = [Staff("a", "甲", frozenset({SERVICE})), Staff("b", "乙", frozenset({SERVICE}))]
    reqs = [
        Requirement(days[0], SERVICE, "S", 2),
        Requirement(days[0], SERVICE, "S", 1, skill="粤语"),
    ]
    with pytest.raises(RosterInfeasible) as caught:
        solve_roster(staff=staff, patterns=PATTERNS, requirements=reqs, days=days)
    assert caught.value.problems == [
        "12月24日 1F服务中心 需要 1 名具备「粤语」技能的人员,只有 0 人可排"
    ]


def test_bad_input_is_named() -> None:
    days = [date(2026, 12, 24)]
    reqs = [Requirement(days[0], SERVICE, "X", 1), Requirement(days[0], MEMBER, "S", 1)]
    with pytest.raises(RosterInfeasible) as caught:
        solve_roster(staff=SPECIALISTS, patterns=PATTERNS, requirements=reqs, days=days)
    assert caught.value.problems == [
        "需求 12月24日 1F服务中心 使用了未知班次 X",
        "需求 12月24日 4F会员中心 的班次 S 属于 1F服务中心",
    ]


def test_balanced_hours_and_weekends_when_there_is_slack() -> None:
    # 5 people for 1 post needing 1 a day over 30 days: 6 shifts each, weekends shared.
    days = month(2026, 11)
    staff = [Staff(f"p{i}", f"员工{i}", frozenset({SERVICE})) for i in range(5)]
    roster = solve_roster(
        staff=staff,
        patterns=PATTERNS,
        requirements=[Requirement(d, SERVICE, "S", 1) for d in days],
        days=days,
    )
    assert set(roster.hours_by_staff.values()) == {66.0}
    weekend = Counter(a.staff_id for a in roster.assignments if a.day.weekday() >= 5)
    assert max(weekend.values()) - min(weekend[s.id] for s in staff) <= 1
