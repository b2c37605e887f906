"""WorkCalendar: statutory days, the three modes, fast path vs fallback, text form (SLA-3, SLA-11)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.domain.calendar import (
    DayOverride,
    ParseError,
    WorkCalendar,
    format_year,
    parse_year_text,
)
from kefu.domain.holidays import default_calendar, statutory_overrides, statutory_years

SH = ZoneInfo("Asia/Shanghai")
PLUS8 = timezone(timedelta(hours=8))
H = timedelta(hours=1)
US = timedelta(microseconds=1)

CLOCK = default_calendar("clock")
WORKING_DAYS = default_calendar("working_days")
BUSINESS = default_calendar("business_hours")
CALENDARS = {"clock": CLOCK, "working_days": WORKING_DAYS, "business_hours": BUSINESS}


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


# --------------------------------------------------------------------------- an oracle
# Deliberately naive and independent of WorkCalendar: chinese_calendar for the days it knows,
# weekends-only otherwise, the default windows, stepping one day at a time.

WINDOWS = ((time(9), time(12)), (time(13, 30), time(17)))


def oracle_is_workday(day: date) -> bool:
    if 2004 <= day.year <= 2026:
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def oracle_spans(mode: str, day: date) -> list[tuple[datetime, datetime]]:
    if mode == "clock":
        return [(sh(day.year, day.month, day.day), sh(day.year, day.month, day.day) + 24 * H)]
    if not oracle_is_workday(day):
        return []
    if mode == "working_days":
        midnight = datetime.combine(day, time(), tzinfo=SH)
        return [(midnight, midnight + 24 * H)]
    # A make-up day on a weekend keeps Monday's hours, which are everyone's hours here.
    return [
        (datetime.combine(day, a, tzinfo=SH), datetime.combine(day, b, tzinfo=SH))
        for a, b in WINDOWS
    ]


def oracle_add(mode: str, start: datetime, amount: timedelta) -> datetime:
    t = start.astimezone(SH)
    day = t.date()
    while True:
        for begin, end in oracle_spans(mode, day):
            if end <= t:
                continue
            begin = max(begin, t)
            if amount == timedelta(0):
                return begin
            if amount <= end - begin:
                return begin + amount
            amount -= end - begin
        day += timedelta(days=1)


def oracle_between(mode: str, start: datetime, end: datetime) -> timedelta:
    total = timedelta(0)
    day = start.astimezone(SH).date()
    while datetime.combine(day, time(), tzinfo=SH) < end:
        for begin, finish in oracle_spans(mode, day):
            overlap = min(finish, end) - max(begin, start)
            total += max(overlap, timedelta(0))
        day += timedelta(days=1)
    return total


def oracle_is_working(mode: str, at: datetime) -> bool:
    local = at.astimezone(SH)
    return any(begin <= local < end for begin, end in oracle_spans(mode, local.date()))


# --------------------------------------------------------------------------- SLA-3 example


@pytest.mark.parametrize(
    "received",
    [
        sh(2026, 9, 30, 16),
        datetime(2026, 9, 30, 8, tzinfo=UTC),
        datetime(2026, 9, 30, 16, tzinfo=PLUS8),
    ],
    ids=["shanghai", "utc", "plus8"],
)
def test_sla3_worked_example(received: datetime) -> None:
    due = WORKING_DAYS.add(received, 72 * H)
    assert due.isoformat() == "2026-10-10T16:00:00+08:00"
    assert due.tzinfo is SH
    assert WORKING_DAYS.working_time_between(received, due) == 72 * H


# --------------------------------------------------------------------------- 2026 statutory days


OVERRIDES_2026 = statutory_overrides([2026])


@pytest.mark.parametrize("override", OVERRIDES_2026, ids=lambda o: f"{o.day}-{o.kind}")
def test_2026_override_is_applied(override: DayOverride) -> None:
    for calendar in CALENDARS.values():
        assert calendar.is_working_day(override.day) == (override.kind == "workday")
        assert calendar.day_info(override.day) == override


def test_2026_has_the_published_schedule() -> None:
    holidays = [o.day for o in OVERRIDES_2026 if o.kind == "holiday"]
    workdays = [o.day for o in OVERRIDES_2026 if o.kind == "workday"]
    assert len(holidays) == 33
    assert workdays == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


# Received at 10:00 the day before each 2026 holiday period, and on each make-up day; expected
# values worked out by hand (14 h the first day, then whole working days, 10 h the last one).
SLA3_2026 = [
    ("元旦 前一天", sh(2025, 12, 31, 10), "2026-01-06T10:00:00+08:00"),  # Jan 4 (Sun) worked
    ("春节 前一天 = 调休", sh(2026, 2, 14, 10), "2026-02-26T10:00:00+08:00"),
    ("清明节 前一天", sh(2026, 4, 3, 10), "2026-04-09T10:00:00+08:00"),
    ("劳动节 前一天", sh(2026, 4, 30, 10), "2026-05-08T10:00:00+08:00"),
    ("端午节 前一天", sh(2026, 6, 18, 10), "2026-06-24T10:00:00+08:00"),
    ("中秋节 前一天", sh(2026, 9, 24, 10), "2026-09-30T10:00:00+08:00"),
    ("国庆节 前一天", sh(2026, 9, 30, 10), "2026-10-10T10:00:00+08:00"),  # Oct 10 (Sat) worked
    ("元旦调休 周日", sh(2026, 1, 4, 10), "2026-01-07T10:00:00+08:00"),
    ("春节调休 2/28 周六", sh(2026, 2, 28, 10), "2026-03-04T10:00:00+08:00"),
    ("劳动节调休 周六", sh(2026, 5, 9, 10), "2026-05-13T10:00:00+08:00"),
    ("国庆节调休 9/20 周日", sh(2026, 9, 20, 10), "2026-09-23T10:00:00+08:00"),
    ("国庆节调休 10/10 周六", sh(2026, 10, 10, 10), "2026-10-14T10:00:00+08:00"),
    # Received on a day off: counting starts at 00:00 of the next working day, and 72 h of
    # whole days end at the midnight closing the third one (the earliest instant, see add()).
    ("国庆节 当中", sh(2026, 10, 3, 10), "2026-10-11T00:00:00+08:00"),
    ("春节 当中", sh(2026, 2, 16, 15), "2026-02-27T00:00:00+08:00"),
    ("普通周六", sh(2026, 3, 7, 10), "2026-03-12T00:00:00+08:00"),
]


@pytest.mark.parametrize(
    ("label", "received", "expected"), SLA3_2026, ids=[c[0] for c in SLA3_2026]
)
def test_sla3_around_2026_holidays(label: str, received: datetime, expected: str) -> None:
    due = WORKING_DAYS.add(received, 72 * H)
    assert due.isoformat() == expected
    assert due == oracle_add("working_days", received, 72 * H)


def _next_working_midnight(day: date) -> datetime:
    day += timedelta(days=1)
    while not chinese_calendar.is_workday(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(), tzinfo=SH)


@pytest.mark.parametrize(
    "day",
    [o.day for o in OVERRIDES_2026 if o.kind == "holiday"],
    ids=lambda d: d.isoformat(),
)
def test_request_on_a_holiday_starts_at_next_working_midnight(day: date) -> None:
    received = datetime.combine(day, time(13, 37), tzinfo=SH)
    start = _next_working_midnight(day)
    assert WORKING_DAYS.add(received, timedelta(0)) == start
    assert WORKING_DAYS.add(received, 5 * H) == start + 5 * H
    assert WORKING_DAYS.working_time_between(received, start) == timedelta(0)


# --------------------------------------------------------------------------- business hours


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [
        # 30 min before lunch, 30 min after it.
        (sh(2026, 3, 4, 11, 30), H, sh(2026, 3, 4, 14)),
        (sh(2026, 3, 4, 9), 6 * H + 30 * timedelta(minutes=1), sh(2026, 3, 4, 17)),
        # Ends exactly at closing: the deadline is 17:00 the same day, not 09:00 the next.
        (sh(2026, 3, 4, 16), H, sh(2026, 3, 4, 17)),
        (sh(2026, 3, 4, 12, 30), timedelta(0), sh(2026, 3, 4, 13, 30)),
        (sh(2026, 3, 4, 18), timedelta(0), sh(2026, 3, 5, 9)),
        # Friday 16:30 before 清明 (Sat-Mon): 30 min on Friday, the rest on Tuesday.
        (sh(2026, 4, 3, 16, 30), H, sh(2026, 4, 7, 9, 30)),
        # Friday 16:30 before a make-up Sunday (国庆节调休 2026-09-20): Sunday works Monday's hours.
        (sh(2026, 9, 18, 16, 30), H, sh(2026, 9, 20, 9, 30)),
        # Thursday before 中秋 (Fri-Sun).
        (sh(2026, 9, 24, 16, 30), H, sh(2026, 9, 28, 9, 30)),
        # On a make-up Saturday (国庆节调休 2026-10-10).
        (sh(2026, 10, 10, 8), H, sh(2026, 10, 10, 10)),
        (sh(2026, 10, 10, 11, 30), H, sh(2026, 10, 10, 14)),
        (sh(2026, 10, 10, 16, 30), H, sh(2026, 10, 12, 9, 30)),
        # 8 business hours from Wednesday 09:00 (6.5 h a day).
        (sh(2026, 3, 4, 9), 8 * H, sh(2026, 3, 5, 10, 30)),
    ],
)
def test_business_hours(start: datetime, amount: timedelta, expected: datetime) -> None:
    assert BUSINESS.add(start, amount) == expected
    assert BUSINESS.add(start.astimezone(UTC), amount) == expected


def test_business_hours_per_day() -> None:
    assert BUSINESS.working_time_between(sh(2026, 3, 4), sh(2026, 3, 5)) == 6.5 * H
    assert BUSINESS.working_time_between(sh(2026, 10, 1), sh(2026, 10, 8)) == timedelta(0)
    assert BUSINESS.working_time_between(sh(2026, 10, 10), sh(2026, 10, 11)) == 6.5 * H
    assert BUSINESS.is_working_time(sh(2026, 3, 4, 9))
    assert not BUSINESS.is_working_time(sh(2026, 3, 4, 12))
    assert not BUSINESS.is_working_time(sh(2026, 3, 4, 17))
    assert BUSINESS.is_working_time(sh(2026, 10, 10, 15))
    assert not BUSINESS.is_working_time(sh(2026, 10, 11, 15))


def test_makeup_day_uses_the_configured_weekday() -> None:
    calendar = WorkCalendar(
        mode="business_hours",
        overrides=statutory_overrides([2026]),
        known_years=[2026],
        windows={0: [(time(9), time(17))], 4: [(time(10), time(15))]},
        weekend=frozenset({1, 2, 3, 5, 6}),  # only Monday and Friday are ordinary working days
        makeup_weekday=4,
    )
    assert calendar.add(sh(2026, 10, 10, 8), H) == sh(2026, 10, 10, 11)
    assert calendar.add(sh(2026, 10, 12, 8), H) == sh(2026, 10, 12, 10)  # Monday's own hours
    assert calendar.windows == {0: ((time(9), time(17)),), 4: ((time(10), time(15)),)}


def test_window_ending_at_midnight() -> None:
    calendar = WorkCalendar(
        mode="business_hours",
        windows={d: [(time(22), time(0))] for d in range(7)},
        weekend=frozenset(),
    )
    assert calendar.add(sh(2026, 3, 4, 23), 2 * H) == sh(2026, 3, 5, 23)
    assert calendar.working_time_between(sh(2026, 3, 4), sh(2026, 3, 6)) == 4 * H


# --------------------------------------------------------------------------- missing data


def test_year_without_data_falls_back_to_weekends() -> None:
    assert WORKING_DAYS.is_working_day(date(2030, 10, 1))  # a Tuesday: no notice entered
    assert not WORKING_DAYS.is_working_day(date(2030, 10, 5))  # Saturday
    start = sh(2030, 9, 30, 16)
    due = WORKING_DAYS.add(start, 72 * H)
    assert due == sh(2030, 10, 3, 16)
    assert WORKING_DAYS.missing_years(start, due) == [2030]
    assert WORKING_DAYS.missing_years(sh(2026, 12, 30), sh(2027, 1, 4)) == [2027]
    assert WORKING_DAYS.missing_years(sh(2026, 12, 30), sh(2026, 12, 31)) == []
    assert WORKING_DAYS.missing_years(sh(2027, 1, 4), sh(2026, 12, 30)) == [2027]
    assert CLOCK.missing_years(start, due) == []


def test_missing_years_use_local_dates() -> None:
    # 2026-12-31T17:00Z is 2027-01-01 01:00 in Shanghai.
    instant = datetime(2026, 12, 31, 17, tzinfo=UTC)
    assert WORKING_DAYS.missing_years(instant, instant) == [2027]


# --------------------------------------------------------------------------- other zones


def test_zone_with_dst_counts_elapsed_time() -> None:
    ny = ZoneInfo("America/New_York")
    calendar = WorkCalendar(mode="working_days", tz=ny, weekend=frozenset())
    spring_forward = datetime(2026, 3, 8, tzinfo=ny)  # a 23-hour day
    assert calendar.working_time_between(spring_forward, datetime(2026, 3, 9, tzinfo=ny)) == 23 * H
    assert calendar.add(spring_forward, 24 * H) == datetime(2026, 3, 9, 1, tzinfo=ny)
    clock = WorkCalendar(mode="clock", tz=ny)
    result = clock.add(datetime(2026, 3, 7, 12, tzinfo=ny), 24 * H)
    assert result.isoformat() == "2026-03-08T13:00:00-04:00"


def test_shanghai_dst_years_are_handled_by_the_fallback() -> None:
    # China observed DST 1986-1991 (1988: 17 April to 11 September); those years are far
    # outside the precomputed span.
    calendar = WorkCalendar(mode="working_days", weekend=frozenset())
    day, next_day = sh(1988, 4, 17), sh(1988, 4, 18)
    elapsed = next_day.astimezone(UTC) - day.astimezone(UTC)
    assert elapsed == 23 * H
    assert calendar.working_time_between(day, next_day) == elapsed
    assert calendar.add(day, 23 * H) == next_day
    assert calendar.add(day, 23 * H).isoformat() == "1988-04-18T00:00:00+09:00"
    autumn, after = sh(1988, 9, 11), sh(1988, 9, 12)
    assert calendar.working_time_between(autumn, after) == 25 * H


# --------------------------------------------------------------------------- construction


def test_descriptions() -> None:
    assert WORKING_DAYS.years() == statutory_years()
    assert WORKING_DAYS.overrides_for_year(2030) == []
    assert [o.day for o in WORKING_DAYS.overrides_for_year(2026)] == [o.day for o in OVERRIDES_2026]
    assert WORKING_DAYS.day_info(date(2026, 3, 4)) is None
    assert "working_days" in repr(WORKING_DAYS)
    assert WORKING_DAYS.known_years == frozenset(statutory_years())
    assert len(WORKING_DAYS.overrides) == len(statutory_overrides())


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"mode": "weekly"}, ValueError),
        (
            {
                "mode": "working_days",
                "overrides": [
                    DayOverride(date(2026, 1, 1), "holiday", "元旦"),
                    DayOverride(date(2026, 1, 1), "workday", "x"),
                ],
            },
            ValueError,
        ),
        (
            {"mode": "business_hours", "windows": {0: [(time(9), time(12)), (time(11), time(13))]}},
            ValueError,
        ),
        ({"mode": "business_hours", "windows": {0: [(time(12), time(9))]}}, ValueError),
        ({"mode": "working_days", "weekend": frozenset(range(7))}, ValueError),
        ({"mode": "business_hours", "windows": {5: [(time(9), time(12))]}}, ValueError),
        ({"mode": "working_days", "makeup_weekday": 7}, ValueError),
        ({"mode": "working_days", "span": (2030, 2020)}, ValueError),
    ],
)
def test_invalid_construction(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        WorkCalendar(**kwargs)  # type: ignore[arg-type]


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        WORKING_DAYS.add(datetime(2026, 1, 1), H)
    with pytest.raises(ValueError):
        WORKING_DAYS.add(sh(2026, 1, 1), -H)
    with pytest.raises(ValueError):
        CLOCK.add(sh(2026, 1, 1), -H)
    with pytest.raises(TypeError):
        WORKING_DAYS.is_working_day(sh(2026, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        DayOverride(date(2026, 1, 1), "rest", "x")  # type: ignore[arg-type]


def test_clock_mode() -> None:
    assert CLOCK.add(sh(2026, 9, 30, 16), 24 * H) == sh(2026, 10, 1, 16)
    assert CLOCK.add(sh(2026, 10, 3, 16), timedelta(0)) == sh(2026, 10, 3, 16)
    assert CLOCK.working_time_between(sh(2026, 10, 1), sh(2026, 10, 2)) == 24 * H
    assert CLOCK.working_time_between(sh(2026, 10, 2), sh(2026, 10, 1)) == timedelta(0)
    assert CLOCK.is_working_time(sh(2026, 10, 1, 3))
    assert (
        CLOCK.add(datetime(2026, 9, 30, 8, tzinfo=UTC), H).isoformat()
        == "2026-09-30T17:00:00+08:00"
    )


def test_zero_amount_at_a_window_end_is_the_composition_exception() -> None:
    # add(t, a) may end exactly on a window's end; add(that, 0) then moves to the next window.
    end = BUSINESS.add(sh(2026, 3, 4, 16), H)
    assert end == sh(2026, 3, 4, 17)
    assert BUSINESS.add(end, timedelta(0)) == sh(2026, 3, 5, 9)
    # ...which is why the composition law below needs b > 0.
    assert BUSINESS.add(end, US) == BUSINESS.add(sh(2026, 3, 4, 16), H + US)


# --------------------------------------------------------------------------- properties
# For every mode, every t (2004-2027 and the data-less 2030), a >= 0, b > 0, h, h1 <= h2:
#   P1  add(add(t, a), b) == add(t, a + b)         (b == 0 fails at window ends, see above)
#   P2  add(add(t, 0), 0) == add(t, 0)
#   P3  working_time_between(t, add(t, h)) == h
#   P4  add(t, h1) <= add(t, h2); and t1 <= t2 implies add(t1, h) <= add(t2, h)
#   P5  add(t, h) >= t; it is working time, or (h > 0) the end of a working interval
#   P6  the result does not depend on the zone t is given in, and is in the calendar zone
#   P7  working_time_between is additive: wtb(a, c) == wtb(a, b) + wtb(b, c) for a <= b <= c
#   P8  add and working_time_between equal a naive day-stepping oracle
#   P9  a calendar precomputing only 2026 (everything else by stepping) gives the same results

PROPERTY = settings(max_examples=120, deadline=None, database=None)
MODES = list(CALENDARS)

instants = st.one_of(
    st.datetimes(datetime(2004, 1, 1), datetime(2027, 12, 31, 23, 59), timezones=st.just(SH)),
    st.datetimes(datetime(2030, 1, 1), datetime(2030, 12, 31, 23, 59), timezones=st.just(SH)),
)
amounts = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))
positive = st.timedeltas(min_value=US, max_value=timedelta(days=20))

NARROW = {
    mode: WorkCalendar(
        mode=mode,  # type: ignore[arg-type]
        overrides=statutory_overrides(),
        known_years=statutory_years(),
        span=(2026, 2026),
    )
    for mode in MODES
}


@pytest.mark.parametrize("mode", MODES)
@PROPERTY
@given(t=instants, a=amounts, b=positive)
def test_p1_composition(mode: str, t: datetime, a: timedelta, b: timedelta) -> None:
    calendar = CALENDARS[mode]
    assert calendar.add(calendar.add(t, a), b) == calendar.add(t, a + b)


@pytest.mark.parametrize("mode", MODES)
@PROPERTY
@given(t=instants)
def test_p2_zero_is_idempotent(mode: str, t: datetime) -> None:
    calendar = CALENDARS[mode]
    first = calendar.add(t, timedelta(0))
    assert calendar.add(first, timedelta(0)) == first


@pytest.mark.parametrize("mode", MODES)
@PROPERTY
@given(t=instants, h=amounts)
def test_p3_between_inverts_add(mode: str, t: datetime, h: timedelta) -> None:
    calendar = CALENDARS[mode]
    assert calendar.working_time_between(t, calendar.add(t, h)) == h


@pytest.mark.parametrize("mode", MODES)
@PROPERTY
@given(t1=instants, t2=instants, h1=amounts, h2=amounts)
def test_p4_monotonic(mode: str, t1: datetime, t2: datetime, h1: timedelta, h2: timedelta) -> None:
    calendar = CALENDARS[mode]
    h1, h2 = sorted((h1, h2))
    t1, t2 = sorted((t1, t2))
    assert calendar.add(t1, h1) <= calendar.add(t1, h2)
    assert calendar.add(t1, h1) <= calendar.add(t2, h1)


@pytest.mark.parametrize("mode", MODES)
@PROPERTY
@given(t=instants, h=amounts)
def test_p5_result_is_working_time_or_an_interval_end(mode: str, t: datetime, h: timedelta) -> None:
    calendar = CALENDARS[mode]
    result = calendar.add(t, h)
    assert result >= t
    if mode == "clock":
        assert result - t == h
    elif h == timedelta(0):
        assert oracle_is_working(mode, result)
        assert calendar.is_working_time(result)
    else:
        assert oracle_is_working(mode, result) or oracle_is_working(mode, result - US)


@pytest.mark.parametrize("mode", MODES)
@PROPERTY
@given(t=instants, h=amounts)
def test_p6_zone_of_the_input_does_not_matter(mode: str, t: datetime, h: timedelta) -> None:
    calendar = CALENDARS[mode]
    expected = calendar.add(t, h)
    assert expected.tzinfo is SH
    for zone in (UTC, PLUS8, ZoneInfo("Europe/Berlin")):
        result = calendar.add(t.astimezone(zone), h)
        assert result == expected
        assert result.isoformat() == expected.isoformat()


@pytest.mark.parametrize("mode", MODES)
@PROPERTY
@given(a=instants, b=instants, c=instants)
def test_p7_between_is_additive(mode: str, a: datetime, b: datetime, c: datetime) -> None:
    calendar = CALENDARS[mode]
    a, b, c = sorted((a, b, c))
    total = calendar.working_time_between(a, c)
    assert total == calendar.working_time_between(a, b) + calendar.working_time_between(b, c)
    assert calendar.working_time_between(c, a) == timedelta(0)


@pytest.mark.parametrize("mode", MODES)
@PROPERTY
@given(t=instants, h=amounts, days=st.integers(0, 40))
def test_p8_matches_the_oracle(mode: str, t: datetime, h: timedelta, days: int) -> None:
    calendar = CALENDARS[mode]
    assert calendar.add(t, h) == oracle_add(mode, t, h)
    end = t + timedelta(days=days, hours=days)
    assert calendar.working_time_between(t, end) == oracle_between(mode, t, end)


@pytest.mark.parametrize("mode", MODES)
@PROPERTY
@given(t=instants, h=amounts, other=instants)
def test_p9_fallback_equals_fast_path(
    mode: str, t: datetime, h: timedelta, other: datetime
) -> None:
    fast, slow = CALENDARS[mode], NARROW[mode]
    assert slow.add(t, h) == fast.add(t, h)
    assert slow.add(t.astimezone(UTC), h).isoformat() == fast.add(t, h).isoformat()
    assert slow.working_time_between(t, other) == fast.working_time_between(t, other)
    assert slow.working_time_between(other, t) == fast.working_time_between(other, t)


def test_add_many_equals_add() -> None:
    start = sh(2026, 9, 30, 16)
    hours = [timedelta(0), H, 18 * H, 72 * H, 216 * H, 24 * 400 * H]
    for calendar in (*CALENDARS.values(), *NARROW.values()):
        assert calendar.add_many(start, hours) == [calendar.add(start, h) for h in hours]


# --------------------------------------------------------------------------- text form


def test_format_year_2026() -> None:
    text = format_year(WORKING_DAYS, 2026)
    lines = text.splitlines()
    assert "2026-10-01 holiday 国庆节" in lines
    assert "2026-10-10 workday 国庆节调休" in lines
    assert lines[0] == "2026-01-01 holiday 元旦"
    assert lines == sorted(lines)
    assert len(lines) == len(OVERRIDES_2026)
    assert text.endswith("\n")
    assert format_year(WORKING_DAYS, 2030) == ""


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_parse_inverts_format(year: int) -> None:
    overrides, errors = parse_year_text(format_year(WORKING_DAYS, year))
    assert errors == []
    assert overrides == WORKING_DAYS.overrides_for_year(year)
    rebuilt = WorkCalendar(mode="working_days", overrides=overrides, known_years=[year])
    assert format_year(rebuilt, year) == format_year(WORKING_DAYS, year)


def test_parse_reports_bad_lines_and_keeps_good_ones() -> None:
    text = "\n".join(
        [
            "# 2027年放假安排(录入示例)",  # 1
            "2027-01-01 holiday 元旦",  # 2
            "",  # 3
            "2027-13-01 holiday 月份错误",  # 4
            "2027/02/01 holiday 斜杠",  # 5
            "2027-02-30 holiday 不存在",  # 6
            "2027-02-06 rest 春节",  # 7
            "2027-02-07 workday 春节调休",  # 8
            "2027-01-01 holiday 元旦",  # 9
            "onlyoneword",  # 10
            "2027-02-13 holiday 周六也可以列出",  # 11: a weekend inside a holiday period
            "   2027-02-08   holiday   春节  ",  # 12
            "2027-02-09 holiday",  # 13: a name is optional
        ]
    )
    overrides, errors = parse_year_text(text)
    assert overrides == [
        DayOverride(date(2027, 1, 1), "holiday", "元旦"),
        DayOverride(date(2027, 2, 7), "workday", "春节调休"),
        DayOverride(date(2027, 2, 13), "holiday", "周六也可以列出"),
        DayOverride(date(2027, 2, 8), "holiday", "春节"),
        DayOverride(date(2027, 2, 9), "holiday", ""),
    ]
    assert [(e.line, e.reason) for e in errors] == [
        (4, "日期不存在:2027-13-01"),
        (5, "日期格式错误,应为 YYYY-MM-DD"),
        (6, "日期不存在:2027-02-30"),
        (7, "类型错误:rest,应为 holiday(休息)或 workday(调休上班)"),
        (9, "日期重复,第 2 行已有 2027-01-01"),
        (10, "格式错误,应为“YYYY-MM-DD holiday|workday 名称”"),
    ]
    assert errors[1] == ParseError(5, "2027/02/01 holiday 斜杠", "日期格式错误,应为 YYYY-MM-DD")


def test_parse_accepts_a_workday_on_a_weekday() -> None:
    overrides, errors = parse_year_text("2027-03-03 workday 特别安排\n")
    assert errors == [] and overrides[0].kind == "workday"
    calendar = WorkCalendar(mode="working_days", overrides=overrides, known_years=[2027])
    assert calendar.is_working_day(date(2027, 3, 3))
