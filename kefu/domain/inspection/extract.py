"""What agents and customers say that the checks need as values: numbers, times, promised delays."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from kefu.domain.calendar import WorkCalendar
from kefu.domain.inspection.normalize import DROPPED_MARK

# Chinese numerals said digit by digit ("幺三八…"), and the digits they stand for.
_SPOKEN_DIGITS = "零〇一二三四五六七八九幺两"
_CN_DIGITS = str.maketrans(_SPOKEN_DIGITS, "0012345678912")
_CN_VALUES = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

# A digit run in the normalised text (spaces and dashes are already gone).
_DIGIT_RUN = re.compile(r"\d+")


def digits_view(norm: str) -> str:
    """Chinese numerals spelled digit by digit ("幺三八…") as digits, for number read-back."""
    return norm.translate(_CN_DIGITS)


_NUMBER_RUNS: dict[int, re.Pattern[str]] = {}


def _number_run(min_digits: int) -> re.Pattern[str]:
    pattern = _NUMBER_RUNS.get(min_digits)
    if pattern is None:
        pattern = _NUMBER_RUNS[min_digits] = re.compile(rf"[0-9{_SPOKEN_DIGITS}]{{{min_digits},}}")
    return pattern


# One byte per code point of the basic plane, where every digit is (64 KiB: it stays in the cache):
# 1 for a digit or the mark of a character normalisation drops (see `may_hold_long_number`), 0
# for anything else; code points beyond the basic plane clip to U+FFFF, which is not a digit.
_DIGIT_TABLE = np.zeros(0x10000, dtype=np.uint8)
_DIGIT_TABLE[[ord(ch) for ch in "0123456789" + _SPOKEN_DIGITS]] = 1
_DIGIT_TABLE[ord(DROPPED_MARK)] = 1


def may_hold_long_number(codes: npt.NDArray[np.uint32], min_digits: int) -> bool:
    """False when a text surely holds no number of ``min_digits`` digits or more (see
    `long_numbers`); given as `Normalised.folded` (or as the code points of the normalised text).

    A whole conversation is checked at once, vectorised: a regex over every turn costs more than
    everything else the read-back check does, and most conversations have no long number. It
    looks for a run of digits and of the characters normalisation drops (a number may be written
    "138 1234 5678"), so a run of punctuation can make it say True: the exact search follows.
    """
    if len(codes) < min_digits:
        return False
    digits = _DIGIT_TABLE.take(codes, mode="clip").tobytes()  # a byte per character
    return digits.find(b"\x01" * min_digits) >= 0


def long_numbers(norm: str, min_digits: int) -> list[tuple[int, int, str]]:
    """Numbers of at least ``min_digits`` digits, arabic or spelled digit by digit: (start, end, digits)."""
    return [
        (m.start(), m.end(), m.group().translate(_CN_DIGITS))
        for m in _number_run(min_digits).finditer(norm)
    ]


def chinese_number(text: str) -> float | None:
    """'24' -> 24, '二十四' -> 24, '两' -> 2, '半' -> 0.5, '一个半' handled by caller; None if not a number."""
    if not text:
        return None
    if text.replace(".", "", 1).isdigit():
        return float(text)
    if text == "半":
        return 0.5
    total = 0
    current = 0
    seen = False
    for ch in text:
        if ch in _CN_VALUES:
            current = _CN_VALUES[ch]
            seen = True
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
            seen = True
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
            seen = True
        else:
            return None
    return float(total + current) if seen else None


_NUM = r"\d+(?:\.\d+)?|[零一二两三四五六七八九十百]+|xx"
_AMOUNT = re.compile(
    rf"(?P<n>{_NUM})(?P<half>个半)?个?(?P<unit>小时|钟头|分钟|个工作日|工作日|天|日)(?:之内|以内|内)?"
)
_SOON = re.compile(r"稍后|马上|立即|立刻|随后")
_HALF_HOUR = re.compile(r"半个?小时")
_DAY_WORD = re.compile(
    rf"(?P<day>今天|今晚|明天|后天)(?P<part>上午|中午|下午|晚上)?(?:(?P<h>{_NUM})点(?P<m>半|\d+分?)?)?"
)
_CLOCK = re.compile(
    r"(?P<part>上午|中午|下午|晚上)?(?P<h>\d{1,2}|[一二两三四五六七八九十]+)[点:时](?P<m>半|\d{1,2}分?)?"
)
_DATE = re.compile(
    r"(?P<mon>\d{1,2}|[一二三四五六七八九十]+)月(?P<day>\d{1,2}|[一二三四五六七八九十]+)[日号]"
)


@dataclass(frozen=True, slots=True)
class Delay:
    start: int
    end: int
    hours: float | None  # None for an unspecified "XX小时" placeholder
    working_days: float | None = None
    absolute: datetime | None = None
    soon: bool = False  # "稍后", "马上": a time is stated, but not one to keep as a commitment


# The three, leftmost first and in this order where they start together: one search a turn.
_DELAY = re.compile(
    f"(?P<amount>{_AMOUNT.pattern})|(?P<half_hour>{_HALF_HOUR.pattern})"
    f"|(?P<day_word>{_DAY_WORD.pattern})"
)


def find_delay(norm: str) -> Delay | None:
    """The first stated delay or time ("24小时内", "两个工作日", "明天下午三点") in a turn."""
    match = _DELAY.search(norm)
    if match is None:
        soon = _SOON.search(norm)
        return Delay(soon.start(), soon.end(), hours=None, soon=True) if soon else None
    if match.group("half_hour") is not None:
        return Delay(match.start(), match.end(), hours=0.5)
    if match.group("day_word") is not None:
        return Delay(match.start(), match.end(), hours=None)
    number = match.group("n")
    if number == "xx":
        return Delay(match.start(), match.end(), hours=None)
    value = chinese_number(number)
    if value is None:
        return None
    if match.group("half"):
        value += 0.5
    unit = match.group("unit")
    if unit in ("小时", "钟头"):
        return Delay(match.start(), match.end(), hours=value)
    if unit == "分钟":
        return Delay(match.start(), match.end(), hours=value / 60)
    if unit in ("个工作日", "工作日"):
        return Delay(match.start(), match.end(), hours=None, working_days=value)
    return Delay(match.start(), match.end(), hours=value * 24)


def due_time(
    delay: Delay, said_at: datetime | None, norm: str, calendar: WorkCalendar
) -> tuple[datetime | None, float | None]:
    """When a promise falls due, and the promised hours (SLA-6)."""
    if said_at is None:
        return None, delay.hours
    if delay.working_days is not None:
        return calendar.add(said_at, timedelta(days=delay.working_days)), None
    if delay.hours is not None:
        return said_at + timedelta(hours=delay.hours), delay.hours
    day = _DAY_WORD.search(norm)
    if day is None:
        return None, None
    local = said_at.astimezone(calendar.tz)
    offset = {"今天": 0, "今晚": 0, "明天": 1, "后天": 2}[day.group("day")]
    target = local.date() + timedelta(days=offset)
    hour = chinese_number(day.group("h")) if day.group("h") else None
    if hour is None:
        end = datetime.combine(
            target, datetime.max.time().replace(microsecond=0), tzinfo=calendar.tz
        )
        return end, None
    part = day.group("part") or ("晚上" if day.group("day") == "今晚" else None)
    h = int(hour)
    if part in ("下午", "晚上") and h < 12:
        h += 12
    minute = 30 if day.group("m") == "半" else int(re.sub(r"\D", "", day.group("m") or "") or 0)
    return datetime(
        target.year, target.month, target.day, min(h, 23), min(minute, 59), tzinfo=calendar.tz
    ), None


def time_tokens(norm: str) -> list[tuple[int, int, str]]:
    """Clock times and dates a customer gives, as canonical tokens ("15:30", "10-1")."""
    tokens: list[tuple[int, int, str]] = []
    for m in _CLOCK.finditer(norm):
        hour = chinese_number(m.group("h"))
        if hour is None or hour > 24:
            continue
        h = int(hour)
        if m.group("part") in ("下午", "晚上") and h < 12:
            h += 12
        minute_text = m.group("m") or ""
        minute = 30 if minute_text == "半" else int(re.sub(r"\D", "", minute_text) or 0)
        tokens.append((m.start(), m.end(), f"{h % 24}:{minute:02d}"))
    for m in _DATE.finditer(norm):
        month = chinese_number(m.group("mon"))
        dom = chinese_number(m.group("day"))
        if month is None or dom is None:
            continue
        tokens.append((m.start(), m.end(), f"{int(month)}-{int(dom)}"))
    return tokens


def time_token_set(norm: str) -> set[str]:
    found = {token for _, _, token in time_tokens(norm)}
    # "下午三点" read back as "三点" is still a read-back: accept the 12-hour form too.
    found |= {f"{int(t.split(':')[0]) % 12}:{t.split(':')[1]}" for t in found if ":" in t}
    return found
