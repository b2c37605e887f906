"""Monthly rosters with OR-Tools CP-SAT (issue 5 item 3; STANDARDS MALL-1).

The model follows the style of OR-Tools' ``examples/python/shift_scheduling_sat.py``: one Boolean
per (person, day, shift) the person may work, hard rules as linear constraints, and soft rules as
penalised slack variables whose weighted sum is minimised.

Hard constraints
    * coverage of every ``Requirement`` (exact by default for the head count of a shift, "at
      least" for a skill requirement; ``Rules.exact_coverage=False`` makes head counts minima);
    * at most one shift a day per person;
    * the hours cap per person for the period (``Staff.max_hours``, 174 by default);
    * at most ``Rules.max_consecutive_days`` working days in a row (1 = alternate-day, 隔日勤);
    * at least ``Rules.min_rest_hours`` between the end of one shift and the start of the next;
    * approved leave, the posts a person may work and the skills a requirement needs;
    * ``fixed`` assignments (what is already published) are kept.

Soft constraints (weights in ``Rules``)
    * balanced hours: spread (max - min) of the hours of the regular staff;
    * weekends and statutory holidays shared fairly: spread of their shift counts;
    * preferences: one penalty for every wish (work / do not work on a day) not granted;
    * relief staff (``Staff.relief``, e.g. the manager covering a desk) used as little as possible.

When the hard constraints cannot all hold, ``RosterInfeasible`` lists which constraint fails where,
in Chinese: first by cheap pre-checks (people available per day, post and skill; person-days
possible within the hours cap and the consecutive-day rule), then, if the model is still
infeasible, by re-solving with coverage slack and reporting each shortfall together with the
rule families whose relaxation would make the roster possible.
"""

from __future__ import annotations

import time as _time
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple, Protocol, TypeVar

from ortools.sat.python import cp_model

STATUTORY_HOLIDAY_MULTIPLIER = 3.0  # 劳动法第四十四条:法定休假日安排工作,支付不低于 300% 的工资
REST_DAY_MULTIPLIER = 2.0  # 休息日安排工作又不能安排补休,支付不低于 200% 的工资

WEEKDAYS_ZH = "一二三四五六日"

# Families of hard rules that the diagnosis may relax one at a time.
HOURS_CAP = "hours_cap"
CONSECUTIVE = "consecutive"
REST = "rest"
_CAPACITY_MARK = ",人手不足"
FAMILY_NAMES_ZH = {
    HOURS_CAP: "每月工时上限",
    CONSECUTIVE: "最多连续工作天数",
    REST: "两班之间最短休息时间",
}


@dataclass(frozen=True, slots=True)
class ShiftPattern:
    """A shift: its post, clock times (``end <= start`` means it ends the next day) and the hours
    it counts towards the cap (the mall's 9:00-22:00 counts 11: two 1-hour meal breaks)."""

    code: str
    post: str
    start: time
    end: time
    counted_hours: float

    def __post_init__(self) -> None:
        if self.counted_hours <= 0:
            raise ValueError(f"班次 {self.code} 的计算工时必须大于 0")

    @property
    def minutes(self) -> int:
        """Counted minutes (integers keep the CP-SAT model exact)."""
        return round(self.counted_hours * 60)

    def span(self, day: date) -> tuple[datetime, datetime]:
        """Clock start and end of this shift worked on ``day``."""
        start = datetime.combine(day, self.start)
        end = datetime.combine(day, self.end)
        if end <= start:
            end += timedelta(days=1)
        return start, end


@dataclass(frozen=True, slots=True)
class Staff:
    id: str
    name: str
    posts: frozenset[str]
    skills: frozenset[str] = frozenset()
    max_hours: float = 174.0
    preferences: dict[date, bool] = field(default_factory=dict, hash=False)  # True: wants to work
    leave: frozenset[date] = frozenset()
    relief: bool = False  # rostered only when the regular staff cannot cover (e.g. the manager)


@dataclass(frozen=True, slots=True)
class Requirement:
    """``count`` people on ``shift`` at ``post`` on ``day``; with ``skill``, ``count`` of those on
    the shift must have that skill."""

    day: date
    post: str
    shift: str
    count: int
    skill: str | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    max_consecutive_days: int = 6
    min_rest_hours: float = 11.0
    exact_coverage: bool = True  # head counts exactly as required; False: at least
    balance_weight: int = 10  # per hour of spread between the most and least worked
    weekend_weight: int = 20  # per weekend/holiday shift of spread
    preference_weight: int = 30  # per wish not granted
    relief_weight: int = 1000  # per shift worked by relief staff
    mark_rest_days: bool = False  # mark weekend days x2 (standard hours; not 综合工时制)

    def __post_init__(self) -> None:
        if self.max_consecutive_days < 1:
            raise ValueError("最多连续工作天数至少为 1(1 即隔日勤)")
        if self.min_rest_hours < 0:
            raise ValueError("最短休息时间不能为负数")

    @classmethod
    def alternate_day(cls, **kwargs: object) -> Rules:
        """隔日勤 (alternate-day shifts): never two working days in a row."""
        return cls(max_consecutive_days=1, **kwargs)  # type: ignore[arg-type]


class HolidayInfo(NamedTuple):
    name: str
    multiplier: float


@dataclass(frozen=True, slots=True, order=True)
class Assignment:
    day: date
    staff_id: str
    shift: str


@dataclass(slots=True)
class Roster:
    assignments: list[Assignment]
    hours_by_staff: dict[str, float]
    warnings: list[str]
    holiday_marks: dict[date, HolidayInfo]
    status: str = ""  # OPTIMAL or FEASIBLE
    objective: float = 0.0
    best_bound: float = 0.0
    solve_seconds: float = 0.0

    @property
    def gap(self) -> float:
        """Relative optimality gap reported by the solver (0 when proven optimal)."""
        if self.objective == 0:
            return 0.0
        return abs(self.objective - self.best_bound) / abs(self.objective)

    def on(self, day: date) -> list[Assignment]:
        return [a for a in self.assignments if a.day == day]


class RosterInfeasible(Exception):
    """The hard constraints cannot all hold; ``problems`` says which fails where (Chinese)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("无法排班:\n" + "\n".join(problems))


def hm(t: time) -> str:
    """A clock time as roster files and messages write it: 09:00."""
    return f"{t.hour:02d}:{t.minute:02d}"


def fmt_day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _hours(minutes: int) -> str:
    value = minutes / 60
    return f"{value:g}"


# --------------------------------------------------------------------------------------------
# The problem, checked and indexed once
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Problem:
    staff: dict[str, Staff]
    patterns: dict[str, ShiftPattern]
    requirements: list[Requirement]
    days: list[date]
    rules: Rules
    fixed: list[Assignment]
    history: list[Assignment]
    day_index: dict[date, int] = field(default_factory=dict)
    # (staff, day, shift) -> may be assigned
    cells: list[tuple[str, date, str]] = field(default_factory=list)
    by_shift: dict[tuple[date, str], list[str]] = field(default_factory=dict)


class _Coded(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def post(self) -> str: ...


_C = TypeVar("_C", bound=_Coded)


def index_inputs(
    staff: Sequence[Staff],
    shifts: Sequence[_C],
    days: Sequence[date],
    fixed: Sequence[Assignment],
    history: Sequence[Assignment],
) -> tuple[dict[str, Staff], dict[str, _C], list[str]]:
    """People and shifts by id and code, and what is wrong with them and with the published
    (``fixed``) and previous-period (``history``) assignments, in Chinese. Shared by the
    head-count and the interval models."""
    problems: list[str] = []
    by_id: dict[str, Staff] = {}
    for person in staff:
        if person.id in by_id:
            problems.append(f"员工编号 {person.id} 重复")
        by_id[person.id] = person
    by_code: dict[str, _C] = {}
    for shift in shifts:
        if shift.code in by_code:
            problems.append(f"班次代码 {shift.code} 重复")
        by_code[shift.code] = shift
    day_set = set(days)
    taken: set[tuple[str, date]] = set()
    for a in fixed:
        person, shift = by_id.get(a.staff_id), by_code.get(a.shift)
        where = f"已发布排班 {fmt_day(a.day)} {person.name if person else a.staff_id}"
        if person is None:
            problems.append(f"{where}:未知员工")
        elif shift is None:
            problems.append(f"{where}:未知班次 {a.shift}")
        else:
            if a.day not in day_set:
                problems.append(f"{where}:不在排班期间内")
            if a.day in person.leave:
                problems.append(f"{where}:当天已批准休假")
            if shift.post not in person.posts:
                problems.append(f"{where}:不能在 {shift.post} 上岗")
            if (a.staff_id, a.day) in taken:
                problems.append(f"{where}:同一天排了两个班")
            taken.add((a.staff_id, a.day))
    for a in history:
        if a.staff_id in by_id and a.shift not in by_code:
            problems.append(f"上期排班 {fmt_day(a.day)} {a.staff_id}:未知班次 {a.shift}")
    return by_id, by_code, problems


def _index(
    staff: Sequence[Staff],
    patterns: Sequence[ShiftPattern],
    requirements: Sequence[Requirement],
    days: Sequence[date],
    rules: Rules,
    fixed: Sequence[Assignment],
    history: Sequence[Assignment],
) -> _Problem:
    by_id, by_code, problems = index_inputs(staff, patterns, days, fixed, history)
    day_list = sorted(set(days))
    day_set = set(day_list)
    for req in requirements:
        pattern = by_code.get(req.shift)
        if req.day not in day_set:
            problems.append(f"需求 {fmt_day(req.day)} {req.post} 不在排班期间内")
        if pattern is None:
            problems.append(f"需求 {fmt_day(req.day)} {req.post} 使用了未知班次 {req.shift}")
        elif pattern.post != req.post:
            problems.append(
                f"需求 {fmt_day(req.day)} {req.post} 的班次 {req.shift} 属于 {pattern.post}"
            )
        if req.count < 0:
            problems.append(f"需求 {fmt_day(req.day)} {req.post} 的人数不能为负数")
    if problems:
        raise RosterInfeasible(problems)

    prob = _Problem(
        staff=by_id,
        patterns=by_code,
        requirements=list(requirements),
        days=day_list,
        rules=rules,
        fixed=list(fixed),
        history=[a for a in history if a.staff_id in by_id and a.day < day_list[0]]
        if day_list
        else [],
    )
    prob.day_index = {d: i for i, d in enumerate(day_list)}

    # Which (day, shift) pairs are staffed, and which skills they ask for.
    plain: set[tuple[date, str]] = set()
    skills_wanted: dict[tuple[date, str], set[str]] = defaultdict(set)
    for req in requirements:
        if req.skill is None:
            plain.add((req.day, req.shift))
        else:
            skills_wanted[(req.day, req.shift)].add(req.skill)
    slots = plain | set(skills_wanted)
    fixed_set = {(a.staff_id, a.day, a.shift) for a in fixed}
    for d, code in sorted(slots | {(a.day, a.shift) for a in fixed}):
        pattern = by_code[code]
        names: list[str] = []
        for person in by_id.values():
            if (person.id, d, code) in fixed_set:
                names.append(person.id)
                continue
            if d in person.leave or pattern.post not in person.posts:
                continue
            if (d, code) not in plain and not (person.skills & skills_wanted[(d, code)]):
                continue  # only skill requirements on this shift: only the skilled may work it
            names.append(person.id)
        prob.by_shift[(d, code)] = names
        prob.cells += [(sid, d, code) for sid in names]
    return prob


# --------------------------------------------------------------------------------------------
# Pre-checks: necessary conditions, each failure named by day, post and skill
# --------------------------------------------------------------------------------------------


def _max_days_in_runs(available: Sequence[bool], k: int) -> int:
    """Most days one can work among ``available`` days without more than ``k`` in a row."""
    total = run = 0
    for ok in [*available, False]:
        if ok:
            run += 1
        else:
            total += run - run // (k + 1)
            run = 0
    return total


def _prechecks(prob: _Problem) -> list[str]:
    problems: list[str] = []
    rules = prob.rules
    fixed_day = {(a.staff_id, a.day): a.shift for a in prob.fixed}

    # 1. Per requirement: enough people who could stand on that shift (post, skill, leave).
    for req in sorted(prob.requirements, key=lambda r: (r.day, r.post, r.shift, r.skill or "")):
        candidates = [
            sid
            for sid in prob.by_shift.get((req.day, req.shift), [])
            if (req.skill is None or req.skill in prob.staff[sid].skills)
            and fixed_day.get((sid, req.day), req.shift) == req.shift
        ]
        if len(candidates) < req.count:
            who = "人" if req.skill is None else f"名具备「{req.skill}」技能的人员"
            problems.append(
                f"{fmt_day(req.day)} {req.post} 需要 {req.count} {who},"
                f"只有 {len(candidates)} 人可排" + _leave_note(prob, req)
            )
        if rules.exact_coverage and req.skill is None:
            pinned = sum(1 for a in prob.fixed if a.day == req.day and a.shift == req.shift)
            if pinned > req.count:
                problems.append(
                    f"{fmt_day(req.day)} {req.post} 只需要 {req.count} 人,"
                    f"已发布排班已有 {pinned} 人"
                )

    # 2. Per day: shifts of the same day need different people (one shift a day each).
    need_day: dict[date, int] = defaultdict(int)
    for req in prob.requirements:
        if req.skill is None:
            need_day[req.day] += req.count
    for d, need in sorted(need_day.items()):
        people = {sid for (dd, _), names in prob.by_shift.items() if dd == d for sid in names}
        if need > len(people):
            problems.append(f"{fmt_day(d)} 各岗位共需要 {need} 人,只有 {len(people)} 人可排")

    # 3. Per post (and all posts together): person-days the month needs vs the most the eligible
    #    people can give within the hours cap and the consecutive-day rule.
    if problems:
        return problems
    need_post: dict[str, int] = defaultdict(int)
    for req in prob.requirements:
        if req.skill is None:
            need_post[req.post] += req.count
    k = rules.max_consecutive_days
    for post in sorted(need_post):
        codes = [c for c, p in prob.patterns.items() if p.post == post]
        shortest = min(prob.patterns[c].minutes for c in codes)
        caps = [
            (person.name, _person_cap(prob, person, post))
            for person in prob.staff.values()
            if post in person.posts
        ]
        capacity = sum(c for _, c in caps)
        if capacity < need_post[post]:
            detail = "、".join(f"{name} {c} 天" for name, c in caps)
            problems.append(
                f"{post}:本期共需要 {need_post[post]} 人次,可排人员在"
                f"「{FAMILY_NAMES_ZH[HOURS_CAP]}」(每班 {_hours(shortest)} 小时)、"
                f"「{FAMILY_NAMES_ZH[CONSECUTIVE]} {k} 天」和休假之下最多只能排 "
                f"{capacity} 人次({detail}){_CAPACITY_MARK}"
            )
    return problems


def _leave_note(prob: _Problem, req: Requirement) -> str:
    pattern = prob.patterns[req.shift]
    away = [
        p.name
        for p in prob.staff.values()
        if pattern.post in p.posts
        and req.day in p.leave
        and (req.skill is None or req.skill in p.skills)
    ]
    return f"({'、'.join(away)} 休假)" if away else ""


# --------------------------------------------------------------------------------------------
# The CP-SAT model
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Model:
    model: cp_model.CpModel
    x: dict[tuple[str, date, str], cp_model.IntVar]
    shortfall: dict[int, cp_model.IntVar]  # requirement index -> slack (diagnosis only)
    minutes: dict[str, cp_model.LinearExpr]
    penalties: list[tuple[int, cp_model.LinearExprT]]


def _build(
    prob: _Problem,
    *,
    holidays: Collection[date],
    slack: bool = False,
    drop: frozenset[str] = frozenset(),
) -> _Model:
    m = cp_model.CpModel()
    rules = prob.rules
    x = {cell: m.new_bool_var(f"x_{cell[0]}_{cell[1]:%m%d}_{cell[2]}") for cell in prob.cells}
    for a in prob.fixed:
        m.add(x[(a.staff_id, a.day, a.shift)] == 1)

    by_person_day: dict[tuple[str, date], list[cp_model.IntVar]] = defaultdict(list)
    for (sid, d, _code), var in x.items():
        by_person_day[(sid, d)].append(var)
    works: dict[tuple[str, date], cp_model.LinearExprT] = {}
    for key, vars_ in by_person_day.items():
        m.add_at_most_one(vars_)
        works[key] = sum(vars_)

    # Coverage.
    shortfall: dict[int, cp_model.IntVar] = {}
    for i, req in enumerate(prob.requirements):
        names = prob.by_shift.get((req.day, req.shift), [])
        on_shift = [
            x[(sid, req.day, req.shift)]
            for sid in names
            if req.skill is None or req.skill in prob.staff[sid].skills
        ]
        total: cp_model.LinearExprT = sum(on_shift)
        if slack:
            shortfall[i] = m.new_int_var(0, req.count, f"short_{i}")
            total = total + shortfall[i]
        if req.skill is None and rules.exact_coverage:
            m.add(total == req.count)
        else:
            m.add(total >= req.count)

    # Hours cap.
    minutes: dict[str, cp_model.LinearExpr] = {}
    for sid, person in prob.staff.items():
        expr = sum(prob.patterns[code].minutes * var for (s, _, code), var in x.items() if s == sid)
        minutes[sid] = expr  # type: ignore[assignment]
        if HOURS_CAP not in drop and not isinstance(expr, int):
            cap = round(person.max_hours * 60)
            m.add(expr <= cap)
            # Redundant cut (tightens the LP bound): whole shifts within the cap.
            own = [(code, var) for (s, _, code), var in x.items() if s == sid]
            shortest = min(prob.patterns[code].minutes for code, _ in own)
            m.add(sum(var for _, var in own) <= cap // shortest)

    # History (the days before the period) as constants for the two sequence rules.
    past: dict[tuple[str, date], str] = {(a.staff_id, a.day): a.shift for a in prob.history}

    def worked(sid: str, d: date) -> cp_model.LinearExprT:
        if d in prob.day_index:
            return works.get((sid, d), 0)
        return 1 if (sid, d) in past else 0

    # Maximum consecutive working days: any k+1 consecutive days hold at most k working days.
    k = rules.max_consecutive_days
    if CONSECUTIVE not in drop and prob.days:
        first = prob.days[0] - timedelta(days=k)
        last = prob.days[-1]
        span = (last - first).days + 1
        for sid in prob.staff:
            for start in range(span - k):
                window = [first + timedelta(days=start + j) for j in range(k + 1)]
                if not any(d in prob.day_index for d in window):
                    continue
                terms = [worked(sid, d) for d in window]
                if all(isinstance(t, int) for t in terms):
                    continue
                m.add(sum(terms) <= k)

    # Minimum rest between the end of a shift and the start of the next one.
    if REST not in drop:
        rest = timedelta(hours=rules.min_rest_hours)
        cells_by_person: dict[str, list[tuple[date, str]]] = defaultdict(list)
        for sid, d, code in x:
            cells_by_person[sid].append((d, code))
        for sid, cells in cells_by_person.items():
            for d, code in cells:
                start, _ = prob.patterns[code].span(d)
                # Earlier shifts of the same person (this period or history) ending too late.
                for back in (1, 2):
                    prev_day = d - timedelta(days=back)
                    for prev_code in prob.patterns:
                        _, prev_end = prob.patterns[prev_code].span(prev_day)
                        if start - prev_end >= rest:
                            continue
                        if prev_day in prob.day_index:
                            prev = x.get((sid, prev_day, prev_code))
                            if prev is not None:
                                m.add_bool_or([x[(sid, d, code)].Not(), prev.Not()])
                        elif past.get((sid, prev_day)) == prev_code:
                            m.add(x[(sid, d, code)] == 0)

    if not slack and not drop:
        _relief_cuts(prob, m, x)
    if slack and not drop:
        # Redundant: the shortfall is at least the head count minus everyone's most shifts.
        need = sum(r.count for r in prob.requirements if r.skill is None)
        caps = sum(
            max(
                (_person_cap(prob, p, post) for post in p.posts if _has_post(prob, post)), default=0
            )
            for p in prob.staff.values()
        )
        plain = [v for i, v in shortfall.items() if prob.requirements[i].skill is None]
        if plain and need > caps:
            m.add(sum(plain) >= need - caps)

    penalties: list[tuple[int, cp_model.LinearExprT]] = []
    regular = [sid for sid, p in prob.staff.items() if not p.relief]

    # Balanced hours: spread between the most and the least worked regular staff (minutes).
    if rules.balance_weight and len(regular) > 1:
        cap = max(round(prob.staff[s].max_hours * 60) for s in regular) + 24 * 60 * len(prob.days)
        hi = m.new_int_var(0, cap, "hours_max")
        lo = m.new_int_var(0, cap, "hours_min")
        for sid in regular:
            m.add(hi >= minutes[sid])
            m.add(lo <= minutes[sid])
        penalties.append((rules.balance_weight, hi - lo))  # weight per hour: minutes x 1

    # Weekends and statutory holidays shared fairly: spread of their shift counts.
    special = {d for d in prob.days if d.weekday() >= 5 or d in holidays}
    if rules.weekend_weight and special and len(regular) > 1:
        hi_w = m.new_int_var(0, len(special), "special_max")
        lo_w = m.new_int_var(0, len(special), "special_min")
        for sid in regular:
            count = sum(works.get((sid, d), 0) for d in special)
            m.add(hi_w >= count)
            m.add(lo_w <= count)
        penalties.append((rules.weekend_weight * 60, hi_w - lo_w))

    # Preferences: one penalty per wish not granted.
    if rules.preference_weight:
        misses: list[cp_model.LinearExprT] = []
        for sid, person in prob.staff.items():
            for d, wants in person.preferences.items():
                if d not in prob.day_index:
                    continue
                w = works.get((sid, d), 0)
                misses.append(1 - w if wants else w)
        if misses:
            penalties.append((rules.preference_weight * 60, sum(misses)))

    # Relief staff (the manager) only when needed.
    relief_cells = [var for (sid, _, _), var in x.items() if prob.staff[sid].relief]
    if relief_cells and rules.relief_weight:
        penalties.append((rules.relief_weight * 60, sum(relief_cells)))

    if slack:
        m.minimize(sum(shortfall.values()))
    elif penalties:
        m.minimize(sum(w * e for w, e in penalties))
    return _Model(m, x, shortfall, minutes, penalties)


def _person_cap(prob: _Problem, person: Staff, post: str) -> int:
    """Most shifts ``person`` can work at ``post`` in the period (hours cap, consecutive rule,
    leave): a bound, used by the pre-checks and as a redundant cut."""
    shortest = min(p.minutes for p in prob.patterns.values() if p.post == post)
    available = [d not in person.leave for d in prob.days]
    by_rule = _max_days_in_runs(available, prob.rules.max_consecutive_days)
    by_hours = round(person.max_hours * 60) // shortest
    return min(by_rule, by_hours)


def _has_post(prob: _Problem, post: str) -> bool:
    return any(p.post == post for p in prob.patterns.values())


def _relief_cuts(
    prob: _Problem, m: cp_model.CpModel, x: dict[tuple[str, date, str], cp_model.IntVar]
) -> None:
    """Redundant: relief shifts at a post >= its head count minus what the regular staff can
    give. Implied by the model, but it lets CP-SAT prove optimality at once."""
    need: dict[str, int] = defaultdict(int)
    for req in prob.requirements:
        if req.skill is None:
            need[req.post] += req.count
    for post, total in need.items():
        regular_cap = sum(
            _person_cap(prob, p, post)
            for p in prob.staff.values()
            if not p.relief and post in p.posts
        )
        relief = [
            var
            for (sid, _, code), var in x.items()
            if prob.staff[sid].relief and prob.patterns[code].post == post
        ]
        if relief and total > regular_cap:
            m.add(sum(relief) >= total - regular_cap)


def _solver(time_limit_s: float, seed: int = 0) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 8
    solver.parameters.random_seed = seed
    return solver


def _diagnose(prob: _Problem, holidays: Collection[date], time_limit_s: float) -> list[str]:
    """The model is infeasible although the pre-checks passed: find where coverage falls short
    (coverage slack minimised) and which rule family, relaxed alone, would make it possible."""
    relaxable: list[str] = []
    for family in (HOURS_CAP, CONSECUTIVE, REST):
        built = _build(prob, holidays=holidays, drop=frozenset({family}))
        built.model.clear_objective()
        status = _solver(max(1.0, time_limit_s / 4)).solve(built.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            relaxable.append(family)
    because = (
        "可放宽的规则:" + "、".join(_family_text(prob.rules, f) for f in relaxable)
        if relaxable
        else "单独放宽工时上限、连续工作天数或休息时间都不足以解决"
    )

    built = _build(prob, holidays=holidays, slack=True)
    solver = _solver(max(1.0, time_limit_s / 2))
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [f"已发布排班与硬性规则冲突,无法在其余日期排班({because})"]
    problems: list[str] = []
    for i, var in built.shortfall.items():
        short = solver.value(var)
        if short <= 0:
            continue
        req = prob.requirements[i]
        who = "人" if req.skill is None else f"名具备「{req.skill}」技能的人员"
        problems.append(
            f"{fmt_day(req.day)} {req.post} 需要 {req.count} {who},"
            f"在硬性规则下只能排 {req.count - short} 人"
        )
    problems.append(f"原因:{because}")
    return problems


def _family_text(rules: Rules, family: str) -> str:
    if family == CONSECUTIVE:
        return f"{FAMILY_NAMES_ZH[family]}({rules.max_consecutive_days} 天)"
    if family == REST:
        return f"{FAMILY_NAMES_ZH[family]}({rules.min_rest_hours:g} 小时)"
    return FAMILY_NAMES_ZH[family]


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def holiday_marks(
    days: Sequence[date],
    holidays: Mapping[date, str | HolidayInfo],
    *,
    mark_rest_days: bool = False,
) -> dict[date, HolidayInfo]:
    """Days of the period worked at a premium: statutory holidays x3 (a plain name) or as the
    caller says (a ``HolidayInfo``, e.g. the bridging rest days of a long break at x2); with
    ``mark_rest_days``, Saturdays and Sundays that are not holidays x2."""
    marks: dict[date, HolidayInfo] = {}
    for d in sorted(set(days)):
        if d in holidays:
            info = holidays[d]
            marks[d] = (
                info
                if isinstance(info, HolidayInfo)
                else HolidayInfo(info, STATUTORY_HOLIDAY_MULTIPLIER)
            )
        elif mark_rest_days and d.weekday() >= 5:
            marks[d] = HolidayInfo(f"休息日(周{WEEKDAYS_ZH[d.weekday()]})", REST_DAY_MULTIPLIER)
    return marks


def solve_roster(
    *,
    staff: Sequence[Staff],
    patterns: Sequence[ShiftPattern],
    requirements: Sequence[Requirement],
    days: Sequence[date],
    rules: Rules = Rules(),
    holidays: Mapping[date, str | HolidayInfo] | None = None,
    fixed: Sequence[Assignment] = (),
    history: Sequence[Assignment] = (),
    time_limit_s: float = 10.0,
) -> Roster:
    """Roster ``days`` so that every hard rule holds and the weighted soft penalties are least.

    ``fixed``: assignments already published, kept as they are (re-solving the rest of the
    month). ``history``: assignments of the days just before the period, so the consecutive-day
    and rest rules hold across the month boundary. Raises ``RosterInfeasible``.
    """
    began = _time.perf_counter()
    holidays = dict(holidays or {})
    prob = _index(staff, patterns, requirements, days, rules, fixed, history)
    problems = _prechecks(prob)
    if problems:
        if all(_CAPACITY_MARK in p for p in problems):
            # Month-long capacity: also say on which days the shortfall would fall.
            problems += _diagnose(prob, holidays.keys(), time_limit_s)
        raise RosterInfeasible(problems)

    built = _build(prob, holidays=holidays.keys())
    solver = _solver(time_limit_s)
    status = solver.solve(built.model)
    if status == cp_model.INFEASIBLE:
        raise RosterInfeasible(_diagnose(prob, holidays.keys(), time_limit_s))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RosterInfeasible(
            [f"在 {time_limit_s:g} 秒内未找到可行排班(未证明不可行),请延长求解时间或放宽规则"]
        )

    assignments = sorted(
        Assignment(d, sid, code) for (sid, d, code), var in built.x.items() if solver.value(var)
    )
    minutes: dict[str, int] = defaultdict(int)
    for a in assignments:
        minutes[a.staff_id] += prob.patterns[a.shift].minutes
    hours_by_staff = {sid: minutes[sid] / 60 for sid in prob.staff}

    warnings: list[str] = []
    if status != cp_model.OPTIMAL:
        gap = abs(solver.objective_value - solver.best_objective_bound) / max(
            1.0, abs(solver.objective_value)
        )
        warnings.append(f"求解时间内未证明最优,最优性差距 {gap:.1%}")
    worked_days = {(a.staff_id, a.day) for a in assignments}
    for person in prob.staff.values():
        for d, wants in sorted(person.preferences.items()):
            if d in prob.day_index and wants != ((person.id, d) in worked_days):
                verb = "希望上班" if wants else "希望休息"
                warnings.append(f"{fmt_day(d)} {person.name} {verb},未能满足")
    regular = [sid for sid, p in prob.staff.items() if not p.relief]
    if regular:
        most = max(hours_by_staff[s] for s in regular)
        least = min(hours_by_staff[s] for s in regular)
        if most - least > 0:
            warnings.append(f"工时不均:最多 {most:g} 小时,最少 {least:g} 小时")
    for person in prob.staff.values():
        if person.relief and hours_by_staff[person.id]:
            n = sum(1 for a in assignments if a.staff_id == person.id)
            warnings.append(f"{person.name} 顶班 {n} 天(常规人员在规则内排不满)")

    return Roster(
        assignments=assignments,
        hours_by_staff=hours_by_staff,
        warnings=warnings,
        holiday_marks=holiday_marks(prob.days, holidays, mark_rest_days=rules.mark_rest_days),
        status=solver.status_name(status),
        objective=solver.objective_value,
        best_bound=solver.best_objective_bound,
        solve_seconds=_time.perf_counter() - began,
    )
