"""Check any roster (rows of the roster CSV) against the rules (issue 5; STANDARDS MALL-1).

``check_roster`` lists every violation with the file's line numbers, the employee number, the
day and a Chinese message. Errors are the hard rules the solvers keep (``roster.py``,
``roster_intervals.py``): known staff under their own name, one shift a day and no overlap, the
person's posts, approved leave, the hours cap per calendar month, the maximum run of working
days, the minimum rest, the head count per day and post (exact or at least, as
``Rules.exact_coverage`` says), and the meal breaks of MALL-1 (inside the shift, within the lunch
and supper windows, one in each, an hour each, never leaving a centre with fewer than
``min_present`` people at the desk). Warnings are the soft rules: intervals short of an Erlang
demand (hotline) and an ``hours`` cell that does not match the shift.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kefu.domain.breaks import DEFAULT_LUNCH, DEFAULT_SUPPER
from kefu.domain.roster import Requirement, Rules, ShiftPattern, Staff, fmt_day, hm
from kefu.domain.roster_file import RosterRow
from kefu.domain.roster_intervals import IntervalDemand, IntervalShift, as_interval_shift

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule. ``kind`` is a stable code (``unknown_staff``, ``name_mismatch``,
    ``overlap``, ``two_shifts``, ``post``, ``leave``, ``hours_cap``, ``consecutive``, ``rest``,
    ``coverage``, ``skill_coverage``, ``interval_short``, ``break_outside_shift``,
    ``break_window``, ``break_missing``, ``break_length``, ``break_cover``, ``hours_column``)."""

    kind: str
    message: str
    lines: tuple[int, ...] = ()
    employee_no: str | None = None
    day: date | None = None
    severity: str = ERROR

    def __str__(self) -> str:
        parts: list[str] = []
        if self.lines:
            parts.append("第" + "、".join(str(n) for n in self.lines) + "行")
        if self.employee_no:
            parts.append(self.employee_no)
        if self.day and self.employee_no:
            parts.append(fmt_day(self.day))
        prefix = " ".join(parts)
        return f"{prefix}:{self.message}" if prefix else self.message


@dataclass(frozen=True, slots=True)
class BreakRules:
    """Meal breaks (MALL-1): each break inside one of ``windows`` (name, start, end); with
    ``one_per_window`` a shift spanning a whole window takes exactly one break in it; each break
    ``length`` long (None: any length); at least ``min_present`` people of the post at the desk
    whenever someone is on a break. ``posts``: the posts these rules apply to (None: all)."""

    windows: tuple[tuple[str, time, time], ...] = (
        ("午休", *DEFAULT_LUNCH),
        ("晚休", *DEFAULT_SUPPER),
    )
    one_per_window: bool = True
    length: timedelta | None = timedelta(hours=1)
    min_present: int = 1
    posts: frozenset[str] | None = None

    def applies(self, post: str) -> bool:
        return self.posts is None or post in self.posts

    @classmethod
    def off(cls) -> BreakRules:
        """No meal-break rules (a hotline's meals are part of its shifts): only a break outside
        its shift is still reported."""
        return cls(windows=(), one_per_window=False, length=None, min_present=0)


MALL_BREAKS = BreakRules()


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _clock(moment: datetime) -> str:
    return hm(moment.time())


def _lines(rows: Sequence[RosterRow]) -> tuple[int, ...]:
    return tuple(sorted({r.line for r in rows if r.line}))


def check_roster(
    rows: Sequence[RosterRow],
    *,
    staff: Sequence[Staff],
    rules: Rules | None = None,
    requirements: Sequence[Requirement] = (),
    patterns: Sequence[ShiftPattern | IntervalShift] = (),
    demands: Sequence[IntervalDemand] = (),
    interval: timedelta = timedelta(minutes=30),
    breaks: BreakRules = MALL_BREAKS,
    history: Sequence[RosterRow] = (),
    hours_tolerance: float = 0.01,
) -> list[Violation]:
    """Every violation of ``rows`` (errors first by kind, then warnings).

    ``requirements`` are head counts per day, post and shift (``patterns`` tell which rows work
    a shift: same post, start and end; without the pattern, every row of the post counts).
    ``demands`` are interval demands (hotline), checked as warnings. ``breaks``: the meal-break
    rules (MALL-1 by default; ``BreakRules.off()`` for none, ``posts=`` to limit them). ``history``: rows of the days just before, for the consecutive-day and
    rest rules across the boundary. Hours per calendar month count a row's matching pattern's
    counted hours, or else its time less its breaks.
    """
    rules = rules or Rules()
    by_id = {s.id: s for s in staff}
    shifts = [as_interval_shift(p) for p in patterns]
    out: list[Violation] = []

    known: list[RosterRow] = []
    for row in rows:
        person = by_id.get(row.employee_no)
        if person is None:
            out.append(
                Violation(
                    "unknown_staff",
                    f"员工编号 {row.employee_no}({row.name})不在员工名单中",
                    (row.line,) if row.line else (),
                    row.employee_no,
                    row.day,
                )
            )
            continue
        known.append(row)
        if row.name != person.name:
            out.append(
                _row_violation(
                    "name_mismatch",
                    row,
                    f"姓名「{row.name}」与员工名单中的「{person.name}」不符",
                )
            )
        if row.post not in person.posts:
            allowed = "、".join(sorted(person.posts)) or "无"
            out.append(_row_violation("post", row, f"不能在 {row.post} 上岗(可上岗位:{allowed})"))
        if row.day in person.leave:
            out.append(_row_violation("leave", row, "当天已批准休假,不能排班"))

    hours_of = {id(row): _counted(row, shifts) for row in known}
    out += _per_person(known, by_id, rules, hours_of, history)
    out += _coverage(known, by_id, rules, requirements, shifts)
    out += _breaks(known, breaks)
    warnings = _intervals(known, by_id, demands, interval)
    warnings += _hours_column(known, shifts, hours_tolerance)
    return out + warnings


def _row_violation(kind: str, row: RosterRow, message: str, severity: str = ERROR) -> Violation:
    return Violation(
        kind, message, (row.line,) if row.line else (), row.employee_no, row.day, severity
    )


def _matching(row: RosterRow, shifts: Sequence[IntervalShift]) -> IntervalShift | None:
    for shift in shifts:
        p = shift.pattern
        if p.post == row.post and p.start == row.start and p.end == row.end:
            return shift
    return None


def _counted(row: RosterRow, shifts: Sequence[IntervalShift]) -> float:
    shift = _matching(row, shifts)
    return shift.pattern.counted_hours if shift is not None else row.worked_hours


# --------------------------------------------------------------------------------------------
# Per person: one shift a day, overlaps, rest, runs of days, hours per month
# --------------------------------------------------------------------------------------------


def _per_person(
    rows: Sequence[RosterRow],
    by_id: dict[str, Staff],
    rules: Rules,
    hours_of: dict[int, float],
    history: Sequence[RosterRow],
) -> list[Violation]:
    out: list[Violation] = []
    mine: dict[str, list[RosterRow]] = defaultdict(list)
    for row in rows:
        mine[row.employee_no].append(row)
    past: dict[str, list[RosterRow]] = defaultdict(list)
    first = min((r.day for r in rows), default=None)
    for row in history:
        if first is not None and row.day < first:
            past[row.employee_no].append(row)
    rest = timedelta(hours=rules.min_rest_hours)
    k = rules.max_consecutive_days
    for emp, own in mine.items():
        name = by_id[emp].name
        by_day: dict[date, list[RosterRow]] = defaultdict(list)
        for row in own:
            by_day[row.day].append(row)
        for d, same in sorted(by_day.items()):
            if len(same) > 1:
                out.append(
                    Violation(
                        "two_shifts",
                        f"{name} {fmt_day(d)} 排了 {len(same)} 个班,每天最多一个班",
                        _lines(same),
                        emp,
                        d,
                    )
                )

        ordered = sorted([*past[emp], *own], key=lambda r: r.span())
        for before, after in zip(ordered, ordered[1:], strict=False):
            _, end = before.span()
            start, _ = after.span()
            if start < end:
                out.append(
                    Violation(
                        "overlap",
                        f"{name} 的班次 {fmt_day(before.day)} {hm(before.start)}-{hm(before.end)}"
                        f" 与 {fmt_day(after.day)} {hm(after.start)}-{hm(after.end)} 时间重叠",
                        _lines([before, after]),
                        emp,
                        after.day,
                    )
                )
            elif after.day != before.day and start - end < rest:
                out.append(
                    Violation(
                        "rest",
                        f"{name} {fmt_day(before.day)} {_clock(end)} 下班,"
                        f"{fmt_day(after.day)} {hm(after.start)} 上班,只休息 "
                        f"{_minutes(start - end) / 60:g} 小时,少于 {rules.min_rest_hours:g} 小时",
                        _lines([before, after]),
                        emp,
                        after.day,
                    )
                )

        days = sorted({r.day for r in [*past[emp], *own]})
        run: list[date] = []
        for d in [*days, None]:
            if d is not None and run and d - run[-1] == timedelta(days=1):
                run.append(d)
                continue
            own_days = [x for x in run if x in by_day]
            if len(run) > k and own_days:
                out.append(
                    Violation(
                        "consecutive",
                        f"{name} 连续工作 {len(run)} 天({fmt_day(run[0])}至{fmt_day(run[-1])}),"
                        f"超过最多 {k} 天",
                        _lines([r for x in own_days for r in by_day[x]]),
                        emp,
                        run[0],
                    )
                )
            run = [d] if d is not None else []

        months: dict[tuple[int, int], list[RosterRow]] = defaultdict(list)
        for row in own:
            months[(row.day.year, row.day.month)].append(row)
        cap = by_id[emp].max_hours
        for (year, month), rows_in in sorted(months.items()):
            total = sum(hours_of[id(r)] for r in rows_in)
            if total > cap + 1e-9:
                out.append(
                    Violation(
                        "hours_cap",
                        f"{name} {year}年{month}月 共 {total:g} 小时,超过上限 {cap:g} 小时",
                        _lines(rows_in),
                        emp,
                        min(r.day for r in rows_in),
                    )
                )
    return out


# --------------------------------------------------------------------------------------------
# Head counts per day and post, and interval demands
# --------------------------------------------------------------------------------------------


def _coverage(
    rows: Sequence[RosterRow],
    by_id: dict[str, Staff],
    rules: Rules,
    requirements: Sequence[Requirement],
    shifts: Sequence[IntervalShift],
) -> list[Violation]:
    out: list[Violation] = []
    by_code = {s.code: s for s in shifts}
    on: dict[tuple[date, str], list[RosterRow]] = defaultdict(list)
    for row in rows:
        on[(row.day, row.post)].append(row)
    for req in requirements:
        shift = by_code.get(req.shift)
        there = [
            r
            for r in on.get((req.day, req.post), [])
            if shift is None or (r.start == shift.pattern.start and r.end == shift.pattern.end)
        ]
        label = f"{fmt_day(req.day)} {req.post}"
        if shift is not None:
            label += f" {hm(shift.pattern.start)}-{hm(shift.pattern.end)}"
        if req.skill is not None:
            able = [r for r in there if req.skill in by_id[r.employee_no].skills]
            if len(able) < req.count:
                out.append(
                    Violation(
                        "skill_coverage",
                        f"{label} 需要 {req.count} 名具备「{req.skill}」技能的人员,"
                        f"只排了 {len(able)} 人",
                        _lines(there),
                        None,
                        req.day,
                    )
                )
            continue
        short = len(there) < req.count
        over = rules.exact_coverage and len(there) > req.count
        if short or over:
            out.append(
                Violation(
                    "coverage",
                    f"{label} 需要 {req.count} 人,排了 {len(there)} 人",
                    _lines(there),
                    None,
                    req.day,
                )
            )
    return out


def _intervals(
    rows: Sequence[RosterRow],
    by_id: dict[str, Staff],
    demands: Sequence[IntervalDemand],
    interval: timedelta,
) -> list[Violation]:
    out: list[Violation] = []
    by_post: dict[str, list[RosterRow]] = defaultdict(list)
    for row in rows:
        by_post[row.post].append(row)
    for dem in sorted(demands):
        moment = datetime.combine(dem.day, dem.start)
        window = (moment - timedelta(days=2), moment + timedelta(days=1))
        here = [
            r
            for r in by_post.get(dem.post, [])
            if window[0].date() <= r.day <= window[1].date()
            and r.at_work(moment)
            and (dem.skill is None or dem.skill in by_id[r.employee_no].skills)
        ]
        if len(here) < dem.count:
            end = (moment + interval).time()
            who = "人" if dem.skill is None else f"名具备「{dem.skill}」技能的人员"
            out.append(
                Violation(
                    "interval_short",
                    f"{fmt_day(dem.day)} {dem.post} {hm(dem.start)}-{hm(end)} 需要 {dem.count} "
                    f"{who},在岗 {len(here)} 人,缺 {dem.count - len(here)} 人",
                    (),
                    None,
                    dem.day,
                    WARNING,
                )
            )
    return out


# --------------------------------------------------------------------------------------------
# Meal breaks (MALL-1) and the hours column
# --------------------------------------------------------------------------------------------


def _breaks(rows: Sequence[RosterRow], rules: BreakRules) -> list[Violation]:
    out: list[Violation] = []
    for row in rows:
        start, end = row.span()
        spans = row.break_spans()
        for b_start, b_end in spans:
            text = f"休息 {_clock(b_start)}-{_clock(b_end)}"
            if not (start <= b_start and b_end <= end):
                out.append(
                    _row_violation(
                        "break_outside_shift",
                        row,
                        f"{text} 不在班次 {hm(row.start)}-{hm(row.end)} 之内",
                    )
                )
                continue
            if not rules.applies(row.post):
                continue
            if rules.length is not None and b_end - b_start != rules.length:
                out.append(
                    _row_violation(
                        "break_length",
                        row,
                        f"{text} 为 {_minutes(b_end - b_start)} 分钟,"
                        f"应为 {_minutes(rules.length)} 分钟",
                    )
                )
            if rules.windows and not any(
                _in_window(b_start, b_end, w_start, w_end) for _, w_start, w_end in rules.windows
            ):
                names = "或".join(f"{n}({hm(a)}-{hm(b)})" for n, a, b in rules.windows)
                out.append(_row_violation("break_window", row, f"{text} 不在{names}时段内"))
        if rules.applies(row.post) and rules.one_per_window:
            for name, w_start, w_end in rules.windows:
                inside = [s for s in spans if _in_window(s[0], s[1], w_start, w_end)]
                w_begin = _next_after_or_same(start, w_start)
                spans_window = w_begin + (_at(w_end) - _at(w_start)) <= end
                if spans_window and not inside:
                    out.append(
                        _row_violation(
                            "break_missing", row, f"缺少{name}({hm(w_start)}-{hm(w_end)})"
                        )
                    )
                elif len(inside) > 1:
                    out.append(
                        _row_violation("break_missing", row, f"{name}时段内休息了 {len(inside)} 次")
                    )
    if rules.min_present > 0:
        out += _presence(rows, rules)
    return out


_ANY_DAY = date(2000, 1, 3)


def _at(t: time) -> datetime:
    return datetime.combine(_ANY_DAY, t)


def _next_after_or_same(anchor: datetime, t: time) -> datetime:
    moment = datetime.combine(anchor.date(), t)
    return moment if moment >= anchor else moment + timedelta(days=1)


def _in_window(b_start: datetime, b_end: datetime, w_start: time, w_end: time) -> bool:
    begin = datetime.combine(b_start.date(), w_start)
    finish = datetime.combine(b_start.date(), w_end)
    return begin <= b_start and b_end <= finish


def _presence(rows: Sequence[RosterRow], rules: BreakRules) -> list[Violation]:
    """At the start of every break, at least ``min_present`` of the post at the desk."""
    out: list[Violation] = []
    by_post_day: dict[tuple[str, date], list[RosterRow]] = defaultdict(list)
    for row in rows:
        if rules.applies(row.post):
            by_post_day[(row.post, row.day)].append(row)
    for (post, d), same in sorted(by_post_day.items()):
        moments = sorted(
            {b for r in same for b, e in r.break_spans() if r.span()[0] <= b and e <= r.span()[1]}
        )
        for moment in moments:
            on_shift = [r for r in same if r.span()[0] <= moment < r.span()[1]]
            here = [r for r in on_shift if r.at_work(moment)]
            if len(here) < rules.min_present:
                away = [r for r in on_shift if not r.at_work(moment)]
                names = "、".join(r.name for r in away)
                out.append(
                    Violation(
                        "break_cover",
                        f"{fmt_day(d)} {post} {_clock(moment)} 只有 {len(here)} 人在岗"
                        f"({names} 休息),至少需要 {rules.min_present} 人",
                        _lines(away),
                        None,
                        d,
                    )
                )
    return out


def _hours_column(
    rows: Sequence[RosterRow], shifts: Sequence[IntervalShift], tolerance: float
) -> list[Violation]:
    out: list[Violation] = []
    for row in rows:
        if row.hours is None:
            continue
        expected = _counted(row, shifts)
        if abs(row.hours - expected) > tolerance:
            out.append(
                _row_violation(
                    "hours_column",
                    row,
                    f"hours 为 {row.hours:g},班次 {hm(row.start)}-{hm(row.end)} 应计 "
                    f"{expected:g} 小时",
                    WARNING,
                )
            )
    return out
