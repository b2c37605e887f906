"""Conversations to inspect (`kefu.conversation/1`, CONTRACTS.md 1): the model and its parsers.

A conversation is a call, a chat, an email thread or a counter conversation: who spoke, what was
said (segments, in spoken or written order) and, for calls, the switch events (ring, answer, hold,
mute, transfer, hangup) with times in milliseconds from ``started_at``.

Parsers turn JSON (one object, an array or JSON Lines), SRT/WebVTT with speaker tags and CSV into
`Conversation` objects. A malformed conversation never stops a batch: it becomes a `ParseProblem`
naming the source, where (line or index), the field and the reason, and the others are returned.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path, PurePath
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

Speaker = Literal["agent", "customer", "system"]
Channel = Literal["phone", "chat", "email", "walk_in"]
Line = Literal["normal", "vip", "secretary"]
Direction = Literal["inbound", "outbound"]
EventType = Literal[
    "ring",
    "answer",
    "hold_start",
    "hold_end",
    "mute_start",
    "mute_end",
    "transfer",
    "hangup",
]

SPEAKERS: tuple[str, ...] = get_args(Speaker)
CHANNELS: tuple[str, ...] = get_args(Channel)
LINES: tuple[str, ...] = get_args(Line)
DIRECTIONS: tuple[str, ...] = get_args(Direction)
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
CUSTOMER_CLASSES: tuple[str, ...] = ("normal", "vip")
HANGUP_BY: tuple[str, ...] = ("agent", "customer")


@dataclass(frozen=True, slots=True)
class Segment:
    speaker: Speaker
    text: str
    start_ms: int | None = None
    end_ms: int | None = None
    at: datetime | None = None  # chat: the time the message was sent


@dataclass(frozen=True, slots=True)
class CallEvent:
    type: EventType
    at_ms: int
    by: str | None = None  # hangup: agent | customer
    to: str | None = None  # transfer: where to


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    channel: Channel
    segments: tuple[Segment, ...]
    line: Line = "normal"
    # Extension of kefu.conversation/1 (optional, default inbound): outbound calls have their
    # own opening (SCRIPT-2 "您好,请问是XX先生/小姐吗?…").
    direction: Direction = "inbound"
    started_at: datetime | None = None  # aware; the local wall-clock time decides greetings
    agent: dict[str, Any] = field(default_factory=dict)  # id, employee_no, name
    customer: dict[str, Any] = field(default_factory=dict)  # id, phone, class
    events: tuple[CallEvent, ...] = ()

    @property
    def customer_class(self) -> str:
        value = self.customer.get("class") if self.customer else None
        return value if value in CUSTOMER_CLASSES else "normal"

    @property
    def is_vip(self) -> bool:
        return self.line == "vip" or self.customer_class == "vip"


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Why one conversation (or a whole file) was rejected; every part is shown to the user."""

    source: str  # file name or "<upload>"
    where: str  # "第3行", "第2个对话", "segments[4]" …
    field: str  # the field at fault, "" for the file as a whole
    reason: str  # in Chinese

    def __str__(self) -> str:
        parts = [self.source, self.where, self.field]
        return ":".join(p for p in parts if p) + f":{self.reason}"


# =========================================================================== parsing

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
FORMATS: tuple[str, ...] = ("json", "jsonl", "srt", "vtt", "csv")
EXTENSIONS: dict[str, str] = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".srt": "srt",
    ".vtt": "vtt",
    ".csv": "csv",
}
SIDECAR_SUFFIX = ".meta.json"
SIDECAR_FORMATS: frozenset[str] = frozenset({"srt", "vtt", "csv"})
CSV_COLUMNS: tuple[str, ...] = ("conversation_id", "speaker", "text", "start_ms", "end_ms")
CSV_REQUIRED: tuple[str, ...] = ("conversation_id", "speaker", "text")

# Speaker names as they appear in transcripts and exports, lower-cased, mapped to SPEAKERS.
SPEAKER_ALIASES: dict[str, str] = {
    "agent": "agent",
    "客服": "agent",
    "坐席": "agent",
    "话务员": "agent",
    "客户代表": "agent",
    "customer": "customer",
    "客户": "customer",
    "顾客": "customer",
    "用户": "customer",
    "来电人": "customer",
    "system": "system",
    "系统": "system",
    "ivr": "system",
}

# Reasons shown to the user (Chinese; CONTRACTS.md 1: "reported and skipped").
MISSING = "缺少必填字段"
NOT_OBJECT = "应为JSON对象"
NOT_LIST = "应为数组"
NOT_STRING = "应为字符串"
NOT_ID = "应为非空字符串"
NOT_MS = "应为不小于0的整数毫秒"
NOT_TIME = "不是有效的ISO 8601时间"
END_BEFORE_START = "结束时间早于开始时间"
NO_SEGMENTS = "至少需要一段对话"
EMPTY_FILE = "文件为空"
NO_CONVERSATIONS = "文件中没有对话"
LOOKS_GBK = "文件不是UTF-8编码,看起来是GBK/GB18030,请另存为UTF-8"
UNKNOWN_ENCODING = "文件不是UTF-8编码,无法识别其编码,请另存为UTF-8"
LOOKS_UTF16 = "文件看起来是没有BOM的UTF-16编码,请另存为UTF-8"
BINARY = "不是文本文件(看起来是二进制文件),请提供JSON、JSON Lines、SRT、WebVTT或CSV文本"
NOT_FOUND = "文件或文件夹不存在"
NO_INPUT_FILES = "文件夹中没有可识别的对话文件(.json .jsonl .ndjson .srt .vtt .csv)"
UNKNOWN_FORMAT = "无法识别文件格式,应为JSON、JSON Lines、SRT、WebVTT或CSV"
NO_CUES = "文件中没有字幕"
TIMING_EXAMPLE = "(应为 00:00:01,000 --> 00:00:04,000 这样的一行)"
CUE_NO_TIMING = "缺少时间轴" + TIMING_EXAMPLE
CUE_BAD_TIMING = "的时间轴格式不对" + TIMING_EXAMPLE
CUE_NO_TEXT = "没有文字"
CUE_NO_TAG = "应以说话人标记开头,如“客服:”或“客户:”"


def _one_of(values: Sequence[str]) -> str:
    return "应为 " + "、".join(values[:-1]) + " 或 " + values[-1]


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 30 else text[:29] + "…"


def _bad_value(values: Sequence[str], value: Any) -> str:
    return f"{_one_of(values)}(实际为“{_shown(value)}”)"


@dataclass(slots=True)
class ParseResult:
    conversations: list[Conversation] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was rejected."""
        return not self.problems


class _Problems:
    """Collects the problems of one conversation (or one file)."""

    def __init__(self, source: str, where: str) -> None:
        self.source = source
        self.where = where
        self.items: list[ParseProblem] = []

    def add(self, field_: str, reason: str, *, where: str | None = None) -> None:
        self.items.append(
            ParseProblem(self.source, self.where if where is None else where, field_, reason)
        )


# --------------------------------------------------------------------------- values


def normalize_speaker(value: Any) -> str | None:
    """ "客服", "Agent", " IVR " … to a member of SPEAKERS; None if it is not a known speaker."""
    if not isinstance(value, str):
        return None
    return SPEAKER_ALIASES.get(value.strip().lower())


def parse_datetime(value: Any, *, tz: tzinfo = DEFAULT_TZ) -> datetime | None:
    """An ISO 8601 string (or a datetime) to an aware datetime; naive times are in ``tz``.

    None if the value is not a valid time.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def _as_ms(value: Any) -> int | None:
    """A non-negative whole number of milliseconds (6000 or 6000.0); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


def _enum(
    obj: Mapping[str, Any],
    key: str,
    values: Sequence[str],
    default: str | None,
    problems: _Problems,
    path: str,
) -> str | None:
    value = obj.get(key)
    if value is None:
        if default is None:
            problems.add(path, MISSING)
        return default
    if isinstance(value, str) and value.strip().lower() in values:
        return value.strip().lower()
    problems.add(path, _bad_value(values, value))
    return None


def _party(value: Any, path: str, problems: _Problems) -> dict[str, Any]:
    """The agent or customer object: kept as given, numeric ids turned into strings."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(path, NOT_OBJECT)
        return {}
    out = {k: v for k, v in value.items() if v is not None}
    for key in ("id", "employee_no", "phone"):
        if isinstance(out.get(key), int) and not isinstance(out.get(key), bool):
            out[key] = str(out[key])
    if "class" in out:
        cls = out["class"]
        if isinstance(cls, str) and cls.strip().lower() in CUSTOMER_CLASSES:
            out["class"] = cls.strip().lower()
        else:
            problems.add(f"{path}.class", _bad_value(CUSTOMER_CLASSES, cls))
    return out


def _event(value: Any, path: str, problems: _Problems) -> CallEvent | None:
    if not isinstance(value, Mapping):
        problems.add(path, NOT_OBJECT)
        return None
    before = len(problems.items)
    type_ = _enum(value, "type", EVENT_TYPES, None, problems, f"{path}.type")
    at_ms = None
    if value.get("at_ms") is None:
        problems.add(f"{path}.at_ms", MISSING)
    else:
        at_ms = _as_ms(value["at_ms"])
        if at_ms is None:
            problems.add(f"{path}.at_ms", NOT_MS)
    by = to = None
    if type_ == "hangup" and value.get("by") is not None:
        by = _enum(value, "by", HANGUP_BY, None, problems, f"{path}.by")
    if type_ == "transfer" and value.get("to") is not None:
        if isinstance(value["to"], str):
            to = value["to"]
        else:
            problems.add(f"{path}.to", NOT_STRING)
    if len(problems.items) > before or type_ is None or at_ms is None:
        return None
    return CallEvent(type=type_, at_ms=at_ms, by=by, to=to)  # type: ignore[arg-type]


def _segment(value: Any, path: str, problems: _Problems) -> Segment | None:
    if not isinstance(value, Mapping):
        problems.add(path, NOT_OBJECT)
        return None
    before = len(problems.items)
    speaker = None
    raw_speaker = value.get("speaker")
    if raw_speaker is None:
        problems.add(f"{path}.speaker", MISSING)
    else:
        speaker = normalize_speaker(raw_speaker)
        if speaker is None:
            problems.add(f"{path}.speaker", _bad_value(SPEAKERS, raw_speaker))
    text = value.get("text")
    if text is None:
        problems.add(f"{path}.text", MISSING)
    elif not isinstance(text, str):
        problems.add(f"{path}.text", NOT_STRING)
    times: dict[str, int | None] = {}
    for key in ("start_ms", "end_ms"):
        times[key] = None
        if value.get(key) is not None:
            times[key] = _as_ms(value[key])
            if times[key] is None:
                problems.add(f"{path}.{key}", NOT_MS)
    start_ms, end_ms = times["start_ms"], times["end_ms"]
    if start_ms is not None and end_ms is not None and end_ms < start_ms:
        problems.add(f"{path}.end_ms", END_BEFORE_START)
    at = None
    if value.get("at") is not None:
        at = parse_datetime(value["at"])
        if at is None:
            problems.add(f"{path}.at", NOT_TIME)
    if len(problems.items) > before or speaker is None or not isinstance(text, str):
        return None
    return Segment(speaker=speaker, text=text, start_ms=start_ms, end_ms=end_ms, at=at)  # type: ignore[arg-type]


def _meta_for(defaults: Mapping[str, Any] | None, conversation_id: Any) -> dict[str, Any]:
    """The defaults that apply to one conversation.

    ``defaults`` holds fields for every conversation and, optionally, ``"conversations"``:
    ``{"<id>": {...}}`` with fields for one conversation (these win).
    """
    if not defaults:
        return {}
    out = {k: v for k, v in defaults.items() if k != "conversations"}
    per_id = defaults.get("conversations")
    if isinstance(per_id, Mapping) and conversation_id is not None:
        own = per_id.get(str(conversation_id))
        if isinstance(own, Mapping):
            out.update(own)
    return out


def parse_object(
    obj: Any,
    *,
    source: str,
    where: str,
    defaults: Mapping[str, Any] | None = None,
) -> tuple[Conversation | None, list[ParseProblem]]:
    """One `kefu.conversation/1` object (a parsed JSON value) to a Conversation.

    ``defaults`` fill top-level fields the object lacks (or gives as null): metadata from
    command-line options or a sidecar. All problems of the object are reported; the
    conversation is returned only if there are none. Unknown fields are ignored.
    """
    problems = _Problems(source, where)
    if not isinstance(obj, Mapping):
        kind = "数组" if isinstance(obj, list) else "JSON对象以外的值"
        problems.add("", f"{NOT_OBJECT}(一个对话),实际是{kind}")
        return None, problems.items
    own_id = obj.get("id")
    merged = _meta_for(defaults, own_id if own_id is not None else (defaults or {}).get("id"))
    merged.update({k: v for k, v in obj.items() if v is not None})

    raw_id = merged.get("id")
    conv_id = ""
    if raw_id is None:
        problems.add("id", MISSING)
    elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
        conv_id = str(raw_id)
    elif isinstance(raw_id, str) and raw_id.strip():
        conv_id = raw_id.strip()
    else:
        problems.add("id", NOT_ID)

    channel = _enum(merged, "channel", CHANNELS, "phone", problems, "channel")
    line = _enum(merged, "line", LINES, "normal", problems, "line")
    direction = _enum(merged, "direction", DIRECTIONS, "inbound", problems, "direction")

    started_at = None
    if merged.get("started_at") is not None:
        started_at = parse_datetime(merged["started_at"])
        if started_at is None:
            problems.add("started_at", NOT_TIME)

    agent = _party(merged.get("agent"), "agent", problems)
    customer = _party(merged.get("customer"), "customer", problems)

    events: list[CallEvent] = []
    raw_events = merged.get("events")
    if raw_events is not None:
        if isinstance(raw_events, list | tuple):
            for i, raw in enumerate(raw_events):
                event = _event(raw, f"events[{i}]", problems)
                if event is not None:
                    events.append(event)
        else:
            problems.add("events", NOT_LIST)

    segments: list[Segment] = []
    raw_segments = merged.get("segments")
    if raw_segments is None:
        problems.add("segments", MISSING)
    elif not isinstance(raw_segments, list | tuple):
        problems.add("segments", NOT_LIST)
    elif not raw_segments:
        problems.add("segments", NO_SEGMENTS)
    else:
        for i, raw in enumerate(raw_segments):
            segment = _segment(raw, f"segments[{i}]", problems)
            if segment is not None:
                segments.append(segment)

    if problems.items:
        return None, problems.items
    return (
        Conversation(
            id=conv_id,
            channel=channel,  # type: ignore[arg-type]
            segments=tuple(segments),
            line=line,  # type: ignore[arg-type]
            direction=direction,  # type: ignore[arg-type]
            started_at=started_at,
            agent=agent,
            customer=customer,
            events=tuple(events),
        ),
        [],
    )


def conversation_to_json(conv: Conversation) -> dict[str, Any]:
    """The `kefu.conversation/1` object of a conversation (inverse of `parse_object`)."""
    out: dict[str, Any] = {
        "id": conv.id,
        "channel": conv.channel,
        "line": conv.line,
        "direction": conv.direction,
    }
    if conv.started_at is not None:
        out["started_at"] = conv.started_at.isoformat()
    if conv.agent:
        out["agent"] = dict(conv.agent)
    if conv.customer:
        out["customer"] = dict(conv.customer)
    if conv.events:
        events = []
        for e in conv.events:
            event: dict[str, Any] = {"type": e.type, "at_ms": e.at_ms}
            if e.by is not None:
                event["by"] = e.by
            if e.to is not None:
                event["to"] = e.to
            events.append(event)
        out["events"] = events
    segments = []
    for s in conv.segments:
        segment: dict[str, Any] = {"speaker": s.speaker, "text": s.text}
        if s.start_ms is not None:
            segment["start_ms"] = s.start_ms
        if s.end_ms is not None:
            segment["end_ms"] = s.end_ms
        if s.at is not None:
            segment["at"] = s.at.isoformat()
        segments.append(segment)
    out["segments"] = segments
    return out


# --------------------------------------------------------------------------- JSON

_JSON_MESSAGES: tuple[tuple[str, str], ...] = (
    ("Expecting value", "此处应有一个值"),
    ("Expecting ',' delimiter", "缺少逗号"),
    ("Expecting ':' delimiter", "缺少冒号"),
    ("Expecting property name enclosed in double quotes", "属性名应使用双引号"),
    ("Unterminated string", "字符串没有结束(缺少右引号)"),
    ("Invalid control character", "字符串中有控制字符(换行请写成\\n)"),
    ("Invalid \\escape", "无效的转义字符"),
    ("Invalid \\uXXXX escape", "无效的\\u转义"),
    ("Extra data", "JSON之后还有多余内容(多个对话请放在数组中或用JSON Lines)"),
)


def _json_reason(error: json.JSONDecodeError) -> str:
    for english, chinese in _JSON_MESSAGES:
        if error.msg.startswith(english):
            return f"JSON语法错误:{chinese}"
    return f"JSON语法错误:{error.msg}"


class _Batch:
    """Conversations of one file, with duplicate-id detection."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.result = ParseResult()
        self.seen: dict[str, str] = {}

    def add(self, conv: Conversation | None, problems: list[ParseProblem], where: str) -> None:
        self.result.problems.extend(problems)
        if conv is None:
            return
        if conv.id in self.seen:
            first = self.seen[conv.id] or "前面"
            self.result.problems.append(
                ParseProblem(self.source, where, "id", f"对话编号“{conv.id}”与{first}重复")
            )
            return
        self.seen[conv.id] = where
        self.result.conversations.append(conv)

    def problem(self, where: str, field_: str, reason: str) -> None:
        self.result.problems.append(ParseProblem(self.source, where, field_, reason))


def _parse_json(text: str, source: str, meta: Mapping[str, Any] | None) -> ParseResult:
    batch = _Batch(source)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg.startswith("Extra data") and _first_line_is_object(text):
            return _parse_jsonl(text, source, meta)  # JSON Lines in a .json file
        batch.problem(f"第{error.lineno}行第{error.colno}列", "", _json_reason(error))
        return batch.result
    if isinstance(value, dict):
        conv, problems = parse_object(value, source=source, where="", defaults=meta)
        batch.add(conv, problems, "")
    elif isinstance(value, list):
        if not value:
            batch.problem("", "", NO_CONVERSATIONS)
        for i, item in enumerate(value, start=1):
            where = f"第{i}个对话"
            conv, problems = parse_object(item, source=source, where=where, defaults=meta)
            batch.add(conv, problems, where)
    else:
        batch.problem("", "", "应为一个对话(JSON对象)或对话数组")
    return batch.result


def _first_line_is_object(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0]
    try:
        return isinstance(json.loads(first), dict)
    except json.JSONDecodeError:
        return False


def _parse_jsonl(text: str, source: str, meta: Mapping[str, Any] | None) -> ParseResult:
    batch = _Batch(source)
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        where = f"第{number}行"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            offset = len(raw) - len(raw.lstrip())
            batch.problem(f"{where}第{error.colno + offset}列", "", _json_reason(error))
            continue
        conv, problems = parse_object(value, source=source, where=where, defaults=meta)
        batch.add(conv, problems, where)
    if not batch.result.conversations and not batch.result.problems:
        batch.problem("", "", NO_CONVERSATIONS)
    return batch.result


# --------------------------------------------------------------------------- SRT / WebVTT

_TIMESTAMP = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}(?:\s+.*)?$")
_TAG = re.compile(r"^\s*(?:[-–—]\s*)?(?P<tag>[^:：\s][^:：]{0,11}?)\s*[:：]\s*(?P<text>.*)$")
_VOICE = re.compile(r"^\s*<v(?:\.[^\s>]*)?\s+(?P<tag>[^>]+)>(?P<text>.*)$")
_MARKUP = re.compile(
    r"</?(?:v|c|i|b|u|ruby|rt|lang|font)(?:[.\s][^>]*)?>|<\d+:\d+(?::\d+)?[.,]\d+>",
    re.IGNORECASE,
)


def _timestamp_ms(groups: Sequence[str | None]) -> int | None:
    hours, minutes, seconds, fraction = groups
    if int(minutes or 0) >= 60 or int(seconds or 0) >= 60:
        return None
    ms = int((fraction or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes or 0)) * 60 + int(seconds or 0)) * 1000 + ms


def _join_text(parts: Sequence[str]) -> str:
    """Join the lines of a cue: no space between Chinese, one space between Latin words."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii():
            out += " "
        out += part
    return out


def _split_tag(line: str) -> tuple[str | None, str, str]:
    """(speaker, text, tag as written) of a cue line; speaker None if the tag is missing/unknown."""
    line = _MARKUP.sub("", _voice_to_tag(line))
    match = _TAG.match(line)
    if match is None:
        return None, line.strip(), ""
    tag = match.group("tag").strip()
    return normalize_speaker(tag), match.group("text"), tag


def _voice_to_tag(line: str) -> str:
    match = _VOICE.match(line)
    return f"{match.group('tag').strip()}:{match.group('text')}" if match else line


def _blocks(lines: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
    """Runs of non-blank lines as (1-based number of the first line, lines)."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _parse_cues(text: str, problems: _Problems, *, vtt: bool) -> list[tuple[int, dict[str, Any]]]:
    """Segments (as kefu.conversation/1 dicts, with the line they start on) of an SRT/VTT text."""
    lines = text.split("\n")
    segments: list[tuple[int, dict[str, Any]]] = []
    cue_number = 0
    for first, block in _blocks(lines):
        head = block[0].strip()
        if first == 1 and head.startswith("WEBVTT"):
            continue
        if vtt and head.split(" ", 1)[0] in {"NOTE", "STYLE", "REGION"}:
            continue
        timings = [i for i, line in enumerate(block) if "-->" in line]
        if not timings:
            problems.add("", CUE_NO_TIMING, where=f"第{first}行")
            continue
        # Lines before the first timing line: one cue number/identifier, anything more is text
        # without a timing.
        if timings[0] > 1:
            problems.add("", CUE_NO_TIMING, where=f"第{first}行")
        for n, t in enumerate(timings):
            end = timings[n + 1] if n + 1 < len(timings) else len(block)
            if end < len(block) and end - 1 > t and block[end - 1].strip().isdigit():
                end -= 1  # the next cue's number (cues not separated by a blank line)
            cue_number += 1
            timing_line = first + t
            where = f"第{timing_line}行"
            match = _TIMING.match(block[t])
            if match is None:
                problems.add("", f"第{cue_number}条字幕{CUE_BAD_TIMING}", where=where)
                continue
            start_ms = _timestamp_ms(match.groups()[:4])
            end_ms = _timestamp_ms(match.groups()[4:])
            if start_ms is None:
                problems.add("start_ms", f"第{cue_number}条字幕的开始时间无效", where=where)
            if end_ms is None:
                problems.add("end_ms", f"第{cue_number}条字幕的结束时间无效", where=where)
            if start_ms is not None and end_ms is not None and end_ms < start_ms:
                problems.add("end_ms", f"第{cue_number}条字幕{END_BEFORE_START}", where=where)
            body = [(timing_line + 1 + i, line) for i, line in enumerate(block[t + 1 : end])]
            if not body:
                problems.add("text", f"第{cue_number}条字幕{CUE_NO_TEXT}", where=where)
                continue
            current: tuple[int, str, list[str]] | None = None
            for k, (number, line) in enumerate(body):
                speaker, rest, tag = _split_tag(line)
                if speaker is not None:
                    if current is not None:
                        segments.append(_cue_segment(current, start_ms, end_ms))
                    current = (number, speaker, [rest])
                elif k == 0:
                    reason = f"第{cue_number}条字幕{CUE_NO_TAG}"
                    if tag:
                        reason += f",“{tag}”不是已知的说话人"
                    problems.add("speaker", reason, where=f"第{number}行")
                    break
                elif current is not None:
                    current[2].append(_MARKUP.sub("", line))
            if current is not None:
                segments.append(_cue_segment(current, start_ms, end_ms))
    return segments


def _cue_segment(
    current: tuple[int, str, list[str]], start_ms: int | None, end_ms: int | None
) -> tuple[int, dict[str, Any]]:
    number, speaker, parts = current
    segment: dict[str, Any] = {"speaker": speaker, "text": _join_text(parts)}
    if start_ms is not None:
        segment["start_ms"] = start_ms
    if end_ms is not None:
        segment["end_ms"] = end_ms
    return number, segment


def _stem(source: str) -> str:
    name = PurePath(source).name
    return name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name


def _parse_subtitles(
    text: str, source: str, meta: Mapping[str, Any] | None, *, vtt: bool
) -> ParseResult:
    batch = _Batch(source)
    problems = _Problems(source, "")
    cues = _parse_cues(text, problems, vtt=vtt)
    defaults = dict(meta or {})
    if defaults.get("id") is None:
        defaults["id"] = _stem(source)
    if not cues and not problems.items:
        batch.problem("", "", NO_CUES)
        return batch.result
    if problems.items:
        # The cues are at fault; still report metadata problems in the same run.
        placeholder = {"segments": [{"speaker": "system", "text": ""}]}
        _, meta_problems = parse_object(placeholder, source=source, where="", defaults=defaults)
        batch.result.problems.extend(problems.items + meta_problems)
        return batch.result
    obj = {"segments": [segment for _, segment in cues]}
    conv, found = parse_object(obj, source=source, where="", defaults=defaults)
    batch.add(conv, found, "")
    return batch.result


# --------------------------------------------------------------------------- CSV


def _parse_csv(text: str, source: str, meta: Mapping[str, Any] | None) -> ParseResult:
    batch = _Batch(source)
    first_line = text.lstrip("\n").split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 0
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    rejected: set[str] = set()
    previous = 0
    try:
        for row in reader:
            number, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().lstrip("\ufeff").lower() for cell in row]
                header_line = number
                missing = [c for c in CSV_REQUIRED if c not in header]
                if missing:
                    batch.problem(
                        f"第{number}行",
                        "",
                        f"缺少表头或表头缺少列 {'、'.join(missing)},"
                        f"第一行应为 {','.join(CSV_COLUMNS)}",
                    )
                    return batch.result
                continue
            _csv_row(row, number, header, groups, rejected, batch)
    except csv.Error as error:
        batch.problem(f"第{reader.line_num}行", "", f"CSV格式错误:{error}")
        return batch.result
    if header is None:
        batch.problem("", "", EMPTY_FILE)
        return batch.result
    if not groups and not batch.result.problems:
        batch.problem(f"第{header_line}行", "", NO_CONVERSATIONS)
    for conv_id, rows in groups.items():
        if conv_id in rejected:
            continue
        obj = {"id": conv_id, "segments": [segment for _, segment in rows]}
        conv, problems = parse_object(obj, source=source, where=f"对话 {conv_id}", defaults=meta)
        batch.add(conv, problems, f"第{rows[0][0]}行")
    return batch.result


def _csv_row(
    row: list[str],
    number: int,
    header: list[str],
    groups: dict[str, list[tuple[int, dict[str, Any]]]],
    rejected: set[str],
    batch: _Batch,
) -> None:
    where = f"第{number}行"
    values = {name: (row[i] if i < len(row) else "") for i, name in enumerate(header)}
    conv_id = values["conversation_id"].strip()
    if not conv_id:
        batch.problem(where, "conversation_id", MISSING)
        return
    group = groups.setdefault(conv_id, [])
    problems: list[tuple[str, str]] = []
    if len(row) > len(header):
        # The other columns are shifted: their errors would only confuse.
        reason = "列数多于表头(文字中有逗号时请用双引号把文字括起来)"
        batch.problem(where, "", f"{reason},对话 {conv_id} 未导入")
        rejected.add(conv_id)
        group.append((number, {}))
        return
    speaker = normalize_speaker(values["speaker"])
    if not values["speaker"].strip():
        problems.append(("speaker", MISSING))
    elif speaker is None:
        problems.append(("speaker", _bad_value(SPEAKERS, values["speaker"])))
    segment: dict[str, Any] = {"speaker": speaker, "text": values["text"]}
    for key in ("start_ms", "end_ms"):
        raw = values.get(key, "").strip()
        if raw:
            ms = _as_ms(_number(raw))
            if ms is None:
                problems.append((key, NOT_MS))
            segment[key] = ms
    start_ms, end_ms = segment.get("start_ms"), segment.get("end_ms")
    if start_ms is not None and end_ms is not None and end_ms < start_ms:
        problems.append(("end_ms", END_BEFORE_START))
    at = values.get("at", "").strip()
    if at:
        if parse_datetime(at) is None:
            problems.append(("at", NOT_TIME))
        segment["at"] = at
    for field_, reason in problems:
        batch.problem(where, field_, f"{reason},对话 {conv_id} 未导入")
    if problems:
        rejected.add(conv_id)
    group.append((number, segment))


def _number(raw: str) -> int | float | None:
    try:
        return int(raw)
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            return None


# --------------------------------------------------------------------------- entry points


def guess_format(source: str, text: str) -> str | None:
    """The format of a text: from the source's extension, else from the content."""
    suffix = PurePath(source).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    head = text.lstrip()
    if head.startswith("WEBVTT"):
        return "vtt"
    if head.startswith("["):
        return "json"
    if head.startswith("{"):
        try:
            json.loads(text)
        except json.JSONDecodeError:
            return "jsonl"
        return "json"
    first_lines = [line for line in head.split("\n")[:3] if line.strip()]
    if any(_TIMING.match(line) for line in first_lines[:2]):
        return "srt"
    if first_lines and "conversation_id" in first_lines[0].lower():
        return "csv"
    return None


def parse_text(
    text: str,
    *,
    source: str,
    fmt: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> ParseResult:
    """Conversations in a text. ``fmt``: json (one object or an array), jsonl, srt, vtt or csv;
    None guesses from the source's extension, else from the content. ``meta`` supplies
    metadata: fields for every conversation, and/or ``{"conversations": {"<id>": {...}}}``.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ParseResult(problems=[ParseProblem(source, "", "", EMPTY_FILE)])
    if fmt is not None:
        fmt = fmt.strip().lower().lstrip(".")
        fmt = {"ndjson": "jsonl", "webvtt": "vtt"}.get(fmt, fmt)
        if fmt not in FORMATS:
            reason = f"不支持的格式“{fmt}”,{_one_of(FORMATS)}"
            return ParseResult(problems=[ParseProblem(source, "", "", reason)])
    else:
        fmt = guess_format(source, text)
        if fmt is None:
            return ParseResult(problems=[ParseProblem(source, "", "", UNKNOWN_FORMAT)])
    if fmt == "json":
        return _parse_json(text, source, meta)
    if fmt == "jsonl":
        return _parse_jsonl(text, source, meta)
    if fmt == "csv":
        return _parse_csv(text, source, meta)
    return _parse_subtitles(text, source, meta, vtt=fmt == "vtt")


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "这是ZIP压缩包或Excel(.xlsx)文件,请导出为UTF-8编码的CSV"),
    (b"\xd0\xcf\x11\xe0", "这是Excel(.xls)或Word文件,请导出为UTF-8编码的CSV"),
    (b"%PDF", "这是PDF文件,请提供JSON、JSON Lines、SRT、WebVTT或CSV文本"),
    (b"RIFF", "这是音频文件,请先转写成文字(JSON、SRT、WebVTT或CSV)"),
    (b"ID3", "这是音频文件,请先转写成文字(JSON、SRT、WebVTT或CSV)"),
    (b"fLaC", "这是音频文件,请先转写成文字(JSON、SRT、WebVTT或CSV)"),
    (b"OggS", "这是音频文件,请先转写成文字(JSON、SRT、WebVTT或CSV)"),
)


def decode_bytes(data: bytes) -> tuple[str | None, str]:
    """(text, "") or (None, reason): UTF-8 with or without BOM, UTF-16 with BOM."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    if encoding == "utf-8":
        for magic, reason in _MAGIC:
            if data.startswith(magic):
                return None, reason
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            return (
                None,
                f"文件以{encoding.upper().replace('-SIG', '')}的BOM开头,但内容无法按此编码解码",
            )
        return None, _why_not_utf8(data)
    if "\x00" in text:
        return None, _why_nul(data) if encoding == "utf-8" else BINARY
    if _mostly_control(text):
        return None, BINARY
    return text, ""


def _why_not_utf8(data: bytes) -> str:
    if b"\x00" in data:
        return _why_nul(data)
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return UNKNOWN_ENCODING
    if _mostly_control(text):
        return BINARY
    return LOOKS_GBK


def _why_nul(data: bytes) -> str:
    sample = data[:2000]
    even, odd = sample[0::2], sample[1::2]
    one_side = odd.count(0) > len(odd) * 0.3 or even.count(0) > len(even) * 0.3
    if sample and one_side and sample.count(0) < len(sample) * 0.6:
        return LOOKS_UTF16
    return BINARY


def _mostly_control(text: str) -> bool:
    sample = text[:4000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls > max(1, len(sample) // 100)


def parse_bytes(
    data: bytes,
    *,
    source: str,
    fmt: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> ParseResult:
    """Conversations in the bytes of a file (see `decode_bytes` for the encodings accepted)."""
    if not data.strip():
        return ParseResult(problems=[ParseProblem(source, "", "", EMPTY_FILE)])
    text, reason = decode_bytes(data)
    if text is None:
        return ParseResult(problems=[ParseProblem(source, "", "", reason)])
    return parse_text(text, source=source, fmt=fmt, meta=meta)


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """``calls/0007.srt`` -> ``calls/0007.meta.json``."""
    p = Path(path)
    return p.with_name(_stem(p.name) + SIDECAR_SUFFIX)


def _merge_meta(base: Mapping[str, Any] | None, over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base or {})
    for key, value in over.items():
        if key == "conversations" and isinstance(value, Mapping):
            merged = dict(out.get("conversations") or {})
            for conv_id, fields in value.items():
                own = dict(merged.get(str(conv_id)) or {})
                if isinstance(fields, Mapping):
                    own.update(fields)
                merged[str(conv_id)] = own
            out["conversations"] = merged
        else:
            out[key] = value
    return out


def _read(path: Path) -> tuple[bytes | None, str]:
    try:
        return path.read_bytes(), ""
    except PermissionError:
        return None, "没有读取该文件的权限"
    except IsADirectoryError:
        return None, "这是文件夹,不是文件"
    except OSError as error:
        return None, f"无法读取文件:{error.strerror or error}"


def _read_sidecar(path: Path) -> tuple[dict[str, Any] | None, ParseProblem | None]:
    source = str(path)
    data, reason = _read(path)
    if data is None:
        return None, ParseProblem(source, "", "", reason)
    text, reason = decode_bytes(data)
    if text is None:
        return None, ParseProblem(source, "", "", reason)
    if not text.strip():
        return None, ParseProblem(source, "", "", EMPTY_FILE)
    try:
        value = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as error:
        return None, ParseProblem(
            source, f"第{error.lineno}行第{error.colno}列", "", _json_reason(error)
        )
    if not isinstance(value, dict):
        return None, ParseProblem(source, "", "", f"元数据文件{NOT_OBJECT}")
    return value, None


def _is_input(path: Path) -> bool:
    name = path.name
    if name.startswith("."):
        return False
    suffix = path.suffix.lower()
    if suffix not in EXTENSIONS:
        return False
    if name.lower().endswith(SIDECAR_SUFFIX):
        stem = name[: -len(SIDECAR_SUFFIX)]
        siblings = (path.with_name(stem + ext) for ext in (".srt", ".vtt", ".csv"))
        if any(s.is_file() for s in siblings):
            return False
    return True


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / f for f in files if _is_input(Path(root) / f))
    return sorted(found, key=lambda p: p.relative_to(folder).parts)


def parse_file(
    path: str | os.PathLike[str], *, meta: Mapping[str, Any] | None = None
) -> ParseResult:
    """Conversations in one file; for SRT/WebVTT/CSV its sidecar ``<stem>.meta.json`` (if any)
    supplies metadata, and wins over ``meta`` (which applies to every file)."""
    p = Path(path)
    source = str(path)
    data, reason = _read(p)
    if data is None:
        return ParseResult(problems=[ParseProblem(source, "", "", reason)])
    fmt = EXTENSIONS.get(p.suffix.lower())
    file_meta: Mapping[str, Any] | None = meta
    if fmt in SIDECAR_FORMATS:
        sidecar = sidecar_path(p)
        if sidecar.is_file():
            extra, problem = _read_sidecar(sidecar)
            if problem is not None:
                return ParseResult(problems=[problem])
            file_meta = _merge_meta(meta, extra or {})
    return parse_bytes(data, source=source, fmt=fmt, meta=file_meta)


def parse_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    meta: Mapping[str, Any] | None = None,
) -> Iterator[tuple[str, ParseResult]]:
    """(source, result) for each file given and each input file inside each folder given
    (recursively, sorted; hidden files and sidecars skipped)."""
    for path in paths:
        p = Path(path)
        source = str(path)
        if p.is_dir():
            files = _walk(p)
            if not files:
                yield source, ParseResult(problems=[ParseProblem(source, "", "", NO_INPUT_FILES)])
            for file in files:
                yield str(file), parse_file(file, meta=meta)
        elif p.exists():
            yield source, parse_file(p, meta=meta)
        else:
            yield source, ParseResult(problems=[ParseProblem(source, "", "", NOT_FOUND)])
