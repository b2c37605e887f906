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
