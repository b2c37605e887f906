"""Call forecasts per interval (issue 5, item 2): reading a forecast file and averaging history.

- `parse_forecast_csv` reads a CSV with the header ``interval_start,calls`` and the optional
  columns ``date`` and ``aht`` (seconds). Every row is checked; a bad row is reported by its line
  and the field at fault (`RowProblem`), and the good rows are returned beside the problems, so a
  command may keep the good ones and a page may refuse the whole file.
- `check_forecast` adds the checks a stored forecast needs: a day for every row, starts on the
  interval grid, no interval twice, a positive AHT.
- `average_by_weekday` counts events (work orders, conversations) per weekday and interval over
  whole past weeks and divides by the number of weeks; `forecast_for_days` lays that average on
  the days to forecast.

Pure Python: no Django (tests/domain/test_domain_is_pure.py).
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

__all__ = [
    "COLUMNS",
    "MAX_CALLS",
    "ForecastFileError",
    "ForecastRow",
    "ParsedForecast",
    "RowProblem",
    "average_by_weekday",
    "check_forecast",
    "decode_forecast",
    "floor_to_interval",
    "forecast_for_days",
    "history_window",
    "interval_starts",
    "parse_forecast_csv",
]

COLUMNS = ("date", "interval_start", "calls", "aht")
REQUIRED = ("interval_start", "calls")
MAX_CALLS = 9_999_999  # what a stored forecast holds (8 digits, one decimal)
MAX_AHT = 86_400

T = TypeVar("T")


class ForecastFileError(ValueError):
    """The file as a whole cannot be read: empty, not text, or a required column missing."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One thing wrong with one line of the file (line 1 is the header)."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"第{self.line}行:{self.message}"


@dataclass(frozen=True, slots=True)
class ForecastRow:
    """One good line: the interval start as written (ISO text), its day when known, the clock
    time, the calls and the row's own AHT in seconds (None: the post's default)."""

    line: int
    label: str
    day: date | None
    start: time
    calls: float
    aht: float | None = None


@dataclass
class ParsedForecast:
    columns: list[str]
    rows: list[ForecastRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})

    def messages(self) -> list[str]:
        return [str(p) for p in sorted(self.problems, key=lambda p: p.line)]


def decode_forecast(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else GB18030, the encoding Excel uses on Chinese Windows."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ForecastFileError("预测文件不是文本文件(应为 UTF-8 或 GBK 编码的 CSV)") from None


def _number(text: str | None, name: str) -> float:
    value = (text or "").strip()
    if not value:
        raise ValueError(f"{name} 为空")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} 不是数字:{value}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} 不是有效的数字:{value}")
    if number < 0:
        raise ValueError(f"{name} 不能为负数:{value}")
    return number


def _start(text: str | None) -> tuple[str, date | None, time]:
    """The interval start as ISO text, its day (a date and time) or None (a time of day), and
    the clock time."""
    value = (text or "").strip()
    if not value:
        raise ValueError("interval_start 为空")
    try:
        clock = time.fromisoformat(value)
    except ValueError:
        pass
    else:
        whole = clock.second == 0 and clock.microsecond == 0
        return clock.isoformat(timespec="minutes" if whole else "auto"), None, clock
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"interval_start 不是时间:{value},应为 09:30 或 2026-12-01T09:30"
        ) from None
    whole = moment.second == 0 and moment.microsecond == 0
    label = moment.isoformat(timespec="minutes" if whole else "auto")
    return label, moment.date(), moment.timetz()


def _day(text: str | None) -> date | None:
    value = (text or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        pass
    parts = value.replace("/", "-").split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise ValueError(f"date 不是日期:{value},应为 2026-12-01")


def parse_forecast_csv(
    source: str | Iterable[str], *, default_day: date | None = None
) -> ParsedForecast:
    """Reads a forecast file (text, or an iterable of lines such as an open file).

    Every field of every line is checked and each problem is reported with its line and field;
    the rows without a problem are returned as well. A row's day comes from its ``date`` column,
    else from an ``interval_start`` that has a date, else `default_day`.

    Raises `ForecastFileError` when the file has no header or lacks a required column.
    """
    lines = source.splitlines(keepends=True) if isinstance(source, str) else source
    reader = csv.DictReader(lines)
    header = reader.fieldnames or []
    columns = [c.strip().lstrip("\ufeff").strip().lower() for c in header]
    if not any(columns):
        raise ForecastFileError("预测文件为空,应有表头 interval_start,calls(可选 date、aht)")
    reader.fieldnames = columns
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ForecastFileError(
            f"预测文件缺少列:{', '.join(missing)}(应有 interval_start,calls,可选 date、aht)"
        )
    parsed = ParsedForecast(columns=columns)
    for row in reader:
        line = reader.line_num
        if None in row:
            parsed.problems.append(RowProblem(line, "", "列数多于表头"))
            continue
        problems: list[RowProblem] = []
        start = _checked(problems, line, "interval_start", _start, row.get("interval_start"))
        calls = _checked(problems, line, "calls", _number, row.get("calls"), "calls")
        own_day = None
        if "date" in columns:
            own_day = _checked(problems, line, "date", _day, row.get("date"))
        aht = None
        if (row.get("aht") or "").strip():
            aht = _checked(problems, line, "aht", _number, row.get("aht"), "aht")
        if start is not None and start[1] is not None and own_day not in (None, start[1]):
            problems.append(
                RowProblem(
                    line,
                    "date",
                    f"date {own_day} 与 interval_start 中的日期 {start[1]} 不一致",
                )
            )
        if problems or start is None or calls is None:
            parsed.problems.extend(problems)
            continue
        label, start_day, clock = start
        parsed.rows.append(
            ForecastRow(
                line=line,
                label=label,
                day=own_day or start_day or default_day,
                start=clock,
                calls=calls,
                aht=aht,
            )
        )
    return parsed


def _checked(
    problems: list[RowProblem], line: int, name: str, parse: Callable[..., T], *args: Any
) -> T | None:
    """parse(*args), or None with the problem noted."""
    try:
        return parse(*args)
    except ValueError as exc:
        problems.append(RowProblem(line, name, str(exc)))
        return None


def check_forecast(
    rows: Sequence[ForecastRow], *, interval_minutes: int, need_day: bool = True
) -> list[RowProblem]:
    """What keeps good rows from being stored as a forecast: no day, a start off the interval
    grid or with a time zone, the same interval twice, a zero or huge AHT, too many calls."""
    problems: list[RowProblem] = []
    seen: dict[tuple[date | None, time], int] = {}
    for row in rows:
        if need_day and row.day is None:
            problems.append(
                RowProblem(row.line, "date", "date 为空:请在文件中加 date 列或在表单中选择日期")
            )
        if row.start.tzinfo is not None:
            problems.append(
                RowProblem(
                    row.line, "interval_start", f"interval_start 请用本地时间,不带时区:{row.label}"
                )
            )
        minutes = row.start.hour * 60 + row.start.minute
        if row.start.second or row.start.microsecond or minutes % interval_minutes:
            problems.append(
                RowProblem(
                    row.line,
                    "interval_start",
                    f"interval_start 不是 {interval_minutes} 分钟时段的起点:{row.label}",
                )
            )
        if row.calls > MAX_CALLS:
            problems.append(RowProblem(row.line, "calls", f"calls 过大:{row.calls:g}"))
        if row.aht is not None and not 0 < row.aht <= MAX_AHT:
            problems.append(
                RowProblem(row.line, "aht", f"aht 必须大于 0 且不超过 {MAX_AHT} 秒:{row.aht:g}")
            )
        key = (row.day, row.start.replace(tzinfo=None))
        if key in seen:
            problems.append(
                RowProblem(
                    row.line, "interval_start", f"时段重复:与第{seen[key]}行相同({row.label})"
                )
            )
        else:
            seen[key] = row.line
    return problems


# --- history ------------------------------------------------------------------------------------


def floor_to_interval(moment: datetime | time, interval_minutes: int) -> time:
    """The start of the interval a moment falls in (09:47 -> 09:30 for 30-minute intervals)."""
    minutes = moment.hour * 60 + moment.minute
    minutes -= minutes % interval_minutes
    return time(minutes // 60, minutes % 60)


def interval_starts(interval_minutes: int) -> list[time]:
    """Every interval start of a day: 00:00, 00:30, ... 23:30 for 30 minutes."""
    if interval_minutes <= 0 or 1440 % interval_minutes:
        raise ValueError(f"时段长度必须能整除一天(1440 分钟):{interval_minutes}")
    return [time(m // 60, m % 60) for m in range(0, 1440, interval_minutes)]


def history_window(today: date, weeks: int) -> tuple[date, date]:
    """The whole weeks before today: [today - 7·weeks, today), so each weekday occurs `weeks`
    times and today's unfinished day is left out."""
    if weeks < 1:
        raise ValueError(f"历史周数至少为 1:{weeks}")
    return today - timedelta(days=7 * weeks), today


def average_by_weekday(
    moments: Iterable[datetime],
    *,
    first_day: date,
    weeks: int,
    interval_minutes: int = 30,
) -> dict[tuple[int, time], float]:
    """Events per (weekday, interval start), averaged over `weeks` whole weeks from `first_day`.

    `moments` are local naive times; those outside the window are ignored. Intervals without
    any event are absent (their average is 0).
    """
    if weeks < 1:
        raise ValueError(f"历史周数至少为 1:{weeks}")
    interval_starts(interval_minutes)  # checks the length
    last_day = first_day + timedelta(days=7 * weeks)
    counts: Counter[tuple[int, time]] = Counter()
    for moment in moments:
        day = moment.date()
        if first_day <= day < last_day:
            counts[(day.weekday(), floor_to_interval(moment, interval_minutes))] += 1
    return {key: n / weeks for key, n in sorted(counts.items())}


def forecast_for_days(
    averages: dict[tuple[int, time], float], days: Iterable[date]
) -> list[tuple[date, time, float]]:
    """(day, interval start, calls) for each day and each interval its weekday has, in order."""
    out: list[tuple[date, time, float]] = []
    for day in sorted(set(days)):
        wd = day.weekday()
        out.extend((day, start, calls) for (w, start), calls in sorted(averages.items()) if w == wd)
    return out
