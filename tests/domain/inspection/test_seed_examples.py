"""Every ✗ example of seeds 001 and 004, spoken by the agent, is flagged; every ✓ is not.

The examples live in seed_examples.yaml, verbatim. Each is placed in a small, otherwise clean
conversation built from its context (the customer's words before it, opening or closing position,
channel, line, time). ``filled`` (placeholders filled, characters the seed lost restored) is what
is inspected when present; examples that are behaviour rather than words are counted, not run.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from kefu.domain.conversation import CallEvent, Conversation, Segment
from kefu.domain.inspection import default_rulebook, inspect

EXAMPLES = yaml.safe_load(
    (Path(__file__).resolve().parent / "seed_examples.yaml").read_text(encoding="utf-8")
)
AFTERNOON = "2026-11-24T15:00:00+08:00"  # an ordinary Tuesday
OPENING = "您好!工号1024为您服务,请问有什么可以帮您?"
SILENT_PROMPT = "您好!请问有什么可以帮您?"
SILENT_CLOSING = "对不起,您的电话没有声音,请您换一部电话挂来,好吗?再见!"


def _build(example: dict[str, Any]) -> tuple[Conversation, int]:
    ctx = example.get("context") or {}
    text = example.get("filled") or example["text"] or "好的。"
    channel = ctx.get("channel", "phone")
    line = ctx.get("line", "normal")
    direction = ctx.get("direction", "inbound")
    started = datetime.fromisoformat(ctx.get("started_at", AFTERNOON))
    turns: list[tuple[str, str]] = []
    if ctx.get("silent_call") and ("没有声音" in text or "请问有什么可以帮" in text):
        # The whole SCRIPT-13 sequence, the example in its place, 5-second waits between.
        steps = [SILENT_PROMPT, SILENT_PROMPT, SILENT_CLOSING]
        steps[2 if "没有声音" in text else 0] = text
        turns = [("agent", step) for step in steps]
    elif ctx.get("silent_call"):
        # A poor line: the customer is there but cannot be heard properly.
        turns = [("agent", OPENING), ("customer", "喂?你们那边能听到吗?"), ("agent", text)]
    elif ctx.get("position") == "opening":
        turns = [("agent", text), ("customer", ctx.get("customer", "我想查一下话费。"))]
    else:
        turns = [
            ("agent", OPENING),
            ("customer", ctx.get("customer", "我想咨询一下。")),
            ("agent", text),
        ]
        if ctx.get("position") != "closing":
            turns += [("customer", "好的。"), ("agent", "请问您还有其他要补充的吗?再见!")]
    index = max(i for i, (speaker, t) in enumerate(turns) if speaker == "agent" and t == text)
    segments = []
    at = 1000
    for speaker, t in turns:
        length = max(1000, len(t) * 500)
        segments.append(Segment(speaker=speaker, text=t, start_ms=at, end_ms=at + length))  # type: ignore[arg-type]
        at += length + (5500 if ctx.get("silent_call") else 600)
    events = [CallEvent("ring", 0), CallEvent("answer", 500)]
    by = ctx.get("hangup_by", "customer")
    events.append(CallEvent("hangup", at + 5500, by=by))
    return (
        Conversation(
            id="seed",
            channel=channel,
            line=line,
            direction=direction,
            started_at=started,
            segments=tuple(segments),
            events=tuple(events) if channel == "phone" else (),
        ),
        index,
    )


def _cases(verdict: str) -> list[Any]:
    cases = []
    for n, ex in enumerate(EXAMPLES):
        if ex["verdict"] != verdict:
            continue
        marks = []
        if ex.get("detectable") is False:
            marks.append(
                pytest.mark.skip(reason=f"behaviour, not words: {ex.get('behaviour', '')}")
            )
        label = f"{ex['seed']}-{n}-{(ex['text'] or ex.get('behaviour') or '')[:12]}"
        cases.append(pytest.param(ex, id=label, marks=marks))
    return cases


@pytest.mark.parametrize("example", _cases("wrong"))
def test_wrong_example_spoken_by_the_agent_is_flagged(example: dict[str, Any]) -> None:
    conversation, _ = _build(example)
    report = inspect(conversation, default_rulebook())
    flagged = {s for f in report.findings for s in f.standards}
    missing = set(example["standards"]) - flagged
    assert not missing, (example, report.to_json())


@pytest.mark.parametrize("example", _cases("correct"))
def test_correct_example_is_not_flagged(example: dict[str, Any]) -> None:
    conversation, _ = _build(example)
    report = inspect(conversation, default_rulebook())
    wrong = [f.to_json() for f in report.findings if set(f.standards) & set(example["standards"])]
    assert not wrong, (example, wrong)


def test_every_example_of_both_seeds_is_walked() -> None:
    seeds = {ex["seed"] for ex in EXAMPLES}
    assert seeds == {"001", "004"}
    assert sum(ex["verdict"] == "wrong" for ex in EXAMPLES) >= 90
    assert sum(ex["verdict"] == "correct" for ex in EXAMPLES) >= 70
