"""Step 1 of ``roster_intervals.solve_intervals``: the aggregate model (issue 5 item 3).

How many agents work each shift each day (``n[d, p]``), with coverage short/over per interval
and only aggregate forms of the per-agent rules: agents available a day (and per post), agent-days
in any k+1 consecutive days, total hours and total shifts, and for the rest rule "shifts ending
late on day d plus shifts starting early on d+1 at most the agents of the two days". Each is a
relaxation of the per-agent model, so the aggregate's bound is a valid lower bound on the whole
objective. The model is small (days x shifts integers) and a covering problem with a strong LP
relaxation: CBC, OR-Tools' MIP solver, often proves it optimal in a second or two, where CP-SAT's
search struggles; CP-SAT carries on from CBC's solution when CBC does not prove it.
"""

from __future__ import annotations

import math
import time as _time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from kefu.domain.roster import Assignment, Rules
from kefu.domain.roster_interval_model import (
    DAY_MINUTES,
    Setup,
    Weights,
    make_solver,
    solve_until_stall,
)


@dataclass(slots=True)
class Aggregate:
    counts: dict[tuple[date, str], int]
    skilled: dict[tuple[date, str, str], int]  # agents with the skill among counts
    objective: float
    bound: float  # a lower bound on the full model's objective
    status: str


def max_shifts(s: Setup, rules: Rules, sid: str) -> int:
    """Most shifts ``sid`` can work in the period: hours cap (shortest shift open to them) and
    the consecutive-day rule over the days they are not on leave."""
    person = s.staff[sid]
    open_days = s.open_days.get(sid, set())
    codes = s.codes_of.get(sid, set())
    if not codes:
        return 0
    shortest = min(s.minutes(code) for code in codes)
    by_hours = round(person.max_hours * 60) // shortest
    run = total = 0
    for d in [*s.days, None]:
        if d is not None and d in open_days:
            run += 1
            continue
        k = rules.max_consecutive_days
        total += run - run // (k + 1)
        run = 0
    return min(by_hours, total)


class _Linear:
    """An integer linear model kept as plain data, so that the aggregate can go to a MIP solver
    (its home ground: a covering problem with a strong LP relaxation) or to CP-SAT."""

    def __init__(self) -> None:
        self.bounds: list[tuple[int, int]] = []
        self.rows: list[tuple[dict[int, int], float, float]] = []  # (terms, lower, upper)
        self.objective: dict[int, int] = {}

    def var(self, lower: int, upper: int) -> int:
        self.bounds.append((lower, upper))
        return len(self.bounds) - 1

    def row(self, terms: dict[int, int], lower: float = -math.inf, upper: float = math.inf) -> None:
        self.rows.append((terms, lower, upper))


def _sum(*groups: Sequence[tuple[int, int]]) -> dict[int, int]:
    terms: dict[int, int] = defaultdict(int)
    for group in groups:
        for var, coef in group:
            terms[var] += coef
    return terms


def solve_aggregate(
    s: Setup,
    *,
    rules: Rules,
    weights: Weights,
    fixed: Sequence[Assignment],
    time_limit_s: float,
    num_workers: int,
    seed: int,
    stall_s: float | None = None,
    backend: str = "CBC+CP-SAT",
) -> Aggregate:
    """The aggregate model. ``backend``: ``CBC+CP-SAT`` (default) gives CBC, OR-Tools' MIP solver,
    40% of the time (it proves easy cases optimal in a second or two) and, unless it did, CP-SAT
    the rest starting from CBC's solution (CP-SAT finds good solutions more reliably on the hard
    ones); ``CP-SAT`` alone; or a MIP solver of ``pywraplp`` (``CBC``, ``SCIP``, ``HIGHS``; CP-SAT
    when it is missing). The bound is the best either proved."""
    lin = _Linear()
    pinned: dict[tuple[date, str], list[str]] = defaultdict(list)
    for a in fixed:
        pinned[(a.day, a.shift)].append(a.staff_id)
    n = {slot: lin.var(len(pinned.get(slot, [])), len(sids)) for slot, sids in s.slots.items()}
    skilled: dict[tuple[date, str, str], int] = {}

    def count(d: date, code: str, skill: str | None) -> int | None:
        if (d, code) not in n:
            return None
        if skill is None:
            return n[(d, code)]
        key = (d, code, skill)
        if key not in skilled:
            able = [sid for sid in s.slots[(d, code)] if skill in s.staff[sid].skills]
            low = sum(1 for sid in pinned.get((d, code), []) if skill in s.staff[sid].skills)
            skilled[key] = lin.var(low, len(able))
            lin.row({skilled[key]: 1, n[(d, code)]: -1}, upper=0)
        return skilled[key]

    for i, dem in enumerate(s.demands):
        need = max(0, dem.count - s.carried[i])
        covered = [
            (v, 1) for d, code in s.covering[i] if (v := count(d, code, dem.skill)) is not None
        ]
        upper = sum(len(s.slots.get(pair, [])) for pair in s.covering[i])
        if need > 0:
            gap = lin.var(0, need)
            lin.row(_sum(covered, [(gap, 1)]), lower=need)  # covered + short >= need
            lin.objective[gap] = 60 * weights.shortfall
        if weights.surplus and dem.skill is None and upper > need:
            extra = lin.var(0, upper - need)
            lin.row(_sum(covered, [(extra, -1)]), upper=need)  # over >= covered - need
            lin.objective[extra] = 60 * weights.surplus

    # Aggregate forms of the per-agent rules (each a relaxation, so the bound stays valid).
    day_people: dict[date, set[str]] = defaultdict(set)
    post_people: dict[tuple[date, str], set[str]] = defaultdict(set)
    for sid, d, code in s.cells:
        day_people[d].add(sid)
        post_people[(d, s.shifts[code].post)].add(sid)
    by_day: dict[date, list[tuple[str, int]]] = defaultdict(list)
    for (d, code), var in n.items():
        by_day[d].append((code, var))
    for d, pairs in by_day.items():
        lin.row({v: 1 for _, v in pairs}, upper=len(day_people[d]))
        posts = {s.shifts[code].post for code, _ in pairs}
        if len(posts) > 1:
            for post in posts:
                own = {v: 1 for code, v in pairs if s.shifts[code].post == post}
                lin.row(own, upper=len(post_people[(d, post)]))
    k = rules.max_consecutive_days
    for begin in range(max(0, len(s.days) - k)):
        window = s.days[begin : begin + k + 1]
        able = sum(min(k, sum(1 for d in window if sid in day_people[d])) for sid in s.staff)
        lin.row({v: 1 for d in window for _, v in by_day.get(d, [])}, upper=able)
    agents = {sid for sid, _, _ in s.cells}
    lin.row(
        {v: s.minutes(code) for (_, code), v in n.items()},
        upper=sum(round(s.staff[sid].max_hours * 60) for sid in agents),
    )
    lin.row({v: 1 for v in n.values()}, upper=sum(max_shifts(s, rules, sid) for sid in agents))
    rest = round(rules.min_rest_hours * 60)
    thresholds = sorted(set(s.starts.values()))
    for d, nxt in zip(s.days, s.days[1:], strict=False):
        if (nxt - d).days != 1:
            continue
        people = len(day_people[d] | day_people[nxt])
        for t in thresholds:
            late = [v for code, v in by_day.get(d, []) if s.ends[code] > DAY_MINUTES + t - rest]
            early = [v for code, v in by_day.get(nxt, []) if s.starts[code] <= t]
            if late and early:
                lin.row(_sum([(v, 1) for v in late], [(v, 1) for v in early]), upper=people)

    values, objective, bound, status = None, math.inf, 0.0, "UNKNOWN"
    began = _time.monotonic()
    if backend != "CP-SAT":
        share = time_limit_s if backend != "CBC+CP-SAT" else 0.4 * time_limit_s
        name = "CBC" if backend == "CBC+CP-SAT" else backend
        values, objective, bound, status = _solve_mip(lin, name, share, num_workers)
    if status != "OPTIMAL" and backend in ("CP-SAT", "CBC+CP-SAT") or status == "MISSING":
        left = max(0.5, time_limit_s - (_time.monotonic() - began))
        found = _solve_cp_sat(lin, left, num_workers, seed, stall_s, hint=values)
        if found[0] is not None and (values is None or found[1] <= objective):
            values, objective, status = found[0], found[1], found[3]
        bound = max(bound, found[2])
    if status == "OPTIMAL" or objective <= bound:
        status, bound = "OPTIMAL", objective
    if values is None:
        return Aggregate({}, {}, math.inf, bound, status)
    return Aggregate(
        counts={slot: values[v] for slot, v in n.items()},
        skilled={key: values[v] for key, v in skilled.items()},
        objective=objective,
        bound=bound,
        status=status,
    )


def _solve_mip(
    lin: _Linear, backend: str, time_limit_s: float, num_workers: int
) -> tuple[list[int] | None, float, float, str]:
    solver = pywraplp.Solver.CreateSolver(backend)
    if solver is None:
        return None, math.inf, 0.0, "MISSING"
    solver.SetTimeLimit(max(100, round(time_limit_s * 1000)))
    if num_workers > 1 and backend == "SCIP":
        solver.SetNumThreads(num_workers)
    xs = [solver.IntVar(lo, hi, "") for lo, hi in lin.bounds]
    for terms, lower, upper in lin.rows:
        row = solver.RowConstraint(
            -solver.infinity() if lower == -math.inf else lower,
            solver.infinity() if upper == math.inf else upper,
        )
        for var, coef in terms.items():
            row.SetCoefficient(xs[var], coef)
    goal = solver.Objective()
    for var, coef in lin.objective.items():
        goal.SetCoefficient(xs[var], coef)
    goal.SetMinimization()
    result = solver.Solve()
    names = {pywraplp.Solver.OPTIMAL: "OPTIMAL", pywraplp.Solver.FEASIBLE: "FEASIBLE"}
    if result not in names:
        return None, math.inf, 0.0, "UNKNOWN"
    values = [round(x.solution_value()) for x in xs]
    # Objective and bound in exact integers: the MIP works in floating point.
    objective = sum(coef * values[var] for var, coef in lin.objective.items())
    bound = math.ceil(goal.BestBound() - 1e-6) if result != pywraplp.Solver.OPTIMAL else objective
    return values, float(objective), float(min(bound, objective)), names[result]


def _solve_cp_sat(
    lin: _Linear,
    time_limit_s: float,
    num_workers: int,
    seed: int,
    stall_s: float | None,
    hint: Sequence[int] | None = None,
) -> tuple[list[int] | None, float, float, str]:
    m = cp_model.CpModel()
    xs = [m.new_int_var(lo, hi, "") for lo, hi in lin.bounds]
    for var, value in zip(xs, hint or (), strict=False):
        m.add_hint(var, value)
    for terms, lower, upper in lin.rows:
        expr = sum(coef * xs[var] for var, coef in terms.items())
        if lower != -math.inf:
            m.add(expr >= math.ceil(lower))
        if upper != math.inf:
            m.add(expr <= math.floor(upper))
    m.minimize(sum(coef * xs[var] for var, coef in lin.objective.items()))
    solver = make_solver(time_limit_s, num_workers, seed)
    status = solve_until_stall(solver, m, stall_s)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, math.inf, 0.0, solver.status_name(status)
    values = [solver.value(x) for x in xs]
    return values, solver.objective_value, solver.best_objective_bound, solver.status_name(status)
