"""The per-agent CP-SAT model behind ``roster_intervals.solve_intervals`` (issue 5 item 3).

``solve_intervals`` works in three steps on the same indexed problem (``Setup``, here):

1. ``roster_interval_aggregate.solve_aggregate``: how many agents work each shift each day, with
   aggregate forms of the per-agent rules; its bound is a lower bound on the whole objective.
2. ``roster_interval_greedy.construct`` and ``repair``: a roster filling those counts, then a
   local search on the intervals still short. The result keeps every hard rule.
3. ``build_full`` (here): the per-agent model, one Boolean per agent, day and shift, started from
   the constructed roster (every variable hinted); CP-SAT's search improves it in the time left.

``evaluate`` computes the full objective of any roster, so a constructed roster that CP-SAT could
not improve (or had no time for) is reported with its true objective; ``solve_until_stall`` stops
a search that has found nothing better for a while.
"""

from __future__ import annotations

import threading
import time as _time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from kefu.domain.roster import (
    Assignment,
    RosterInfeasible,
    Rules,
    ShiftPattern,
    Staff,
    fmt_day,
    hm,
    index_inputs,
)

if TYPE_CHECKING:
    from kefu.domain.roster_intervals import IntervalDemand, IntervalShift

DAY_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class Weights:
    shortfall: int = 1000  # per agent-interval short
    surplus: int = 1  # per agent-interval over


# --------------------------------------------------------------------------------------------
# The problem, checked and indexed once
# --------------------------------------------------------------------------------------------

Cell = tuple[str, date, str]  # (staff id, day, shift code)


@dataclass(slots=True)
class Setup:
    staff: dict[str, Staff]
    shifts: dict[str, IntervalShift]
    demands: list[IntervalDemand]
    days: list[date]
    cells: list[Cell]
    # demand index -> the (day, shift code) pairs of the period covering it
    covering: list[list[tuple[date, str]]]
    # demand index -> agents of the history already covering it (night shifts before day 1)
    carried: list[int]
    history: dict[tuple[str, date], str]
    # who may work each (day, shift): not on leave, at the shift's post (or fixed there)
    slots: dict[tuple[date, str], list[str]] = field(default_factory=dict)
    starts: dict[str, int] = field(default_factory=dict)  # shift code -> start minute of its day
    ends: dict[str, int] = field(default_factory=dict)  # end minute, from the same midnight
    open_days: dict[str, set[date]] = field(default_factory=dict)  # days with a cell, per agent
    codes_of: dict[str, set[str]] = field(default_factory=dict)  # shifts with a cell, per agent

    def minutes(self, code: str) -> int:
        return self.shifts[code].pattern.minutes


def validate(
    staff: Sequence[Staff],
    shifts: Sequence[IntervalShift],
    demands: Sequence[IntervalDemand],
    days: Sequence[date],
    fixed: Sequence[Assignment],
    history: Sequence[Assignment],
) -> tuple[dict[str, Staff], dict[str, IntervalShift]]:
    by_id, by_code, problems = index_inputs(staff, shifts, days, fixed, history)
    day_set = set(days)
    seen: set[tuple[date, str, time, str | None]] = set()
    for dem in demands:
        where = f"需求 {fmt_day(dem.day)} {dem.post} {hm(dem.start)}"
        if dem.count < 0:
            problems.append(f"{where} 的人数不能为负数")
        if dem.day not in day_set:
            problems.append(f"{where} 不在排班期间内")
        key = (dem.day, dem.post, dem.start, dem.skill)
        if key in seen:
            problems.append(f"{where} 重复")
        seen.add(key)
    if problems:
        raise RosterInfeasible(problems)
    return by_id, by_code


def make_setup(
    staff: Sequence[Staff],
    shifts: Sequence[IntervalShift],
    demands: Sequence[IntervalDemand],
    days: Sequence[date],
    fixed: Sequence[Assignment],
    history: Sequence[Assignment],
) -> Setup:
    by_id, by_code = validate(staff, shifts, demands, days, fixed, history)
    day_list = sorted(set(days))
    first = day_list[0] if day_list else date.min
    past = {(a.staff_id, a.day): a.shift for a in history if a.staff_id in by_id and a.day < first}
    longest = max(
        (s.pattern.span(first)[1] - s.pattern.span(first)[0] for s in by_code.values()),
        default=timedelta(0),
    )
    back = range(0, longest.days + 2)  # a shift may cover intervals up to this many days later

    by_post: dict[str, list[IntervalShift]] = defaultdict(list)
    for shift in by_code.values():
        by_post[shift.post].append(shift)
    day_set = set(day_list)
    covering: list[list[tuple[date, str]]] = []
    carried: list[int] = []
    useful: set[tuple[date, str]] = set()
    for dem in demands:
        moment = datetime.combine(dem.day, dem.start)
        pairs: list[tuple[date, str]] = []
        for offset in back:
            d = dem.day - timedelta(days=offset)
            for shift in by_post.get(dem.post, []):
                if shift.covers(d, moment):
                    pairs.append((d, shift.code))
        covering.append([(d, c) for d, c in pairs if d in day_set])
        from_past = {pair for pair in pairs if pair[0] not in day_set}
        carried.append(
            sum(
                1
                for (sid, d), code in past.items()
                if (d, code) in from_past and (dem.skill is None or dem.skill in by_id[sid].skills)
            )
        )
        if dem.count > 0:
            useful.update(covering[-1])

    fixed_cells = {(a.staff_id, a.day, a.shift) for a in fixed}
    cells: list[Cell] = []
    for d in day_list:
        for code, shift in by_code.items():
            for person in by_id.values():
                cell = (person.id, d, code)
                if cell in fixed_cells or (
                    (d, code) in useful and d not in person.leave and shift.post in person.posts
                ):
                    cells.append(cell)
    slots: dict[tuple[date, str], list[str]] = defaultdict(list)
    open_days: dict[str, set[date]] = defaultdict(set)
    codes_of: dict[str, set[str]] = defaultdict(set)
    for sid, d, code in cells:
        slots[(d, code)].append(sid)
        open_days[sid].add(d)
        codes_of[sid].add(code)
    starts = {code: _minute(sh.pattern.start) for code, sh in by_code.items()}
    return Setup(
        staff=by_id,
        shifts=by_code,
        demands=list(demands),
        days=day_list,
        cells=cells,
        covering=covering,
        carried=carried,
        history=past,
        slots=dict(slots),
        starts=starts,
        ends={code: starts[code] + _span_minutes(sh.pattern) for code, sh in by_code.items()},
        open_days=dict(open_days),
        codes_of=dict(codes_of),
    )


@dataclass(slots=True)
class Built:
    model: cp_model.CpModel
    setup: Setup
    x: dict[Cell, cp_model.IntVar]
    works: dict[tuple[str, date], cp_model.IntVar]
    counts: dict[tuple[date, str, str | None], cp_model.IntVar] = field(default_factory=dict)
    short: dict[int, cp_model.IntVar] = field(default_factory=dict)  # demand index -> shortfall
    over: dict[int, cp_model.IntVar] = field(default_factory=dict)  # demand index -> surplus
    hours_spread: tuple[cp_model.IntVar, cp_model.IntVar] | None = None  # (max, min) minutes
    special_spread: tuple[cp_model.IntVar, cp_model.IntVar] | None = None
    special_days: list[date] = field(default_factory=list)

    def hint(self, cells: Sequence[Cell]) -> None:
        """Start the search from ``cells`` (a roster that keeps the hard rules). Every variable
        is hinted, so CP-SAT takes the roster as its first solution."""
        s, m = self.setup, self.model
        chosen = set(cells)
        for cell, var in self.x.items():
            m.add_hint(var, cell in chosen)
        on = {(sid, d) for sid, d, _ in chosen}
        for key, var in self.works.items():
            m.add_hint(var, key in on)
        per_slot: dict[tuple[date, str], list[str]] = defaultdict(list)
        minutes: dict[str, int] = defaultdict(int)
        for sid, d, code in chosen:
            per_slot[(d, code)].append(sid)
            minutes[sid] += s.minutes(code)
        value: dict[tuple[date, str, str | None], int] = {}
        for (d, code, skill), var in self.counts.items():
            value[(d, code, skill)] = sum(
                1 for sid in per_slot[(d, code)] if has_skill(s, sid, skill)
            )
            m.add_hint(var, value[(d, code, skill)])
        for i, dem in enumerate(s.demands):
            if i not in self.short and i not in self.over:
                continue
            need = max(0, dem.count - s.carried[i])
            covered = sum(value.get((d, code, dem.skill), 0) for d, code in s.covering[i])
            if i in self.short:
                m.add_hint(self.short[i], max(0, need - covered))
            if i in self.over:
                m.add_hint(self.over[i], max(0, covered - need))
        regular = [sid for sid, p in s.staff.items() if not p.relief]
        if self.hours_spread is not None:
            m.add_hint(self.hours_spread[0], max(minutes[sid] for sid in regular))
            m.add_hint(self.hours_spread[1], min(minutes[sid] for sid in regular))
        if self.special_spread is not None:
            special = [sum((sid, d) in on for d in self.special_days) for sid in regular]
            m.add_hint(self.special_spread[0], max(special))
            m.add_hint(self.special_spread[1], min(special))


def build_full(
    s: Setup,
    *,
    rules: Rules,
    holidays: Mapping[date, object],
    fixed: Sequence[Assignment],
    weights: Weights,
) -> Built:
    m = cp_model.CpModel()
    x = {cell: m.new_bool_var(f"x_{cell[0]}_{cell[1]:%m%d}_{cell[2]}") for cell in s.cells}
    for a in fixed:
        m.add(x[(a.staff_id, a.day, a.shift)] == 1)

    by_person_day: dict[tuple[str, date], list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
    by_slot: dict[tuple[date, str], list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
    for (sid, d, code), var in x.items():
        by_person_day[(sid, d)].append((code, var))
        by_slot[(d, code)].append((sid, var))

    works: dict[tuple[str, date], cp_model.IntVar] = {}
    for (sid, d), pairs in by_person_day.items():
        w = m.new_bool_var(f"w_{sid}_{d:%m%d}")
        m.add(w == sum(var for _, var in pairs))  # at most one shift a day
        works[(sid, d)] = w

    # How many work each shift each day (per skill where a demand asks for one); coverage sums
    # the few counts of the shifts covering an interval, and is soft.
    counts: dict[tuple[date, str, str | None], cp_model.IntVar] = {}

    def count(d: date, code: str, skill: str | None) -> cp_model.IntVar | None:
        key = (d, code, skill)
        if key not in counts:
            vars_ = [v for sid, v in by_slot.get((d, code), []) if has_skill(s, sid, skill)]
            if not vars_:
                return None
            n = m.new_int_var(0, len(vars_), f"n_{d:%m%d}_{code}_{skill or ''}")
            m.add(n == sum(vars_))
            counts[key] = n
        return counts[key]

    built = Built(m, s, x, works, counts)
    for i, dem in enumerate(s.demands):
        need = max(0, dem.count - s.carried[i])
        terms = [n for d, code in s.covering[i] if (n := count(d, code, dem.skill)) is not None]
        covered = sum(terms)
        if need > 0:
            built.short[i] = m.new_int_var(0, need, f"short_{i}")
            m.add(covered + built.short[i] >= need)
        upper = sum(len(by_slot.get(pair, [])) for pair in s.covering[i])
        if weights.surplus and dem.skill is None and upper > need:
            built.over[i] = m.new_int_var(0, upper - need, f"over_{i}")
            m.add(built.over[i] >= covered - need)

    # Hours cap, with whole shifts as a redundant cut.
    minutes: dict[str, cp_model.LinearExprT] = {}
    own: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
    for (sid, _, code), var in x.items():
        own[sid].append((code, var))
    for sid, person in s.staff.items():
        pairs = own.get(sid, [])
        expr = sum(s.shifts[code].pattern.minutes * var for code, var in pairs)
        minutes[sid] = expr
        if pairs:
            cap = round(person.max_hours * 60)
            m.add(expr <= cap)
            shortest = min(s.shifts[code].pattern.minutes for code, _ in pairs)
            m.add(sum(works[(sid, d)] for d in s.days if (sid, d) in works) <= cap // shortest)

    _sequence_rules(m, s, rules, x, works, by_person_day)
    objective = _soft_terms(built, rules, holidays, minutes)
    objective.append(60 * weights.shortfall * sum(built.short.values()))
    if built.over:
        objective.append(60 * weights.surplus * sum(built.over.values()))
    m.minimize(sum(objective))
    return built


def _sequence_rules(
    m: cp_model.CpModel,
    s: Setup,
    rules: Rules,
    x: dict[Cell, cp_model.IntVar],
    works: dict[tuple[str, date], cp_model.IntVar],
    by_person_day: dict[tuple[str, date], list[tuple[str, cp_model.IntVar]]],
) -> None:
    """Maximum consecutive days and minimum rest, across the history too."""
    day_set = set(s.days)

    def worked(sid: str, d: date) -> cp_model.LinearExprT:
        if d in day_set:
            return works.get((sid, d), 0)
        return 1 if (sid, d) in s.history else 0

    k = rules.max_consecutive_days
    if s.days:
        first = s.days[0] - timedelta(days=k)
        span = (s.days[-1] - first).days + 1
        for sid in s.staff:
            for begin in range(span - k):
                window = [first + timedelta(days=begin + j) for j in range(k + 1)]
                terms = [worked(sid, d) for d in window]
                if any(d in day_set for d in window) and not all(isinstance(t, int) for t in terms):
                    m.add(sum(terms) <= k)

    # Rest: start of day d+g's shift minus end of day d's shift (minutes from day d's midnight),
    # enforced when both days are worked. Only lags where some pair of shifts can clash.
    rest = round(rules.min_rest_hours * 60)
    starts, ends = s.starts, s.ends
    if not ends:
        return
    latest_end, earliest_start = max(ends.values()), min(starts.values())
    lags = [g for g in (1, 2, 3) if g * DAY_MINUTES + earliest_start - latest_end < rest]

    def start_expr(sid: str, d: date) -> cp_model.LinearExprT | None:
        if d in day_set:
            pairs = by_person_day.get((sid, d))
            return sum(starts[c] * v for c, v in pairs) if pairs else None
        code = s.history.get((sid, d))
        return None if code is None else starts[code]

    def end_expr(sid: str, d: date) -> cp_model.LinearExprT | None:
        if d in day_set:
            pairs = by_person_day.get((sid, d))
            return sum(ends[c] * v for c, v in pairs) if pairs else None
        code = s.history.get((sid, d))
        return None if code is None else ends[code]

    for sid in s.staff:
        for d in s.days:
            later_start = start_expr(sid, d)
            if later_start is None:
                continue
            for g in lags:
                prev = d - timedelta(days=g)
                earlier_end = end_expr(sid, prev)
                if earlier_end is None:
                    continue
                enforce = [works[(sid, d)]]
                if prev in day_set:
                    enforce.append(works[(sid, prev)])
                m.add(g * DAY_MINUTES + later_start - earlier_end >= rest).only_enforce_if(enforce)


def has_skill(s: Setup, sid: str, skill: str | None) -> bool:
    return skill is None or skill in s.staff[sid].skills


def _minute(t: time) -> int:
    return t.hour * 60 + t.minute


def _span_minutes(pattern: ShiftPattern) -> int:
    start, end = pattern.span(date(2000, 1, 3))
    return int((end - start).total_seconds() // 60)


def _soft_terms(
    built: Built,
    rules: Rules,
    holidays: Mapping[date, object],
    minutes: dict[str, cp_model.LinearExprT],
) -> list[cp_model.LinearExprT]:
    """Balanced hours, weekends shared, wishes (objective units: weight x minutes)."""
    m, s, works = built.model, built.setup, built.works
    terms: list[cp_model.LinearExprT] = []
    regular = [sid for sid, p in s.staff.items() if not p.relief]
    if rules.balance_weight and len(regular) > 1:
        cap = max(round(s.staff[sid].max_hours * 60) for sid in regular) + DAY_MINUTES * len(s.days)
        hi, lo = m.new_int_var(0, cap, "hours_max"), m.new_int_var(0, cap, "hours_min")
        for sid in regular:
            m.add(hi >= minutes[sid])
            m.add(lo <= minutes[sid])
        terms.append(rules.balance_weight * (hi - lo))
        built.hours_spread = (hi, lo)
    special = [d for d in s.days if d.weekday() >= 5 or d in holidays]
    if rules.weekend_weight and special and len(regular) > 1:
        hi_w = m.new_int_var(0, len(special), "special_max")
        lo_w = m.new_int_var(0, len(special), "special_min")
        for sid in regular:
            worked = sum(works.get((sid, d), 0) for d in special)
            m.add(hi_w >= worked)
            m.add(lo_w <= worked)
        terms.append(rules.weekend_weight * 60 * (hi_w - lo_w))
        built.special_spread, built.special_days = (hi_w, lo_w), special
    if rules.preference_weight:
        misses: list[cp_model.LinearExprT] = []
        day_set = set(s.days)
        for sid, person in s.staff.items():
            for d, wants in person.preferences.items():
                if d in day_set:
                    w = works.get((sid, d), 0)
                    misses.append(1 - w if wants else w)
        if misses:
            terms.append(rules.preference_weight * 60 * sum(misses))
    relief = [w for (sid, _), w in works.items() if s.staff[sid].relief]
    if relief and rules.relief_weight:
        terms.append(rules.relief_weight * 60 * sum(relief))
    return terms


class _Watch(cp_model.CpSolverSolutionCallback):
    """Remembers when the last (better) solution came."""

    def __init__(self) -> None:
        super().__init__()
        self.last: float | None = None  # no solution yet: never stop

    def on_solution_callback(self) -> None:
        self.last = _time.monotonic()


def solve_until_stall(
    solver: cp_model.CpSolver, model: cp_model.CpModel, stall_s: float | None
) -> int:
    """``solver.solve(model)``, stopped early once no better solution has come for ``stall_s``
    seconds since the last one (None or 0: run to the time limit). On these models the search finds its good solutions
    early and then stalls; the bound is kept as it stood."""
    if not stall_s:
        return solver.solve(model)
    watch = _Watch()
    done = threading.Event()

    def guard() -> None:
        while not done.wait(0.25):
            if watch.last is not None and _time.monotonic() - watch.last > stall_s:
                solver.stop_search()
                return

    thread = threading.Thread(target=guard, name="roster-stall", daemon=True)
    thread.start()
    try:
        return solver.solve(model, watch)
    finally:
        done.set()
        thread.join()


def make_solver(time_limit_s: float, num_workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s)
    solver.parameters.num_workers = num_workers
    solver.parameters.random_seed = seed
    return solver


# --------------------------------------------------------------------------------------------
# The objective of a roster, as the full model counts it
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Evaluation:
    objective: int
    scheduled: list[int]  # per demand: agents at the phones in that interval (history included)
    shortfall: int  # agent-intervals


def evaluate(
    s: Setup,
    *,
    rules: Rules,
    holidays: Mapping[date, object],
    weights: Weights,
    cells: Sequence[Cell],
) -> Evaluation:
    on: dict[tuple[date, str], list[str]] = defaultdict(list)
    minutes: dict[str, int] = defaultdict(int)
    worked: set[tuple[str, date]] = set()
    for sid, d, code in cells:
        on[(d, code)].append(sid)
        minutes[sid] += s.minutes(code)
        worked.add((sid, d))
    scheduled: list[int] = []
    short = over = 0
    for i, dem in enumerate(s.demands):
        covered = sum(
            1
            for pair in s.covering[i]
            for sid in on.get(pair, [])
            if dem.skill is None or dem.skill in s.staff[sid].skills
        )
        scheduled.append(covered + s.carried[i])
        need = max(0, dem.count - s.carried[i])
        short += max(0, need - covered)
        if dem.skill is None:
            over += max(0, covered - need)
    total = 60 * weights.shortfall * short + 60 * weights.surplus * over
    regular = [sid for sid, p in s.staff.items() if not p.relief]
    if rules.balance_weight and len(regular) > 1:
        hours = [minutes[sid] for sid in regular]
        total += rules.balance_weight * (max(hours) - min(hours))
    special = [d for d in s.days if d.weekday() >= 5 or d in holidays]
    if rules.weekend_weight and special and len(regular) > 1:
        counts = [sum((sid, d) in worked for d in special) for sid in regular]
        total += rules.weekend_weight * 60 * (max(counts) - min(counts))
    if rules.preference_weight:
        day_set = set(s.days)
        misses = sum(
            ((sid, d) in worked) != wants
            for sid, p in s.staff.items()
            for d, wants in p.preferences.items()
            if d in day_set
        )
        total += rules.preference_weight * 60 * misses
    if rules.relief_weight:
        total += rules.relief_weight * 60 * sum(1 for sid, _ in worked if s.staff[sid].relief)
    return Evaluation(total, scheduled, short)


def full_solver(time_limit_s: float, num_workers: int, seed: int) -> cp_model.CpSolver:
    """The per-agent model is large (agents x days x shifts Booleans) and starts from a hint:
    a light presolve leaves the time to the neighbourhood search."""
    solver = make_solver(time_limit_s, num_workers, seed)
    solver.parameters.max_presolve_iterations = 1
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    return solver
