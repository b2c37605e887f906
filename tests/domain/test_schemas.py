"""JSON Schemas of the contracts (kefu/schemas/): `kefu.conversation/1` and `kefu.inspection/1`.

The schemas are valid draft 2020-12 schemas, accept the CONTRACTS.md examples, the sample files
and what kefu itself writes (`conversation_to_json`, `InspectionReport.to_json`), and reject what
the contracts forbid.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from jsonschema import Draft202012Validator, FormatChecker

from kefu.domain import conversation as model
from kefu.domain.conversation import conversation_to_json, parse_paths
from kefu.domain.inspection import report
from kefu.domain.inspection.report import Commitment, Finding, InspectionReport

from .test_conversation import conversations

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "kefu" / "schemas"
DATA = Path(__file__).parent / "data" / "conversations"
SH = timezone(timedelta(hours=8))

FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time: date, time and an offset (jsonschema needs an extra package for it)."""
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)", value):
        raise ValueError(f"not an RFC 3339 date-time: {value}")
    datetime.fromisoformat(value)
    return True


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FORMATS)


CONVERSATION = validator("conversation.json")
INSPECTION = validator("inspection.json")


def errors(v: Draft202012Validator, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(instance)]


def strip_comments(text: str) -> str:
    """Drop `// ...` comments outside JSON strings (CONTRACTS.md annotates its examples so)."""
    out: list[str] = []
    in_string = escaped = False
    i = 0
    while i < len(text):
        ch = text[i]
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


# --------------------------------------------------------------------------- the schemas


@pytest.mark.parametrize("name", ["conversation.json", "inspection.json"])
def test_each_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["title"] == f"kefu.{name.removesuffix('.json')}/1"


@pytest.mark.parametrize(
    ("pointer", "values"),
    [
        (("properties", "channel", "enum"), model.CHANNELS),
        (("properties", "line", "enum"), model.LINES),
        (("properties", "direction", "enum"), model.DIRECTIONS),
        (("properties", "customer", "properties", "class", "enum"), model.CUSTOMER_CLASSES),
        (("$defs", "event", "properties", "type", "enum"), model.EVENT_TYPES),
        (("$defs", "event", "properties", "by", "enum"), model.HANGUP_BY),
        (("$defs", "segment", "properties", "speaker", "enum"), model.SPEAKERS),
    ],
)
def test_conversation_schema_enums_match_the_model(
    pointer: tuple[str, ...], values: tuple[str, ...]
) -> None:
    node: Any = CONVERSATION.schema
    for key in pointer:
        node = node[key]
    assert tuple(node) == values


@pytest.mark.parametrize(
    ("pointer", "values"),
    [
        (("$defs", "finding", "properties", "severity", "enum"), report.SEVERITIES),
        (("$defs", "finding", "properties", "dimension", "enum"), report.DIMENSIONS),
        (("properties", "verdict", "enum"), ("pass", "fail")),
    ],
)
def test_inspection_schema_enums_match_the_report(
    pointer: tuple[str, ...], values: tuple[str, ...]
) -> None:
    node: Any = INSPECTION.schema
    for key in pointer:
        node = node[key]
    assert tuple(node) == values


# --------------------------------------------------------------------------- CONTRACTS.md

CONTRACT_CONVERSATION = """
{
  "id": "call-20261001-0007",
  "channel": "phone",                  // phone | chat | email | walk_in
  "line": "normal",                    // normal | vip | secretary      (default normal)
  "started_at": "2026-10-01T09:15:00+08:00",   // local wall-clock time matters for greetings
  "agent": {"id": "a17", "employee_no": "1024", "name": "王丽"},
  "customer": {"id": "c88", "phone": "13800001234", "class": "normal"},   // class: normal | vip
  "events": [                          // optional; times in ms from started_at
    {"type": "ring", "at_ms": 0},
    {"type": "answer", "at_ms": 6000},
    {"type": "hold_start", "at_ms": 60000}, {"type": "hold_end", "at_ms": 75000},
    {"type": "mute_start", "at_ms": 80000}, {"type": "mute_end", "at_ms": 90000},
    {"type": "transfer", "at_ms": 95000, "to": "billing"},
    {"type": "hangup", "at_ms": 120000, "by": "customer"}      // by: agent | customer
  ],
  "segments": [                        // in spoken/written order
    {"speaker": "agent", "text": "早上好!工号1024为您服务,请问有什么可以帮您?", "start_ms": 6500, "end_ms": 9800},
    {"speaker": "customer", "text": "我想查一下话费。", "start_ms": 10200, "end_ms": 11800}
  ]
}
"""

CONTRACT_INSPECTION = """
{
  "conversation_id": "call-20261001-0007",
  "rulebook": {"name": "default", "version": "2026.11"},
  "score": 85,                         // 0..100
  "verdict": "pass",                   // pass | fail   (fail if any critical finding or score < pass mark)
  "findings": [
    {
      "rule": "greeting.time_of_day",  // stable rule id in the rulebook
      "standards": ["SCRIPT-1"],       // the STANDARDS.md ids the rule enforces (always at least one)
      "severity": "major",             // critical | major | minor
      "deduction": 5,
      "segment": 0, "span": [0, 3],    // where (absent for whole-conversation findings)
      "evidence": "您好",
      "message": "上午来电应以“早上好!”开头",
      "suggestion": "早上好!请问有什么可以帮您?"
    }
  ],
  "commitments": [                     // promises the agent made, e.g. a callback (SLA-6)
    {"kind": "callback", "segment": 7, "evidence": "我们会在24小时内回复您", "due_at": "2026-10-02T09:21:00+08:00"}
  ],
  "metrics": {"speech_rate_cpm": 131.0, "answer_after_ms": 6000, "longest_silence_ms": 4200,
              "hold_ms": 15000, "agent_chars": 412, "customer_chars": 230}
}
"""


def test_comments_are_stripped_outside_strings_only() -> None:
    text = '{"url": "http://x//y", // note\n "a": "say \\"//\\"" // more\n}'
    assert json.loads(strip_comments(text)) == {"url": "http://x//y", "a": 'say "//"'}


@pytest.mark.parametrize(
    ("example", "v"),
    [(CONTRACT_CONVERSATION, CONVERSATION), (CONTRACT_INSPECTION, INSPECTION)],
    ids=["conversation", "inspection"],
)
def test_the_contract_examples_validate(example: str, v: Draft202012Validator) -> None:
    assert errors(v, json.loads(strip_comments(example))) == []


def contracts_file() -> Path | None:
    for candidate in (
        ROOT / "CONTRACTS.md",
        ROOT / "docs" / "CONTRACTS.md",
        ROOT.parent / "shared" / "CONTRACTS.md",
    ):
        if candidate.is_file():
            return candidate
    return None


@pytest.mark.skipif(contracts_file() is None, reason="CONTRACTS.md is not next to the project")
def test_the_examples_in_contracts_md_itself_validate() -> None:
    text = contracts_file().read_text(encoding="utf-8")  # type: ignore[union-attr]
    sections = {
        "kefu.conversation/1": CONVERSATION,
        "kefu.inspection/1": INSPECTION,
    }
    checked = 0
    for heading, body in re.findall(r"^## ([^\n]+)\n(.*?)(?=^## |\Z)", text, re.M | re.S):
        v = next((v for name, v in sections.items() if name in heading), None)
        if v is None:
            continue
        for block in re.findall(r"```json\n(.*?)```", body, re.S):
            assert errors(v, json.loads(strip_comments(block))) == [], heading
            checked += 1
    assert checked == 2


# --------------------------------------------------------------------------- conversations


def sample_objects() -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for path in sorted(DATA.iterdir()):
        if path.name.endswith(".meta.json"):
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            value = json.loads(text)
            items = value if isinstance(value, list) else [value]
            out += [(f"{path.name}[{i}]", item) for i, item in enumerate(items)]
        elif path.suffix == ".jsonl":
            out += [
                (f"{path.name}:{n}", json.loads(line))
                for n, line in enumerate(text.splitlines(), start=1)
                if line.strip()
            ]
    return out


SAMPLE_OBJECTS = sample_objects()


def test_there_are_json_samples_of_each_channel_and_line() -> None:
    channels = {obj.get("channel", "phone") for _, obj in SAMPLE_OBJECTS}
    assert {"phone", "chat", "email"} <= channels
    assert len(SAMPLE_OBJECTS) >= 5


@pytest.mark.parametrize(("name", "obj"), SAMPLE_OBJECTS, ids=[n for n, _ in SAMPLE_OBJECTS])
def test_every_json_sample_object_validates(name: str, obj: Any) -> None:
    assert errors(CONVERSATION, obj) == []


SAMPLE_FILES = sorted(
    p.name for p in DATA.iterdir() if not p.name.endswith(".meta.json") and p.is_file()
)


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_every_sample_file_parses_to_objects_that_validate(name: str) -> None:
    [(_, result)] = parse_paths([DATA / name])
    assert result.problems == []
    assert result.conversations
    for c in result.conversations:
        assert errors(CONVERSATION, conversation_to_json(c)) == []


@settings(deadline=None)  # two shared cores: timing varies
@given(conversations())
def test_what_kefu_writes_validates(c: model.Conversation) -> None:
    assert errors(CONVERSATION, conversation_to_json(c)) == []


GOOD = {"id": "c1", "segments": [{"speaker": "agent", "text": "您好"}]}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"id": ""}, "id"),
        ({"id": 7}, "id"),
        ({"segments": []}, "segments"),
        ({"segments": None}, "segments"),
        ({"channel": "fax"}, "channel"),
        ({"line": "gold"}, "line"),
        ({"direction": "up"}, "direction"),
        ({"started_at": "2026-10-01T09:15:00"}, "started_at"),  # canonical form has an offset
        ({"customer": {"class": "gold"}}, "customer/class"),
        ({"events": [{"type": "dial", "at_ms": 0}]}, "events/0/type"),
        ({"events": [{"type": "ring", "at_ms": -1}]}, "events/0/at_ms"),
        ({"events": [{"type": "ring", "at_ms": 1.5}]}, "events/0/at_ms"),
        ({"events": [{"type": "ring"}]}, "events/0"),
        ({"events": [{"type": "hangup", "at_ms": 1, "by": "system"}]}, "events/0/by"),
        ({"segments": [{"speaker": "robot", "text": "x"}]}, "segments/0/speaker"),
        ({"segments": [{"speaker": "agent"}]}, "segments/0"),
        ({"segments": [{"speaker": "agent", "text": "x", "end_ms": -1}]}, "segments/0/end_ms"),
    ],
)
def test_the_conversation_schema_rejects_what_the_contract_forbids(
    change: dict[str, Any], where: str
) -> None:
    obj = {**GOOD, **change}
    if change.get("segments", 0) is None:
        del obj["segments"]
        where = ""
    found = errors(CONVERSATION, obj)
    assert found and found[0].startswith(f"{where}:")


def test_unknown_fields_are_allowed_by_the_schemas() -> None:
    assert errors(CONVERSATION, {**GOOD, "queue": "billing"}) == []


# --------------------------------------------------------------------------- inspection reports

SH_TIME = datetime(2026, 10, 2, 9, 21, tzinfo=SH)


def full_report() -> InspectionReport:
    return InspectionReport(
        conversation_id="call-20261001-0007",
        rulebook_name="default",
        rulebook_version="2026.11",
        score=72.5,
        verdict="fail",
        findings=[
            Finding(
                rule="greeting.time_of_day",
                standards=("SCRIPT-1",),
                severity="major",
                deduction=5,
                message="上午来电应以“早上好!”开头",
                suggestion="早上好!请问有什么可以帮您?",
                segment=0,
                span=(0, 2),
                evidence="您好",
                dimension="service_norms",
            ),
            Finding(
                rule="forbidden.phrase",
                standards=("FORBID-1", "ATT-2"),
                severity="critical",
                deduction=20,
                message="使用了服务禁语",
                segment=3,
                evidence="不知道",
            ),
            Finding(
                rule="closing.missing",
                standards=("SCRIPT-4",),
                severity="minor",
                deduction=2.5,
                message="缺少结束语",
            ),
        ],
        commitments=[
            Commitment(
                kind="callback",
                segment=7,
                evidence="我们会在24小时内回复您",
                due_at=SH_TIME,
                span=(2, 11),
                hours=24,
            ),
            Commitment(kind="callback", segment=9, evidence="稍后给您回电", due_at=None),
        ],
        metrics={
            "speech_rate_cpm": 131.0,
            "answer_after_ms": 6000,
            "longest_silence_ms": 4200,
            "hold_ms": 15000,
            "agent_chars": 412,
            "customer_chars": 230,
            "talk_ms": None,
        },
        warnings=["2027年的节假日数据尚未录入,按普通日历计算"],
    )


def test_a_full_report_validates() -> None:
    data = full_report().to_json()
    assert "warnings" in data and "dimension" in data["findings"][0]
    assert errors(INSPECTION, data) == []
    assert errors(INSPECTION, json.loads(json.dumps(data, ensure_ascii=False))) == []


def test_a_report_without_findings_validates() -> None:
    empty = InspectionReport("c1", "default", "1", score=100, verdict="pass")
    assert errors(INSPECTION, empty.to_json()) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(score=101), "score"),
        (lambda d: d.update(score=-1), "score"),
        (lambda d: d.update(verdict="ok"), "verdict"),
        (lambda d: d.pop("metrics"), ""),
        (lambda d: d["rulebook"].pop("version"), "rulebook"),
        (lambda d: d["findings"][0].update(severity="fatal"), "findings/0/severity"),
        (lambda d: d["findings"][0].update(standards=[]), "findings/0/standards"),
        (lambda d: d["findings"][0].update(deduction=-5), "findings/0/deduction"),
        (lambda d: d["findings"][0].update(span=[0]), "findings/0/span"),
        (lambda d: d["findings"][0].pop("segment"), "findings/0"),  # a span needs a segment
        (lambda d: d["findings"][0].update(dimension="mood"), "findings/0/dimension"),
        (lambda d: d["commitments"][0].pop("due_at"), "commitments/0"),
        (lambda d: d["commitments"][0].update(due_at="明天"), "commitments/0/due_at"),
        (lambda d: d["metrics"].update(hold_ms="15s"), "metrics/hold_ms"),
        (lambda d: d.update(warnings=[1]), "warnings/0"),
    ],
)
def test_the_inspection_schema_rejects_what_the_contract_forbids(change: Any, where: str) -> None:
    data = full_report().to_json()
    change(data)
    found = errors(INSPECTION, data)
    assert found and found[0].startswith(f"{where}:"), found
