"""The bridge between the staffing tables and the pure roster model (kefu/domain/roster.py):
what a roster unit's month looks like to the solver, and what a solution becomes as Shift rows.

Domain ids: a person is ``str(StaffProfile.pk)``, a post is its name (the solver's messages name
it), a shift pattern is ``"<post code>/<pattern code>"`` (codes are unique per post only).
"""

from __future__ import annotations

import calendar as _calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from kefu.core.calendars import calendar_get
from kefu.domain import roster as dr
from kefu.domain.breaks import plan_breaks
from kefu.domain.holidays import statutory_pay_days
from kefu.domain.roster import hm
from kefu.domain.roster_intervals import IntervalDemand, IntervalShift

from .models import CoverageRequirement, Leave, Post, RosterUnit, Shift, ShiftPattern, StaffProfile


def month_days(month: date) -> list[date]:
    first = month.replace(day=1)
    n = _calendar.monthrange(first.year, first.month)[1]
    return [first + timedelta(days=i) for i in range(n)]


def pattern_key(pattern: ShiftPattern) -> str:
    return f"{pattern.post.code}/{pattern.code}"


def holiday_infos(days: list[date]) -> dict[date, dr.HolidayInfo]:
    """Pay marks for the days of a roster: the 13 statutory days ×3 (Labour Law art. 44); the
    other days of a break in the working calendar are rest days, ×2 (or time off)."""
    if not days:
        return {}
    statutory: dict[date, str] = {}
    for year in {d.year for d in days}:
        statutory.update(statutory_pay_days(year))
    calendar = calendar_get()
    breaks = {}
    for d in days:
        info = calendar.day_info(d)
        if info is not None and info.kind == "holiday":
            breaks[d] = info.name
    marks: dict[date, dr.HolidayInfo] = {}
    for d in days:
        if d in statutory:
            marks[d] = dr.HolidayInfo(statutory[d], dr.STATUTORY_HOLIDAY_MULTIPLIER)
        elif d in breaks:
            marks[d] = dr.HolidayInfo(f"{breaks[d]}(休息日)", dr.REST_DAY_MULTIPLIER)
    return marks


@dataclass
class UnitMonth:
    """Everything the solver needs for one unit and a run of days, plus the lookups back."""

    unit: RosterUnit
    days: list[date]
    posts: dict[str, Post]  # domain post (name) -> Post
    patterns: dict[str, ShiftPattern]  # domain code -> pattern
    profiles: dict[str, StaffProfile]  # domain id -> profile
    staff: list[dr.Staff]
    requirements: list[dr.Requirement]
    rules: dr.Rules
    holidays: dict[date, dr.HolidayInfo]
    fixed: list[dr.Assignment] = field(default_factory=list)
    history: list[dr.Assignment] = field(default_factory=list)
    leave: dict[str, set[date]] = field(default_factory=dict)

    def domain_patterns(self) -> list[dr.ShiftPattern]:
        return [
            dr.ShiftPattern(
                code=code,
                post=p.post.name,
                start=p.start,
                end=p.end,
                counted_hours=float(p.counted_hours),
            )
            for code, p in self.patterns.items()
        ]


def unit_month(
    unit: RosterUnit,
    days: list[date],
    *,
    used_hours: dict[str, float] | None = None,
    history_shifts: list[Shift] = (),  # type: ignore[assignment]
) -> UnitMonth:
    """The solver's view of ``unit`` over ``days``; ``used_hours`` (per domain id) are hours
    already worked earlier in the month and count against the cap."""
    used_hours = used_hours or {}
    posts = {p.name: p for p in unit.posts.filter(active=True).order_by("code")}
    post_ids = [p.pk for p in posts.values()]
    patterns = {
        pattern_key(p): p
        for p in ShiftPattern.objects.filter(post_id__in=post_ids, active=True).select_related(
            "post"
        )
    }
    profiles = {
        str(sp.pk): sp
        for sp in StaffProfile.objects.filter(active=True, posts__in=post_ids, user__is_active=True)
        .select_related("user")
        .prefetch_related("posts", "preferences")
        .distinct()
    }
    first, last = (days[0], days[-1]) if days else (date.min, date.min)
    leave: dict[str, set[date]] = defaultdict(set)
    for lv in Leave.objects.filter(
        state=Leave.State.APPROVED,
        staff_id__in=[int(k) for k in profiles],
        first_day__lte=last,
        last_day__gte=first,
    ):
        leave[str(lv.staff_id)].update(d for d in lv.days() if first <= d <= last)
    staff = []
    for key, sp in profiles.items():
        wishes = {w.day: w.wants_work for w in sp.preferences.all() if first <= w.day <= last}
        staff.append(
            dr.Staff(
                id=key,
                name=sp.name,
                posts=frozenset(p.name for p in sp.posts.all() if p.pk in post_ids),
                skills=frozenset(str(s) for s in sp.skills),
                max_hours=max(0.0, float(sp.contract_hours) - used_hours.get(key, 0.0)),
                preferences=wishes,
                leave=frozenset(leave.get(key, ())),
                relief=sp.relief,
            )
        )
    requirements = []
    for req in CoverageRequirement.objects.filter(post_id__in=post_ids).select_related(
        "pattern__post", "post"
    ):
        if not req.pattern.active:
            continue
        for d in days:
            if req.applies_on(d):
                requirements.append(
                    dr.Requirement(
                        day=d,
                        post=req.post.name,
                        shift=pattern_key(req.pattern),
                        count=req.count,
                        skill=req.skill or None,
                    )
                )
    rules = dr.Rules(
        max_consecutive_days=unit.max_consecutive_days,
        min_rest_hours=float(unit.min_rest_hours),
        exact_coverage=unit.exact_coverage,
        mark_rest_days=unit.mark_rest_days,
    )
    history = [
        dr.Assignment(s.day, str(s.staff_id), pattern_key(s.pattern))
        for s in history_shifts
        if s.pattern is not None and str(s.staff_id) in profiles
    ]
    return UnitMonth(
        unit=unit,
        days=list(days),
        posts=posts,
        patterns=patterns,
        profiles=profiles,
        staff=staff,
        requirements=requirements,
        rules=rules,
        holidays=holiday_infos(list(days)),
        history=history,
        leave=dict(leave),
    )


def pattern_breaks(pattern: ShiftPattern) -> list[list[str]]:
    """A shift whose clock span is longer than its counted hours has an unpaid meal of the
    difference after its first 4 hours (the hotline's 08:00-16:30 counting 8: 12:00-12:30)."""
    start = datetime.combine(date(2000, 1, 3), pattern.start)
    end = datetime.combine(date(2000, 1, 3), pattern.end)
    if end <= start:
        end += timedelta(days=1)
    unpaid = (end - start) - timedelta(hours=float(pattern.counted_hours))
    if unpaid <= timedelta(0) or (end - start) <= timedelta(hours=4) + unpaid:
        return []
    begin = start + timedelta(hours=4)
    return [[hm(begin.time()), hm((begin + unpaid).time())]]


def interval_shifts(um: UnitMonth) -> list[IntervalShift]:
    """The unit's patterns as interval shifts: an agent at lunch does not cover the phones."""
    out = []
    for p in um.domain_patterns():
        db = um.patterns[p.code]
        breaks = tuple(
            (time.fromisoformat(a), time.fromisoformat(b)) for a, b in pattern_breaks(db)
        )
        out.append(IntervalShift(p, breaks))
    return out


def interval_demands(um: UnitMonth) -> list[IntervalDemand]:
    """Agents to schedule per interval (Erlang C with each post's targets and shrinkage) from
    the forecasts of the unit's posts on the roster's days."""
    from .selectors_demand import Targets, demand_plan

    out: list[IntervalDemand] = []
    for name, post in um.posts.items():
        plan = demand_plan(post, um.days, Targets.of_post(post))
        for row in plan.rows:
            if row.need is not None and row.need.scheduled > 0:
                out.append(IntervalDemand(row.day, name, row.start, row.need.scheduled))
    return out


def meal_breaks(
    post: Post, day: date, people: list[str], *, rotate: int
) -> dict[str, list[list[str]]]:
    """Staggered lunch and supper (MALL-1) for ``people`` on duty at ``post`` on ``day``; the
    order rotates by ``rotate`` so the early break does not always fall to the same person.
    Raises ValueError (Chinese) when no staggering keeps ``post.min_on_duty`` at the desk."""
    if not post.has_meal_breaks or not people:
        return {}
    k = rotate % len(people)
    order = people[k:] + people[:k]
    length = timedelta(minutes=post.break_minutes)
    plan = plan_breaks(
        {post.name: order},
        lunch=(post.lunch_start, post.lunch_end),  # type: ignore[arg-type]
        supper=(post.supper_start, post.supper_end),  # type: ignore[arg-type]
        length=length,
        min_present=post.min_on_duty,
    )
    return {
        person: [[hm(start), hm(_plus(start, length))] for start in starts]
        for person, starts in plan.items()
    }


def _plus(t: time, length: timedelta) -> time:
    return (datetime.combine(date(2000, 1, 1), t) + length).time()


def shift_rows(um: UnitMonth, assignments: list[dr.Assignment]) -> list[dict[str, object]]:
    """Shift row values (without the roster) for solved ``assignments``, with meal breaks and
    pay marks. Raises ValueError when breaks cannot be staggered on some day and post."""
    by_day_post: dict[tuple[date, str], list[str]] = defaultdict(list)
    for a in assignments:
        post = um.patterns[a.shift].post
        by_day_post[(a.day, post.name)].append(a.staff_id)
    breaks: dict[tuple[date, str], list[list[str]]] = {}
    for (d, post_name), people in by_day_post.items():
        post = um.posts[post_name]
        plan = meal_breaks(post, d, sorted(people, key=int), rotate=d.toordinal())
        for person, spans in plan.items():
            breaks[(d, person)] = spans
    rows = []
    for a in assignments:
        pattern = um.patterns[a.shift]
        mark = um.holidays.get(a.day)
        rows.append(
            {
                "staff": um.profiles[a.staff_id],
                "day": a.day,
                "post": pattern.post,
                "pattern": pattern,
                "start": pattern.start,
                "end": pattern.end,
                "breaks": breaks.get((a.day, a.staff_id)) or pattern_breaks(pattern),
                "hours": Decimal(pattern.counted_hours),
                "pay_multiplier": Decimal(str(mark.multiplier)) if mark else Decimal(1),
                "holiday_name": mark.name if mark else "",
            }
        )
    return rows
