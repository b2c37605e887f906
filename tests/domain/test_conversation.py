"""Conversation parsers (`kefu.conversation/1`, CONTRACTS.md 1): JSON, JSON Lines, SRT, WebVTT, CSV.

Every bad input is reported as a ParseProblem (source, where, field, reason in Chinese) and only
the conversation at fault is dropped: the other conversations of the batch are kept.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.domain.conversation import (
    CHANNELS,
    DIRECTIONS,
    EVENT_TYPES,
    LINES,
    SPEAKERS,
    CallEvent,
    Conversation,
    ParseProblem,
    ParseResult,
    Segment,
    conversation_to_json,
    guess_format,
    normalize_speaker,
    parse_bytes,
    parse_object,
    parse_paths,
    parse_text,
    sidecar_path,
)

SH = ZoneInfo("Asia/Shanghai")
DATA = Path(__file__).parent / "data" / "conversations"


def seg(speaker: str = "agent", text: str = "您好", **extra: Any) -> dict[str, Any]:
    return {"speaker": speaker, "text": text, **extra}


def conv(id_: str = "c1", **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": id_, "segments": [seg()]}
    out.update(fields)
    return out


def only(result: ParseResult) -> ParseProblem:
    assert len(result.problems) == 1, result.problems
    return result.problems[0]


def ids(result: ParseResult) -> list[str]:
    return [c.id for c in result.conversations]


# --------------------------------------------------------------------------- JSON objects


def test_the_contract_example_parses_into_every_field() -> None:
    result = parse_bytes((DATA / "call_morning.json").read_bytes(), source="call_morning.json")
    assert result.problems == []
    [c] = result.conversations
    assert c.id == "call-20261001-0007"
    assert (c.channel, c.line, c.direction) == ("phone", "normal", "inbound")
    assert c.started_at == datetime(2026, 10, 1, 9, 15, tzinfo=SH)
    assert c.agent == {"id": "a17", "employee_no": "1024", "name": "王丽"}
    assert c.customer_class == "normal" and not c.is_vip
    assert [e.type for e in c.events] == list(EVENT_TYPES)
    assert c.events[6] == CallEvent("transfer", 95000, to="billing")
    assert c.events[7] == CallEvent("hangup", 120000, by="customer")
    assert c.segments[0] == Segment(
        "agent", "早上好!工号1024为您服务,请问有什么可以帮您?", 6500, 9800
    )
    assert c.segments[1].speaker == "customer"


def test_missing_optional_fields_take_their_defaults() -> None:
    c, problems = parse_object(conv(), source="x", where="")
    assert problems == []
    assert c == Conversation(id="c1", channel="phone", segments=(Segment("agent", "您好"),))
    assert (c.line, c.direction, c.started_at, c.agent, c.customer, c.events) == (
        "normal",
        "inbound",
        None,
        {},
        {},
        (),
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-10-01T09:15:00+08:00", datetime(2026, 10, 1, 9, 15, tzinfo=SH)),
        ("2026-10-01T09:15:00", datetime(2026, 10, 1, 9, 15, tzinfo=SH)),  # naive: Shanghai
        ("2026-10-01 09:15:00", datetime(2026, 10, 1, 9, 15, tzinfo=SH)),
        ("2026-10-01T01:15:00Z", datetime(2026, 10, 1, 1, 15, tzinfo=UTC)),
        ("2026-10-01T09:15:00.250+08:00", datetime(2026, 10, 1, 9, 15, 0, 250000, tzinfo=SH)),
    ],
)
def test_started_at_is_an_aware_datetime(value: str, expected: datetime) -> None:
    c, problems = parse_object(conv(started_at=value), source="x", where="")
    assert problems == []
    assert c is not None and c.started_at == expected
    assert c.started_at.tzinfo is not None


def test_an_offset_is_kept_so_the_local_wall_clock_time_is_known() -> None:
    c, _ = parse_object(conv(started_at="2026-10-01T09:15:00+09:00"), source="x", where="")
    assert c is not None and c.started_at is not None
    assert c.started_at.utcoffset() == timedelta(hours=9)
    assert c.started_at.hour == 9


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("agent", "agent"),
        ("Agent", "agent"),
        (" AGENT ", "agent"),
        ("客服", "agent"),
        ("坐席", "agent"),
        ("话务员", "agent"),
        ("客户代表", "agent"),
        ("customer", "customer"),
        ("Customer", "customer"),
        ("客户", "customer"),
        ("顾客", "customer"),
        ("用户", "customer"),
        ("来电人", "customer"),
        ("system", "system"),
        ("系统", "system"),
        ("IVR", "system"),
        ("ivr", "system"),
    ],
)
def test_speaker_aliases_and_case_are_accepted(raw: str, expected: str) -> None:
    assert normalize_speaker(raw) == expected
    c, problems = parse_object(conv(segments=[seg(raw)]), source="x", where="")
    assert problems == [] and c is not None
    assert c.segments[0].speaker == expected


@pytest.mark.parametrize("raw", ["robot", "", "客服人员甲", 1, None])
def test_unknown_speakers_are_not_normalized(raw: Any) -> None:
    assert normalize_speaker(raw) is None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"id": 7}, "7"),
        ({"id": " c7 "}, "c7"),
        ({"channel": "CHAT"}, "chat"),
        ({"line": "VIP"}, "vip"),
        ({"direction": "outbound"}, "outbound"),
        ({"customer": {"class": "VIP"}}, "vip"),
    ],
)
def test_values_are_normalized(fields: dict[str, Any], expected: str) -> None:
    c, problems = parse_object(conv(**fields), source="x", where="")
    assert problems == [] and c is not None
    key = next(iter(fields))
    value = c.customer["class"] if key == "customer" else getattr(c, key)
    assert value == expected


def test_numeric_party_ids_become_strings_and_nulls_are_dropped() -> None:
    c, _ = parse_object(
        conv(agent={"id": 17, "employee_no": 1024, "name": None}, customer={"phone": 13800001234}),
        source="x",
        where="",
    )
    assert c is not None
    assert c.agent == {"id": "17", "employee_no": "1024"}
    assert c.customer == {"phone": "13800001234"}


def test_whole_millisecond_floats_are_accepted() -> None:
    c, problems = parse_object(
        conv(segments=[seg(start_ms=100.0, end_ms=2e3)], events=[{"type": "ring", "at_ms": 0.0}]),
        source="x",
        where="",
    )
    assert problems == [] and c is not None
    assert (c.segments[0].start_ms, c.segments[0].end_ms, c.events[0].at_ms) == (100, 2000, 0)


def test_unknown_fields_are_ignored() -> None:
    c, problems = parse_object(
        conv(
            queue="billing",
            segments=[seg(confidence=0.93, words=[])],
            events=[{"type": "ring", "at_ms": 0, "trunk": 3}],
        ),
        source="x",
        where="",
    )
    assert problems == [] and c is not None
    assert c.segments == (Segment("agent", "您好"),)


def test_by_and_to_are_only_read_for_the_events_they_belong_to() -> None:
    c, problems = parse_object(
        conv(
            events=[
                {"type": "answer", "at_ms": 1, "by": "nobody", "to": 3},
                {"type": "hangup", "at_ms": 9},
            ]
        ),
        source="x",
        where="",
    )
    assert problems == [] and c is not None
    assert c.events == (CallEvent("answer", 1), CallEvent("hangup", 9))


def test_segment_at_is_parsed_for_chats() -> None:
    c, _ = parse_object(
        conv(channel="chat", segments=[seg(at="2026-10-02T14:03:05")]), source="x", where=""
    )
    assert c is not None and c.segments[0].at == datetime(2026, 10, 2, 14, 3, 5, tzinfo=SH)


def test_defaults_fill_only_what_the_object_lacks() -> None:
    c, _ = parse_object(
        conv(channel="chat", line=None),
        source="x",
        where="",
        defaults={"channel": "email", "line": "vip", "started_at": "2026-10-01T08:00:00"},
    )
    assert c is not None
    assert (c.channel, c.line, c.started_at) == ("chat", "vip", datetime(2026, 10, 1, 8, tzinfo=SH))


def test_defaults_may_hold_fields_for_one_conversation() -> None:
    defaults = {
        "channel": "chat",
        "line": "normal",
        "conversations": {"c2": {"line": "secretary"}, "c1": {"channel": "email"}},
    }
    c1, _ = parse_object(conv("c1"), source="x", where="", defaults=defaults)
    c2, _ = parse_object(conv("c2"), source="x", where="", defaults=defaults)
    assert c1 is not None and c2 is not None
    assert (c1.channel, c1.line) == ("email", "normal")
    assert (c2.channel, c2.line) == ("chat", "secretary")


# --------------------------------------------------------------------------- bad objects

BAD_OBJECTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("id missing", {"segments": [seg()]}, "id", "缺少必填字段"),
    ("id empty", conv(""), "id", "应为非空字符串"),
    ("id blank", conv("   "), "id", "应为非空字符串"),
    ("id bool", conv(True), "id", "应为非空字符串"),  # type: ignore[arg-type]
    ("id object", conv({"x": 1}), "id", "应为非空字符串"),  # type: ignore[arg-type]
    ("channel", conv(channel="fax"), "channel", "应为 phone、chat、email 或 walk_in"),
    ("channel type", conv(channel=3), "channel", "应为 phone、chat、email 或 walk_in"),
    ("line", conv(line="gold"), "line", "应为 normal、vip 或 secretary"),
    ("direction", conv(direction="up"), "direction", "应为 inbound 或 outbound"),
    ("started_at text", conv(started_at="昨天上午"), "started_at", "不是有效的ISO 8601时间"),
    ("started_at number", conv(started_at=20261001), "started_at", "不是有效的ISO 8601时间"),
    ("started_at date 13", conv(started_at="2026-13-01T09:00"), "started_at", "ISO 8601"),
    ("agent not object", conv(agent="王丽"), "agent", "应为JSON对象"),
    ("customer not object", conv(customer=["c1"]), "customer", "应为JSON对象"),
    ("customer class", conv(customer={"class": "gold"}), "customer.class", "应为 normal 或 vip"),
    ("events not list", conv(events={"type": "ring"}), "events", "应为数组"),
    ("event not object", conv(events=["ring"]), "events[0]", "应为JSON对象"),
    ("event type", conv(events=[{"type": "dial", "at_ms": 0}]), "events[0].type", "应为 ring、"),
    ("event type missing", conv(events=[{"at_ms": 0}]), "events[0].type", "缺少必填字段"),
    (
        "event at_ms missing",
        conv(events=[{"type": "ring", "at_ms": 0}, {"type": "answer"}]),
        "events[1].at_ms",
        "缺少必填字段",
    ),
    (
        "at_ms negative",
        conv(events=[{"type": "ring", "at_ms": -1}]),
        "events[0].at_ms",
        "应为不小于0的整数毫秒",
    ),
    (
        "at_ms bool",
        conv(events=[{"type": "ring", "at_ms": True}]),
        "events[0].at_ms",
        "应为不小于0的整数毫秒",
    ),
    (
        "at_ms string",
        conv(events=[{"type": "ring", "at_ms": "6000"}]),
        "events[0].at_ms",
        "整数毫秒",
    ),
    (
        "at_ms fraction",
        conv(events=[{"type": "ring", "at_ms": 1.5}]),
        "events[0].at_ms",
        "整数毫秒",
    ),
    (
        "hangup by",
        conv(events=[{"type": "hangup", "at_ms": 9, "by": "system"}]),
        "events[0].by",
        "应为 agent 或 customer",
    ),
    (
        "transfer to",
        conv(events=[{"type": "transfer", "at_ms": 9, "to": 5}]),
        "events[0].to",
        "应为字符串",
    ),
    ("segments missing", {"id": "c9"}, "segments", "缺少必填字段"),
    ("segments empty", conv(segments=[]), "segments", "至少需要一段对话"),
    ("segments not list", conv(segments="您好"), "segments", "应为数组"),
    ("segment not object", conv(segments=[seg(), "您好"]), "segments[1]", "应为JSON对象"),
    (
        "speaker unknown",
        conv(segments=[seg(), seg(), seg(), seg("robot")]),
        "segments[3].speaker",
        "应为 agent、customer 或 system",
    ),
    ("speaker missing", conv(segments=[{"text": "x"}]), "segments[0].speaker", "缺少必填字段"),
    (
        "speaker number",
        conv(segments=[seg(2)]),
        "segments[0].speaker",
        "应为 agent、customer 或 system",
    ),  # type: ignore[arg-type]
    ("text missing", conv(segments=[{"speaker": "agent"}]), "segments[0].text", "缺少必填字段"),
    ("text number", conv(segments=[seg(text=123)]), "segments[0].text", "应为字符串"),  # type: ignore[arg-type]
    (
        "start_ms negative",
        conv(segments=[seg(start_ms=-5)]),
        "segments[0].start_ms",
        "应为不小于0的整数毫秒",
    ),
    (
        "end_ms text",
        conv(segments=[seg(end_ms="9s")]),
        "segments[0].end_ms",
        "应为不小于0的整数毫秒",
    ),
    (
        "end before start",
        conv(segments=[seg(start_ms=5000, end_ms=4000)]),
        "segments[0].end_ms",
        "结束时间早于开始时间",
    ),
    ("segment at", conv(segments=[seg(at="下午两点")]), "segments[0].at", "不是有效的ISO 8601时间"),
]


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [case[1:] for case in BAD_OBJECTS],
    ids=[case[0] for case in BAD_OBJECTS],
)
def test_a_bad_conversation_is_reported_and_the_rest_of_the_array_kept(
    bad: dict[str, Any], field: str, reason: str
) -> None:
    batch = [conv("first"), bad, conv("third")]
    result = parse_text(json.dumps(batch, ensure_ascii=False), source="batch.json")
    assert ids(result) == ["first", "third"]
    problem = only(result)
    assert (problem.source, problem.where, problem.field) == ("batch.json", "第2个对话", field)
    assert reason in problem.reason


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [case[1:] for case in BAD_OBJECTS],
    ids=[case[0] for case in BAD_OBJECTS],
)
def test_a_bad_json_line_is_reported_with_its_line_number(
    bad: dict[str, Any], field: str, reason: str
) -> None:
    lines = [conv("first"), conv("second"), bad]
    text = "\n".join(json.dumps(obj, ensure_ascii=False) for obj in lines) + "\n"
    result = parse_text(text, source="calls.jsonl")
    assert ids(result) == ["first", "second"]
    problem = only(result)
    assert (problem.where, problem.field) == ("第3行", field)
    assert reason in problem.reason


def test_a_bad_value_is_quoted_in_the_reason() -> None:
    _, problems = parse_object(conv(segments=[seg("机器人")]), source="x", where="")
    assert problems[0].reason == "应为 agent、customer 或 system(实际为“机器人”)"


def test_every_problem_of_one_conversation_is_reported() -> None:
    bad = {
        "channel": "fax",
        "events": [{"type": "ring", "at_ms": -1}],
        "segments": [seg("robot"), seg(start_ms=9, end_ms=1)],
    }
    _, problems = parse_object(bad, source="a.json", where="")
    assert [p.field for p in problems] == [
        "id",
        "channel",
        "events[0].at_ms",
        "segments[0].speaker",
        "segments[1].end_ms",
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[{"id": "a", "segments": []}, 3]', "应为JSON对象"),
        ('[{"id": "a", "segments": []}, [1]]', "实际是数组"),
    ],
)
def test_an_array_item_that_is_not_an_object_is_reported(text: str, reason: str) -> None:
    result = parse_text(text, source="b.json")
    problem = result.problems[-1]
    assert (problem.where, problem.field) == ("第2个对话", "")
    assert reason in problem.reason


def test_a_single_object_has_no_where() -> None:
    problem = only(parse_text(json.dumps(conv(line="gold")), source="one.json"))
    assert (problem.where, problem.field) == ("", "line")
    assert str(problem).startswith("one.json:line:应为 normal、vip 或 secretary")


def test_a_problem_reads_as_source_where_field_reason() -> None:
    problem = ParseProblem(
        "a.json", "第2个对话", "segments[3].speaker", "应为 agent、customer 或 system"
    )
    assert str(problem) == "a.json:第2个对话:segments[3].speaker:应为 agent、customer 或 system"
    assert str(ParseProblem("a.json", "", "", "文件为空")) == "a.json:文件为空"


def test_a_duplicate_id_is_reported_and_the_first_kept() -> None:
    text = json.dumps([conv("a"), conv("b"), conv("a", line="vip")])
    result = parse_text(text, source="dup.json")
    assert ids(result) == ["a", "b"]
    problem = only(result)
    assert (problem.where, problem.field) == ("第3个对话", "id")
    assert "重复" in problem.reason and "第1个对话" in problem.reason


# --------------------------------------------------------------------------- JSON syntax


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ('{"id": "a",\n "segments": [}', "第2行第15列", "此处应有一个值"),
        ('{"id": "a"\n "segments": []}', "第2行第2列", "缺少逗号"),
        ("{'id': 'a'}", "第1行第2列", "属性名应使用双引号"),
        ('{"id": "a}', "第1行第8列", "字符串没有结束"),
        (
            '[\n{"id": "a", "segments": [{"speaker": "agent", "text": "x"}]},\n]',
            "第3行第1列",
            "此处应有一个值",
        ),
        ('{"id" "a"}', "第1行第7列", "缺少冒号"),
        ('{"id": "a"} x', "第1行第13列", "多余内容"),
    ],
)
def test_a_json_syntax_error_names_the_line_and_column(text: str, where: str, reason: str) -> None:
    problem = only(parse_text(text, source="bad.json"))
    assert (problem.where, problem.field) == (where, "")
    assert problem.reason.startswith("JSON语法错误:") and reason in problem.reason


@pytest.mark.parametrize(
    ("text", "reason"), [("3", "应为一个对话"), ('"x"', "应为一个对话"), ("[]", "文件中没有对话")]
)
def test_json_that_holds_no_conversation_is_reported(text: str, reason: str) -> None:
    problem = only(parse_text(text, source="x.json"))
    assert reason in problem.reason


def test_json_lines_skip_blank_lines_and_keep_good_lines_after_a_syntax_error() -> None:
    text = "\n".join(
        [json.dumps(conv("a")), "", '{"id": "b", segments: []}', "   ", json.dumps(conv("c")), ""]
    )
    result = parse_text(text, source="x.ndjson")
    assert ids(result) == ["a", "c"]
    problem = only(result)
    assert problem.where == "第3行第13列"
    assert "属性名应使用双引号" in problem.reason


def test_json_lines_in_a_json_file_are_read_as_json_lines() -> None:
    text = json.dumps(conv("a")) + "\n" + json.dumps(conv("b")) + "\n"
    result = parse_text(text, source="calls.json")
    assert ids(result) == ["a", "b"] and result.ok


def test_crlf_line_ends_and_a_bom_character_are_accepted() -> None:
    text = "\ufeff" + json.dumps(conv("a")) + "\r\n" + json.dumps(conv("b")) + "\r\n"
    assert ids(parse_text(text, source="x.jsonl")) == ["a", "b"]


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("source", "text", "fmt"),
    [
        ("a.json", "anything", "json"),
        ("a.JSON", "anything", "json"),
        ("a.jsonl", "anything", "jsonl"),
        ("a.ndjson", "anything", "jsonl"),
        ("a.srt", "anything", "srt"),
        ("a.vtt", "anything", "vtt"),
        ("a.csv", "anything", "csv"),
        ("<upload>", "  [1, 2]", "json"),
        ("<upload>", '{"id": "a"}', "json"),
        ("<upload>", '{"id": "a"}\n{"id": "b"}', "jsonl"),
        ("a.txt", "WEBVTT\n\n00:01.000 --> 00:02.000\n客服:您好", "vtt"),
        ("a.txt", "1\n00:00:01,000 --> 00:00:02,000\n客服:您好", "srt"),
        ("a.txt", "conversation_id,speaker,text\nc1,客服,您好", "csv"),
        ("a.txt", "客服:您好", None),
    ],
)
def test_the_format_is_guessed_from_the_extension_then_the_content(
    source: str, text: str, fmt: str | None
) -> None:
    assert guess_format(source, text) == fmt


def test_an_unrecognized_text_is_one_problem() -> None:
    problem = only(parse_text("客服:您好\n客户:你好", source="notes.txt"))
    assert "无法识别文件格式" in problem.reason


def test_an_explicit_format_wins_over_the_extension() -> None:
    result = parse_text("conversation_id,speaker,text\nc1,客服,您好\n", source="x.json", fmt="csv")
    assert ids(result) == ["c1"]


@pytest.mark.parametrize("fmt", ["xml", "docx"])
def test_an_unsupported_format_is_one_problem(fmt: str) -> None:
    problem = only(parse_text("x", source="a", fmt=fmt))
    assert "不支持的格式" in problem.reason and "json、jsonl、srt、vtt 或 csv" in problem.reason


@pytest.mark.parametrize("fmt", ["JSON", ".jsonl", "ndjson", "webvtt"])
def test_format_names_are_forgiving(fmt: str) -> None:
    assert "不支持的格式" not in parse_text("x", source="a", fmt=fmt).problems[0].reason


# --------------------------------------------------------------------------- bytes


ONE = json.dumps(conv("a"), ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    "data",
    [
        ONE.encode("utf-8"),
        ONE.encode("utf-8-sig"),
        ONE.encode("utf-16"),  # with BOM, native order
        b"\xff\xfe" + ONE.encode("utf-16-le"),
        b"\xfe\xff" + ONE.encode("utf-16-be"),
    ],
    ids=["utf-8", "utf-8 BOM", "utf-16", "utf-16-le BOM", "utf-16-be BOM"],
)
def test_utf8_and_utf16_with_bom_are_decoded(data: bytes) -> None:
    result = parse_bytes(data, source="a.json")
    assert result.ok and ids(result) == ["a"]


GBK_TEXT = '{"id": "a", "segments": [{"speaker": "客服", "text": "您好,请问有什么可以帮您?"}]}'


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "文件为空"),
        (b"  \n\t\r\n ", "文件为空"),
        (b"\xef\xbb\xbf", "文件为空"),
        (b"\xef\xbb\xbf \n", "文件为空"),
        ("\n".encode("utf-16"), "文件为空"),
        (GBK_TEXT.encode("gbk"), "文件不是UTF-8编码,看起来是GBK/GB18030,请另存为UTF-8"),
        (GBK_TEXT.encode("gb18030"), "文件不是UTF-8编码,看起来是GBK/GB18030,请另存为UTF-8"),
        (GBK_TEXT.encode("utf-16-le"), "没有BOM的UTF-16"),
        (b'{"id": "\x80\x80"}', "无法识别其编码"),
        (bytes(range(256)) * 8, "不是文本文件"),
        (b"\x00\x01\x02\x03\x04" * 100, "不是文本文件"),
        (b"\x1b\x02\x03\x04\x05\x06abc" * 10, "不是文本文件"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel(.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel(.xls)"),
        (b"%PDF-1.7\n", "PDF"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "音频"),
        (b"\xff\xfe\x00", "无法按此编码解码"),
    ],
)
def test_undecodable_or_empty_bytes_are_one_problem_for_the_file(data: bytes, reason: str) -> None:
    problem = only(parse_bytes(data, source="a.json"))
    assert (problem.source, problem.where, problem.field) == ("a.json", "", "")
    assert reason in problem.reason


def test_a_whitespace_only_text_is_empty() -> None:
    assert only(parse_text(" \n \n", source="a.srt")).reason == "文件为空"


# --------------------------------------------------------------------------- SRT


SRT = """1
00:00:06,500 --> 00:00:09,800
客服:早上好!工号1024为您服务,
请问有什么可以帮您?

2
00:00:10,200 --> 00:00:11,800
客户：我想查一下话费。

3
00:01:02,000 --> 00:01:05,000
Agent: <i>ok</i>, one
moment please
"""


def test_srt_cues_become_segments_with_times_from_zero() -> None:
    result = parse_text(SRT, source="calls/0007.srt")
    assert result.ok
    [c] = result.conversations
    assert c.id == "0007"  # the file's stem
    assert c.channel == "phone"
    assert c.segments == (
        Segment("agent", "早上好!工号1024为您服务,请问有什么可以帮您?", 6500, 9800),
        Segment("customer", "我想查一下话费。", 10200, 11800),
        Segment("agent", "ok, one moment please", 62000, 65000),
    )


@pytest.mark.parametrize(
    ("cue", "speaker", "text"),
    [
        ("客服:您好", "agent", "您好"),
        ("客服：您好", "agent", "您好"),
        ("坐席 : 您好", "agent", "您好"),
        ("话务员:您好", "agent", "您好"),
        ("AGENT:hello", "agent", "hello"),
        ("客户:喂", "customer", "喂"),
        ("customer: hi", "customer", "hi"),
        ("用户:喂", "customer", "喂"),
        ("来电人：喂", "customer", "喂"),
        ("IVR:欢迎致电", "system", "欢迎致电"),
        ("系统:请稍候", "system", "请稍候"),
        ("- 客服:您好", "agent", "您好"),
        ("<v 客户>喂,你好</v>", "customer", "喂,你好"),
        ("<v.loud 坐席>您好</v>", "agent", "您好"),
        ("客服:现在是10:30,请稍等", "agent", "现在是10:30,请稍等"),
    ],
)
def test_cue_speaker_tags(cue: str, speaker: str, text: str) -> None:
    result = parse_text(f"1\n00:00:01,000 --> 00:00:02,000\n{cue}\n", source="a.srt")
    assert result.problems == []
    assert result.conversations[0].segments == (Segment(speaker, text, 1000, 2000),)  # type: ignore[arg-type]


def test_a_cue_with_one_tagged_line_per_speaker_gives_one_segment_each() -> None:
    text = "1\n00:00:01,000 --> 00:00:03,000\n- 客服:您好\n- 客户:你好\n"
    [c] = parse_text(text, source="a.srt").conversations
    assert c.segments == (
        Segment("agent", "您好", 1000, 3000),
        Segment("customer", "你好", 1000, 3000),
    )


def test_cues_not_separated_by_a_blank_line_are_still_split() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\n客服:您好\n2\n00:00:03,000 --> 00:00:04,000\n客户:喂\n"
    )
    [c] = parse_text(text, source="a.srt").conversations
    assert [s.text for s in c.segments] == ["您好", "喂"]


def test_srt_metadata_comes_from_meta() -> None:
    meta = {
        "id": "call-1",
        "channel": "phone",
        "line": "vip",
        "direction": "outbound",
        "started_at": "2026-10-01T09:15:00",
        "agent": {"employee_no": "1024"},
        "customer": {"class": "vip"},
        "events": [{"type": "answer", "at_ms": 6000}],
    }
    [c] = parse_text(SRT, source="0007.srt", meta=meta).conversations
    assert (c.id, c.line, c.direction) == ("call-1", "vip", "outbound")
    assert c.started_at == datetime(2026, 10, 1, 9, 15, tzinfo=SH)
    assert c.agent == {"employee_no": "1024"} and c.is_vip
    assert c.events == (CallEvent("answer", 6000),)


def test_srt_meta_cannot_replace_the_segments_of_the_file() -> None:
    [c] = parse_text(SRT, source="a.srt", meta={"segments": [seg("system", "x")]}).conversations
    assert len(c.segments) == 3


BAD_SUBTITLES: list[tuple[str, str, str, str, str]] = [
    # name, text, where, field, reason
    (
        "cue without a tag",
        "1\n00:00:01,000 --> 00:00:02,000\n客服:您好\n\n2\n00:00:03,000 --> 00:00:04,000\n我想查话费\n",
        "第7行",
        "speaker",
        "第2条字幕应以说话人标记开头,如“客服:”或“客户:”",
    ),
    (
        "unknown tag",
        "1\n00:00:01,000 --> 00:00:02,000\n张三:您好\n",
        "第3行",
        "speaker",
        "“张三”不是已知的说话人",
    ),
    (
        "bad timing",
        "1\n00:00:01,000 --> 00:00:02,000\n客服:您好\n\n2\n00:00:03 -> 00:00:04\n客户:喂\n",
        "第5行",
        "",
        "缺少时间轴",
    ),
    (
        "garbled timing",
        "1\n00:00:01,000 --> 00:00:02,000\n客服:您好\n\n2\n00:00:0x,000 --> 00:00:04,000\n客户:喂\n",
        "第6行",
        "",
        "第2条字幕的时间轴格式不对",
    ),
    (
        "end before start",
        "1\n00:00:05,000 --> 00:00:02,000\n客服:您好\n",
        "第2行",
        "end_ms",
        "第1条字幕结束时间早于开始时间",
    ),
    (
        "seconds over 59",
        "1\n00:00:75,000 --> 00:02:00,000\n客服:您好\n",
        "第2行",
        "start_ms",
        "第1条字幕的开始时间无效",
    ),
    (
        "minutes over 59",
        "1\n00:00:01,000 --> 00:61:00,000\n客服:您好\n",
        "第2行",
        "end_ms",
        "第1条字幕的结束时间无效",
    ),
    (
        "cue without text",
        "1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\n客户:喂\n",
        "第2行",
        "text",
        "第1条字幕没有文字",
    ),
    (
        "text before the timing",
        "1\n客服:您好\n00:00:01,000 --> 00:00:02,000\n客户:喂\n",
        "第1行",
        "",
        "缺少时间轴",
    ),
    ("no cues at all", "WEBVTT\n\nNOTE nothing here\n", "", "", "文件中没有字幕"),
]


@pytest.mark.parametrize(
    ("text", "where", "field", "reason"),
    [case[1:] for case in BAD_SUBTITLES],
    ids=[case[0] for case in BAD_SUBTITLES],
)
def test_a_bad_cue_rejects_its_file_with_the_line_named(
    text: str, where: str, field: str, reason: str, tmp_path: Path
) -> None:
    ext = ".vtt" if text.startswith("WEBVTT") else ".srt"
    (tmp_path / f"bad{ext}").write_text(text, encoding="utf-8")
    (tmp_path / "good.srt").write_text(SRT, encoding="utf-8")
    results = dict(parse_paths([tmp_path]))
    bad = results[str(tmp_path / f"bad{ext}")]
    assert bad.conversations == []
    problem = only(bad)
    assert (problem.where, problem.field) == (where, field)
    assert reason in problem.reason
    assert ids(results[str(tmp_path / "good.srt")]) == ["good"]  # the rest of the batch is kept


def test_every_bad_cue_of_a_file_is_reported() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\n您好\n\n2\n00:00:05,000 --> 00:00:04,000\n客户:喂\n"
    result = parse_text(text, source="a.srt")
    assert [(p.where, p.field) for p in result.problems] == [
        ("第3行", "speaker"),
        ("第6行", "end_ms"),
    ]


def test_bad_metadata_of_a_subtitle_file_is_reported_with_its_field() -> None:
    result = parse_text(SRT, source="a.srt", meta={"started_at": "tomorrow", "channel": "fax"})
    assert result.conversations == []
    assert [(p.where, p.field) for p in result.problems] == [("", "channel"), ("", "started_at")]


def test_bad_metadata_is_reported_together_with_bad_cues() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\n您好\n"
    result = parse_text(text, source="a.srt", meta={"line": "gold"})
    assert [p.field for p in result.problems] == ["speaker", "line"]


# --------------------------------------------------------------------------- WebVTT

VTT = """WEBVTT - 通话转写
Kind: captions

NOTE 这是注释
可以有多行

STYLE
::cue { color: red }

intro
00:03.000 --> 00:05.500
系统:您好,欢迎致电。

2
01:00:08.000 --> 01:00:11.200 align:start position:10%
<v 客服>晚上好!<c.highlight>工号3307</c>为您服务。</v>

00:00:12.000 --> 00:00:13.500
客户:<00:00:12.500>我想
<b>查账单</b>
"""


def test_webvtt_headers_notes_identifiers_settings_and_markup_are_handled() -> None:
    result = parse_text(VTT, source="x/call-9.vtt")
    assert result.problems == []
    [c] = result.conversations
    assert c.id == "call-9"
    assert c.segments == (
        Segment("system", "您好,欢迎致电。", 3000, 5500),
        Segment("agent", "晚上好!工号3307为您服务。", 3608000, 3611200),
        Segment("customer", "我想查账单", 12000, 13500),
    )


def test_a_bad_vtt_cue_names_its_line() -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n客服:您好\n\n00:03.000 --> 00:04.000\n喂?\n"
    problem = only(parse_text(text, source="a.vtt"))
    assert (problem.where, problem.field) == ("第7行", "speaker")


# --------------------------------------------------------------------------- CSV

CSV = """conversation_id,speaker,text,start_ms,end_ms
c1,客服,"您好,工号1024为您服务",0,2500
c2,customer,在吗?,,
c1,客户,我想查话费,2600,4000
c2,agent,"您好,在的",,
"""


def test_csv_rows_are_grouped_by_conversation_in_file_order() -> None:
    result = parse_text(CSV, source="x.csv")
    assert result.problems == []
    c1, c2 = result.conversations
    assert (c1.id, c2.id) == ("c1", "c2")
    assert c1.segments == (
        Segment("agent", "您好,工号1024为您服务", 0, 2500),
        Segment("customer", "我想查话费", 2600, 4000),
    )
    assert c2.segments == (Segment("customer", "在吗?"), Segment("agent", "您好,在的"))


def test_csv_columns_may_come_in_any_order_with_extra_columns_and_without_times() -> None:
    text = "Speaker, Text ,Conversation_ID,confidence,at\n客服,您好,c1,0.9,2026-10-01T09:00:05\n"
    [c] = parse_text(text, source="x.csv").conversations
    assert c.segments == (Segment("agent", "您好", at=datetime(2026, 10, 1, 9, 0, 5, tzinfo=SH)),)


def test_csv_exported_with_tabs_is_read() -> None:
    text = "conversation_id\tspeaker\ttext\tstart_ms\tend_ms\nc1\t客服\t您好,在的\t1\t2\n"
    [c] = parse_text(text, source="x.csv").conversations
    assert c.segments == (Segment("agent", "您好,在的", 1, 2),)


def test_a_quoted_csv_text_may_span_lines_and_the_next_row_keeps_its_line_number() -> None:
    text = 'conversation_id,speaker,text\nc1,客服,"您好,\n请问"\nc1,robot,x\nc2,客户,喂\n'
    result = parse_text(text, source="x.csv")
    assert ids(result) == ["c2"]
    assert only(result).where == "第4行"


BAD_CSV_ROWS: list[tuple[str, str, str, str]] = [
    # name, row, field, reason
    ("speaker unknown", "c2,robot,您好,,", "speaker", "应为 agent、customer 或 system"),
    ("speaker empty", "c2,,您好,,", "speaker", "缺少必填字段"),
    ("start_ms text", "c2,客服,您好,1.5s,", "start_ms", "应为不小于0的整数毫秒"),
    ("start_ms negative", "c2,客服,您好,-1,", "start_ms", "应为不小于0的整数毫秒"),
    ("end_ms fraction", "c2,客服,您好,0,10.5", "end_ms", "应为不小于0的整数毫秒"),
    ("end before start", "c2,客服,您好,500,100", "end_ms", "结束时间早于开始时间"),
    ("unquoted comma", "c2,客服,您好,请问,1,2", "", "列数多于表头"),
]


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [case[1:] for case in BAD_CSV_ROWS],
    ids=[case[0] for case in BAD_CSV_ROWS],
)
def test_a_bad_csv_row_rejects_only_its_conversation(row: str, field: str, reason: str) -> None:
    text = "\n".join(
        [
            "conversation_id,speaker,text,start_ms,end_ms",
            "c1,客服,您好,,",
            "c2,客户,喂,,",
            row,
            "c3,客户,喂,,",
        ]
    )
    result = parse_text(text, source="x.csv")
    assert ids(result) == ["c1", "c3"]
    problem = only(result)
    assert (problem.where, problem.field) == ("第4行", field)
    assert reason in problem.reason and "对话 c2 未导入" in problem.reason


def test_a_csv_row_without_a_conversation_id_is_reported_alone() -> None:
    result = parse_text("conversation_id,speaker,text\nc1,客服,您好\n ,客户,喂\n", source="x.csv")
    assert ids(result) == ["c1"]
    problem = only(result)
    assert (problem.where, problem.field, problem.reason) == (
        "第3行",
        "conversation_id",
        "缺少必填字段",
    )


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("c1,客服,您好\n", "第1行", "缺少表头"),
        ("conversation_id,who,text\nc1,客服,您好\n", "第1行", "缺少列 speaker"),
        ("\n\nid,speaker,words\n", "第3行", "conversation_id、text"),
        ("conversation_id,speaker,text,start_ms,end_ms\n", "第1行", "文件中没有对话"),
    ],
)
def test_a_csv_without_a_usable_header_or_rows_is_one_problem(
    text: str, where: str, reason: str
) -> None:
    problem = only(parse_text(text, source="x.csv"))
    assert problem.where == where and reason in problem.reason


def test_csv_meta_may_give_defaults_and_fields_per_conversation() -> None:
    meta = {
        "started_at": "2026-10-08T11:00:00",
        "conversations": {"c2": {"channel": "chat", "customer": {"class": "vip"}}},
    }
    c1, c2 = parse_text(CSV, source="x.csv", meta=meta).conversations
    assert c1.channel == "phone" and c2.channel == "chat"
    assert c1.started_at == c2.started_at == datetime(2026, 10, 8, 11, tzinfo=SH)
    assert c2.is_vip and not c1.is_vip


def test_bad_csv_metadata_rejects_only_its_conversation() -> None:
    meta = {"conversations": {"c2": {"started_at": "yesterday"}}}
    result = parse_text(CSV, source="x.csv", meta=meta)
    assert ids(result) == ["c1"]
    problem = only(result)
    assert (problem.where, problem.field, problem.reason) == (
        "对话 c2",
        "started_at",
        "不是有效的ISO 8601时间",
    )


# --------------------------------------------------------------------------- paths


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_folders_are_read_recursively_in_sorted_order_with_sidecars(tmp_path: Path) -> None:
    write(tmp_path / "b" / "2.jsonl", json.dumps(conv("j1")) + "\n")
    write(tmp_path / "a.json", json.dumps([conv("a1"), conv("a2")]))
    write(tmp_path / "b" / "1.srt", SRT)
    write(tmp_path / "b" / "1.meta.json", json.dumps({"id": "srt-1", "line": "vip"}))
    write(tmp_path / "c.csv", CSV)
    write(tmp_path / "c.meta.json", json.dumps({"conversations": {"c1": {"channel": "chat"}}}))
    write(tmp_path / "notes.txt", "not an input")
    write(tmp_path / ".hidden.json", "{")
    write(tmp_path / ".git" / "x.json", "{")
    results = list(parse_paths([tmp_path]))
    assert [Path(src).relative_to(tmp_path).as_posix() for src, _ in results] == [
        "a.json",
        "b/1.srt",
        "b/2.jsonl",
        "c.csv",
    ]
    assert all(r.ok for _, r in results)
    by_name = {Path(src).name: r for src, r in results}
    [srt] = by_name["1.srt"].conversations
    assert (srt.id, srt.line) == ("srt-1", "vip")
    assert [c.channel for c in by_name["c.csv"].conversations] == ["chat", "phone"]


def test_a_sidecar_wins_over_the_options_and_options_fill_the_rest(tmp_path: Path) -> None:
    write(tmp_path / "x.srt", SRT)
    write(
        tmp_path / "x.meta.json",
        json.dumps({"line": "vip", "conversations": {"x": {"direction": "outbound"}}}),
    )
    meta = {"line": "secretary", "channel": "walk_in"}
    [(_, result)] = parse_paths([tmp_path / "x.srt"], meta=meta)
    [c] = result.conversations
    assert (c.line, c.channel, c.direction) == ("vip", "walk_in", "outbound")


def test_sidecar_path_is_next_to_the_file() -> None:
    assert sidecar_path("calls/0007.srt") == Path("calls/0007.meta.json")
    assert sidecar_path(Path("x.y.csv")) == Path("x.y.meta.json")


def test_a_meta_json_without_a_sibling_is_an_input(tmp_path: Path) -> None:
    write(tmp_path / "lone.meta.json", json.dumps(conv("m1")))
    [(src, result)] = parse_paths([tmp_path])
    assert Path(src).name == "lone.meta.json" and ids(result) == ["m1"]


@pytest.mark.parametrize(
    ("sidecar", "where", "reason"),
    [
        ('{"line": "vip",}', "第1行第16列", "JSON语法错误"),
        ("[1]", "", "元数据文件应为JSON对象"),
        ("", "", "文件为空"),
    ],
)
def test_a_bad_sidecar_rejects_its_file_and_is_named(
    sidecar: str, where: str, reason: str, tmp_path: Path
) -> None:
    write(tmp_path / "a.srt", SRT)
    write(tmp_path / "a.meta.json", sidecar)
    write(tmp_path / "b.srt", SRT)
    results = dict(parse_paths([tmp_path]))
    problem = only(results[str(tmp_path / "a.srt")])
    assert (problem.source, problem.where) == (str(tmp_path / "a.meta.json"), where)
    assert reason in problem.reason
    assert ids(results[str(tmp_path / "b.srt")]) == ["b"]


def test_a_gbk_sidecar_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "a.srt", SRT)
    (tmp_path / "a.meta.json").write_bytes('{"agent": {"name": "王丽"}}'.encode("gbk"))
    [(_, result)] = parse_paths([tmp_path / "a.srt"])
    assert "GBK" in only(result).reason


def test_missing_paths_and_empty_folders_are_problems_and_do_not_stop_the_rest(
    tmp_path: Path,
) -> None:
    good = write(tmp_path / "good.json", json.dumps(conv("g")))
    (tmp_path / "empty").mkdir()
    results = list(parse_paths([tmp_path / "nope.json", tmp_path / "empty", str(good)]))
    assert [src for src, _ in results] == [
        str(tmp_path / "nope.json"),
        str(tmp_path / "empty"),
        str(good),
    ]
    assert only(results[0][1]).reason == "文件或文件夹不存在"
    assert "文件夹中没有可识别的对话文件" in only(results[1][1]).reason
    assert ids(results[2][1]) == ["g"]


def test_an_explicit_file_with_another_extension_is_guessed_from_its_content(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "export.txt", "conversation_id,speaker,text\nc1,客服,您好\n")
    [(src, result)] = parse_paths([path])
    assert src == str(path) and ids(result) == ["c1"]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (PermissionError(13, "Permission denied"), "没有读取该文件的权限"),
        (IsADirectoryError(21, "Is a directory"), "这是文件夹,不是文件"),
        (OSError(5, "Input/output error"), "无法读取文件:Input/output error"),
    ],
)
def test_an_unreadable_file_is_a_problem_and_the_next_file_is_read(
    error: OSError, reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = write(tmp_path / "a.json", json.dumps(conv("a")))
    write(tmp_path / "b.json", json.dumps(conv("b")))
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == locked:
            raise error
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    (_, first), (_, second) = parse_paths([tmp_path])
    assert only(first).reason == reason
    assert ids(second) == ["b"]


def test_the_sample_folder_parses_without_problems(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "samples")
    results = list(parse_paths([tmp_path / "samples"]))
    assert [Path(src).name for src, _ in results] == [
        "batch.json",
        "call_0008.srt",
        "call_0009.vtt",
        "call_morning.json",
        "calls.csv",
        "chats.jsonl",
    ]
    assert [p for _, r in results for p in r.problems] == []
    assert sum(len(r.conversations) for _, r in results) == 10


# --------------------------------------------------------------------------- properties

ZONES = st.sampled_from([SH, UTC, timezone(timedelta(hours=-5))])
aware = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES
)
ms = st.integers(min_value=0, max_value=10**9)
words = st.text(min_size=0, max_size=20)
names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12
)


@st.composite
def segments(draw: st.DrawFn) -> Segment:
    start = draw(st.none() | ms)
    end = draw(st.none() | ms.map(lambda d: d + (start or 0)))
    return Segment(
        speaker=draw(st.sampled_from(SPEAKERS)),
        text=draw(words),
        start_ms=start,
        end_ms=end,
        at=draw(st.none() | aware),
    )


@st.composite
def events(draw: st.DrawFn) -> CallEvent:
    type_ = draw(st.sampled_from(EVENT_TYPES))
    return CallEvent(
        type=type_,
        at_ms=draw(ms),
        by=draw(st.none() | st.sampled_from(["agent", "customer"])) if type_ == "hangup" else None,
        to=draw(st.none() | words) if type_ == "transfer" else None,
    )


party = st.dictionaries(st.sampled_from(["id", "employee_no", "name", "phone"]), names, max_size=4)


@st.composite
def conversations(draw: st.DrawFn) -> Conversation:
    customer = draw(party)
    if draw(st.booleans()):
        customer["class"] = draw(st.sampled_from(["normal", "vip"]))
    return Conversation(
        id=draw(names.filter(lambda s: s.strip() == s and s != "")),
        channel=draw(st.sampled_from(CHANNELS)),
        segments=tuple(draw(st.lists(segments(), min_size=1, max_size=6))),
        line=draw(st.sampled_from(LINES)),
        direction=draw(st.sampled_from(DIRECTIONS)),
        started_at=draw(st.none() | aware),
        agent=draw(party),
        customer=customer,
        events=tuple(draw(st.lists(events(), max_size=5))),
    )


@settings(deadline=None)  # two shared cores: timing varies
@given(conversations())
def test_conversation_to_json_round_trips_through_parse_object(c: Conversation) -> None:
    assert parse_object(conversation_to_json(c), source="x", where="") == (c, [])


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(conversations(), min_size=1, max_size=4, unique_by=lambda c: c.id))
def test_json_and_json_lines_files_round_trip(batch: list[Conversation]) -> None:
    objects = [conversation_to_json(c) for c in batch]
    as_array = json.dumps(objects, ensure_ascii=False, indent=2).encode("utf-8-sig")
    as_lines = "\n".join(json.dumps(o, ensure_ascii=False) for o in objects).encode("utf-16")
    assert parse_bytes(as_array, source="a.json").conversations == batch
    assert parse_bytes(as_lines, source="a.jsonl").conversations == batch


def srt_time(value: int) -> str:
    h, rest = divmod(value, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{milli:03d}"


cue_text = st.text(
    alphabet=st.sampled_from("您好请问有什么可以帮您我想查话费谢谢再见,。!?0123456789abc "),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() != "" and ":" not in s)


@settings(deadline=None)  # two shared cores: timing varies
@given(
    st.lists(
        st.tuples(st.sampled_from(["客服", "客户", "坐席", "agent", "Customer"]), cue_text, ms, ms),
        min_size=1,
        max_size=8,
    )
)
def test_srt_written_from_segments_reads_back(cues: list[tuple[str, str, int, int]]) -> None:
    blocks = []
    for i, (tag, text, start, length) in enumerate(cues, start=1):
        blocks.append(f"{i}\n{srt_time(start)} --> {srt_time(start + length)}\n{tag}:{text}\n")
    result = parse_text("\n".join(blocks), source="p.srt")
    assert result.problems == []
    assert [
        (s.speaker, s.text, s.start_ms, s.end_ms) for s in result.conversations[0].segments
    ] == [
        (normalize_speaker(tag), text.strip(), start, start + length)
        for tag, text, start, length in cues
    ]


@settings(deadline=None, max_examples=200)
@given(st.text(max_size=300), st.sampled_from([None, "json", "jsonl", "srt", "vtt", "csv"]))
def test_any_text_gives_a_result_never_an_exception(text: str, fmt: str | None) -> None:
    result = parse_text(text, source="fuzz", fmt=fmt)
    assert result.conversations or result.problems
    assert all(p.reason for p in result.problems)


@settings(deadline=None, max_examples=200)
@given(st.binary(max_size=300), st.sampled_from(["a.json", "a.jsonl", "a.srt", "a.vtt", "a.csv"]))
def test_any_bytes_give_a_result_never_an_exception(data: bytes, source: str) -> None:
    result = parse_bytes(data, source=source)
    assert result.conversations or result.problems
