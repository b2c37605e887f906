"""The roster CSV and `check_roster` (issue 5; STANDARDS MALL-1, seed 003 一)."""

from __future__ import annotations

import dataclasses
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.domain.holidays import statutory_overrides
from kefu.domain.roster import Requirement, Roster, Rules, ShiftPattern, Staff, solve_roster
from kefu.domain.roster_check import BreakRules, Violation, check_roster
from kefu.domain.roster_file import (
    COLUMNS,
    RosterFileError,
    RosterRow,
    format_roster,
    parse_roster,
    plan_roster_breaks,
    read_roster,
    roster_rows,
    write_roster,
)
from kefu.domain.roster_intervals import IntervalDemand, hotline_shifts, solve_intervals

SERVICE = "1F服务中心"
MEMBER = "4F会员中心"
PATTERNS = [
    ShiftPattern("S", SERVICE, time(9), time(22), 11),
    ShiftPattern("M", MEMBER, time(9), time(22), 11),
]
SPECIALISTS = [Staff(f"s{i}", f"客服专员{i}", frozenset({SERVICE})) for i in range(1, 5)] + [
    Staff(f"m{i}", f"会员专员{i}", frozenset({MEMBER})) for i in range(1, 5)
]
MANAGER = Staff("mgr", "客服经理", frozenset({SERVICE, MEMBER}), relief=True)
STAFF = [*SPECIALISTS, MANAGER]
ALTERNATE = Rules.alternate_day()
DECEMBER = [date(2026, 12, 1) + timedelta(days=i) for i in range(31)]
HEADER = ",".join(COLUMNS)
GOOD = "2026-12-01,s1,客服专员1,1F服务中心,09:00,22:00,11:30/17:00,12:30/18:00,11"


def requirements(days: list[date]) -> list[Requirement]:
    return [Requirement(d, p, c, 2) for d in days for p, c in ((SERVICE, "S"), (MEMBER, "M"))]


@pytest.fixture(scope="module")
def december() -> Roster:
    """The mall's December 2026 (31 days: the manager relieves 4 shifts), as test_roster does."""
    holidays = {o.day: o.name for o in statutory_overrides([2026]) if o.kind == "holiday"}
    return solve_roster(
        staff=STAFF,
        patterns=PATTERNS,
        requirements=requirements(DECEMBER),
        days=DECEMBER,
        rules=ALTERNATE,
        holidays=holidays,
    )


@pytest.fixture(scope="module")
def december_csv(december: Roster) -> str:
    plan = plan_roster_breaks(december, patterns=PATTERNS)
    return format_roster(roster_rows(december, staff=STAFF, patterns=PATTERNS, break_plan=plan))


def check(rows: list[RosterRow], **kwargs: object) -> list[Violation]:
    return check_roster(
        rows,
        staff=STAFF,
        rules=ALTERNATE,
        requirements=requirements(DECEMBER),
        patterns=PATTERNS,
        **kwargs,  # type: ignore[arg-type]
    )


def kinds(violations: list[Violation]) -> set[str]:
    return {v.kind for v in violations}


# --------------------------------------------------------------------------------------------
# Reading and writing
# --------------------------------------------------------------------------------------------


def test_a_good_row_is_read_with_both_meal_breaks() -> None:
    parsed = parse_roster(f"{HEADER}\n{GOOD}\n")
    assert parsed.ok
    (row,) = parsed.rows
    assert row == RosterRow(
        date(2026, 12, 1),
        "s1",
        "客服专员1",
        SERVICE,
        time(9),
        time(22),
        ((time(11, 30), time(12, 30)), (time(17), time(18))),
        11.0,
    )
    assert row.line == 2
    assert row.worked_hours == 11


def test_a_night_shift_ends_the_next_day_and_its_meal_falls_after_midnight() -> None:
    parsed = parse_roster(f"{HEADER}\n2026-12-01,h1,话务员1,热线,22:00,06:30,02:00,02:30,8\n")
    (row,) = parsed.rows
    start, end = row.span()
    assert end - start == timedelta(hours=8, minutes=30)
    assert row.break_spans()[0][0].day == 2
    assert row.worked_hours == 8


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("start", "9点", "第2行 start:不是时间:9点"),
        ("end", "25:00", "第2行 end:不是时间:25:00"),
        ("end", "09:00", "第2行 end:与 start 相同,班次时长为 0:09:00"),
        ("date", "2026/12/01", "第2行 date:不是日期(应为 YYYY-MM-DD):2026/12/01"),
        ("date", "2026-02-30", "第2行 date:不是日期(应为 YYYY-MM-DD):2026-02-30"),
        ("employee_no", "", "第2行 employee_no:不能为空"),
        ("name", " ", "第2行 name:不能为空"),
        ("post", "", "第2行 post:不能为空"),
        (
            "break_end",
            "12:30",
            "第2行 break_end:休息开始有 2 个时间,结束有 1 个,应一一对应",
        ),
        ("break_start", "11:30/", "第2行 break_start:多个时间之间用「/」分隔,不能有空项"),
        ("break_start", "11:30/17点", "第2行 break_start:不是时间:17点"),
        ("break_end", "11:30/18:00", "第2行 break_end:休息 11:30-11:30 时长为 0"),
        ("hours", "abc", "第2行 hours:不是数字:abc"),
        ("hours", "-1", "第2行 hours:不能为负数:-1"),
        ("hours", "NaN", "第2行 hours:不是数字:NaN"),
        ("hours", "25", "第2行 hours:一个班次不能超过 24 小时:25"),
    ],
)
def test_a_bad_cell_is_named_by_line_and_field(column: str, value: str, problem: str) -> None:
    cells = GOOD.split(",")
    cells[COLUMNS.index(column)] = value
    parsed = parse_roster(f"{HEADER}\n{','.join(cells)}\n")
    assert [str(p) for p in parsed.problems] == [problem]
    assert parsed.rows == []


def test_good_rows_survive_a_bad_one_and_keep_their_line_numbers() -> None:
    bad = GOOD.replace("09:00", "9点")
    other = GOOD.replace("s1,客服专员1", "s2,客服专员2")
    text = f"{HEADER}\n{GOOD}\n\n{bad}\n{other}\n{GOOD},extra\n"
    parsed = parse_roster(text)
    assert [r.line for r in parsed.rows] == [2, 5]
    assert [str(p) for p in parsed.problems] == [
        "第4行 start:不是时间:9点",
        "第6行:比表头多出 1 个单元格",
    ]


def test_a_bom_any_column_order_and_empty_breaks_and_hours_are_accepted() -> None:
    text = "\ufeffname,date,employee_no,post,start,end,break_start,break_end,hours,note\n"
    text += "话务员1,2026-12-01,h1,热线,8:00,16:30,,,,早班\n"
    parsed = parse_roster(text)
    assert parsed.ok
    (row,) = parsed.rows
    assert (row.start, row.breaks, row.hours) == (time(8), (), None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "文件为空"),
        ("\n\n", "文件为空"),
        (
            "date,employee_no,name,start,end\n",
            "第1行表头缺少列:post、break_start、break_end、hours",
        ),
    ],
)
def test_a_file_that_is_no_roster_is_refused_as_a_whole(text: str, message: str) -> None:
    with pytest.raises(RosterFileError, match=message):
        parse_roster(text)


def test_read_and_write_files(tmp_path: Path, december_csv: str) -> None:
    rows = parse_roster(december_csv).rows
    path = tmp_path / "roster.csv"
    write_roster(path, rows, bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_roster(path).rows == rows
    with pytest.raises(RosterFileError, match="找不到文件"):
        read_roster(tmp_path / "missing.csv")
    path.write_bytes(f"{HEADER}\n{GOOD}\n".encode("gbk"))
    with pytest.raises(RosterFileError, match="不是 UTF-8"):
        read_roster(path)


times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
texts = (
    st.text(
        alphabet=st.sampled_from("客服专员热线话务张王李1234567890abcXYZ,\"' -"),
        min_size=1,
        max_size=8,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def roster_row(draw: st.DrawFn) -> RosterRow:
    start = draw(times)
    end = draw(times.filter(lambda t: t != start))
    breaks = draw(
        st.lists(st.tuples(times, times).filter(lambda b: b[0] != b[1]), max_size=3).map(tuple)
    )
    hours = draw(st.none() | st.integers(0, 96).map(lambda q: q / 4))
    return RosterRow(
        day=draw(st.dates(date(2020, 1, 1), date(2030, 12, 31))),
        employee_no=draw(texts),
        name=draw(texts),
        post=draw(texts),
        start=start,
        end=end,
        breaks=breaks,
        hours=hours,
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(roster_row(), max_size=6))
def test_writing_then_reading_gives_the_same_rows(rows: list[RosterRow]) -> None:
    parsed = parse_roster(format_roster(rows))
    assert parsed.problems == []
    assert parsed.rows == rows


# --------------------------------------------------------------------------------------------
# The mall's December round trip, and edited files
# --------------------------------------------------------------------------------------------


def test_the_december_mall_roster_round_trips_with_no_violation(
    december: Roster, december_csv: str
) -> None:
    parsed = parse_roster(december_csv)
    assert parsed.ok and len(parsed.rows) == len(december.assignments) == 124
    assert {r.hours for r in parsed.rows} == {11.0}
    assert all(r.worked_hours == 11 for r in parsed.rows)  # 9-22 less two meal hours
    assert check(parsed.rows) == []


def rows_of(csv_text: str) -> list[RosterRow]:
    return parse_roster(csv_text).rows


def test_an_overlapping_shift_is_named_with_both_lines(december_csv: str) -> None:
    rows = rows_of(december_csv)
    first = rows[0]  # s? on 1 December, 09:00-22:00
    late = dataclasses.replace(
        first, day=date(2026, 11, 30), start=time(20), end=time(10), line=999
    )
    found = check([*rows, late], history=())
    overlap = [v for v in found if v.kind == "overlap"]
    assert len(overlap) == 1
    assert overlap[0].lines == (first.line, 999)
    assert str(overlap[0]) == (
        f"第{first.line}、999行 {first.employee_no} 12月1日:{first.name} 的班次 "
        "11月30日 20:00-10:00 与 12月1日 09:00-22:00 时间重叠"
    )


def test_unknown_staff_and_a_wrong_name_are_named(december_csv: str) -> None:
    rows = rows_of(december_csv)
    rows[3] = dataclasses.replace(rows[3], employee_no="x9", name="王五")
    rows[4] = dataclasses.replace(rows[4], name="张三")
    found = check(rows)
    unknown = next(v for v in found if v.kind == "unknown_staff")
    assert (
        str(unknown)
        == f"第{rows[3].line}行 x9 {rows[3].day.month}月{rows[3].day.day}日:员工编号 x9(王五)不在员工名单中"
    )
    mismatch = next(v for v in found if v.kind == "name_mismatch")
    assert mismatch.lines == (rows[4].line,)
    assert "姓名「张三」与员工名单中的" in mismatch.message
    # The unknown person does not count: that desk is one short that day.
    short = next(v for v in found if v.kind == "coverage")
    assert short.message.endswith("需要 2 人,排了 1 人") and short.day == rows[3].day


def test_six_days_in_a_row_in_alternate_day_shifts(december_csv: str) -> None:
    rows = rows_of(december_csv)
    first_week = [date(2026, 12, d) for d in range(1, 7)]
    # s1 takes over a colleague's service-centre shift on each of 1-6 December it did not work.
    for d in first_week:
        on = [i for i, r in enumerate(rows) if r.day == d and r.post == SERVICE]
        if not any(rows[i].employee_no == "s1" for i in on):
            rows[on[0]] = dataclasses.replace(rows[on[0]], employee_no="s1", name="客服专员1")
    found = check(rows)
    runs = [v for v in found if v.kind == "consecutive"]
    assert [str(v.message) for v in runs] == [
        "客服专员1 连续工作 6 天(12月1日至12月6日),超过最多 1 天"
    ]
    assert len(runs[0].lines) == 6 and runs[0].day == date(2026, 12, 1)
    assert any(v.kind == "hours_cap" and v.employee_no == "s1" for v in found)


def test_over_174_hours_in_the_month(december_csv: str) -> None:
    rows = rows_of(december_csv)
    worked = {r.day for r in rows if r.employee_no == "s1"}
    free = next(
        i
        for i, r in enumerate(rows)
        if r.post == SERVICE and r.day not in worked and r.employee_no != "s1"
    )
    rows[free] = dataclasses.replace(rows[free], employee_no="s1", name="客服专员1")
    found = check(rows)
    cap = [v for v in found if v.kind == "hours_cap"]
    assert [v.message for v in cap] == ["客服专员1 2026年12月 共 176 小时,超过上限 174 小时"]
    assert len(cap[0].lines) == 16


def test_leave_posts_rest_and_exact_head_counts(december_csv: str) -> None:
    rows = rows_of(december_csv)
    s1_day = next(r.day for r in rows if r.employee_no == "s1")
    staff = [dataclasses.replace(STAFF[0], leave=frozenset({s1_day})), *STAFF[1:]]
    # A member specialist at the service desk on top of the two already there.
    extra = dataclasses.replace(
        next(r for r in rows if r.day == s1_day and r.post == MEMBER), post=SERVICE, line=500
    )
    found = check_roster(
        [*rows, extra],
        staff=staff,
        rules=Rules(max_consecutive_days=1, min_rest_hours=12),
        requirements=requirements(DECEMBER),
        patterns=PATTERNS,
    )
    by_kind = {v.kind: v for v in found}
    assert by_kind["leave"].message == "当天已批准休假,不能排班"
    assert by_kind["post"].lines == (500,)
    assert by_kind["post"].message == "不能在 1F服务中心 上岗(可上岗位:4F会员中心)"
    assert by_kind["coverage"].message.endswith("1F服务中心 09:00-22:00 需要 2 人,排了 3 人")
    assert by_kind["two_shifts"].lines[-1] == 500
    rest = check_roster(
        [
            RosterRow(date(2026, 12, 1), "s1", "客服专员1", SERVICE, time(9), time(22)),
            RosterRow(date(2026, 12, 3), "s1", "客服专员1", SERVICE, time(8), time(20)),
            RosterRow(date(2026, 12, 4), "s1", "客服专员1", SERVICE, time(6), time(12)),
        ],
        staff=STAFF,
        rules=Rules(min_rest_hours=11),
        breaks=BreakRules.off(),
    )
    assert [v.message for v in rest] == [
        "客服专员1 12月3日 20:00 下班,12月4日 06:00 上班,只休息 10 小时,少于 11 小时"
    ]


# --------------------------------------------------------------------------------------------
# Meal breaks (MALL-1)
# --------------------------------------------------------------------------------------------


def two_at_the_desk(first: str, second: str) -> list[RosterRow]:
    """s1 and s2 at the service centre on 1 December with the given breaks."""

    def breaks(text: str) -> tuple[tuple[time, time], ...]:
        out = []
        for part in text.split(";") if text else []:
            a, b = part.split("-")
            out.append((time.fromisoformat(a), time.fromisoformat(b)))
        return tuple(out)

    day = date(2026, 12, 1)
    return [
        RosterRow(day, "s1", "客服专员1", SERVICE, time(9), time(22), breaks(first), 11, line=2),
        RosterRow(day, "s2", "客服专员2", SERVICE, time(9), time(22), breaks(second), 11, line=3),
    ]


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("11:30-12:30;17:00-18:00", "12:30-13:30;18:00-19:00", []),
        (
            "11:30-12:30;17:00-18:00",
            "11:30-12:30;18:00-19:00",
            [
                "第2、3行:12月1日 1F服务中心 11:30 只有 0 人在岗(客服专员1、客服专员2 休息),至少需要 1 人"
            ],
        ),
        (
            "14:00-15:00;17:00-18:00",
            "12:30-13:30;18:00-19:00",
            [
                "第2行 s1 12月1日:休息 14:00-15:00 不在午休(11:30-13:30)或晚休(17:00-19:00)时段内",
                "第2行 s1 12月1日:缺少午休(11:30-13:30)",
            ],
        ),
        (
            "11:30-12:00;17:00-18:00",
            "12:30-13:30;18:00-19:00",
            ["第2行 s1 12月1日:休息 11:30-12:00 为 30 分钟,应为 60 分钟"],
        ),
        (
            "11:30-12:30",
            "12:30-13:30;18:00-19:00",
            ["第2行 s1 12月1日:缺少晚休(17:00-19:00)"],
        ),
        (
            "08:00-09:00;11:30-12:30;17:00-18:00",
            "12:30-13:30;18:00-19:00",
            ["第2行 s1 12月1日:休息 08:00-09:00 不在班次 09:00-22:00 之内"],
        ),
    ],
)
def test_meal_breaks(first: str, second: str, expected: list[str]) -> None:
    found = check_roster(two_at_the_desk(first, second), staff=STAFF, patterns=PATTERNS)
    assert [str(v) for v in found] == expected


def test_the_hours_column_disagreeing_with_the_shift_is_a_warning(december_csv: str) -> None:
    rows = rows_of(december_csv)
    rows[0] = dataclasses.replace(rows[0], hours=12.0)
    found = check(rows)
    assert [(v.kind, v.severity) for v in found] == [("hours_column", "warning")]
    assert found[0].message == "hours 为 12,班次 09:00-22:00 应计 11 小时"


# --------------------------------------------------------------------------------------------
# A hotline roster: interval demands
# --------------------------------------------------------------------------------------------


def test_a_hotline_roster_round_trips_and_its_short_intervals_are_the_warnings() -> None:
    hotline = "热线"
    shifts = hotline_shifts(hotline, opening=time(8), closing=time(22))
    days = [date(2026, 12, 7) + timedelta(days=i) for i in range(3)]
    demands = [
        IntervalDemand(d, hotline, time(h, m), 4 if 10 <= h < 17 else 2)
        for d in days
        for h in range(8, 22)
        for m in (0, 30)
    ]
    staff = [Staff(f"h{i}", f"话务员{i}", frozenset({hotline}), max_hours=16) for i in range(8)]
    roster = solve_intervals(staff=staff, shifts=shifts, demands=demands, days=days, time_limit_s=3)
    rows = rows_of(format_roster(roster_rows(roster, staff=staff, patterns=shifts)))
    assert all(len(r.breaks) == 1 for r in rows)  # each shift's unpaid meal
    found = check_roster(
        rows,
        staff=staff,
        patterns=shifts,
        demands=demands,
        breaks=BreakRules.off(),
    )
    assert {v.severity for v in found} <= {"warning"}
    assert roster.shortfall > 0
    assert len(found) == len(roster.short_intervals)
    first = roster.short_intervals[0]
    assert found[0].message.startswith(
        f"{first.label()} 需要 {first.required} 人,在岗 {first.scheduled} 人"
    )


def test_break_rules_can_be_limited_to_the_mall_posts() -> None:
    mall_only = BreakRules(posts=frozenset({SERVICE, MEMBER}))
    night = RosterRow(
        date(2026, 12, 1), "h1", "话务员1", "热线", time(22), time(6, 30), ((time(2), time(2, 30)),)
    )
    staff = [*STAFF, Staff("h1", "话务员1", frozenset({"热线"}))]
    assert check_roster([night], staff=staff, breaks=mall_only) == []
    default = {v.kind for v in check_roster([night], staff=staff)}
    assert default == {"break_window", "break_length", "break_cover"}  # alone at the desk


def test_the_previous_month_carries_the_run_of_days_across_the_boundary() -> None:
    def row(day: date) -> RosterRow:
        return RosterRow(day, "s1", "客服专员1", SERVICE, time(9), time(22), hours=None)

    november = [row(date(2026, 11, 29)), row(date(2026, 11, 30))]
    december = [row(date(2026, 12, 1)), row(date(2026, 12, 3))]
    found = check_roster(
        december,
        staff=STAFF,
        rules=Rules(max_consecutive_days=2),
        breaks=BreakRules.off(),
        history=november,
    )
    assert [v.message for v in found] == [
        "客服专员1 连续工作 3 天(11月29日至12月1日),超过最多 2 天"
    ]
    assert found[0].lines == ()  # rows built in code have no line numbers
    assert str(found[0]) == "s1 11月29日:客服专员1 连续工作 3 天(11月29日至12月1日),超过最多 2 天"
