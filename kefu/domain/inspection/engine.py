"""Inspecting a conversation: evaluate the rules, score, extract commitments and metrics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from kefu.domain.calendar import WorkCalendar
from kefu.domain.conversation import Channel, Conversation, Segment
from kefu.domain.inspection.builtins import agent_speech_rate, hold_ms, longest_silence_ms
from kefu.domain.inspection.compiled import PACKAGE_DIR
from kefu.domain.inspection.conditions import WHOLE, Hit
from kefu.domain.inspection.context import Context
from kefu.domain.inspection.extract import due_time
from kefu.domain.inspection.moments import (
    farewell_for,
    moment_of,
    occasion_reason,
    opening_for,
    opening_occasion,
)
from kefu.domain.inspection.report import Commitment, Finding, InspectionReport, Verdict
from kefu.domain.inspection.rulebook import CompiledRulebook, Rule, rulebook_from_path

# Found from the source package: a compiled engine module lives elsewhere (see compiled.py).
DEFAULT_RULEBOOK = PACKAGE_DIR.parents[1] / "rulebooks" / "default.yaml"
EVIDENCE_CHARS = 40


@lru_cache(maxsize=1)
def default_rulebook() -> CompiledRulebook:
    return rulebook_from_path(DEFAULT_RULEBOOK)


@lru_cache(maxsize=4)
def _default_calendar() -> WorkCalendar:
    from kefu.domain.holidays import default_calendar

    return default_calendar()


def inspect(
    conversation: Conversation,
    rulebook: CompiledRulebook,
    *,
    calendar: WorkCalendar | None = None,
) -> InspectionReport:
    """Inspects one conversation against a compiled rulebook (CONTRACTS.md 2, kefu.inspection/1)."""
    ctx = Context(conversation, rulebook, calendar or _default_calendar())
    findings: list[Finding] = []
    spent: dict[str, float] = {}
    found = ctx.found  # a set: `isdisjoint` then walks the smaller side, not the dict's keys
    applicable = rulebook.rules_for(
        conversation.channel,
        conversation.line,
        conversation.direction,
        conversation.customer_class,
    )
    for rule in applicable:
        if rule.gate is not None and rule.gate.isdisjoint(found):
            continue
        hits = rule.condition.evaluate(ctx)
        if not hits:
            continue
        for hit in _distinct(hits):
            deduction = _deduct(spent, rule.id, rule.deduction, rule.max_deduction)
            findings.append(_finding(ctx, rule, hit, deduction))
    findings.sort(
        key=lambda f: (f.segment if f.segment is not None else -1, f.span or (0, 0), f.rule)
    )
    score, verdict = _score(findings, rulebook.pass_mark)
    return InspectionReport(
        conversation_id=conversation.id,
        rulebook_name=rulebook.name,
        rulebook_version=rulebook.version,
        score=score,
        verdict=verdict,
        findings=findings,
        commitments=_commitments(ctx),
        metrics=_metrics(ctx),
        warnings=list(dict.fromkeys(ctx.warnings)),
    )


def _deduct(spent: dict[str, float], rule_id: str, deduction: float, cap: float) -> float:
    """One finding's deduction under its rule's cap, counting what the rule already took."""
    already = spent.get(rule_id, 0.0)
    taken = max(0.0, min(deduction, cap - already))
    spent[rule_id] = already + taken
    return taken


def _distinct(hits: list[Hit]) -> list[Hit]:
    """One finding per place: overlapping phrase hits in a segment count once (merged)."""
    if len(hits) == 1:
        return hits
    kept: list[Hit] = []
    for hit in sorted(set(hits), key=lambda h: (h[0], h[1], -(h[2] - h[1]))):
        if kept and kept[-1][0] == hit[0]:
            last = kept[-1]
            if hit[1] == WHOLE and last[1] == WHOLE:
                continue
            if hit[1] != WHOLE and last[1] != WHOLE and hit[1] < last[2]:
                if hit[2] > last[2]:
                    kept[-1] = (last[0], last[1], hit[2])
                continue
        kept.append(hit)
    return kept


def _finding(ctx: Context, rule: Rule, hit: Hit, deduction: float) -> Finding:
    segment, start, end = hit
    span: tuple[int, int] | None = None
    evidence = ""
    if segment != WHOLE:
        text = ctx.texts[segment]
        if start != WHOLE:
            span = ctx.to_original(segment, start, end)
            evidence = text[span[0] : span[1]]
        else:
            evidence = text[:EVIDENCE_CHARS]
    return Finding(
        rule=rule.id,
        standards=rule.standards,
        severity=rule.severity,  # type: ignore[arg-type]
        deduction=deduction,
        message=_fill(rule.message, ctx),
        suggestion=_fill(rule.suggestion, ctx),
        segment=None if segment == WHOLE else segment,
        span=span,
        evidence=evidence,
        dimension=rule.dimension,
    )


def _fill(template: str, ctx: Context) -> str:
    if "{" not in template:
        return template
    greetings = ctx.rulebook.greetings
    conv = ctx.conversation
    opening, _ = opening_for(ctx.moment, greetings, line=conv.line, direction=conv.direction)
    values = {
        "opening": opening,
        "farewell": farewell_for(ctx.moment, greetings),
        "greeting": ctx.moment.greeting or greetings.afternoon,
        "holiday": ctx.moment.holiday_greeting or ctx.moment.statutory_holiday or "",
    }
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


def _score(findings: Iterable[Finding], pass_mark: float) -> tuple[float, Verdict]:
    findings = list(findings)
    score = max(0.0, 100.0 - sum(f.deduction for f in findings))
    failed = any(f.severity == "critical" for f in findings) or score < pass_mark
    return score, "fail" if failed else "pass"


@dataclass(frozen=True, slots=True)
class ScoringTerms:
    """What scoring needs of a rulebook: the pass mark and, per rule, its deduction and cap.

    Kept with an inspection, so that overturning a finding later rescores it by the rules it was
    inspected with, not by whatever the rulebook says by then.
    """

    pass_mark: float
    rules: Mapping[str, tuple[float, float]]  # rule id -> (deduction, max deduction)

    def to_json(self) -> dict[str, Any]:
        return {
            "pass_mark": self.pass_mark,
            "rules": {rule: [d, cap] for rule, (d, cap) in sorted(self.rules.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScoringTerms:
        return cls(
            pass_mark=float(data["pass_mark"]),
            rules={rule: (float(d), float(cap)) for rule, (d, cap) in data["rules"].items()},
        )


def scoring_terms(
    rulebook: CompiledRulebook, rule_ids: Iterable[str] | None = None
) -> ScoringTerms:
    """The scoring terms of a rulebook, for the given rules (all when None)."""
    wanted = None if rule_ids is None else set(rule_ids)
    return ScoringTerms(
        pass_mark=rulebook.pass_mark,
        rules={
            rule.id: (rule.deduction, rule.max_deduction)
            for rule in rulebook.rules
            if wanted is None or rule.id in wanted
        },
    )


def rescore(
    terms: ScoringTerms | CompiledRulebook, standing: Iterable[tuple[str, str]]
) -> tuple[float, str]:
    """Score and verdict from the findings still standing after review: (rule id, severity) pairs.

    Per-rule caps apply as in `inspect`; a rule the terms do not know deducts nothing but its
    severity still counts (a critical finding fails the conversation).
    """
    if not isinstance(terms, ScoringTerms):
        terms = scoring_terms(terms)
    spent: dict[str, float] = {}
    total = 0.0
    critical = False
    for rule_id, severity in standing:
        critical = critical or severity == "critical"
        known = terms.rules.get(rule_id)
        if known is None:
            continue
        rule_deduction, cap = known
        deduction = _deduct(spent, rule_id, rule_deduction, cap)
        total += deduction
    score = max(0.0, 100.0 - total)
    return score, "fail" if critical or score < terms.pass_mark else "pass"


# --------------------------------------------------------------------------- commitments, metrics


def _commitments(ctx: Context) -> list[Commitment]:
    found: list[Commitment] = []
    hits = ctx.pattern_hits
    if ctx.rulebook.promise_set.isdisjoint(ctx.found):
        return found
    speakers = ctx.speakers
    seen: set[int] = set()
    for pattern in ctx.rulebook.promise_patterns:
        for seg, start, end in hits.get(pattern, ()):
            if speakers[seg] != "agent" or seg in seen:
                continue
            norm = ctx.seg_norm[seg]
            delay = ctx.delay_in(seg)
            if delay is None or delay.soon:
                continue
            seen.add(seg)
            due, hours = due_time(delay, ctx.said_at(seg), norm, ctx.calendar)
            lo, hi = min(start, delay.start), max(end, delay.end)
            span = ctx.to_original(seg, lo, hi)
            found.append(
                Commitment(
                    kind="callback",
                    segment=seg,
                    evidence=ctx.texts[seg][span[0] : span[1]],
                    due_at=due,
                    span=span,
                    hours=hours,
                )
            )
    found.sort(key=lambda c: c.segment)
    return found


def _metrics(ctx: Context) -> dict[str, float | int | None]:
    ring = answer = hangup = None
    for event in ctx.conversation.events:
        kind = event.type
        if kind == "ring":
            ring = ring or event
        elif kind == "answer":
            answer = answer or event
        elif kind == "hangup":
            hangup = hangup or event
    timing = ctx.timing
    rate = agent_speech_rate(ctx)
    agent_chars = timing.agent_chars
    customer_chars = timing.customer_chars
    metrics: dict[str, float | int | None] = {
        "speech_rate_cpm": round(rate, 1) if rate is not None else None,
        "answer_after_ms": (answer.at_ms - ring.at_ms) if ring and answer else None,
        "longest_silence_ms": longest_silence_ms(ctx) if timing.timed else None,
        "hold_ms": hold_ms(ctx),
        "agent_chars": agent_chars,
        "customer_chars": customer_chars,
        "talk_share": round(agent_chars / (agent_chars + customer_chars), 3)
        if agent_chars + customer_chars
        else None,
        "agent_turns": len(ctx.turns_of("agent")),
        "customer_turns": len(ctx.turns_of("customer")),
    }
    if hangup is not None and hangup.by:
        metrics["hung_up_by"] = hangup.by  # type: ignore[assignment]
    return metrics


# --------------------------------------------------------------------------- agent assist


@dataclass(frozen=True, slots=True)
class Opening:
    text: str
    reason: str  # in Chinese: "上午", "国庆节期间", "贵宾专线" …
    standards: tuple[str, ...]
    occasion: str = ""  # outbound | vip | holiday | morning | afternoon | unknown
    holiday: str | None = None  # the festival, when occasion is holiday


def expected_opening(
    rulebook: CompiledRulebook,
    *,
    at: datetime,
    line: str = "normal",
    direction: str = "inbound",
    calendar: WorkCalendar | None = None,
) -> Opening:
    """The standard opening for this moment (SCRIPT-1, -2, -3, -5)."""
    moment = moment_of(at, rulebook.greetings, calendar or _default_calendar())
    text, occasion = opening_occasion(moment, rulebook.greetings, line=line, direction=direction)
    reason = occasion_reason(occasion, moment)
    if direction == "outbound":
        standards: tuple[str, ...] = ("SCRIPT-2",)
    elif line == "vip":
        standards = ("SCRIPT-5",)
    elif moment.holiday_greeting:
        standards = ("SCRIPT-3",)
    else:
        standards = ("SCRIPT-1", "SCRIPT-2")
    return Opening(
        text=text,
        reason=reason,
        standards=standards,
        occasion=occasion,
        holiday=moment.holiday_greeting,
    )


def draft_check(text: str, rulebook: CompiledRulebook, *, channel: str = "chat") -> list[Finding]:
    """Forbidden or wrong phrases in a draft reply, with the standard wording (the rules marked draft)."""
    if not text.strip():
        return []
    conversation = Conversation(
        id="draft",
        channel=cast(Channel, channel),  # the callers validate it
        segments=(Segment(speaker="agent", text=text),),
    )
    ctx = Context(conversation, rulebook, _default_calendar())
    findings: list[Finding] = []
    for rule in rulebook.rules:
        if not rule.draft:
            continue
        for hit in _distinct(rule.condition.evaluate(ctx)):
            if hit[0] != WHOLE and hit[1] != WHOLE:
                findings.append(_finding(ctx, rule, hit, rule.deduction))
    findings.sort(key=lambda f: f.span or (0, 0))
    return findings
