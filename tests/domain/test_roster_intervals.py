"""Hotline rosters against per-interval Erlang demand (issue 5 item 3)."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from ortools.sat.python import cp_model

from kefu.domain.erlang import required_agents, staffing_plan
from kefu.domain.roster import Assignment, RosterInfeasible, Rules, ShiftPattern, Staff
from kefu.domain.roster_interval_greedy import hard_rule_problems, repair
from kefu.domain.roster_interval_model import (
    Weights,
    build_full,
    evaluate,
    full_solver,
    make_setup,
)
from kefu.domain.roster_intervals import (
    IntervalDemand,
    IntervalRoster,
    IntervalShift,
    demands_from_forecast,
    demands_from_plan,
    hotline_shifts,
    solve_intervals,
)

HOTLINE = "热线"
WEEK = [date(2026, 12, 7) + timedelta(days=i) for i in range(7)]  # Monday 7 to Sunday 13
# Calls per half hour from 08:00 to 22:00: morning and afternoon peaks.
CURVE = [10, 20, 35, 45, 50, 50, 45, 40, 35, 40, 45, 50, 50, 45]
CURVE += [40, 35, 30, 25, 20, 18, 15, 12, 10, 8, 6, 5, 4, 3]
DAYTIME = hotline_shifts(HOTLINE, opening=time(8), closing=time(22))


def forecast(days: list[date], scale: float = 1.0) -> list[tuple[datetime, float]]:
    return [
        (
            datetime.combine(d, time(8)) + timedelta(minutes=30 * i),
            calls * scale * (0.7 if d.weekday() >= 5 else 1.0),
        )
        for d in days
        for i, calls in enumerate(CURVE)
    ]


def agents(n: int, **kwargs: object) -> list[Staff]:
    return [
        Staff(f"h{i:02d}", f"话务员{i}", frozenset({HOTLINE}), **kwargs)  # type: ignore[arg-type]
        for i in range(n)
    ]


def check_hard_rules(
    roster: IntervalRoster,
    staff: list[Staff],
    shifts: list[IntervalShift],
    rules: Rules,
    history: list[Assignment] = (),  # type: ignore[assignment]
) -> None:
    """The hard rules, recomputed from the assignments alone."""
    by_code = {s.code: s for s in shifts}
    by_id = {s.id: s for s in staff}
    mine: dict[str, list[Assignment]] = defaultdict(list)
    for a in [*history, *roster.assignments]:
        mine[a.staff_id].append(a)
    for sid, own in mine.items():
        person = by_id[sid]
        in_period = [a for a in own if a in roster.assignments]
        assert len({a.day for a in own}) == len(own), "one shift a day"
        assert sum(by_code[a.shift].pattern.counted_hours for a in in_period) <= person.max_hours
        for a in in_period:
            assert a.day not in person.leave
            assert by_code[a.shift].post in person.posts
        spans = sorted(by_code[a.shift].pattern.span(a.day) for a in own)
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert start - end >= timedelta(hours=rules.min_rest_hours)
        days = sorted(a.day for a in own)
        run = 1
        for before, after in zip(days, days[1:], strict=False):
            run = run + 1 if after - before == timedelta(days=1) else 1
            assert run <= rules.max_consecutive_days


def recount(roster: IntervalRoster, staff: list[Staff], shifts: list[IntervalShift]) -> Counter:
    """Agents at the phones per (day, interval start, skill), from the assignments."""
    by_code = {s.code: s for s in shifts}
    by_id = {s.id: s for s in staff}
    seen: Counter = Counter()
    for cover in roster.coverage:
        moment = datetime.combine(cover.day, cover.start)
        for a in roster.assignments:
            if by_code[a.shift].covers(a.day, moment) and (
                cover.skill is None or cover.skill in by_id[a.staff_id].skills
            ):
                seen[(cover.day, cover.start, cover.skill)] += 1
    return seen


# --------------------------------------------------------------------------------------------
# Shift patterns and coverage of an interval
# --------------------------------------------------------------------------------------------


def test_hotline_shifts_start_every_hour_and_the_last_ends_at_closing() -> None:
    codes = [s.code for s in DAYTIME]
    assert codes == [*(f"热线{h:02d}00+8" for h in range(8, 14)), "热线1330+8"]  # ends at 22:00
    first = DAYTIME[0]
    assert (first.pattern.start, first.pattern.end) == (time(8), time(16, 30))
    assert first.breaks == ((time(12), time(12, 30)),)  # unpaid meal after 4 hours
    assert first.pattern.counted_hours == 8


def test_hotline_shifts_round_the_clock_and_of_several_lengths() -> None:
    shifts = hotline_shifts(HOTLINE, lengths=(8, 4), step=timedelta(minutes=30))
    assert len(shifts) == 96  # 48 starts for each length
    night = next(s for s in shifts if s.code == "热线2200+8")
    assert (night.pattern.start, night.pattern.end) == (time(22), time(6, 30))
    assert night.breaks == ((time(2), time(2, 30)),)
    short = next(s for s in shifts if s.code == "热线1000+4")
    assert short.breaks == () and short.pattern.end == time(14)  # no meal under 6 hours


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"step": timedelta(0)}, "班次起始间隔必须大于 0"),
        ({"lengths": (0,)}, "班次时长必须大于 0"),
        ({"opening": time(8), "closing": time(12)}, "放不下任何班次"),
    ],
)
def test_hotline_shifts_refuse_bad_settings(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        hotline_shifts(HOTLINE, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("at", "covered"),
    [
        (time(7, 30), False),
        (time(8), True),
        (time(11, 30), True),
        (time(12), False),  # the meal
        (time(12, 30), True),
        (time(16), True),
        (time(16, 30), False),  # the shift has ended
    ],
)
def test_a_shift_covers_intervals_starting_inside_it_but_not_in_its_meal(
    at: time, covered: bool
) -> None:
    shift = DAYTIME[0]  # 08:00-16:30, meal 12:00-12:30
    assert shift.covers(WEEK[0], datetime.combine(WEEK[0], at)) is covered


def test_a_night_shift_covers_the_next_mornings_intervals() -> None:
    night = IntervalShift(
        ShiftPattern("N", HOTLINE, time(22), time(6, 30), 8), ((time(2), time(2, 30)),)
    )
    monday, tuesday = WEEK[0], WEEK[1]
    assert night.covers(monday, datetime.combine(tuesday, time(1)))
    assert not night.covers(monday, datetime.combine(tuesday, time(2)))
    assert not night.covers(monday, datetime.combine(monday, time(1)))


def test_a_break_outside_the_shift_is_refused() -> None:
    with pytest.raises(ValueError, match="休息时间不在班次时间内"):
        IntervalShift(ShiftPattern("E", HOTLINE, time(8), time(16), 8), ((time(17), time(17, 30)),))


# --------------------------------------------------------------------------------------------
# Demand from an Erlang plan
# --------------------------------------------------------------------------------------------


def test_demands_from_a_forecast_are_the_erlang_scheduled_counts() -> None:
    demands = demands_from_forecast(forecast(WEEK[:1]), post=HOTLINE, aht=240)
    assert len(demands) == 28
    peak = demands[4]  # 10:00, 50 calls
    expected = required_agents(calls=50, aht=240)
    assert (peak.day, peak.start, peak.count) == (WEEK[0], time(10), expected.scheduled)
    assert peak.post == HOTLINE and peak.skill is None


def test_demands_from_a_plan_of_times_of_day_take_the_given_day() -> None:
    plan = staffing_plan([(time(9), 60.0), ("09:30", 100.0)], aht=180)
    demands = demands_from_plan(plan, post=HOTLINE, day=WEEK[2], scheduled=False)
    assert [(d.day, d.start, d.count) for d in demands] == [
        (WEEK[2], time(9), 9),
        (WEEK[2], time(9, 30), 14),
    ]
    with pytest.raises(ValueError, match="没有日期"):
        demands_from_plan(plan, post=HOTLINE)


# --------------------------------------------------------------------------------------------
# Solving
# --------------------------------------------------------------------------------------------

WEEK_RULES = Rules(max_consecutive_days=5)


def solve_week(staff: list[Staff], scale: float = 1.0, **kwargs: object) -> IntervalRoster:
    return solve_intervals(
        staff=staff,
        shifts=DAYTIME,
        demands=demands_from_forecast(forecast(WEEK, scale), post=HOTLINE, aht=240),
        days=WEEK,
        rules=kwargs.pop("rules", WEEK_RULES),  # type: ignore[arg-type]
        time_limit_s=kwargs.pop("time_limit_s", 3),
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_small_hotline_week_keeps_the_hard_rules_and_reports_its_coverage() -> None:
    staff = agents(20, max_hours=40)  # 5 shifts each: fewer than the week needs
    roster = solve_week(staff)
    check_hard_rules(roster, staff, DAYTIME, WEEK_RULES)
    assert len(roster.coverage) == 7 * 28
    seen = recount(roster, staff, DAYTIME)
    for cover in roster.coverage:
        assert cover.scheduled == seen[(cover.day, cover.start, None)]
    assert roster.shortfall == sum(max(0, c.required - c.scheduled) for c in roster.coverage) > 0
    assert roster.short_intervals and all(c.short > 0 for c in roster.short_intervals)
    assert roster.required == sum(c.required for c in roster.coverage)
    assert any(
        w.startswith(f"{len(roster.short_intervals)} 个时段人手不足") for w in roster.warnings
    )
    # Everyone works their 40 hours: the demand needs more than the team has.
    assert set(roster.hours_by_staff.values()) == {40.0}
    assert roster.status in {"OPTIMAL", "FEASIBLE"}
    assert roster.objective >= roster.best_bound >= 0
    assert 0 <= roster.gap <= 1
    assert roster.variables > 0 and {"aggregate", "construct"} <= set(roster.timings)


def test_with_enough_agents_every_interval_is_covered() -> None:
    staff = agents(40)
    roster = solve_week(staff)
    check_hard_rules(roster, staff, DAYTIME, WEEK_RULES)
    assert roster.shortfall == 0 and roster.short_intervals == []
    assert not any("人手不足" in w for w in roster.warnings)


def test_the_shortfall_is_what_the_hours_cap_leaves_uncovered() -> None:
    # One agent, one day, one interval needing two: one is the least shortfall.
    day = WEEK[0]
    roster = solve_intervals(
        staff=agents(1),
        shifts=DAYTIME,
        demands=[IntervalDemand(day, HOTLINE, time(10), 2)],
        days=[day],
        time_limit_s=5,
    )
    assert roster.shortfall == 1 and roster.status == "OPTIMAL"
    (short,) = roster.short_intervals
    assert short.label() == "12月7日 热线 10:00-10:30"


def test_leave_preferences_and_fixed_assignments_are_kept() -> None:
    staff = agents(30)
    staff[0] = dataclasses.replace(staff[0], leave=frozenset(WEEK[:3]))
    staff[1] = dataclasses.replace(staff[1], preferences={WEEK[4]: False})
    fixed = [Assignment(WEEK[5], "h02", "热线1300+8")]
    roster = solve_week(staff, fixed=fixed)
    check_hard_rules(roster, staff, DAYTIME, WEEK_RULES)
    assert not {a.day for a in roster.assignments if a.staff_id == "h00"} & set(WEEK[:3])
    assert WEEK[4] not in {a.day for a in roster.assignments if a.staff_id == "h01"}
    assert fixed[0] in roster.assignments


def test_a_fixed_assignment_that_breaks_a_hard_rule_is_refused() -> None:
    staff = agents(5, leave=frozenset({WEEK[1]}))
    with pytest.raises(RosterInfeasible) as caught:
        solve_week(staff, fixed=[Assignment(WEEK[1], "h00", "热线0800+8")])
    assert caught.value.problems == ["已发布排班 12月8日 话务员0:当天已批准休假"]


def test_skill_demand_is_covered_by_agents_with_the_skill() -> None:
    staff = [
        dataclasses.replace(s, skills=frozenset({"粤语"})) if i < 4 else s
        for i, s in enumerate(agents(30))
    ]
    demands = demands_from_forecast(forecast(WEEK), post=HOTLINE, aht=240)
    demands += [IntervalDemand(d, HOTLINE, time(10), 1, skill="粤语") for d in WEEK]
    roster = solve_intervals(
        staff=staff, shifts=DAYTIME, demands=demands, days=WEEK, rules=WEEK_RULES, time_limit_s=4
    )
    check_hard_rules(roster, staff, DAYTIME, WEEK_RULES)
    seen = recount(roster, staff, DAYTIME)
    skilled = [c for c in roster.coverage if c.skill == "粤语"]
    assert len(skilled) == 7
    for cover in skilled:
        assert cover.scheduled == seen[(cover.day, cover.start, "粤语")] >= 1


def test_rest_and_consecutive_days_hold_round_the_clock_and_across_the_boundary() -> None:
    shifts = hotline_shifts(HOTLINE, step=timedelta(hours=2))  # round the clock, nights too
    demands = [
        IntervalDemand(d, HOTLINE, time(h, m), 3 if 8 <= h < 20 else 1)
        for d in WEEK
        for h in range(24)
        for m in (0, 30)
    ]
    staff = agents(14)
    rules = Rules(max_consecutive_days=4, min_rest_hours=12)
    # h00 worked the night before the week and the four days before it.
    history = [Assignment(WEEK[0] - timedelta(days=i), "h00", "热线2200+8") for i in range(1, 5)]
    roster = solve_intervals(
        staff=staff,
        shifts=shifts,
        demands=demands,
        days=WEEK,
        rules=rules,
        history=history,
        time_limit_s=4,
    )
    check_hard_rules(roster, staff, shifts, rules, history)
    assert WEEK[0] not in {a.day for a in roster.assignments if a.staff_id == "h00"}
    # The night of 6 December covers the early hours of the 7th (one of the three needed).
    first_night = [c for c in roster.coverage if c.day == WEEK[0] and c.start == time(1)]
    assert first_night[0].scheduled >= 1


def test_bad_demand_is_refused_with_its_day_and_time() -> None:
    with pytest.raises(RosterInfeasible) as caught:
        solve_intervals(
            staff=agents(2),
            shifts=DAYTIME,
            demands=[
                IntervalDemand(WEEK[0], HOTLINE, time(9), -1),
                IntervalDemand(date(2027, 1, 1), HOTLINE, time(9), 1),
            ],
            days=WEEK,
        )
    assert caught.value.problems == [
        "需求 12月7日 热线 09:00 的人数不能为负数",
        "需求 1月1日 热线 09:00 不在排班期间内",
    ]


# --------------------------------------------------------------------------------------------
# The steps inside: the model's objective, the local search, the rule check
# --------------------------------------------------------------------------------------------


def test_the_cp_sat_objective_of_a_roster_is_what_evaluate_computes() -> None:
    staff = agents(6, max_hours=24)
    staff[0] = dataclasses.replace(staff[0], preferences={WEEK[0]: False}, relief=True)
    days = WEEK[:3]
    demands = demands_from_forecast(forecast(days, 0.3), post=HOTLINE, aht=240)
    demands.append(IntervalDemand(days[0], HOTLINE, time(10), 1, skill="粤语"))
    rules = Rules(max_consecutive_days=2)
    setup = make_setup(staff, DAYTIME, demands, days, (), ())
    cells = sorted({(sid, d, code) for sid, d, code in setup.cells if d != days[1]})
    cells = [c for i, c in enumerate(cells) if i % 7 == 0]  # some roster keeping the rules
    assert hard_rule_problems(setup, rules, cells) == []
    built = build_full(setup, rules=rules, holidays={days[2]: "节日"}, fixed=(), weights=Weights())
    for cell, var in built.x.items():
        built.model.add(var == (cell in cells))
    solver = full_solver(5, 2, 0)
    assert solver.solve(built.model) == cp_model.OPTIMAL
    expected = evaluate(
        setup, rules=rules, holidays={days[2]: "节日"}, weights=Weights(), cells=cells
    )
    assert solver.objective_value == expected.objective


def test_the_local_search_moves_a_surplus_shift_to_a_short_day() -> None:
    staff = agents(2, max_hours=8)  # one shift each
    demands = [IntervalDemand(d, HOTLINE, time(10), 1) for d in WEEK[:2]]
    setup = make_setup(staff, DAYTIME, demands, WEEK[:2], (), ())
    both_on_monday = [("h00", WEEK[0], "热线0800+8"), ("h01", WEEK[0], "热线0800+8")]
    cells = repair(setup, rules=Rules(), weights=Weights(), cells=both_on_monday)
    assert sorted(d for _, d, _ in cells) == [WEEK[0], WEEK[1]]
    assert (
        evaluate(setup, rules=Rules(), holidays={}, weights=Weights(), cells=cells).shortfall == 0
    )


def test_the_rule_check_names_each_broken_rule() -> None:
    staff = agents(1, max_hours=16)
    demands = [IntervalDemand(d, HOTLINE, time(h), 1) for d in WEEK[:3] for h in (10, 21)]
    setup = make_setup(staff, DAYTIME, demands, WEEK, (), ())
    cells = [
        ("h00", WEEK[0], "热线1330+8"),  # ends 22:00
        ("h00", WEEK[1], "热线0800+8"),  # 10 hours later
        ("h00", WEEK[2], "热线0800+8"),
    ]
    assert hard_rule_problems(setup, Rules(max_consecutive_days=2), cells) == [
        "话务员0:24 小时,超过上限 16",
        "12月8日 话务员0:距上一班结束不足 11 小时",
        "12月9日 话务员0:连续工作 3 天,超过 2 天",
    ]
