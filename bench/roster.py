"""Rosters (issue 5): `python -m bench.roster [--time-limit 50] [--agents 150] [--seed 5]`.

Three cases, each timed on the wall clock, in one run:

- **mall**: December 2026 for the mall of seed 003 (MALL-1: 4 service and 4 member specialists,
  the manager as relief, two at each centre every day, alternate-day 9:00-22:00 shifts counting
  11 hours, at most 174 hours), `solve_roster`, then the meal breaks (`plan_roster_breaks`), the
  CSV written and read back, and `check_roster` over it (goal: accepted, under 10 s);
- **mall, infeasible**: the same with one service specialist on leave all month: the time to
  explain why (`RosterInfeasible`) and the first lines of the explanation;
- **hotline**: `--agents` agents over the 30 days of November 2026, 48 half-hour intervals a day
  round the clock, demand from an Erlang C plan (`demands_from_forecast`: AHT 240 s, 80% within
  20 s, occupancy at most 85%, shrinkage 30%) of a call curve with peaks at 10:00-11:30 and
  14:00-16:30, quieter nights and weekends (x0.7) and +-5% day-to-day noise; 8-hour shifts (8.5 h
  with an unpaid 30-minute meal) starting every hour; at most 174 hours a month, 6 days in a row,
  11 hours of rest; one agent in five has 1-4 days of approved leave. `solve_intervals` with
  `--time-limit` on 2 workers (goal: under 60 s, hard rules kept, shortfall and gap reported).
  The roster is then written as CSV, read back and checked with `check_roster` (0 errors; its
  warnings are the short intervals).

Baseline, measured in the same run: indexing the hotline problem and building its per-agent
CP-SAT model without searching (what any per-agent CP-SAT roster pays before it starts); the
wall times are also given as a ratio to it.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

from kefu.domain.holidays import statutory_overrides
from kefu.domain.roster import (
    Requirement,
    RosterInfeasible,
    Rules,
    ShiftPattern,
    Staff,
    solve_roster,
)
from kefu.domain.roster_check import BreakRules, check_roster
from kefu.domain.roster_file import format_roster, parse_roster, plan_roster_breaks, roster_rows
from kefu.domain.roster_interval_aggregate import solve_aggregate
from kefu.domain.roster_interval_model import Weights, build_full, make_setup
from kefu.domain.roster_intervals import (
    IntervalRoster,
    demands_from_forecast,
    hotline_shifts,
    solve_intervals,
)

SERVICE = "1F服务中心"
MEMBER = "4F会员中心"
HOTLINE = "热线"
MALL_PATTERNS = [
    ShiftPattern("S", SERVICE, clock(9), clock(22), 11),
    ShiftPattern("M", MEMBER, clock(9), clock(22), 11),
]
SPECIALISTS = [Staff(f"s{i}", f"客服专员{i}", frozenset({SERVICE})) for i in range(1, 5)] + [
    Staff(f"m{i}", f"会员专员{i}", frozenset({MEMBER})) for i in range(1, 5)
]
MANAGER = Staff("mgr", "客服经理", frozenset({SERVICE, MEMBER}), relief=True)

# Weekday calls per half hour at each full hour (the half hours in between are interpolated):
# morning peak 10:00-11:30, afternoon peak 14:00-16:30, a lunch dip, quiet nights.
HOURLY_CALLS = [14, 10, 8, 8, 8, 10, 20, 40, 90, 150, 215, 210]
HOURLY_CALLS += [150, 170, 210, 215, 200, 140, 110, 100, 90, 70, 45, 25]
DEFAULT_SCALE = 1.5  # tight for 150 agents at 174 hours: a small shortfall remains


def month(year: int, mon: int) -> list[date]:
    first = date(year, mon, 1)
    days = [first + timedelta(days=i) for i in range(31)]
    return [d for d in days if d.month == mon]


def call_curve() -> list[float]:
    """48 half-hour call volumes of a weekday (peaks held over 10:00-11:30 and 14:00-16:30)."""
    curve: list[float] = []
    for hour, calls in enumerate(HOURLY_CALLS):
        nxt = HOURLY_CALLS[(hour + 1) % 24]
        curve += [calls, (calls + nxt) / 2]
    for peak in (21, 22, 29, 30, 31, 32):  # 10:30, 11:00 and 14:30-16:00 at the peak level
        curve[peak] = max(curve[peak], 210)
    return curve


def hotline_case(
    agents: int, seed: int, scale: float
) -> tuple[list[Staff], list[date], list[tuple[datetime, float]]]:
    rng = random.Random(seed)
    days = month(2026, 11)
    curve = call_curve()
    forecast: list[tuple[datetime, float]] = []
    for d in days:
        factor = (0.7 if d.weekday() >= 5 else 1.0) * rng.uniform(0.95, 1.05) * scale
        for i, calls in enumerate(curve):
            start = datetime.combine(d, clock(0)) + timedelta(minutes=30 * i)
            forecast.append((start, round(calls * factor)))
    staff = [
        Staff(
            f"{1001 + i}",
            f"话务员{1001 + i}",
            frozenset({HOTLINE}),
            leave=frozenset(rng.sample(days, rng.randint(1, 4))) if i % 5 == 0 else frozenset(),
        )
        for i in range(agents)
    ]
    return staff, days, forecast


def mall_requirements(days: list[date]) -> list[Requirement]:
    return [Requirement(d, p, c, 2) for d in days for p, c in ((SERVICE, "S"), (MEMBER, "M"))]


def run_mall() -> dict[str, object]:
    days = month(2026, 12)
    staff = [*SPECIALISTS, MANAGER]
    holidays = {o.day: o.name for o in statutory_overrides([2026]) if o.kind == "holiday"}
    rules = Rules.alternate_day()
    t0 = time.perf_counter()
    roster = solve_roster(
        staff=staff,
        patterns=MALL_PATTERNS,
        requirements=mall_requirements(days),
        days=days,
        rules=rules,
        holidays=holidays,
    )
    t_solve = time.perf_counter() - t0
    plan = plan_roster_breaks(roster, patterns=MALL_PATTERNS)
    text = format_roster(roster_rows(roster, staff=staff, patterns=MALL_PATTERNS, break_plan=plan))
    parsed = parse_roster(text)
    violations = check_roster(
        parsed.rows,
        staff=staff,
        rules=rules,
        requirements=mall_requirements(days),
        patterns=MALL_PATTERNS,
    )
    t_all = time.perf_counter() - t0
    return {
        "solve": t_solve,
        "total": t_all,
        "status": roster.status,
        "rows": len(parsed.rows),
        "problems": len(parsed.problems),
        "violations": len(violations),
        "hours": sorted(set(roster.hours_by_staff.values())),
    }


def run_mall_infeasible() -> tuple[float, list[str]]:
    days = month(2026, 12)
    staff = [dataclasses.replace(SPECIALISTS[0], leave=frozenset(days)), *SPECIALISTS[1:], MANAGER]
    t0 = time.perf_counter()
    try:
        solve_roster(
            staff=staff,
            patterns=MALL_PATTERNS,
            requirements=mall_requirements(days),
            days=days,
            rules=Rules.alternate_day(),
        )
    except RosterInfeasible as exc:
        return time.perf_counter() - t0, exc.problems
    raise AssertionError("the variant should be infeasible")


def build_baseline(staff: list[Staff], days: list[date], demands: list, shifts: list) -> float:  # type: ignore[type-arg]
    t0 = time.perf_counter()
    setup = make_setup(staff, shifts, demands, days, (), ())
    build_full(setup, rules=Rules(), holidays={}, fixed=(), weights=Weights())
    return time.perf_counter() - t0


def shortfall_bound(
    staff: list[Staff], days: list[date], demands: list, shifts: list
) -> tuple[str, float, float]:  # type: ignore[type-arg]
    """The least shortfall the aggregate relaxation allows (a lower bound for any roster):
    the aggregate model with the shortfall alone as objective, given 60 s."""
    t0 = time.perf_counter()
    setup = make_setup(staff, shifts, demands, days, (), ())
    result = solve_aggregate(
        setup,
        rules=Rules(),
        weights=Weights(shortfall=1, surplus=0),
        fixed=(),
        time_limit_s=60,
        num_workers=2,
        seed=0,
    )
    return result.status, result.bound / 60, time.perf_counter() - t0


def check_hotline(
    roster: IntervalRoster,
    staff: list[Staff],
    shifts: list,
    demands: list,  # type: ignore[type-arg]
) -> tuple[int, int, float]:
    t0 = time.perf_counter()
    text = format_roster(roster_rows(roster, staff=staff, patterns=shifts))
    parsed = parse_roster(text)
    found = check_roster(
        parsed.rows, staff=staff, patterns=shifts, demands=demands, breaks=BreakRules.off()
    )
    errors = sum(1 for v in found if v.severity == "error")
    return errors, len(found) - errors, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=50.0, help="hotline solve, seconds")
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE, help="call volume factor")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--step", type=int, default=60, help="minutes between shift starts")
    parser.add_argument(
        "--no-shortfall-bound",
        action="store_true",
        help="skip the separate solve of the least shortfall possible (about 20 s)",
    )
    args = parser.parse_args(argv)

    staff, days, forecast = hotline_case(args.agents, args.seed, args.scale)
    demands = demands_from_forecast(forecast, post=HOTLINE, aht=240)
    shifts = hotline_shifts(HOTLINE, step=timedelta(minutes=args.step))
    baseline = build_baseline(staff, days, demands, shifts)

    mall = run_mall()
    t_infeasible, problems = run_mall_infeasible()

    t0 = time.perf_counter()
    roster = solve_intervals(
        staff=staff,
        shifts=shifts,
        demands=demands,
        days=days,
        time_limit_s=args.time_limit,
        num_workers=args.workers,
        seed=args.seed,
    )
    wall = time.perf_counter() - t0
    errors, warnings, t_check = check_hotline(roster, staff, shifts, demands)

    print(
        f"baseline: index + build the hotline per-agent CP-SAT model, no search: {baseline:.2f} s"
    )
    print()
    print("mall, December 2026 (8 specialists + manager as relief, alternate-day)")
    print(
        f"  solve_roster {mall['solve']:.3f} s ({mall['status']}), with breaks + CSV write/read + "
        f"check {mall['total']:.3f} s = {mall['total'] / baseline:.2f}x baseline; "
        f"{mall['rows']} rows, {mall['problems']} parse problems, "
        f"{mall['violations']} violations; hours {mall['hours']}"
    )
    print(
        f"  goal: accepted by check_roster in under 10 s: {'met' if not mall['violations'] and mall['total'] < 10 else 'NOT met'}"
    )
    print("mall, infeasible (客服专员1 on leave all December)")
    print(
        f"  diagnosis {t_infeasible:.3f} s = {t_infeasible / baseline:.2f}x baseline; {len(problems)} lines:"
    )
    for line in problems[:3]:
        print(f"    {line}")
    if len(problems) > 3:
        print(f"    … ({len(problems) - 3} more)")
    print()
    required = roster.required
    cells = len(roster.coverage)
    capacity = sum(min(21, 30 - len(s.leave)) for s in staff) * 16
    print(
        f"hotline: {len(staff)} agents x {len(days)} days x {cells // len(days)} intervals, "
        f"{len(shifts)} shift patterns (8 h + 30 min meal, a start every {args.step} min)"
    )
    print(
        f"  demand {required} agent-intervals (peak {max(c.required for c in roster.coverage)}, "
        f"night low {min(c.required for c in roster.coverage)}); the agents can give at most "
        f"{capacity} (21 shifts x 16 intervals each, less leave): {required / capacity:.0%}"
    )
    timings = ", ".join(f"{k} {v:.1f}" for k, v in roster.timings.items())
    print(
        f"  wall {wall:.1f} s = {wall / baseline:.1f}x baseline (time limit {args.time_limit:g} s, "
        f"{args.workers} workers; steps: {timings})"
    )
    print(
        f"  status {roster.status}, objective {roster.objective:,.0f}, best bound "
        f"{roster.best_bound:,.0f}, gap {roster.gap:.2%} (greedy start {roster.constructed_objective:,.0f})"
    )
    print(
        f"  shortfall {roster.shortfall} agent-intervals ({roster.shortfall / required:.2%} of demand) "
        f"in {len(roster.short_intervals)} of {cells} intervals; "
        f"{len(roster.assignments)} shifts; {roster.variables:,} Booleans in the per-agent model"
    )
    hours = sorted(roster.hours_by_staff.values())
    print(f"  hours per agent: min {hours[0]:g}, max {hours[-1]:g} (cap 174)")
    print(
        f"  CSV written, read and checked in {t_check:.1f} s: {errors} errors, {warnings} warnings "
        f"(short intervals)"
    )
    if not args.no_shortfall_bound:
        status, least, seconds = shortfall_bound(staff, days, demands, shifts)
        print(
            f"  lower bound on the shortfall (aggregate relaxation, shortfall alone, {status} "
            f"in {seconds:.1f} s, not part of the solve): {least:g} agent-intervals"
        )
    ok = wall < 60 and errors == 0
    print(f"  goal: under 60 s with the hard rules kept: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
