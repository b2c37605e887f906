"""The statutory seed data (kefu.domain.holidays) against the chinese_calendar package."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from chinese_calendar import constants

from kefu.domain.calendar import DayOverride
from kefu.domain.holidays import (
    HOLIDAY_NAMES_ZH,
    default_calendar,
    default_calendars,
    statutory_overrides,
    statutory_pay_days,
    statutory_years,
)


def test_every_package_name_has_a_chinese_name() -> None:
    names = set(constants.holidays.values()) | set(constants.workdays.values())
    assert names <= HOLIDAY_NAMES_ZH.keys()


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("New Year's Day", "元旦"),
        ("Spring Festival", "春节"),
        ("Tomb-sweeping Day", "清明节"),
        ("Labour Day", "劳动节"),
        ("Dragon Boat Festival", "端午节"),
        ("Mid-autumn Festival", "中秋节"),
        ("National Day", "国庆节"),
        ("Anti-Fascist 70th Day", "抗战胜利70周年纪念日"),
    ],
)
def test_chinese_names(english: str, chinese: str) -> None:
    assert HOLIDAY_NAMES_ZH[english] == chinese


def test_statutory_years() -> None:
    assert statutory_years() == list(range(2004, 2027))


def test_overrides_mirror_the_package() -> None:
    overrides = statutory_overrides()
    holidays = {o.day for o in overrides if o.kind == "holiday"}
    workdays = {o.day for o in overrides if o.kind == "workday"}
    assert holidays == set(constants.holidays)
    assert workdays == set(constants.workdays)
    assert [o.day for o in overrides] == sorted(o.day for o in overrides)


@pytest.mark.parametrize(
    "expected",
    [
        DayOverride(date(2026, 10, 1), "holiday", "国庆节"),
        DayOverride(date(2026, 10, 10), "workday", "国庆节调休"),
        DayOverride(date(2026, 2, 14), "workday", "春节调休"),
        DayOverride(date(2026, 1, 4), "workday", "元旦调休"),
        DayOverride(date(2015, 9, 3), "holiday", "抗战胜利70周年纪念日"),
        DayOverride(date(2015, 9, 6), "workday", "抗战胜利70周年纪念日调休"),
        DayOverride(date(2024, 4, 4), "holiday", "清明节"),
    ],
)
def test_known_entries(expected: DayOverride) -> None:
    assert expected in statutory_overrides([expected.day.year])


def test_overrides_filtered_by_year() -> None:
    only_2026 = statutory_overrides([2026])
    assert only_2026 and {o.day.year for o in only_2026} == {2026}
    assert statutory_overrides([2030]) == []
    both = statutory_overrides(iter([2025, 2026]))
    assert {o.day.year for o in both} == {2025, 2026}


def test_default_calendar_agrees_with_the_package_on_every_day() -> None:
    calendar = default_calendar()
    day, last = date(2004, 1, 1), date(2026, 12, 31)
    while day <= last:
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_default_calendars() -> None:
    calendars = default_calendars()
    assert set(calendars) == {"clock", "working_days", "business_hours"}
    for name, calendar in calendars.items():
        assert calendar.name == name
        assert calendar.mode == name
        assert calendar.years() == statutory_years()
    # Cached: building the business-hours arrays once per process is enough.
    assert default_calendar("working_days") is default_calendar("working_days")


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (
            2025,
            {
                "元旦": ["2025-01-01"],
                "春节": ["2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31"],
                "清明节": ["2025-04-04"],
                "劳动节": ["2025-05-01", "2025-05-02"],
                "端午节": ["2025-05-31"],
                "中秋节": ["2025-10-06"],
                "国庆节": ["2025-10-01", "2025-10-02", "2025-10-03"],
            },
        ),
        (
            2026,
            {
                "元旦": ["2026-01-01"],
                "春节": ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19"],
                "清明节": ["2026-04-05"],
                "劳动节": ["2026-05-01", "2026-05-02"],
                "端午节": ["2026-06-19"],
                "中秋节": ["2026-09-25"],
                "国庆节": ["2026-10-01", "2026-10-02", "2026-10-03"],
            },
        ),
    ],
)
def test_statutory_pay_days_are_the_thirteen_days_of_the_law(
    year: int, expected: dict[str, list[str]]
) -> None:
    days = statutory_pay_days(year)
    assert len(days) == 13
    got: dict[str, list[str]] = {}
    for day, name in days.items():
        got.setdefault(name, []).append(day.isoformat())
    assert got == expected


def test_bridging_days_of_a_break_are_not_statutory_pay_days() -> None:
    # 国庆 2026 is a 7-day break (1-7 Oct) but only 1-3 Oct are statutory holidays
    days = statutory_pay_days(2026)
    assert date(2026, 10, 6) not in days and date(2026, 10, 7) not in days
