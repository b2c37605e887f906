"""Seed data: the mainland statutory holidays and make-up working days (调休).

Taken from the `chinese_calendar` package, which transcribes the State Council's yearly notices.
The notice for a year is published late in the year before, so the project seeds these into an
editable table and admins enter later years themselves (`parse_year_text`); this module is the
seed and the default for code that runs without a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta, tzinfo
from functools import lru_cache

from chinese_calendar import constants as _cc

from kefu.domain.calendar import CalendarMode, DayOverride, WorkCalendar

# Every English name `chinese_calendar` uses, in the wording of the notices (国务院办公厅通知).
HOLIDAY_NAMES_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

MAKEUP_SUFFIX = "调休"


def _chinese(name: str) -> str:
    try:
        return HOLIDAY_NAMES_ZH[name]
    except KeyError:
        # A new chinese_calendar release added a holiday: fail loudly rather than seed English.
        raise KeyError(
            f"chinese_calendar 的节日名称未翻译:{name!r},请补充 HOLIDAY_NAMES_ZH"
        ) from None


@lru_cache(maxsize=1)
def _all_overrides() -> tuple[DayOverride, ...]:
    overrides = [
        DayOverride(day=day, kind="holiday", name=_chinese(name))
        for day, name in _cc.holidays.items()
    ]
    overrides += [
        DayOverride(day=day, kind="workday", name=_chinese(name) + MAKEUP_SUFFIX)
        for day, name in _cc.workdays.items()
    ]
    return tuple(sorted(overrides, key=lambda o: o.day))


def statutory_years() -> list[int]:
    """The years the package covers (it refuses dates outside them)."""
    years = {day.year for day in _cc.holidays} | {day.year for day in _cc.workdays}
    return list(range(min(years), max(years) + 1))


def statutory_overrides(years: Iterable[int] | None = None) -> list[DayOverride]:
    """Holidays (kind "holiday", e.g. 国庆节) and make-up days ("workday", e.g. 国庆节调休),
    sorted by date, for the given years (all covered years by default)."""
    if years is None:
        return list(_all_overrides())
    wanted = set(years)
    return [o for o in _all_overrides() if o.day.year in wanted]


@lru_cache(maxsize=16)
def default_calendar(
    mode: CalendarMode = "working_days", tz: str | tzinfo = "Asia/Shanghai"
) -> WorkCalendar:
    """The mainland statutory calendar (cached: calendars are immutable and costly to build).

    Named after its mode ("clock", "working_days", "business_hours"), the names policies use.
    """
    return WorkCalendar(
        mode=mode,
        tz=tz,
        overrides=_all_overrides(),
        known_years=statutory_years(),
        name=mode,
    )


def default_calendars(tz: str | tzinfo = "Asia/Shanghai") -> dict[str, WorkCalendar]:
    """Calendar name -> calendar, for resolving `Policy.calendar`."""
    modes: tuple[CalendarMode, ...] = ("clock", "working_days", "business_hours")
    return {mode: default_calendar(mode, tz) for mode in modes}


# 《全国年节及纪念日放假办法》(2024 revision), article 2: the 13 days of the statutory holidays
# themselves. Work on these days is paid at least 300% (Labour Law art. 44); the other days of a
# break (weekends moved by 调休) are rest days, paid 200% or given back as time off.
def statutory_pay_days(year: int) -> dict[date, str]:
    """The statutory holiday days of ``year`` by date, with their names: 元旦 1 Jan; 春节 除夕 and
    正月初一至初三; 清明节 (the solar term); 劳动节 1-2 May; 端午节 五月初五; 中秋节 八月十五;
    国庆节 1-3 Oct."""
    from lunar_python import Lunar, Solar

    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    new_year = Lunar.fromYmd(year, 1, 1).getSolar()
    first = date(new_year.getYear(), new_year.getMonth(), new_year.getDay())
    for offset in range(-1, 3):
        days[first + timedelta(days=offset)] = "春节"
    qingming = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    days[date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    for (month, day), name in (((5, 5), "端午节"), ((8, 15), "中秋节")):
        solar = Lunar.fromYmd(year, month, day).getSolar()
        days[date(solar.getYear(), solar.getMonth(), solar.getDay())] = name
    for day in (1, 2, 3):
        days[date(year, 10, day)] = "国庆节"
    return dict(sorted(days.items()))
