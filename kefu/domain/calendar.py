"""Working time: statutory holidays, make-up working days (调休) and business hours.

A `WorkCalendar` answers two questions fast: "what instant is `amount` of working time after
`start`?" (`add`) and "how much working time lies between two instants?" (`working_time_between`).

Model. Every calendar defines a set of disjoint working intervals on the time line:
- ``clock``: everything is working time (SLA-1, SLA-2 default);
- ``working_days``: every working day from local midnight to the next midnight (SLA-3 default);
- ``business_hours``: the configured windows of each working day (SLA-11).
A day is a working day unless it is a weekend day, and overrides flip that: a ``holiday`` override
makes a day off, a ``workday`` override (调休) makes a day worked.

Working time is measured in absolute (elapsed) time, so it stays right in zones with daylight
saving time. `add(t, a)` returns the *earliest* instant at which `a` of working time has elapsed
since `t`; that is why a deadline can fall exactly on the end of a window (17:00, or the midnight
ending a Friday) rather than on the start of the next one.

Speed. For the years around the known data the intervals are precomputed as sorted arrays of
aware datetimes with cumulative working time, plus a per-day index into them, so `add` costs one
index lookup and one bisect. When the zone keeps a single UTC offset over that span (Asia/Shanghai
has had no DST since 1991) the arrays hold datetimes in the calendar zone itself, where wall-clock
arithmetic equals elapsed time, and results need no conversion. Outside the span, or for a zone
with DST inside it, the code falls back to slower but exact day-by-day stepping in UTC.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Literal, cast, get_args
from zoneinfo import ZoneInfo

DayKind = Literal["holiday", "workday"]
CalendarMode = Literal["clock", "working_days", "business_hours"]

DAY_KINDS: tuple[str, ...] = get_args(DayKind)
CALENDAR_MODES: tuple[str, ...] = get_args(CalendarMode)

Window = tuple[time, time]

DEFAULT_WINDOWS: dict[int, tuple[Window, ...]] = {
    weekday: ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 0))) for weekday in range(5)
}

_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_WHOLE_DAY: tuple[tuple[timedelta, timedelta], ...] = ((_ZERO, _DAY),)
# Years precomputed around the data: one before it (requests received on 31 December of the year
# before) and a few after it, so the months before next year's notice is entered stay fast.
_SPAN_BEFORE = 1
_SPAN_AFTER = 5
_SPAN_WITHOUT_DATA = (2000, 2040)


@dataclass(frozen=True, slots=True)
class DayOverride:
    """A day whose status differs from its weekday's: a holiday, or a make-up working day."""

    day: date
    kind: DayKind
    name: str  # in Chinese, e.g. "国庆节" or "国庆节调休"

    def __post_init__(self) -> None:
        if isinstance(self.day, datetime) or not isinstance(self.day, date):
            raise TypeError(f"day 必须是 date 类型,而不是 {type(self.day).__name__}")
        if self.kind not in DAY_KINDS:
            raise ValueError(f"类型错误:{self.kind!r},应为 holiday 或 workday")


def _resolve_tz(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


@lru_cache(maxsize=64)
def _fixed_offset(tz: tzinfo, first_year: int, last_year: int) -> timedelta | None:
    """The zone's UTC offset if it is the same throughout the years, else None.

    Sampled once a day: offset changes (DST, zone reforms) last months, never less than a day.
    """
    if isinstance(tz, timezone):
        return tz.utcoffset(None)
    offsets: set[timedelta | None] = set()
    instant = datetime(first_year, 1, 1, tzinfo=UTC) - _DAY
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC) + _DAY
    while instant < end:
        offsets.add(instant.astimezone(tz).utcoffset())
        if len(offsets) > 1:
            return None
        instant += _DAY
    (offset,) = offsets
    return offset


def _normalise_windows(
    windows: Mapping[int, Sequence[Window]],
) -> tuple[tuple[tuple[timedelta, timedelta], ...], ...]:
    """Per weekday (0=Monday) a sorted tuple of (start, end) offsets from local midnight.

    An end of 00:00 means midnight at the end of the day (a ``time`` cannot say 24:00).
    """
    result: list[tuple[tuple[timedelta, timedelta], ...]] = []
    for weekday in range(7):
        spans: list[tuple[timedelta, timedelta]] = []
        for start, end in windows.get(weekday, ()):
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("营业时段不能带时区,时区由日历统一设置")
            begin = timedelta(hours=start.hour, minutes=start.minute, seconds=start.second)
            begin += timedelta(microseconds=start.microsecond)
            finish = timedelta(hours=end.hour, minutes=end.minute, seconds=end.second)
            finish += timedelta(microseconds=end.microsecond)
            if finish == _ZERO:
                finish = _DAY
            if finish <= begin:
                raise ValueError(f"营业时段无效:{start}-{end},结束时间必须晚于开始时间")
            spans.append((begin, finish))
        spans.sort()
        for (_, previous_end), (next_start, _) in zip(spans, spans[1:], strict=False):
            if next_start < previous_end:
                raise ValueError(f"星期{weekday + 1}的营业时段重叠")
        result.append(tuple(spans))
    return tuple(result)


class WorkCalendar:
    """A working calendar: which instants count towards a deadline, and fast arithmetic on them."""

    def __init__(
        self,
        *,
        mode: CalendarMode,
        tz: str | tzinfo = "Asia/Shanghai",
        overrides: Iterable[DayOverride] = (),
        known_years: Iterable[int] = (),
        windows: Mapping[int, Sequence[Window]] | None = None,
        weekend: frozenset[int] = frozenset({5, 6}),
        makeup_weekday: int = 0,
        name: str = "",
        span: tuple[int, int] | None = None,
    ) -> None:
        """Build the calendar and precompute its working intervals.

        ``span`` (first year, last year) overrides the precomputed years; outside them the
        calendar steps day by day. Only tests and tuning need it.
        """
        if mode not in CALENDAR_MODES:
            raise ValueError(f"未知的日历模式:{mode!r},应为 {'、'.join(CALENDAR_MODES)} 之一")
        if not 0 <= makeup_weekday <= 6:
            raise ValueError("makeup_weekday 应为 0(星期一)到 6(星期日)")
        if not set(weekend) <= set(range(7)):
            raise ValueError("weekend 只能包含 0(星期一)到 6(星期日)")
        self._mode: CalendarMode = mode
        self._tz = _resolve_tz(tz)
        self._name = name or mode
        self._weekend = frozenset(weekend)
        self._makeup_weekday = makeup_weekday
        self._known_years = frozenset(known_years)
        by_day: dict[date, DayOverride] = {}
        for override in overrides:
            if override.day in by_day:
                raise ValueError(f"日期重复:{override.day.isoformat()}")
            by_day[override.day] = override
        self._overrides = by_day
        by_year: dict[int, list[DayOverride]] = {}
        for override in sorted(by_day.values(), key=lambda o: o.day):
            by_year.setdefault(override.day.year, []).append(override)
        self._by_year = by_year
        self._windows = _normalise_windows(DEFAULT_WINDOWS if windows is None else windows)
        if mode != "clock" and not self._weekly_has_work():
            # Without working time in an ordinary week, stepping past the data would never end.
            raise ValueError("日历在普通的一周内没有任何工作时间")

        data_years = self._known_years | by_year.keys()
        if span is None:
            span = (
                (min(data_years) - _SPAN_BEFORE, max(data_years) + _SPAN_AFTER)
                if data_years
                else _SPAN_WITHOUT_DATA
            )
        first_year, last_year = span
        if first_year > last_year:
            raise ValueError("span 的起始年份不能晚于结束年份")
        self._span_years = (first_year, last_year)
        self._fixed = _fixed_offset(self._tz, first_year, last_year) is not None
        # The time line the arrays live on: the calendar zone when its offset is fixed (results
        # come out ready to return), UTC otherwise (elapsed time stays right across DST).
        self._wtz: tzinfo = self._tz if self._fixed else UTC
        self._lo = self._local_midnight(date(first_year, 1, 1), self._wtz)
        self._hi = self._local_midnight(date(last_year + 1, 1, 1), self._wtz)
        self._starts: list[datetime] = []
        self._ends: list[datetime] = []
        self._cum: list[timedelta] = [_ZERO]
        self._cum_end: list[timedelta] = []
        self._day_first: list[int] = []
        self._base_ord = self._lo.toordinal()
        if mode != "clock":
            self._precompute()
        self._n = len(self._starts)
        self._total = self._cum[-1]

    # ----------------------------------------------------------------- description

    @property
    def mode(self) -> CalendarMode:
        return self._mode

    @property
    def tz(self) -> tzinfo:
        return self._tz

    @property
    def name(self) -> str:
        return self._name

    @property
    def weekend(self) -> frozenset[int]:
        return self._weekend

    @property
    def makeup_weekday(self) -> int:
        return self._makeup_weekday

    @property
    def known_years(self) -> frozenset[int]:
        return self._known_years

    @property
    def overrides(self) -> tuple[DayOverride, ...]:
        return tuple(o for year in sorted(self._by_year) for o in self._by_year[year])

    @property
    def windows(self) -> dict[int, tuple[Window, ...]]:
        """Business-hours windows per weekday, as given (an end of 00:00 means midnight)."""
        midnight = datetime(2000, 1, 1)
        return {
            weekday: tuple(((midnight + s).time(), (midnight + e).time()) for s, e in spans)
            for weekday, spans in enumerate(self._windows)
            if spans
        }

    def years(self) -> list[int]:
        """Years whose holiday schedule is known (entered or seeded)."""
        return sorted(self._known_years)

    def overrides_for_year(self, year: int) -> list[DayOverride]:
        return list(self._by_year.get(year, ()))

    def __repr__(self) -> str:
        years = self.years()
        known = f"{years[0]}-{years[-1]}" if years else "none"
        return f"<WorkCalendar {self._name!r} mode={self._mode} tz={self._tz} known={known}>"

    # ----------------------------------------------------------------- days

    def is_working_day(self, day: date) -> bool:
        """Weekends are off unless a workday override; other days worked unless a holiday one."""
        if isinstance(day, datetime):
            raise TypeError("is_working_day 需要 date;请先换算成日历时区的本地日期")
        override = self._overrides.get(day)
        if override is not None:
            return override.kind == "workday"
        return day.weekday() not in self._weekend

    def day_info(self, day: date) -> DayOverride | None:
        return self._overrides.get(day)

    def missing_years(self, start: datetime, end: datetime) -> list[int]:
        """Years touched by [start, end] (local dates) without holiday data; [] in clock mode.

        For such years the calendar knows only weekends, so the caller shows a warning.
        """
        if self._mode == "clock":
            return []
        first = _require_aware(start, "start").astimezone(self._tz).year
        last = _require_aware(end, "end").astimezone(self._tz).year
        if last < first:
            first, last = last, first
        known = self._known_years
        return [year for year in range(first, last + 1) if year not in known]

    def is_working_time(self, at: datetime) -> bool:
        """Whether the instant lies inside working time (a window's end is outside it)."""
        if self._mode == "clock":
            return True
        instant = _require_aware(at, "at").astimezone(UTC)
        day = instant.astimezone(self._tz).date()
        return any(start <= instant < end for start, end in self._utc_intervals(day))

    # ----------------------------------------------------------------- arithmetic

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest instant at which ``amount`` of working time has elapsed since ``start``.

        ``start`` must be aware (any zone); the result is in the calendar zone. Counting starts at
        the first working instant at or after ``start`` (00:00 of the next working day in
        working_days mode), and an ``amount`` of zero returns that first working instant.
        """
        return self.add_many(start, (amount,))[0]

    def add_many(self, start: datetime, amounts: Sequence[timedelta]) -> list[datetime]:
        """``[add(start, a) for a in amounts]``, locating ``start`` only once."""
        if start.tzinfo is not self._tz:
            _require_aware(start, "start")
        if self._mode == "clock":
            return self._clock_add_many(start, amounts)
        wtz = self._wtz
        t = start if start.tzinfo is wtz else start.astimezone(wtz)
        if not self._lo <= t < self._hi:
            return [self._slow_add(t, amount) for amount in amounts]
        worked, index = self._position(t)
        total, starts, cum, cum_end = self._total, self._starts, self._cum, self._cum_end
        results: list[datetime] = []
        append = results.append
        for amount in amounts:
            if amount > _ZERO:
                target = worked + amount
                if target <= total:
                    # Every interval before `index` ends before the target: search from it.
                    k = bisect_left(cum_end, target, index)
                    append(starts[k] + (target - cum[k]))
                else:
                    append(self._walk_from_hi(target - total))
            elif amount == _ZERO:
                if index < self._n:
                    append(t if starts[index] <= t else starts[index])
                else:
                    append(self._walk_from_hi(_ZERO))
            else:
                raise ValueError("时长不能为负数")
        if not self._fixed:
            tz = self._tz
            return [result.astimezone(tz) for result in results]
        return results

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside [start, end); zero if end <= start."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        if self._mode == "clock":
            if start.tzinfo is end.tzinfo is self._tz and self._fixed:
                elapsed = end - start  # wall-clock difference is elapsed time in a fixed zone
            else:
                elapsed = end.astimezone(UTC) - start.astimezone(UTC)
            return max(elapsed, _ZERO)
        wtz = self._wtz
        s = start.astimezone(wtz)
        e = end.astimezone(wtz)
        if e <= s:
            return _ZERO
        lo, hi = self._lo, self._hi
        total = _ZERO
        if s < lo:
            total += self._walk_between(s, min(e, lo))
            s = lo
        if s < e and s < hi:
            inner_end = min(e, hi)
            total += self._worked_until(inner_end) - self._position(s)[0]
            s = hi
        if s < e:
            total += self._walk_between(s, e)
        return total

    # ----------------------------------------------------------------- internals: fast path

    def _weekly_has_work(self) -> bool:
        worked = [d for d in range(7) if d not in self._weekend]
        if self._mode == "working_days":
            return bool(worked)
        return any(self._windows[d] for d in worked)

    def _day_spans(self, day: date) -> tuple[tuple[timedelta, timedelta], ...]:
        """The day's working spans as offsets from local midnight; () on a day off."""
        if not self.is_working_day(day):
            return ()
        if self._mode == "working_days":
            return _WHOLE_DAY
        weekday = day.weekday()
        spans = self._windows[weekday]
        if weekday in self._weekend or not spans:
            # A make-up working day (调休) keeps the hours of the configured weekday.
            spans = self._windows[self._makeup_weekday]
        return spans

    def _local_midnight(self, day: date, on: tzinfo) -> datetime:
        midnight = datetime(day.year, day.month, day.day, tzinfo=self._tz)
        return midnight if on is self._tz else midnight.astimezone(on)

    def _precompute(self) -> None:
        tz, fixed = self._tz, self._fixed
        starts, ends = self._starts, self._ends
        day = date(self._span_years[0], 1, 1)
        stop = date(self._span_years[1] + 1, 1, 1)
        while day < stop:
            spans = self._day_spans(day)
            if spans:
                midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
                for offset_start, offset_end in spans:
                    # Wall-clock arithmetic, then (outside fixed zones) the exact UTC instant.
                    begin, finish = midnight + offset_start, midnight + offset_end
                    if not fixed:
                        begin, finish = begin.astimezone(UTC), finish.astimezone(UTC)
                    if finish <= begin:
                        continue
                    if ends and ends[-1] >= begin:  # touching intervals (whole days) merge
                        ends[-1] = max(ends[-1], finish)
                    else:
                        starts.append(begin)
                        ends.append(finish)
            day += _DAY
        cum = self._cum
        for begin, finish in zip(starts, ends, strict=True):
            cum.append(cum[-1] + (finish - begin))
        self._cum_end = cum[1:]
        # Per day of the working time line: the first interval ending after its midnight.
        wtz = self._wtz
        first, last = self._lo.toordinal(), self._hi.toordinal()
        self._day_first = [
            bisect_right(ends, datetime.combine(date.fromordinal(o), time(), tzinfo=wtz))
            for o in range(first, last + 1)
        ]

    def _position(self, t: datetime) -> tuple[timedelta, int]:
        """Working time from the span start to t (t in the span, on the working time line), and
        the index of the interval containing t or, if t is off, of the next interval."""
        index = self._day_first[t.toordinal() - self._base_ord]
        ends, n = self._ends, self._n
        while index < n and ends[index] <= t:
            index += 1
        if index < n and self._starts[index] < t:
            return self._cum[index] + (t - self._starts[index]), index
        return self._cum[index], index

    def _worked_until(self, t: datetime) -> timedelta:
        return self._total if t >= self._hi else self._position(t)[0]

    # ----------------------------------------------------------------- internals: slow path

    def _clock_add_many(self, start: datetime, amounts: Sequence[timedelta]) -> list[datetime]:
        tz = self._tz
        local = start if start.tzinfo is tz else start.astimezone(tz)
        results: list[datetime] = []
        if self._fixed and self._lo <= local:
            # Fixed offset: wall-clock arithmetic is elapsed time, no conversion needed.
            hi = self._hi
            for amount in amounts:
                result = local + amount
                if amount < _ZERO or result >= hi:
                    break
                results.append(result)
            else:
                return results
            results = []
        base = start.astimezone(UTC)
        for amount in amounts:
            if amount < _ZERO:
                raise ValueError("时长不能为负数")
            results.append((base + amount).astimezone(tz))
        return results

    def _utc_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        spans = self._day_spans(day)
        if not spans:
            return []
        midnight = datetime(day.year, day.month, day.day, tzinfo=self._tz)
        result = []
        for offset_start, offset_end in spans:
            begin = (midnight + offset_start).astimezone(UTC)
            finish = (midnight + offset_end).astimezone(UTC)
            if begin < finish:
                result.append((begin, finish))
        return result

    def _intervals_from(self, t: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals (UTC) that end after t, in order, forever."""
        day = t.astimezone(self._tz).date() - _DAY
        while True:
            for begin, finish in self._utc_intervals(day):
                if finish > t:
                    yield begin, finish
            day += _DAY

    def _walk(
        self, t: datetime, amount: timedelta, stop: datetime | None
    ) -> tuple[datetime | None, timedelta]:
        """Step day by day from t. Returns (result, _ZERO), or (None, remaining) if ``stop`` is
        reached first."""
        t = t.astimezone(UTC)
        stop = None if stop is None else stop.astimezone(UTC)
        for begin, finish in self._intervals_from(t):
            if stop is not None and begin >= stop:
                break
            begin = max(begin, t)
            if stop is not None and finish > stop:
                finish = stop
            if amount == _ZERO:
                return begin, _ZERO
            available = finish - begin
            if amount <= available:
                return begin + amount, _ZERO
            amount -= available
        return None, amount

    def _walk_from_hi(self, amount: timedelta) -> datetime:
        result, _ = self._walk(self._hi, amount, None)
        assert result is not None  # an unbounded walk always ends (weekly work is checked)
        return result.astimezone(self._wtz)

    def _slow_add(self, t: datetime, amount: timedelta) -> datetime:
        """add() for a start outside the precomputed span."""
        if amount < _ZERO:
            raise ValueError("时长不能为负数")
        if t >= self._hi:
            result, _ = self._walk(t, amount, None)
        else:
            result, remaining = self._walk(t, amount, self._lo)
            if result is None:
                return self.add_many(self._lo, (remaining,))[0]
        assert result is not None
        return result.astimezone(self._tz)

    def _walk_between(self, start: datetime, end: datetime) -> timedelta:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = _ZERO
        for begin, finish in self._intervals_from(start):
            if begin >= end:
                break
            total += min(finish, end) - max(begin, start)
        return total


def _require_aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} 必须带时区(aware datetime)")
    return value


# --------------------------------------------------------------------- text form


def format_year(calendar: WorkCalendar, year: int) -> str:
    """The `kefu calendar show YEAR` text: one line per override, sorted, trailing newline."""
    lines = [
        f"{o.day.isoformat()} {o.kind} {o.name}".rstrip() for o in calendar.overrides_for_year(year)
    ]
    return "".join(line + "\n" for line in lines)


@dataclass(frozen=True, slots=True)
class ParseError:
    line: int  # 1-based
    text: str
    reason: str  # in Chinese


_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_year_text(text: str) -> tuple[list[DayOverride], list[ParseError]]:
    """Parse `format_year` text (or an admin's typing of a State Council notice).

    Blank lines and lines starting with # are ignored. A bad line is reported and skipped, the
    good ones are kept; a repeated date keeps the first line. A holiday on a weekend and a
    workday on a weekday are accepted: notices list the weekend days inside a holiday period.
    """
    overrides: list[DayOverride] = []
    errors: list[ParseError] = []
    seen: dict[date, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(maxsplit=2)
        if len(fields) < 2:
            errors.append(ParseError(number, raw, "格式错误,应为“YYYY-MM-DD holiday|workday 名称”"))
            continue
        day_text, kind = fields[0], fields[1]
        name = fields[2].strip() if len(fields) > 2 else ""
        if not _DATE_SHAPE.fullmatch(day_text):
            errors.append(ParseError(number, raw, "日期格式错误,应为 YYYY-MM-DD"))
            continue
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            errors.append(ParseError(number, raw, f"日期不存在:{day_text}"))
            continue
        if kind not in DAY_KINDS:
            errors.append(
                ParseError(number, raw, f"类型错误:{kind},应为 holiday(休息)或 workday(调休上班)")
            )
            continue
        if day in seen:
            errors.append(ParseError(number, raw, f"日期重复,第 {seen[day]} 行已有 {day_text}"))
            continue
        seen[day] = number
        overrides.append(DayOverride(day=day, kind=cast(DayKind, kind), name=name))
    return overrides, errors
