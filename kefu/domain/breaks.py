"""Meal-break rotation for the mall's centres (issue 5 item 4; STANDARDS MALL-1, seed 003 一).

Each person on duty takes one hour of lunch within 11:30-13:30 and one of supper within
17:00-19:00, staggered so that no centre ever has fewer than ``min_present`` people at the desk.

Breaks of equal length in a window of length W can be laid in ``floor(W / length)`` consecutive
rounds; with ``n`` people and at most ``c = n - min_present`` away at once, the plan exists iff
``c >= 1`` (or nobody needs a break) and ``ceil(n / c) <= rounds``. People are dealt to rounds in
turn (person i to round i mod k, k = ceil(n / c) rounds used), so every round holds at most c.
The supper order repeats the lunch order: the first to eat lunch is the first to eat supper, so
everyone has the same gap between the two meals.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

DEFAULT_LUNCH = (time(11, 30), time(13, 30))
DEFAULT_SUPPER = (time(17, 0), time(19, 0))

_ANY_DAY = date(2000, 1, 1)


def _at(t: time) -> datetime:
    return datetime.combine(_ANY_DAY, t)


def _hm(t: time) -> str:
    return f"{t.hour}:{t.minute:02d}"


def _starts(
    centre: str,
    people: int,
    window: tuple[time, time],
    length: timedelta,
    min_present: int,
    meal: str,
) -> list[time]:
    """Start times for ``people`` breaks in ``window``, in rotation order."""
    begin, end = _at(window[0]), _at(window[1])
    span = end - begin
    if span <= timedelta(0):
        raise ValueError(f"{meal}时段 {_hm(window[0])}-{_hm(window[1])} 无效")
    rounds = span // length
    if rounds < 1:
        raise ValueError(
            f"{meal}时段 {_hm(window[0])}-{_hm(window[1])} 放不下 {length.seconds // 60} 分钟的休息"
        )
    away = people - min_present  # most people who may be away at once
    if away < 1:
        raise ValueError(
            f"{centre} 只有 {people} 人在岗,{meal}轮休时至少要有 {min_present} 人在岗,无法安排休息"
        )
    used = math.ceil(people / away)
    if used > rounds:
        raise ValueError(
            f"{centre} 有 {people} 人在岗,{meal}时段 {_hm(window[0])}-{_hm(window[1])} "
            f"只能分 {rounds} 批、每批最多 {away} 人休息,排不下所有人"
        )
    return [(begin + (i % used) * length).time() for i in range(people)]


def plan_breaks(
    on_duty: dict[str, list[str]],
    *,
    lunch: tuple[time, time] = DEFAULT_LUNCH,
    supper: tuple[time, time] = DEFAULT_SUPPER,
    length: timedelta = timedelta(hours=1),
    min_present: int = 1,
) -> dict[str, tuple[time, time]]:
    """``{person: (lunch_start, supper_start)}`` for everyone in ``on_duty`` (centre -> people on
    duty that day, in rotation order). Raises ``ValueError`` (Chinese) when no staggering keeps
    ``min_present`` people in every centre."""
    if length <= timedelta(0):
        raise ValueError("休息时长必须大于 0")
    if min_present < 0:
        raise ValueError("最少在岗人数不能为负数")
    plan: dict[str, tuple[time, time]] = {}
    for centre, people in on_duty.items():
        if len(set(people)) != len(people):
            raise ValueError(f"{centre} 的在岗名单有重复人员")
        for person in people:
            if person in plan:
                raise ValueError(f"{person} 同一天在两个中心在岗")
        if not people:
            if min_present > 0:
                raise ValueError(f"{centre} 无人在岗,至少需要 {min_present} 人")
            continue
        lunches = _starts(centre, len(people), lunch, length, min_present, "午休")
        suppers = _starts(centre, len(people), supper, length, min_present, "晚休")
        for person, first, second in zip(people, lunches, suppers, strict=True):
            plan[person] = (first, second)
    return plan


def present(
    plan: dict[str, tuple[time, time]],
    people: list[str],
    at: time,
    *,
    length: timedelta = timedelta(hours=1),
) -> list[str]:
    """Who of ``people`` is at the desk at ``at`` (not on a break that covers it)."""
    moment = _at(at)
    here: list[str] = []
    for person in people:
        away = any(_at(start) <= moment < _at(start) + length for start in plan.get(person, ()))
        if not away:
            here.append(person)
    return here
