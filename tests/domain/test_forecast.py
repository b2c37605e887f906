"""kefu.domain.forecast: reading forecast files (every bad field named by line) and averaging
history per weekday and interval (issue 5, item 2)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.domain.forecast import (
    ForecastFileError,
    ForecastRow,
    average_by_weekday,
    check_forecast,
    decode_forecast,
    floor_to_interval,
    forecast_for_days,
    history_window,
    interval_starts,
    parse_forecast_csv,
)

DEC1 = date(2026, 12, 1)

# --- parsing: table-driven -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "default_day", "expected"),
    [
        # (line, label, day, start, calls, aht)
        (
            "interval_start,calls\n09:00,100\n09:30,12.5\n",
            None,
            [(2, "09:00", None, time(9), 100.0, None), (3, "09:30", None, time(9, 30), 12.5, None)],
        ),
        (
            "interval_start,calls,aht\n09:00,100,240\n09:30,80,\n",
            DEC1,
            [
                (2, "09:00", DEC1, time(9), 100.0, 240.0),
                (3, "09:30", DEC1, time(9, 30), 80.0, None),
            ],
        ),
        (
            "date,interval_start,calls\n2026-12-02,08:00,5\n2026/12/3,08:30,6\n",
            DEC1,
            [
                (2, "08:00", date(2026, 12, 2), time(8), 5.0, None),
                (3, "08:30", date(2026, 12, 3), time(8, 30), 6.0, None),
            ],
        ),
        (
            "interval_start,calls\n2026-12-05T21:30,3\n",
            DEC1,
            [(2, "2026-12-05T21:30", date(2026, 12, 5), time(21, 30), 3.0, None)],
        ),
        (  # BOM, spaces and capitals in the header; blank lines skipped
            "\ufeff Interval_Start , CALLS \n\n10:00,0\n",
            None,
            [(3, "10:00", None, time(10), 0.0, None)],
        ),
    ],
)
def test_good_files(text: str, default_day: date | None, expected: list[tuple]) -> None:
    parsed = parse_forecast_csv(text, default_day=default_day)
    assert parsed.problems == []
    assert [(r.line, r.label, r.day, r.start, r.calls, r.aht) for r in parsed.rows] == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("09:30,abc,", [("calls", "calls 不是数字:abc")]),
        ("09:30,-5,", [("calls", "calls 不能为负数:-5")]),
        ("09:30,,", [("calls", "calls 为空")]),
        ("09:30,nan,", [("calls", "calls 不是有效的数字:nan")]),
        (",10,", [("interval_start", "interval_start 为空")]),
        ("noon,10,", [("interval_start", "interval_start 不是时间:noon,应为 09:30 或 2026-12-01T09:30")]),
        ("09:30,10,x", [("aht", "aht 不是数字:x")]),
        ("09:30,10,180,9", [("", "列数多于表头")]),
        # every field of a row is reported, not only the first
        ("noon,abc,-1", [
            ("interval_start", "interval_start 不是时间:noon,应为 09:30 或 2026-12-01T09:30"),
            ("calls", "calls 不是数字:abc"),
            ("aht", "aht 不能为负数:-1"),
        ]),
    ],
)  # fmt: skip
def test_bad_rows_are_named_by_line_and_field(line: str, expected: list[tuple[str, str]]) -> None:
    parsed = parse_forecast_csv(f"interval_start,calls,aht\n09:00,100,\n{line}\n10:00,50,\n")
    assert [r.line for r in parsed.rows] == [2, 4]
    assert [(p.line, p.field, p.message) for p in parsed.problems] == [
        (3, f, m) for f, m in expected
    ]
    assert parsed.bad_lines == [3]
    assert str(parsed.problems[0]).startswith("第3行:")


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("2026-13-01,09:00,1", "date", "date 不是日期:2026-13-01,应为 2026-12-01"),
        ("tomorrow,09:00,1", "date", "date 不是日期:tomorrow,应为 2026-12-01"),
        ("2026-12-02,2026-12-03T09:00,1", "date", "date 2026-12-02 与 interval_start 中的日期 2026-12-03 不一致"),
    ],
)  # fmt: skip
def test_bad_dates(line: str, field: str, message: str) -> None:
    parsed = parse_forecast_csv(f"date,interval_start,calls\n{line}\n")
    assert [(p.line, p.field, p.message) for p in parsed.problems] == [(2, field, message)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "预测文件为空"),
        ("\n", "预测文件为空"),
        ("start,volume\n09:00,1\n", "缺少列:interval_start, calls"),
        ("interval_start,aht\n09:00,1\n", "缺少列:calls"),
    ],
)
def test_unreadable_files(text: str, message: str) -> None:
    with pytest.raises(ForecastFileError, match=message):
        parse_forecast_csv(text)


def test_decoding_utf8_gbk_and_binary() -> None:
    assert decode_forecast("\ufeffinterval_start,calls\n".encode()) == "interval_start,calls\n"
    assert decode_forecast("早班,1\n".encode("gbk")) == "早班,1\n"
    with pytest.raises(ForecastFileError, match="不是文本文件"):
        decode_forecast(b"\x81\x30\xff\xff")


def test_a_file_object_is_read_like_text() -> None:
    parsed = parse_forecast_csv(io.StringIO("interval_start,calls\n09:00,1\n"))
    assert [r.calls for r in parsed.rows] == [1.0]


# --- what a stored forecast needs ----------------------------------------------------------------


def row(
    line: int, start: time, calls: float = 1, day: date | None = DEC1, aht: float | None = None
):
    return ForecastRow(
        line=line, label=f"{start:%H:%M}", day=day, start=start, calls=calls, aht=aht
    )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([row(2, time(9)), row(3, time(9, 30))], []),
        ([row(2, time(9), day=None)], [(2, "date", "date 为空:请在文件中加 date 列或在表单中选择日期")]),
        ([row(2, time(9, 10))], [(2, "interval_start", "interval_start 不是 30 分钟时段的起点:09:10")]),
        ([row(2, time(9)), row(3, time(9))], [(3, "interval_start", "时段重复:与第2行相同(09:00)")]),
        ([row(2, time(9), day=DEC1), row(3, time(9), day=date(2026, 12, 2))], []),
        ([row(2, time(9), aht=0)], [(2, "aht", "aht 必须大于 0 且不超过 86400 秒:0")]),
        ([row(2, time(9), calls=1e8)], [(2, "calls", "calls 过大:1e+08")]),
    ],
)  # fmt: skip
def test_check_forecast(rows: list[ForecastRow], expected: list[tuple]) -> None:
    assert [
        (p.line, p.field, p.message) for p in check_forecast(rows, interval_minutes=30)
    ] == expected


def test_interval_grid_of_other_lengths() -> None:
    assert check_forecast([row(2, time(9, 15))], interval_minutes=15) == []
    assert len(interval_starts(30)) == 48 and interval_starts(60)[1] == time(1)
    with pytest.raises(ValueError, match="整除"):
        interval_starts(45 * 2 + 7)


# --- history -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "minutes", "start"),
    [
        (datetime(2026, 12, 1, 9, 47, 59), 30, time(9, 30)),
        (datetime(2026, 12, 1, 9, 30), 30, time(9, 30)),
        (datetime(2026, 12, 1, 0, 0), 30, time(0, 0)),
        (datetime(2026, 12, 1, 23, 59), 15, time(23, 45)),
        (time(13, 5), 60, time(13, 0)),
    ],
)
def test_floor_to_interval(moment, minutes: int, start: time) -> None:  # noqa: ANN001
    assert floor_to_interval(moment, minutes) == start


def test_history_window_is_whole_weeks_before_today() -> None:
    assert history_window(date(2026, 12, 1), 4) == (date(2026, 11, 3), date(2026, 12, 1))
    with pytest.raises(ValueError, match="至少为 1"):
        history_window(date(2026, 12, 1), 0)


def test_average_per_weekday_and_interval() -> None:
    first = date(2026, 11, 2)  # a Monday
    moments = [
        datetime(2026, 11, 2, 9, 5),  # Monday week 1
        datetime(2026, 11, 2, 9, 25),
        datetime(2026, 11, 9, 9, 10),  # Monday week 2
        datetime(2026, 11, 9, 9, 40),  # 09:30
        datetime(2026, 11, 10, 14, 0),  # Tuesday
        datetime(2026, 11, 16, 9, 0),  # outside the two weeks
        datetime(2026, 11, 1, 9, 0),  # before
    ]
    averages = average_by_weekday(moments, first_day=first, weeks=2, interval_minutes=30)
    assert averages == {(0, time(9)): 1.5, (0, time(9, 30)): 0.5, (1, time(14)): 0.5}
    days = [date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)]  # Mon, Tue, Wed
    assert forecast_for_days(averages, days) == [
        (date(2026, 12, 7), time(9), 1.5),
        (date(2026, 12, 7), time(9, 30), 0.5),
        (date(2026, 12, 8), time(14), 0.5),
    ]


# --- properties ----------------------------------------------------------------------------------

starts = st.integers(0, 47).map(lambda i: time(i // 2, 30 * (i % 2)))
calls = st.integers(0, 99_999).map(lambda n: n / 10)
ahts = st.one_of(st.none(), st.integers(1, 3600))
days = st.dates(date(2020, 1, 1), date(2030, 12, 31))


@given(st.lists(st.tuples(days, starts, calls, ahts), max_size=40))
def test_written_rows_read_back_the_same(rows: list[tuple]) -> None:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["date", "interval_start", "calls", "aht"])
    for d, s, c, a in rows:
        w.writerow([d.isoformat(), s.strftime("%H:%M"), f"{c:g}", "" if a is None else a])
    parsed = parse_forecast_csv(out.getvalue())
    assert parsed.problems == []
    assert [(r.day, r.start, r.calls, r.aht) for r in parsed.rows] == [
        (d, s, c, None if a is None else float(a)) for d, s, c, a in rows
    ]
    duplicates = len(rows) - len({(d, s) for d, s, _c, _a in rows})
    assert len(check_forecast(parsed.rows, interval_minutes=30)) == duplicates


cell = st.text(alphabet=st.sampled_from(list('0123456789:.-T abc,"')), max_size=12)


@settings(max_examples=200)
@given(st.lists(st.lists(cell, min_size=1, max_size=4), min_size=1, max_size=20))
def test_every_data_line_is_either_a_row_or_a_problem(lines: list[list[str]]) -> None:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["interval_start", "calls", "aht"])
    w.writerows(lines)
    parsed = parse_forecast_csv(out.getvalue())
    read = list(csv.reader(io.StringIO(out.getvalue())))[1:]
    data_lines = sum(1 for r in read if r)  # blank records are skipped, as csv does
    good = {r.line for r in parsed.rows}
    assert good.isdisjoint(parsed.bad_lines)
    assert len(good) + len(parsed.bad_lines) == data_lines
    assert all(p.message for p in parsed.problems)


@given(
    st.integers(1, 8),
    st.lists(st.datetimes(datetime(2026, 9, 1), datetime(2026, 12, 31, 23, 59)), max_size=200),
)
def test_averages_keep_every_event_in_the_window(weeks: int, moments: list[datetime]) -> None:
    first, end = history_window(date(2026, 12, 1), weeks)
    averages = average_by_weekday(moments, first_day=first, weeks=weeks, interval_minutes=30)
    inside = sum(1 for m in moments if first <= m.date() < end)
    assert sum(averages.values()) * weeks == pytest.approx(inside)
    assert all(s.minute in (0, 30) and s.second == 0 for _w, s in averages)
    # laid on a whole week of days, the forecast totals the average week
    week = [end + timedelta(days=i) for i in range(7)]
    assert sum(c for _d, _s, c in forecast_for_days(averages, week)) == pytest.approx(
        inside / weeks
    )
