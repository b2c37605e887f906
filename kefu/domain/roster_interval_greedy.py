"""Step 2 of ``roster_intervals.solve_intervals``: a roster built by hand, kept to every rule.

``construct`` fills the aggregate model's counts (how many on each shift each day) day by day,
most-behind agents first: an agent may take a shift only with hours left under the cap, a run of
working days within the maximum (published shifts just after included), the minimum rest since
their last shift and before their next published one, and not on leave, at their post. ``repair``
then works on the intervals still short: an agent free that day takes a shift, changes their
shift of the day, or moves another of their shifts there, whenever that lowers the coverage cost
and their roster on both sides allows it. ``hard_rule_problems`` checks any list of cells (published assignments, the
constructed roster) against the hard rules, in Chinese.
"""

from __future__ import annotations

import time as _time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kefu.domain.roster import Assignment, Rules, fmt_day
from kefu.domain.roster_interval_aggregate import Aggregate, max_shifts
from kefu.domain.roster_interval_model import Cell, Setup, Weights, has_skill

# --------------------------------------------------------------------------------------------
# Step 2: construction, day by day
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Agent:
    sid: str
    cap: int  # minutes
    used: int = 0  # minutes, including fixed assignments still to come
    done: int = 0  # shifts so far
    run: int = 0  # working days in a row up to yesterday
    last_day: date | None = None
    last_start: int = -1  # start minute of the last shift
    last_end: datetime | None = None
    special: int = 0  # weekend and holiday shifts so far
    target: float = 0.0  # fair share of the period's shifts
    open_left: int = 0  # days from today on that the agent could work


def _fair_targets(caps: dict[str, int], total: int) -> dict[str, float]:
    """Water-filling: the same number of shifts for everyone (``min(most shifts, lam)``),
    summing to ``total``: the balance term wants equal hours, leave or not."""
    if not caps:
        return {}
    lo, hi = 0.0, float(max(caps.values()) + 1)
    for _ in range(50):
        lam = (lo + hi) / 2
        if sum(min(cap, lam) for cap in caps.values()) < total:
            lo = lam
        else:
            hi = lam
    return {a: min(cap, hi) for a, cap in caps.items()}


def construct(
    s: Setup,
    *,
    rules: Rules,
    aggregate: Aggregate,
    fixed: Sequence[Assignment],
    holidays: Mapping[date, object],
) -> list[Cell]:
    """A roster keeping every hard rule that fills as many of ``aggregate``'s counts as it can."""
    k = rules.max_consecutive_days
    rest = timedelta(hours=rules.min_rest_hours)
    pinned = {(a.staff_id, a.day): a.shift for a in fixed}
    agents: dict[str, _Agent] = {}
    for sid, person in s.staff.items():
        agent = _Agent(sid, round(person.max_hours * 60))
        agent.used = sum(s.minutes(code) for (pid, _), code in pinned.items() if pid == sid)
        past = sorted(d for (pid, d) in s.history if pid == sid)
        if past and s.days:
            last = past[-1]
            code = s.history[(sid, last)]
            agent.last_day, agent.last_start = last, s.starts[code]
            agent.last_end = s.shifts[code].pattern.span(last)[1]
            run, d = 0, s.days[0] - timedelta(days=1)
            while (sid, d) in s.history:
                run, d = run + 1, d - timedelta(days=1)
            agent.run = run
        agents[sid] = agent
    total = sum(aggregate.counts.values())
    regular = [sid for sid in s.staff if s.open_days.get(sid) and not s.staff[sid].relief]
    targets = _fair_targets({sid: max_shifts(s, rules, sid) for sid in regular}, total)
    for sid, target in targets.items():
        agents[sid].target = target

    chosen: list[Cell] = []
    for d in s.days:
        special = d.weekday() >= 5 or d in holidays
        for agent in agents.values():
            agent.open_left = sum(1 for dd in s.open_days.get(agent.sid, ()) if dd >= d)
        today: dict[str, str] = {}
        for (sid, dd), code in pinned.items():
            if dd == d:
                today[sid] = code
        slots: list[tuple[str, str | None]] = []  # (shift code, skill needed or None)
        for code in sorted(s.shifts, key=lambda c: (s.starts[c], c)):
            want = aggregate.counts.get((d, code), 0) - sum(1 for c in today.values() if c == code)
            for (dd, cc, skill), need in aggregate.skilled.items():
                if dd == d and cc == code:
                    have = sum(
                        1 for sid, c in today.items() if c == code and skill in s.staff[sid].skills
                    )
                    extra = min(max(0, need - have), max(0, want))
                    slots += [(code, skill)] * extra
                    want -= extra
            slots += [(code, None)] * max(0, want)
        for code, skill in slots:
            best: tuple[float, str] | None = None
            start, end = s.shifts[code].pattern.span(d)
            for sid in s.slots.get((d, code), []):
                agent = agents[sid]
                if sid in today or (skill is not None and skill not in s.staff[sid].skills):
                    continue
                if not _may_work(s, agent, d, code, start, end, k, rest, pinned):
                    continue
                score = _score(s, agent, d, code, special)
                if best is None or score > best[0]:
                    best = (score, sid)
            if best is not None:
                today[best[1]] = code
                agents[best[1]].used += s.minutes(code)
        for sid, code in today.items():
            agent = agents[sid]
            agent.done += 1
            agent.run = agent.run + 1 if agent.last_day == d - timedelta(days=1) else 1
            agent.last_day, agent.last_start = d, s.starts[code]
            agent.last_end = s.shifts[code].pattern.span(d)[1]
            agent.special += special
            chosen.append((sid, d, code))
    return chosen


class _Repair:
    """The state of the local search of ``repair``: who works when, and coverage per demand."""

    def __init__(self, s: Setup, rules: Rules, weights: Weights, cells: Sequence[Cell]) -> None:
        self.s, self.weights = s, weights
        self.rest = timedelta(hours=rules.min_rest_hours)
        self.k = rules.max_consecutive_days
        self.days_of: dict[str, dict[date, str]] = defaultdict(dict)
        self.minutes: dict[str, int] = defaultdict(int)
        self.on_day: dict[date, set[str]] = defaultdict(set)
        for sid, d, code in cells:
            self.days_of[sid][d] = code
            self.minutes[sid] += s.minutes(code)
            self.on_day[d].add(sid)
        self.history = {(sid, d) for sid, d in s.history}
        for (sid, d), code in s.history.items():
            self.days_of[sid].setdefault(d, code)
        self.covers: dict[tuple[date, str], list[int]] = defaultdict(list)
        for i, pairs in enumerate(s.covering):
            for pair in pairs:
                self.covers[pair].append(i)
        self.need = [max(0, dem.count - s.carried[i]) for i, dem in enumerate(s.demands)]
        self.cov = [0] * len(s.demands)
        for sid, d, code in cells:
            self._count(sid, (d, code), 1)
        self.cache: dict[tuple[frozenset[str], date, str, int], int] = {}

    def _count(self, sid: str, pair: tuple[date, str], step: int) -> None:
        for j in self.covers[pair]:
            if has_skill(self.s, sid, self.s.demands[j].skill):
                self.cov[j] += step

    def _cost(self, j: int, covered: int) -> int:
        need = self.need[j]
        cost = self.weights.shortfall * max(0, need - covered)
        if self.s.demands[j].skill is None:
            cost += self.weights.surplus * max(0, covered - need)
        return cost

    def delta(self, sid: str, pair: tuple[date, str], step: int) -> int:
        """Change of the coverage cost if ``sid`` starts (+1) or stops (-1) working ``pair``;
        cached per skill set until the next move."""
        key = (self.s.staff[sid].skills, pair[0], pair[1], step)
        if key not in self.cache:
            total = 0
            for j in self.covers[pair]:
                if has_skill(self.s, sid, self.s.demands[j].skill):
                    total += self._cost(j, self.cov[j] + step) - self._cost(j, self.cov[j])
            self.cache[key] = total
        return self.cache[key]

    def exact(self, sid: str, drop: tuple[date, str] | None, add: tuple[date, str]) -> int:
        change: dict[int, int] = defaultdict(int)
        for pair, step in ((drop, -1), (add, 1)):
            if pair is None:
                continue
            for j in self.covers[pair]:
                if has_skill(self.s, sid, self.s.demands[j].skill):
                    change[j] += step
        return sum(
            self._cost(j, self.cov[j] + c) - self._cost(j, self.cov[j]) for j, c in change.items()
        )

    def may(self, sid: str, drop: tuple[date, str] | None, add: tuple[date, str]) -> bool:
        worked = self.days_of[sid]
        used = self.minutes[sid]
        if drop is not None:
            worked = {d: c for d, c in worked.items() if d != drop[0]}
            used -= self.s.minutes(drop[1])
        return _may_add(self.s, sid, add[0], add[1], worked, used, self.rest, self.k)

    def apply(self, sid: str, drop: tuple[date, str] | None, add: tuple[date, str]) -> None:
        if drop is not None:
            del self.days_of[sid][drop[0]]
            self.minutes[sid] -= self.s.minutes(drop[1])
            self.on_day[drop[0]].discard(sid)
            self._count(sid, drop, -1)
        self.days_of[sid][add[0]] = add[1]
        self.minutes[sid] += self.s.minutes(add[1])
        self.on_day[add[0]].add(sid)
        self._count(sid, add, 1)
        self.cache.clear()

    def cells(self) -> list[Cell]:
        return sorted(
            (sid, d, code)
            for sid, own in self.days_of.items()
            for d, code in own.items()
            if (sid, d) not in self.history
        )


def repair(
    s: Setup,
    *,
    rules: Rules,
    weights: Weights,
    cells: Sequence[Cell],
    fixed: Sequence[Assignment] = (),
    deadline: float | None = None,
) -> list[Cell]:
    """Local search on the intervals still short. For each, the best of: an agent free that day
    takes a shift covering it (fewest hours first); an agent working that day changes to such a
    shift; an agent free that day moves one of their other shifts to it. Only moves that lower
    the coverage cost (shortfall x weight + surplus) and keep every hard rule (hours, run, rest
    on both sides, leave, post) are made; published shifts stay. Stops when no move helps or at
    ``deadline`` (``time.monotonic()``)."""
    state = _Repair(s, rules, weights, cells)
    pinned = {(a.staff_id, a.day) for a in fixed}
    cell_set = set(s.cells)
    moved = True
    while moved and (deadline is None or _time.monotonic() < deadline):
        moved = False
        for i in sorted(
            range(len(s.demands)), key=lambda j: (s.demands[j].day, s.demands[j].start)
        ):
            while state.cov[i] < state.need[i]:
                move = _best_move(s, state, i, pinned, cell_set)
                if move is None:
                    break
                state.apply(*move)
                moved = True
            if deadline is not None and _time.monotonic() >= deadline:
                break
    return state.cells()


Move = tuple[str, tuple[date, str] | None, tuple[date, str]]  # (agent, shift dropped, added)


def _best_move(
    s: Setup, state: _Repair, i: int, pinned: set[tuple[str, date]], cell_set: set[Cell]
) -> Move | None:
    skill = s.demands[i].skill
    best: tuple[tuple[int, int], Move] | None = None

    def consider(value: int, tie: int, move: Move) -> None:
        nonlocal best
        if value < 0 and (best is None or (value, tie) < best[0]) and state.may(*move):
            exact = state.exact(*move)
            if exact < 0 and (best is None or (exact, tie) < best[0]):
                best = ((exact, tie), move)

    for pair in s.covering[i]:
        d, code = pair
        for sid in s.slots.get(pair, []):
            if not has_skill(s, sid, skill):
                continue
            current = state.days_of[sid].get(d)
            gain = state.delta(sid, pair, 1)
            if current is None:
                consider(gain, state.minutes[sid], (sid, None, pair))  # take a shift
                for d1, c1 in list(state.days_of[sid].items()):  # or move one here
                    if (sid, d1) in pinned or (sid, d1) in state.history:
                        continue
                    value = gain + state.delta(sid, (d1, c1), -1)
                    consider(value, 0, (sid, (d1, c1), pair))
            elif current != code and (sid, d) not in pinned and (sid, d, code) in cell_set:
                value = gain + state.delta(sid, (d, current), -1)
                consider(value, 0, (sid, (d, current), pair))  # change that day's shift
    return None if best is None else best[1]


def _may_add(
    s: Setup,
    sid: str,
    d: date,
    code: str,
    worked: Mapping[date, str],
    used: int,
    rest: timedelta,
    k: int,
) -> bool:
    """May ``sid`` also work ``code`` on ``d`` given the rest of their roster?"""
    if used + s.minutes(code) > round(s.staff[sid].max_hours * 60):
        return False
    before = after = 0
    while d - timedelta(days=before + 1) in worked:
        before += 1
    while d + timedelta(days=after + 1) in worked:
        after += 1
    if before + 1 + after > k:
        return False
    start, end = s.shifts[code].pattern.span(d)
    earlier = [dd for dd in worked if dd < d]
    if earlier:
        prev = max(earlier)
        if start - s.shifts[worked[prev]].pattern.span(prev)[1] < rest:
            return False
    later = [dd for dd in worked if dd > d]
    if later:
        nxt = min(later)
        if s.shifts[worked[nxt]].pattern.span(nxt)[0] - end < rest:
            return False
    return True


def _may_work(
    s: Setup,
    agent: _Agent,
    d: date,
    code: str,
    start: datetime,
    end: datetime,
    k: int,
    rest: timedelta,
    pinned: Mapping[tuple[str, date], str],
) -> bool:
    if agent.used + s.minutes(code) > agent.cap:
        return False
    run = agent.run + 1 if agent.last_day == d - timedelta(days=1) else 1
    ahead = d + timedelta(days=1)
    while (agent.sid, ahead) in pinned:  # published shifts right after extend the run
        run, ahead = run + 1, ahead + timedelta(days=1)
    if run > k:
        return False
    if agent.last_end is not None and start - agent.last_end < rest:
        return False
    for gap in (1, 2):
        nxt = pinned.get((agent.sid, d + timedelta(days=gap)))
        if nxt is not None and s.shifts[nxt].pattern.span(d + timedelta(days=gap))[0] - end < rest:
            return False
    return True


def _score(s: Setup, agent: _Agent, d: date, code: str, special: bool) -> float:
    """Higher first: most behind on the fair share, then the same start as yesterday, then a
    short run; weekends to those with fewest; wishes; relief staff last."""
    person = s.staff[agent.sid]
    score = (agent.target - agent.done) / max(1, agent.open_left)
    if agent.last_day == d - timedelta(days=1) and agent.last_start == s.starts[code]:
        score += 0.1
    score -= 0.02 * agent.run
    if special:
        score -= 0.05 * agent.special
    wish = person.preferences.get(d)
    if wish is not None:
        score += 0.5 if wish else -0.5
    if person.relief:
        score -= 10.0
    return score


# --------------------------------------------------------------------------------------------
# The hard rules, checked on a list of cells (published assignments, the constructed roster)
# --------------------------------------------------------------------------------------------


def hard_rule_problems(s: Setup, rules: Rules, cells: Sequence[Cell]) -> list[str]:
    """Chinese descriptions of the hard rules ``cells`` (with the history) break."""
    problems: list[str] = []
    cell_set = set(s.cells)
    by_person: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for sid, d, code in cells:
        if (sid, d, code) not in cell_set:
            problems.append(f"{fmt_day(d)} {s.staff[sid].name}:不能排 {code}(休假或岗位不符)")
        by_person[sid].append((d, code))
    rest = timedelta(hours=rules.min_rest_hours)
    k = rules.max_consecutive_days
    for sid, own in by_person.items():
        name = s.staff[sid].name
        minutes = sum(s.minutes(code) for _, code in own)
        if minutes > round(s.staff[sid].max_hours * 60):
            problems.append(f"{name}:{minutes / 60:g} 小时,超过上限 {s.staff[sid].max_hours:g}")
        days = [d for d, _ in own]
        if len(set(days)) != len(days):
            problems.append(f"{name}:同一天排了两个班")
        past = [(d, code) for (pid, d), code in s.history.items() if pid == sid]
        shifts = sorted([*past, *own])
        for (d1, c1), (d2, c2) in zip(shifts, shifts[1:], strict=False):
            end = s.shifts[c1].pattern.span(d1)[1]
            start = s.shifts[c2].pattern.span(d2)[0]
            if d1 != d2 and start - end < rest:
                problems.append(
                    f"{fmt_day(d2)} {name}:距上一班结束不足 {rules.min_rest_hours:g} 小时"
                )
        run = 0
        previous: date | None = None
        for d in sorted({d for d, _ in shifts}):
            run = run + 1 if previous == d - timedelta(days=1) else 1
            previous = d
            if run > k and d >= s.days[0]:
                problems.append(f"{fmt_day(d)} {name}:连续工作 {run} 天,超过 {k} 天")
    return problems
