"""The moment of a conversation: which opening and farewell the standards expect then.

SCRIPT-1: before noon "早上好!", otherwise "您好!". SCRIPT-3: during the 元旦, 春节, 五一, 中秋 and
国庆 periods the festival greeting replaces it (春节 and 中秋 follow the lunar calendar). SCRIPT-5:
the VIP line has its own opening. SCRIPT-6: weekends and holidays add "祝您周末愉快!" or
"祝您XX节愉快!" before "再见!".

The festival periods come, in this order, from explicit periods in the rulebook (each year's
holiday notice, "以每次节日通知为准"), from the statutory holidays of the working calendar, and
for a year the calendar has no data for, from the festival dates themselves (lunar dates through
lunar-python) with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from lunar_python import Lunar

from kefu.domain.calendar import WorkCalendar

# Days around each festival greeted when the calendar has no data for the year: (first, last)
# offsets from the festival day. Recent notices: 春节 from the eve to the sixth day, 中秋 three days.
FALLBACK_SPANS: dict[str, tuple[int, int]] = {
    "元旦": (0, 0),
    "春节": (-1, 6),
    "劳动节": (0, 4),
    "中秋节": (0, 2),
    "国庆节": (0, 6),
}


@dataclass(frozen=True, slots=True)
class HolidayPeriod:
    name: str
    first: date
    last: date


@dataclass(frozen=True, slots=True)
class Greetings:
    timezone: str = "Asia/Shanghai"
    morning_until: time = time(12, 0)
    morning: str = "早上好"
    afternoon: str = "您好"
    holidays: dict[str, str] = field(default_factory=dict)  # festival name -> greeting
    periods: tuple[HolidayPeriod, ...] = ()
    opening_normal: str = "{greeting}!请问有什么可以帮您?"
    opening_holiday: str = "{greeting}!请问有什么可以帮您!"
    opening_vip: str = "您好!这里是贵宾服务专线,请问有什么可以帮助您?"
    opening_outbound: str = "您好,请问是XX先生/小姐吗?我姓X,是XX客服中心打来的。"
    farewell_normal: str = "再见!"
    farewell_weekend: str = "祝您周末愉快!再见!"
    farewell_holiday: str = "祝您{holiday}愉快!再见!"


@dataclass(frozen=True, slots=True)
class Moment:
    known: bool  # whether the time of the conversation is known at all
    morning: bool = False
    holiday_greeting: str | None = None  # festival whose greeting is due
    greeting: str | None = None  # the greeting word due now ("早上好", "国庆节快乐" …)
    weekend: bool = False  # a Saturday or Sunday off (not a make-up working day)
    statutory_holiday: str | None = None  # name of the statutory holiday that day
    warnings: tuple[str, ...] = ()


# Moments cached per (calendar, day, morning): a batch of calls spans few days, and working out a
# day (festival periods, the calendar, lunar dates) costs more than the rest of a rule's check.
MomentCache = dict[tuple[int, date, bool], tuple[WorkCalendar, "Moment"]]
_MOMENT_CACHE_SIZE = 4096


def moment_of(
    started_at: datetime | None,
    greetings: Greetings,
    calendar: WorkCalendar,
    cache: MomentCache | None = None,
) -> Moment:
    if started_at is None:
        return Moment(known=False)
    local = started_at.astimezone(_zone(greetings.timezone))
    day = local.date()
    morning = local.time() < greetings.morning_until
    key = (id(calendar), day, morning)
    if cache is not None:
        entry = cache.get(key)
        if entry is not None and entry[0] is calendar:
            return entry[1]
    festival, statutory, weekend, warnings = _day_facts(day, greetings, calendar)
    holiday_greeting = greetings.holidays.get(festival) if festival else None
    greeting = holiday_greeting or (greetings.morning if morning else greetings.afternoon)
    found = Moment(
        known=True,
        morning=morning,
        holiday_greeting=festival if holiday_greeting else None,
        greeting=greeting,
        weekend=weekend,
        statutory_holiday=statutory,
        warnings=warnings,
    )
    if cache is not None:
        if len(cache) >= _MOMENT_CACHE_SIZE:
            cache.clear()
        cache[key] = (calendar, found)
    return found


def _day_facts(
    day: date, greetings: Greetings, calendar: WorkCalendar
) -> tuple[str | None, str | None, bool, tuple[str, ...]]:
    """(festival period, statutory holiday, weekend off, warnings) of a day."""
    warnings: list[str] = []
    festival = _festival_period(day, greetings, calendar, warnings)
    info = calendar.day_info(day)
    statutory = info.name if info is not None and info.kind == "holiday" else None
    if statutory is None and day.year not in calendar.known_years:
        statutory = _fallback_festival(day, greetings)
    weekend = statutory is None and not calendar.is_working_day(day) and day.weekday() >= 5
    return festival, statutory, weekend, tuple(warnings)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _festival_period(
    day: date, greetings: Greetings, calendar: WorkCalendar, warnings: list[str]
) -> str | None:
    for period in greetings.periods:
        if period.first <= day <= period.last:
            return period.name
    if day.year in calendar.known_years:
        info = calendar.day_info(day)
        if info is not None and info.kind == "holiday" and info.name in greetings.holidays:
            return info.name
        return None
    warnings.append(
        f"{day.year}年的节假日安排尚未录入工作日历,节日问候按节日日期推算(以节日通知为准)"
    )
    return _fallback_festival(day, greetings)


def _fallback_festival(day: date, greetings: Greetings) -> str | None:
    for name, (before, after) in FALLBACK_SPANS.items():
        if name not in greetings.holidays:
            continue
        centre = festival_day(name, day.year)
        if centre is None:
            continue
        if centre + timedelta(days=before) <= day <= centre + timedelta(days=after):
            return name
        # 春节 may start on the eve in the previous Gregorian year's calendar page.
        if name == "春节":
            nxt = festival_day(name, day.year + 1)
            if nxt and nxt + timedelta(days=before) <= day <= nxt + timedelta(days=after):
                return name
    return None


def festival_day(name: str, year: int) -> date | None:
    """The day of a festival in a Gregorian year (春节 and 中秋 by the lunar calendar)."""
    fixed = {"元旦": (1, 1), "劳动节": (5, 1), "国庆节": (10, 1)}
    if name in fixed:
        month, dom = fixed[name]
        return date(year, month, dom)
    lunar = {"春节": (1, 1), "中秋节": (8, 15)}
    if name in lunar:
        month, dom = lunar[name]
        solar = Lunar.fromYmd(year, month, dom).getSolar()
        return date(solar.getYear(), solar.getMonth(), solar.getDay())
    return None


def opening_for(
    moment: Moment, greetings: Greetings, *, line: str = "normal", direction: str = "inbound"
) -> tuple[str, str]:
    """The standard opening now and why ("上午", "国庆节期间", "贵宾专线")."""
    text, occasion = opening_occasion(moment, greetings, line=line, direction=direction)
    return text, occasion_reason(occasion, moment)


def occasion_reason(occasion: str, moment: Moment) -> str:
    """The occasion of an opening in Chinese words."""
    reasons = {
        "outbound": "外呼",
        "vip": "贵宾专线",
        "holiday": f"{moment.holiday_greeting}期间",
        "morning": "上午",
        "afternoon": "下午和晚上",
        "unknown": "时间不明",
    }
    return reasons[occasion]


def opening_occasion(
    moment: Moment, greetings: Greetings, *, line: str = "normal", direction: str = "inbound"
) -> tuple[str, str]:
    """The standard opening now and its occasion: outbound, vip, holiday, morning, afternoon or
    unknown (for interfaces that word the reason in their own language)."""
    if direction == "outbound":
        return greetings.opening_outbound, "outbound"
    if line == "vip":
        return greetings.opening_vip, "vip"
    if moment.holiday_greeting:
        return greetings.opening_holiday.format(greeting=moment.greeting), "holiday"
    greeting = moment.greeting or greetings.afternoon
    occasion = "morning" if moment.morning else "afternoon"
    if not moment.known:
        occasion = "unknown"
    return greetings.opening_normal.format(greeting=greeting), occasion


def farewell_for(moment: Moment, greetings: Greetings) -> str:
    if moment.statutory_holiday:
        name = moment.statutory_holiday
        name = name if name.endswith("节") or name == "元旦" else name
        return greetings.farewell_holiday.format(holiday=name)
    if moment.weekend:
        return greetings.farewell_weekend
    return greetings.farewell_normal
