"""The roster CSV (issue 5): read, write, and the rows of a solved roster.

Columns, in this order when written: ``date,employee_no,name,post,start,end,break_start,
break_end,hours``; one row per shift. UTF-8, with or without a BOM. ``date`` is ``YYYY-MM-DD``,
times are ``HH:MM`` (``H:MM`` is read too); ``end <= start`` means the shift ends the next day.
A shift may have several unpaid breaks: ``break_start`` and ``break_end`` then hold one time per
break, in order, separated by ``/`` (the mall's two meals: ``11:30/17:00`` and ``12:30/18:00``);
both empty means no break. A break time before the shift's start falls on the next day (a night
shift's meal). ``hours`` is the hours the shift counts (decimal, may be empty).

Parsing never stops at a bad row: each problem names the line and the field, in Chinese
(``第5行 start:不是时间:9点``), and the good rows are kept, so a command can list every problem
and save nothing. A file that cannot be read as a roster at all (missing, not UTF-8, empty,
columns missing) raises ``RosterFileError``. The rules themselves are checked by
``roster_check.check_roster``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kefu.domain.breaks import DEFAULT_LUNCH, DEFAULT_SUPPER, plan_breaks
from kefu.domain.roster import Roster, ShiftPattern, Staff, hm
from kefu.domain.roster_intervals import IntervalShift, as_interval_shift

COLUMNS = (
    "date",
    "employee_no",
    "name",
    "post",
    "start",
    "end",
    "break_start",
    "break_end",
    "hours",
)
BREAK_SEPARATOR = "/"

_Bad = Callable[[str, str], None]  # bad(field, message): records a problem of the row

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def _next_after(anchor: datetime, t: time) -> datetime:
    """The first moment at clock time ``t`` not before ``anchor``."""
    moment = datetime.combine(anchor.date(), t)
    return moment if moment >= anchor else moment + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One shift of one person. ``line`` is the row's line in the file it was read from (0 when
    it was not read from a file); it does not take part in comparisons."""

    day: date
    employee_no: str
    name: str
    post: str
    start: time
    end: time
    breaks: tuple[tuple[time, time], ...] = ()
    hours: float | None = None
    line: int = field(default=0, compare=False)

    def span(self) -> tuple[datetime, datetime]:
        """Clock start and end (the next day when ``end <= start``)."""
        start = datetime.combine(self.day, self.start)
        end = datetime.combine(self.day, self.end)
        if end <= start:
            end += timedelta(days=1)
        return start, end

    def break_spans(self) -> list[tuple[datetime, datetime]]:
        """Clock spans of the breaks; a break time before the start falls on the next day."""
        start, _ = self.span()
        spans: list[tuple[datetime, datetime]] = []
        for b_start, b_end in self.breaks:
            begin = _next_after(start, b_start)
            spans.append((begin, _next_after(begin + timedelta(minutes=1), b_end)))
        return spans

    @property
    def worked_hours(self) -> float:
        """Span less the breaks that lie inside it."""
        start, end = self.span()
        worked = end - start
        for b_start, b_end in self.break_spans():
            overlap = min(b_end, end) - max(b_start, start)
            if overlap > timedelta(0):
                worked -= overlap
        return worked.total_seconds() / 3600

    def at_work(self, moment: datetime) -> bool:
        """On shift at ``moment`` and not on a break."""
        start, end = self.span()
        if not start <= moment < end:
            return False
        return not any(b <= moment < e for b, e in self.break_spans())

    def as_csv(self) -> dict[str, str]:
        return {
            "date": self.day.isoformat(),
            "employee_no": self.employee_no,
            "name": self.name,
            "post": self.post,
            "start": hm(self.start),
            "end": hm(self.end),
            "break_start": BREAK_SEPARATOR.join(hm(b) for b, _ in self.breaks),
            "break_end": BREAK_SEPARATOR.join(hm(e) for _, e in self.breaks),
            "hours": "" if self.hours is None else _number(self.hours),
        }


def _number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A bad row: its line, the field at fault (None: the row as a whole) and why, in Chinese."""

    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"第{self.line}行"
        return f"{where} {self.field}:{self.message}" if self.field else f"{where}:{self.message}"


@dataclass(slots=True)
class ParsedRoster:
    rows: list[RosterRow]
    problems: list[RowProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


class RosterFileError(ValueError):
    """The file cannot be read as a roster at all (Chinese message)."""


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_roster(path: str | Path) -> ParsedRoster:
    """Read a roster CSV file (UTF-8, optional BOM)."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise RosterFileError(f"找不到文件:{file}") from None
    except OSError as exc:
        raise RosterFileError(f"无法读取文件 {file}:{exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFileError(
            f"文件 {file} 不是 UTF-8 编码(第 {exc.start + 1} 个字节),请另存为 UTF-8"
        ) from None
    return parse_roster(text)


def parse_roster(text: str) -> ParsedRoster:
    """Parse roster CSV text; bad rows are reported per line and field and left out."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[RosterRow] = []
    problems: list[RowProblem] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                missing = [c for c in COLUMNS if c not in header]
                if missing:
                    raise RosterFileError(
                        f"第{line}行表头缺少列:{'、'.join(missing)}(应为 {','.join(COLUMNS)})"
                    )
                continue
            row, found = _parse_row(header, cells, line)
            problems += found
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        problems.append(RowProblem(reader.line_num, None, f"CSV 格式错误:{exc}"))
    if header is None:
        raise RosterFileError("文件为空,没有表头")
    return ParsedRoster(rows, problems)


def _parse_row(
    header: list[str], cells: list[str], line: int
) -> tuple[RosterRow | None, list[RowProblem]]:
    problems: list[RowProblem] = []
    if len(cells) > len(header):
        extra = len(cells) - len(header)
        problems.append(RowProblem(line, None, f"比表头多出 {extra} 个单元格"))
        return None, problems
    values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}

    def bad(name: str, message: str) -> None:
        problems.append(RowProblem(line, name, message))

    def required(name: str) -> str | None:
        value = values.get(name, "")
        if not value:
            bad(name, "不能为空")
            return None
        return value

    day = _parse_date(required("date"), bad)
    employee_no = required("employee_no")
    name = required("name")
    post = required("post")
    start = _parse_time(required("start"), "start", bad)
    end = _parse_time(required("end"), "end", bad)
    if start is not None and end is not None and start == end:
        bad("end", f"与 start 相同,班次时长为 0:{hm(end)}")
    breaks = _parse_breaks(values.get("break_start", ""), values.get("break_end", ""), bad)
    hours = _parse_hours(values.get("hours", ""), bad)
    if (
        problems
        or day is None
        or employee_no is None
        or name is None
        or post is None
        or start is None
        or end is None
        or breaks is None
    ):
        return None, problems
    row = RosterRow(day, employee_no, name, post, start, end, breaks, hours, line=line)
    return row, problems


def _parse_date(value: str | None, bad: _Bad) -> date | None:
    if value is None:
        return None
    if _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    bad("date", f"不是日期(应为 YYYY-MM-DD):{value}")
    return None


def _time_of(value: str) -> time | None:
    match = _TIME.fullmatch(value)
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _parse_time(value: str | None, name: str, bad: _Bad) -> time | None:
    if value is None:
        return None
    parsed = _time_of(value)
    if parsed is None:
        bad(name, f"不是时间:{value}")
    return parsed


def _parse_breaks(
    starts_text: str, ends_text: str, bad: _Bad
) -> tuple[tuple[time, time], ...] | None:
    starts = [part.strip() for part in starts_text.split(BREAK_SEPARATOR)] if starts_text else []
    ends = [part.strip() for part in ends_text.split(BREAK_SEPARATOR)] if ends_text else []
    ok = True
    parsed: dict[str, list[time]] = {}
    for name, parts in (("break_start", starts), ("break_end", ends)):
        parsed[name] = []
        for part in parts:
            t = _time_of(part)
            if t is None:
                bad(
                    name,
                    f"不是时间:{part}"
                    if part
                    else f"多个时间之间用「{BREAK_SEPARATOR}」分隔,不能有空项",
                )
                ok = False
            else:
                parsed[name].append(t)
    if not ok:
        return None
    if len(starts) != len(ends):
        bad("break_end", f"休息开始有 {len(starts)} 个时间,结束有 {len(ends)} 个,应一一对应")
        return None
    pairs = tuple(zip(parsed["break_start"], parsed["break_end"], strict=True))
    for b_start, b_end in pairs:
        if b_start == b_end:
            bad("break_end", f"休息 {hm(b_start)}-{hm(b_end)} 时长为 0")
            return None
    return pairs


def _parse_hours(value: str, bad: _Bad) -> float | None:
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        bad("hours", f"不是数字:{value}")
        return None
    if number < 0:
        bad("hours", f"不能为负数:{value}")
        return None
    if number > 24:
        bad("hours", f"一个班次不能超过 24 小时:{value}")
        return None
    return float(number)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def format_roster(rows: Sequence[RosterRow]) -> str:
    """The CSV text of ``rows`` with the header (``\\n`` line ends, no BOM)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.as_csv())
    return out.getvalue()


def write_roster(path: str | Path, rows: Sequence[RosterRow], *, bom: bool = False) -> None:
    """Write ``rows`` to ``path`` as UTF-8 (with a BOM when ``bom``, for Excel)."""
    Path(path).write_text(("\ufeff" if bom else "") + format_roster(rows), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# A solved roster as rows
# --------------------------------------------------------------------------------------------


def plan_roster_breaks(
    roster: Roster,
    *,
    patterns: Sequence[ShiftPattern | IntervalShift],
    lunch: tuple[time, time] = DEFAULT_LUNCH,
    supper: tuple[time, time] = DEFAULT_SUPPER,
    length: timedelta = timedelta(hours=1),
    min_present: int = 1,
) -> dict[date, dict[str, tuple[time, time]]]:
    """Meal breaks for every day of ``roster`` (MALL-1): ``plan_breaks`` per day with the
    people of each post on duty, in staff-id order. ``{day: {staff id: (lunch, supper)}}``;
    raises ``ValueError`` (Chinese, naming the day) when a centre cannot rotate its breaks."""
    post_of = {p.code: p.post for p in map(as_interval_shift, patterns)}
    on_duty: dict[date, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for a in roster.assignments:
        on_duty[a.day][post_of[a.shift]].append(a.staff_id)
    plans: dict[date, dict[str, tuple[time, time]]] = {}
    for d in sorted(on_duty):
        centres = {post: sorted(people) for post, people in sorted(on_duty[d].items())}
        try:
            plans[d] = plan_breaks(
                centres, lunch=lunch, supper=supper, length=length, min_present=min_present
            )
        except ValueError as exc:
            raise ValueError(f"{d.isoformat()}:{exc}") from None
    return plans


def roster_rows(
    roster: Roster,
    *,
    staff: Sequence[Staff],
    patterns: Sequence[ShiftPattern | IntervalShift],
    break_plan: Mapping[date, Mapping[str, Sequence[time]]] | None = None,
    break_length: timedelta = timedelta(hours=1),
) -> list[RosterRow]:
    """One row per assignment, sorted by date, post, start and employee number. Breaks come
    from ``break_plan`` (``{day: {staff id: break starts}}``, each ``break_length`` long, e.g.
    from ``plan_roster_breaks``) or else from the shift's own breaks (``IntervalShift``);
    ``hours`` is the shift's counted hours."""
    by_id = {s.id: s for s in staff}
    by_code = {p.code: p for p in map(as_interval_shift, patterns)}
    rows: list[RosterRow] = []
    for a in roster.assignments:
        shift = by_code[a.shift]
        person = by_id[a.staff_id]
        starts = (break_plan or {}).get(a.day, {}).get(a.staff_id)
        if starts is not None:
            breaks = tuple((b, (datetime.combine(a.day, b) + break_length).time()) for b in starts)
        else:
            breaks = shift.breaks
        rows.append(
            RosterRow(
                day=a.day,
                employee_no=person.id,
                name=person.name,
                post=shift.post,
                start=shift.pattern.start,
                end=shift.pattern.end,
                breaks=breaks,
                hours=shift.pattern.counted_hours,
            )
        )
    rows.sort(key=lambda r: (r.day, r.post, r.start, r.employee_no))
    return rows
