"""Hotline rosters against per-interval demand with CP-SAT (issue 5 item 3).

The mall (``roster.py``) staffs whole shifts by head count. A hotline staffs *intervals*: the
Erlang plan (``erlang.py``) says how many agents each 30-minute interval needs, and shifts of many
start times overlap to follow the intraday curve.

The rules are those of ``roster.py``. Hard, per agent: at most one shift a day, the hours cap
(``Staff.max_hours``), at most ``Rules.max_consecutive_days`` working days in a row, at least
``Rules.min_rest_hours`` between shifts, approved leave, posts, and skills (a skill demand counts
only agents with the skill); ``fixed`` assignments are kept and ``history`` carries the sequence
rules (and the night shifts' coverage) across the period's start. Coverage is **soft**: each
agent-interval short costs ``shortfall_weight`` (far above everything else), each agent-interval
over the demand ``surplus_weight``; then balanced hours, weekends and holidays shared, and wishes,
with the ``Rules`` weights.

A shift covers the intervals whose start falls within it, except those starting inside one of its
unpaid breaks (``IntervalShift.breaks``, e.g. a 30-minute meal); a shift ending after midnight
covers the next day's early intervals.

``solve_intervals`` works in three steps (modules ``roster_interval_aggregate``,
``roster_interval_greedy``, ``roster_interval_model``): an aggregate integer model of how many
work each shift each day (CBC, then CP-SAT), whose bound is a lower bound on the whole objective;
a greedy roster filling those counts agent by agent, then a local search on the intervals still
short; and the per-agent CP-SAT model (one Boolean per agent, day and shift, coverage summed from
per-shift counts) started from that roster, to improve it in the time left.
"""

from __future__ import annotations

import time as _time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ortools.sat.python import cp_model

from kefu.domain.erlang import Duration, IntervalStaffing, staffing_plan
from kefu.domain.roster import (
    Assignment,
    HolidayInfo,
    Roster,
    RosterInfeasible,
    Rules,
    ShiftPattern,
    Staff,
    fmt_day,
    holiday_marks,
)
from kefu.domain.roster_interval_aggregate import solve_aggregate
from kefu.domain.roster_interval_greedy import construct, hard_rule_problems, repair
from kefu.domain.roster_interval_model import (
    Evaluation,
    Setup,
    Weights,
    build_full,
    evaluate,
    full_solver,
    hm,
    make_setup,
    solve_until_stall,
)

DAY_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class IntervalShift:
    """A shift pattern with unpaid breaks (clock times; a break time before the shift's start
    falls on the next day). Intervals starting inside a break are not covered by the shift."""

    pattern: ShiftPattern
    breaks: tuple[tuple[time, time], ...] = ()

    def __post_init__(self) -> None:
        start, end = self.pattern.span(date(2000, 1, 3))
        for b_start, b_end in self.break_spans(date(2000, 1, 3)):
            if not start <= b_start < b_end <= end:
                raise ValueError(f"班次 {self.code} 的休息时间不在班次时间内")

    @property
    def code(self) -> str:
        return self.pattern.code

    @property
    def post(self) -> str:
        return self.pattern.post

    def break_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """Clock spans of the breaks of this shift worked on ``day``."""
        start, _ = self.pattern.span(day)
        spans: list[tuple[datetime, datetime]] = []
        for b_start, b_end in self.breaks:
            begin = datetime.combine(start.date(), b_start)
            if begin < start:
                begin += timedelta(days=1)
            end = datetime.combine(begin.date(), b_end)
            if end <= begin:
                end += timedelta(days=1)
            spans.append((begin, end))
        return spans

    def covers(self, day: date, moment: datetime) -> bool:
        """Is an agent on this shift (worked on ``day``) at the phones at ``moment``?"""
        start, end = self.pattern.span(day)
        if not start <= moment < end:
            return False
        return not any(b <= moment < e for b, e in self.break_spans(day))


def as_interval_shift(shift: ShiftPattern | IntervalShift) -> IntervalShift:
    return shift if isinstance(shift, IntervalShift) else IntervalShift(shift)


@dataclass(frozen=True, slots=True, order=True)
class IntervalDemand:
    """``count`` agents at ``post`` during the interval starting at ``start`` on ``day``; with
    ``skill``, ``count`` of those must have the skill."""

    day: date
    post: str
    start: time
    count: int
    skill: str | None = None


@dataclass(frozen=True, slots=True)
class IntervalCover:
    """Required against scheduled for one interval of the solved roster."""

    day: date
    post: str
    start: time
    required: int
    scheduled: int
    skill: str | None = None

    @property
    def short(self) -> int:
        return max(0, self.required - self.scheduled)

    def label(self, interval: timedelta = timedelta(minutes=30)) -> str:
        end = (datetime.combine(self.day, self.start) + interval).time()
        who = "" if self.skill is None else f"「{self.skill}」"
        return f"{fmt_day(self.day)} {self.post}{who} {hm(self.start)}-{hm(end)}"


@dataclass(slots=True)
class IntervalRoster(Roster):
    """A solved hotline roster: a ``Roster`` plus coverage per interval and model statistics."""

    coverage: list[IntervalCover] = field(default_factory=list)
    interval: timedelta = timedelta(minutes=30)
    variables: int = 0  # Booleans of the per-agent model (0 when there was no time for it)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step
    constructed_objective: float = 0.0  # the greedy roster's, before the CP-SAT search

    @property
    def shortfall(self) -> int:
        """Agent-intervals short over the whole period."""
        return sum(c.short for c in self.coverage)

    @property
    def required(self) -> int:
        return sum(c.required for c in self.coverage)

    @property
    def short_intervals(self) -> list[IntervalCover]:
        return [c for c in self.coverage if c.short]


# --------------------------------------------------------------------------------------------
# Helpers: shift patterns and demand from an Erlang plan
# --------------------------------------------------------------------------------------------


def hotline_shifts(
    post: str,
    *,
    opening: time = time(0),
    closing: time = time(0),
    lengths: Sequence[float] = (8.0,),
    step: timedelta = timedelta(minutes=60),
    meal: timedelta = timedelta(minutes=30),
    meal_after: timedelta = timedelta(hours=4),
    meal_from: float = 6.0,
) -> list[IntervalShift]:
    """Shifts of each counted length in ``lengths`` (hours) starting every ``step`` from
    ``opening`` so that they end by ``closing``, plus one ending exactly at closing
    (``opening == closing``: open round the clock, starts over the whole day, night shifts
    ending the next morning). Shifts of ``meal_from``
    hours or more carry an unpaid ``meal`` after ``meal_after`` (so 8 counted hours from 8:00 are
    8:00-16:30 with a meal at 12:00-12:30). Codes read ``<post>0800+8``."""
    if step <= timedelta(0):
        raise ValueError("班次起始间隔必须大于 0")
    around = opening == closing
    begin = datetime.combine(date(2000, 1, 3), opening)
    stop = datetime.combine(date(2000, 1, 3), closing)
    if stop <= begin:
        stop += timedelta(days=1)
    shifts: list[IntervalShift] = []
    for hours in lengths:
        if hours <= 0:
            raise ValueError(f"班次时长必须大于 0:{hours}")
        work = timedelta(hours=hours)
        has_meal = meal > timedelta(0) and hours >= meal_from
        span = work + (meal if has_meal else timedelta(0))
        if has_meal and meal_after + meal > span:
            raise ValueError(f"{hours:g} 小时的班次放不下 {meal_after} 之后的用餐时间")
        if span >= timedelta(days=1):
            raise ValueError(f"班次时长 {hours:g} 小时过长")
        starts: list[datetime] = []
        at = begin
        last = begin + timedelta(days=1) if around else stop - span
        while at < last or (not around and at == last):
            starts.append(at)
            at += step
        if not around and starts and starts[-1] < last:
            starts.append(last)  # one more, ending at closing, so the last interval is covered
        for at in starts:
            end = at + span
            breaks = ((at + meal_after).time(), (at + meal_after + meal).time()) if has_meal else ()
            pattern = ShiftPattern(f"{post}{at:%H%M}+{hours:g}", post, at.time(), end.time(), hours)
            shifts.append(IntervalShift(pattern, (breaks,) if breaks else ()))
    if not shifts:
        raise ValueError(f"{hm(opening)}-{hm(closing)} 之间放不下任何班次")
    return shifts


def _start_of(start: datetime | time | str, day: date | None) -> tuple[date, time]:
    if isinstance(start, str):
        text = start.strip()
        start = (
            datetime.fromisoformat(text) if "T" in text or " " in text else time.fromisoformat(text)
        )
    if isinstance(start, datetime):
        return start.date(), start.time()
    if day is None:
        raise ValueError(f"时段 {hm(start)} 没有日期,请给出 day")
    return day, start


def demands_from_plan(
    plan: Sequence[IntervalStaffing],
    *,
    post: str,
    day: date | None = None,
    scheduled: bool = True,
) -> list[IntervalDemand]:
    """One ``IntervalDemand`` per interval of an Erlang plan: its ``scheduled`` count (agents
    needed once shrinkage is allowed for) or, with ``scheduled=False``, the agents on the phones.
    Interval starts that are times of day take ``day``."""
    out: list[IntervalDemand] = []
    for row in plan:
        d, t = _start_of(row.start, day)
        count = row.staffing.scheduled if scheduled else row.staffing.agents
        out.append(IntervalDemand(d, post, t, count))
    return out


def demands_from_forecast(
    forecast: Sequence[tuple[datetime, float]],
    *,
    post: str,
    aht: Duration,
    interval: Duration = timedelta(minutes=30),
    target_level: float = 0.8,
    target_time: Duration = timedelta(seconds=20),
    max_occupancy: float = 0.85,
    shrinkage: float = 0.3,
) -> list[IntervalDemand]:
    """Erlang C ``staffing_plan`` of a dated forecast ``(interval start, calls)``, as demands."""
    plan = staffing_plan(
        forecast,
        aht=aht,
        interval=interval,
        target_level=target_level,
        target_time=target_time,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )
    return demands_from_plan(plan, post=post)


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def solve_intervals(
    *,
    staff: Sequence[Staff],
    shifts: Sequence[ShiftPattern | IntervalShift],
    demands: Sequence[IntervalDemand],
    days: Sequence[date],
    rules: Rules | None = None,
    holidays: Mapping[date, str | HolidayInfo] | None = None,
    fixed: Sequence[Assignment] = (),
    history: Sequence[Assignment] = (),
    interval: timedelta = timedelta(minutes=30),
    shortfall_weight: int = 1000,
    surplus_weight: int = 1,
    time_limit_s: float = 30.0,
    num_workers: int = 2,
    seed: int = 0,
    stall_s: float | None = None,
) -> IntervalRoster:
    """Roster ``days`` against per-interval ``demands``: every hard rule kept, and the weighted
    shortfall (agent-intervals x ``shortfall_weight``), surplus and soft terms least.

    Three steps share ``time_limit_s`` (see the module's docstring): the aggregate model
    (counts per shift and day, and a lower bound), a greedy roster filling those counts, then the
    per-agent CP-SAT model started from it. Coverage being soft, a roster is always returned
    unless ``fixed``/``history`` break the hard rules (``RosterInfeasible``); the bound, and so
    the gap, is the better of the aggregate's and the full model's. Each CP-SAT search also stops
    once it has found nothing better for ``stall_s`` seconds (default: a fifth of the time limit,
    at least 5 s; 0 to use the whole time limit).
    ``Rules.exact_coverage`` does not apply (interval demands are minima).
    """
    began = _time.perf_counter()
    rules = rules or Rules()
    holidays = dict(holidays or {})
    if stall_s is None:
        stall_s = max(5.0, time_limit_s / 5)
    weights = Weights(shortfall_weight, surplus_weight)
    setup = make_setup(staff, [as_interval_shift(x) for x in shifts], demands, days, fixed, history)
    pinned = [(a.staff_id, a.day, a.shift) for a in fixed]
    problems = hard_rule_problems(setup, rules, pinned)
    if problems:
        raise RosterInfeasible(["已发布排班或上期排班违反硬性规则:", *problems])
    timings: dict[str, float] = {"setup": _time.perf_counter() - began}

    def left() -> float:
        return time_limit_s - (_time.perf_counter() - began)

    mark = _time.perf_counter()
    aggregate = solve_aggregate(
        setup,
        rules=rules,
        weights=weights,
        fixed=fixed,
        time_limit_s=min(20.0, max(0.5, 0.35 * left())),
        num_workers=num_workers,
        seed=seed,
        stall_s=stall_s,
    )
    timings["aggregate"] = _time.perf_counter() - mark
    mark = _time.perf_counter()
    cells = construct(setup, rules=rules, aggregate=aggregate, fixed=fixed, holidays=holidays)
    cells = repair(
        setup,
        rules=rules,
        weights=weights,
        cells=sorted(set(cells) | set(pinned)),
        fixed=fixed,
        deadline=_time.monotonic() + max(0.5, left() / 4),
    )
    problems = hard_rule_problems(setup, rules, cells)
    if problems:  # pragma: no cover - the construction keeps the rules by design
        raise AssertionError(problems)
    best = evaluate(setup, rules=rules, holidays=holidays, weights=weights, cells=cells)
    constructed = best.objective
    timings["construct"] = _time.perf_counter() - mark

    bound = aggregate.bound
    status = "FEASIBLE"
    variables = 0
    if left() > 1.0:
        mark = _time.perf_counter()
        built = build_full(setup, rules=rules, holidays=holidays, fixed=fixed, weights=weights)
        built.hint(cells)
        variables = len(built.x)
        timings["build"] = _time.perf_counter() - mark
        mark = _time.perf_counter()
        solver = full_solver(max(0.5, left()), num_workers, seed)
        result = solve_until_stall(solver, built.model, stall_s)
        timings["search"] = _time.perf_counter() - mark
        if result == cp_model.INFEASIBLE:  # pragma: no cover - excluded by hard_rule_problems
            raise RosterInfeasible(["已发布排班或上期排班与硬性规则冲突,无法排班"])
        if result in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            bound = max(bound, solver.best_objective_bound)
            if solver.objective_value < best.objective:
                cells = [cell for cell, var in built.x.items() if solver.value(var)]
                best = evaluate(setup, rules=rules, holidays=holidays, weights=weights, cells=cells)
            if result == cp_model.OPTIMAL:
                bound = best.objective
    if best.objective <= bound:
        status = "OPTIMAL"
    return _result(
        setup,
        rules,
        holidays,
        cells,
        best,
        status=status,
        bound=bound,
        interval=interval,
        began=began,
        timings=timings,
        variables=variables,
        constructed=constructed,
    )


def _result(
    s: Setup,
    rules: Rules,
    holidays: Mapping[date, str | HolidayInfo],
    cells: Sequence[tuple[str, date, str]],
    best: Evaluation,
    *,
    status: str,
    bound: float,
    interval: timedelta,
    began: float,
    timings: dict[str, float],
    variables: int,
    constructed: float,
) -> IntervalRoster:
    assignments = sorted(Assignment(d, sid, code) for sid, d, code in cells)
    minutes: dict[str, int] = defaultdict(int)
    for a in assignments:
        minutes[a.staff_id] += s.minutes(a.shift)
    hours_by_staff = {sid: minutes[sid] / 60 for sid in s.staff}
    coverage = [
        IntervalCover(dem.day, dem.post, dem.start, dem.count, scheduled, dem.skill)
        for dem, scheduled in zip(s.demands, best.scheduled, strict=True)
    ]

    warnings: list[str] = []
    short = [c for c in coverage if c.short]
    if short:
        warnings.append(
            f"{len(short)} 个时段人手不足,共缺 {sum(c.short for c in short)} 人·时段"
            f"(需要 {sum(c.required for c in coverage)} 人·时段)"
        )
    if status != "OPTIMAL":
        gap = abs(best.objective - bound) / max(1.0, abs(best.objective))
        warnings.append(f"求解时间内未证明最优,最优性差距 {gap:.1%}")
    worked = {(a.staff_id, a.day) for a in assignments}
    day_set = set(s.days)
    for person in s.staff.values():
        for d, wants in sorted(person.preferences.items()):
            if d in day_set and wants != ((person.id, d) in worked):
                verb = "希望上班" if wants else "希望休息"
                warnings.append(f"{fmt_day(d)} {person.name} {verb},未能满足")
    regular = [sid for sid, p in s.staff.items() if not p.relief]
    if regular:
        most = max(hours_by_staff[sid] for sid in regular)
        least = min(hours_by_staff[sid] for sid in regular)
        if most > least:
            warnings.append(f"工时不均:最多 {most:g} 小时,最少 {least:g} 小时")

    return IntervalRoster(
        assignments=assignments,
        hours_by_staff=hours_by_staff,
        warnings=warnings,
        holiday_marks=holiday_marks(s.days, holidays, mark_rest_days=rules.mark_rest_days),
        status=status,
        objective=float(best.objective),
        best_bound=float(bound),
        solve_seconds=_time.perf_counter() - began,
        coverage=coverage,
        interval=interval,
        variables=variables,
        timings=timings,
        constructed_objective=float(constructed),
    )
