"""Operators written in code: timing, events, read-back, the moment of the call, promises.

Each factory validates its parameters (naming the field of every problem) and returns a `Builtin`
whose ``run`` reads the prepared `Context`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rapidfuzz import fuzz

from kefu.domain.inspection.conditions import (
    MOMENTS,
    WHOLE,
    Builtin,
    BuiltinFactory,
    Hit,
    PhraseRegistry,
    Problems,
)
from kefu.domain.inspection.context import Context
from kefu.domain.inspection.extract import (
    long_numbers,
    may_hold_long_number,
    time_token_set,
    time_tokens,
)
from kefu.domain.inspection.moments import Moment

# --------------------------------------------------------------------------- parameter helpers


class Params:
    def __init__(self, body: Any, path: str, problems: Problems, allowed: tuple[str, ...]) -> None:
        self.path = path
        self.problems = problems
        self.ok = True
        if body is None or body is True:
            body = {}
        if not isinstance(body, dict):
            problems.add(path, f"应为对象,可用字段:{', '.join(allowed) or '(无)'}")
            body = {}
            self.ok = False
        for key in body:
            if key not in allowed:
                problems.add(f"{path}.{key}", f"未知字段;可用字段:{', '.join(allowed)}")
                self.ok = False
        self.body = body

    def number(self, key: str, default: float, *, minimum: float = 0) -> float:
        value = self.body.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            self.problems.add(f"{self.path}.{key}", f"应为不小于{minimum:g}的数")
            self.ok = False
            return default
        return float(value)

    def integer(self, key: str, default: int, *, minimum: int = 0) -> int:
        value = self.body.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problems.add(f"{self.path}.{key}", f"应为不小于{minimum}的整数")
            self.ok = False
            return default
        return value

    def phrases(self, key: str, registry: PhraseRegistry, default: list[str]) -> tuple[int, ...]:
        value = self.body.get(key, default)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            self.problems.add(f"{self.path}.{key}", "应为非空的短语列表")
            self.ok = False
            return ()
        return tuple(registry.add(v) for v in value)


def _segments_with(ctx: Context, patterns: tuple[int, ...]) -> set[int]:
    found: set[int] = set()
    for pattern in patterns:
        for hit in ctx.pattern_hits.get(pattern, ()):
            found.add(hit[0])
    return found


def _first_event(ctx: Context, kind: str) -> Any:
    for event in ctx.conversation.events:
        if event.type == kind:
            return event
    return None


# --------------------------------------------------------------------------- the moment

_MOMENT_STATES: dict[str, Callable[[Moment], bool]] = {
    "known_time": lambda m: True,
    "morning": lambda m: m.morning and not m.holiday_greeting,
    "afternoon": lambda m: not m.morning and not m.holiday_greeting,
    "holiday_greeting": lambda m: bool(m.holiday_greeting),
    "weekend": lambda m: m.weekend,
    "statutory_holiday": lambda m: bool(m.statutory_holiday),
    "weekend_or_holiday": lambda m: m.weekend or bool(m.statutory_holiday),
}


def moment(body: Any, path: str, problems: Problems, registry: PhraseRegistry) -> Builtin | None:
    wanted = [body] if isinstance(body, str) else body
    if not isinstance(wanted, list) or not wanted or any(w not in MOMENTS for w in wanted):
        problems.add(path, f"应为 {'、'.join(MOMENTS)} 之一或它们的列表")
        return None

    checks = tuple(_MOMENT_STATES[w] for w in wanted)

    def run(ctx: Context) -> list[Hit]:
        m = ctx.moment
        if not m.known:
            return []
        for check in checks:
            if check(m):
                return [(WHOLE, WHOLE, WHOLE)]
        return []

    return Builtin("moment", run)


def holiday_greeting_missing(
    body: Any, path: str, problems: Problems, registry: PhraseRegistry
) -> Builtin | None:
    """SCRIPT-3: in a festival period the first agent turn carries that festival's greeting."""
    Params(body, path, problems, ())
    greetings_ids: dict[str, int] = {}

    def run(ctx: Context) -> list[Hit]:
        m = ctx.moment
        if not m.holiday_greeting or not m.greeting:
            return []
        turns = ctx.turns_of("agent")
        if not turns:
            return []
        first = turns[0]
        pattern = greetings_ids.get(m.greeting)
        if pattern is None:
            pattern = ctx.rulebook.pattern_index.get(m.greeting)
        if pattern is not None and any(h[0] == first for h in ctx.pattern_hits.get(pattern, ())):
            return []
        if pattern is None and m.greeting in ctx.seg_norm[first]:
            return []
        return [(first, WHOLE, WHOLE)]

    return Builtin("holiday_greeting_missing", run)


def silent_call(
    body: Any, path: str, problems: Problems, registry: PhraseRegistry
) -> Builtin | None:
    if not isinstance(body, bool):
        problems.add(path, "应为 true(是无声电话)或 false(不是)")
        return None

    def run(ctx: Context) -> list[Hit]:
        return [(WHOLE, WHOLE, WHOLE)] if ctx.is_silent_call == body else []

    return Builtin("silent_call", run)


def agent_turns_at_least(
    body: Any, path: str, problems: Problems, registry: PhraseRegistry
) -> Builtin | None:
    if isinstance(body, bool) or not isinstance(body, int) or body < 0:
        problems.add(path, "应为不小于0的整数")
        return None

    def run(ctx: Context) -> list[Hit]:
        return [(WHOLE, WHOLE, WHOLE)] if len(ctx.turns_of("agent")) >= body else []

    return Builtin("agent_turns_at_least", run)


# --------------------------------------------------------------------------- timing and events


def answer_delay(
    body: Any, path: str, problems: Problems, registry: PhraseRegistry
) -> Builtin | None:
    """SLA-9: answered within 3 rings (15 s by default)."""
    params = Params(body, path, problems, ("max_ms",))
    limit = params.number("max_ms", 15000)

    def run(ctx: Context) -> list[Hit]:
        ring = _first_event(ctx, "ring")
        answer = _first_event(ctx, "answer")
        if ring is None or answer is None:
            return []
        return [(WHOLE, WHOLE, WHOLE)] if answer.at_ms - ring.at_ms > limit else []

    return Builtin("answer_delay", run) if params.ok else None


def speech_rate(
    body: Any, path: str, problems: Problems, registry: PhraseRegistry
) -> Builtin | None:
    """SCRIPT-11: about 120 characters a minute."""
    params = Params(body, path, problems, ("min_cpm", "max_cpm", "min_talk_ms"))
    low = params.number("min_cpm", 80)
    high = params.number("max_cpm", 180)
    min_talk = params.number("min_talk_ms", 20000)
    if high <= low:
        problems.add(f"{path}.max_cpm", "应大于 min_cpm")
        return None

    def run(ctx: Context) -> list[Hit]:
        rate = agent_speech_rate(ctx, min_talk)
        if rate is None or low <= rate <= high:
            return []
        return [(WHOLE, WHOLE, WHOLE)]

    return Builtin("speech_rate", run) if params.ok else None


def agent_speech_rate(ctx: Context, min_talk_ms: float = 0) -> float | None:
    timing = ctx.timing
    talk = timing.agent_talk_ms
    if talk <= 0 or talk < min_talk_ms:
        return None
    return timing.agent_timed_chars / (talk / 60000)


def longest_silence_ms(ctx: Context) -> int:
    """The longest gap between turns not covered by a hold or a mute (0 when there is none)."""
    if not ctx.conversation.events or not _covered_spans(ctx):
        return ctx.timing.longest_gap_ms
    return max([end - start for _, start, end in silences(ctx)], default=0)


def silences(ctx: Context) -> list[tuple[int, int, int]]:
    """Gaps between consecutive segments not covered by a hold or a mute: (after segment, start, end)."""
    gaps = ctx.timing.gaps
    covered = _covered_spans(ctx) if ctx.conversation.events else []
    if not covered:
        return gaps
    cached = ctx.scope_cache.get("silences")
    if cached is None:
        uncovered: list[tuple[int, int, int]] = []
        for i, start, end in gaps:
            held = sum(max(0, min(end, e) - max(start, s)) for s, e in covered)
            if end - start - held > 0:
                uncovered.append((i, start, start + end - start - held))
        cached = ctx.scope_cache["silences"] = uncovered
    return cached  # type: ignore[no-any-return]


def _covered_spans(ctx: Context) -> list[tuple[int, int]]:
    cached = ctx.scope_cache.get("covered")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    spans: list[tuple[int, int]] = []
    open_at: dict[str, int] = {}
    for event in ctx.conversation.events:
        kind = event.type
        if kind in _COVER_STARTS:
            open_at[kind[:4]] = event.at_ms
        elif kind in _COVER_ENDS and kind[:4] in open_at:
            spans.append((open_at.pop(kind[:4]), event.at_ms))
    if open_at:
        end = ctx.end_of_talk_ms()
        spans.extend((start, max(start, end)) for start in open_at.values())
    ctx.scope_cache["covered"] = spans
    return spans


_COVER_STARTS = frozenset({"hold_start", "mute_start"})
_COVER_ENDS = frozenset({"hold_end", "mute_end"})


def hold_ms(ctx: Context) -> int:
    return sum(end - start for start, end in _covered_spans(ctx))


def long_silence(
    body: Any, path: str, problems: Problems, registry: PhraseRegistry
) -> Builtin | None:
    params = Params(body, path, problems, ("max_ms",))
    limit = params.number("max_ms", 20000)

    def run(ctx: Context) -> list[Hit]:
        if ctx.timing.longest_gap_ms <= limit:  # holds and mutes only shorten silences
            return []
        return [(seg, WHOLE, WHOLE) for seg, start, end in silences(ctx) if end - start > limit]

    return Builtin("long_silence", run) if params.ok else None


def hold_without_notice(
    body: Any, path: str, problems: Problems, registry: PhraseRegistry
) -> Builtin | None:
    """SCRIPT-12: ask the customer to wait ("请您稍候") before holding or muting."""
    params = Params(body, path, problems, ("notice", "events"))
    notice = params.phrases("notice", registry, ["稍候", "稍等"])
    kinds = params.body.get("events", ["hold_start", "mute_start"])
    if not isinstance(kinds, list) or not all(k in ("hold_start", "mute_start") for k in kinds):
        problems.add(f"{path}.events", "应为 hold_start、mute_start 的列表")
        return None

    def run(ctx: Context) -> list[Hit]:
        noticed = _segments_with(ctx, notice)
        hits: list[Hit] = []
        agent = ctx.turns_of("agent")
        for event in ctx.conversation.events:
            if event.type not in kinds:
                continue
            before = [
                i for i in agent if (start := ctx.start_ms(i)) is not None and start <= event.at_ms
            ]
            if not before or before[-1] not in noticed:
                hits.append((before[-1] if before else WHOLE, WHOLE, WHOLE))
        return hits

    return Builtin("hold_without_notice", run, notice) if params.ok else None


def hangup_by(body: Any, path: str, problems: Problems, registry: PhraseRegistry) -> Builtin | None:
    if body not in ("agent", "customer"):
        problems.add(path, "应为 agent 或 customer")
        return None

    def run(ctx: Context) -> list[Hit]:
        for event in ctx.conversation.events:
            if event.type == "hangup" and event.by == body:
                return [(WHOLE, WHOLE, WHOLE)]
        return []

    return Builtin("hangup_by", run)


def silent_call_protocol(
    body: Any, path: str, problems: Problems, registry: PhraseRegistry
) -> Builtin | None:
    """SCRIPT-13: ask twice with 5-second waits, explain, wait 5 s, hang up."""
    params = Params(body, path, problems, ("prompt", "closing", "repeat", "wait_ms"))
    prompt = params.phrases("prompt", registry, ["请问有什么可以帮您"])
    closing = params.phrases("closing", registry, ["您的电话没有声音"])
    repeat = params.integer("repeat", 2, minimum=1)
    wait = params.number("wait_ms", 4000)

    def run(ctx: Context) -> list[Hit]:
        if not ctx.is_silent_call:
            return []
        asked = sorted(_segments_with(ctx, prompt) & set(ctx.turns_of("agent")))
        closed = sorted(_segments_with(ctx, closing) & set(ctx.turns_of("agent")))
        if len(asked) < repeat or not closed or closed[-1] < asked[repeat - 1]:
            anchor = ctx.turns_of("agent")[0] if ctx.turns_of("agent") else WHOLE
            return [(anchor, WHOLE, WHOLE)]
        steps = [*asked[:repeat], closed[-1]]
        for a, b in zip(steps, steps[1:], strict=False):
            end_a, start_b = ctx.end_ms(a), ctx.start_ms(b)
            if end_a is not None and start_b is not None and start_b - end_a < wait:
                return [(b, WHOLE, WHOLE)]
        hangup = _first_event(ctx, "hangup")
        last_end = ctx.end_ms(closed[-1])
        if hangup is not None and last_end is not None and hangup.at_ms - last_end < wait:
            return [(closed[-1], WHOLE, WHOLE)]
        return []

    return Builtin("silent_call_protocol", run, (*prompt, *closing)) if params.ok else None


# --------------------------------------------------------------------------- read-back


def readback_numbers(
    body: Any, path: str, problems: Problems, registry: PhraseRegistry
) -> Builtin | None:
    """SCRIPT-15: numbers the customer gives are repeated by the agent."""
    params = Params(body, path, problems, ("min_digits", "within"))
    min_digits = params.integer("min_digits", 7, minimum=3)
    within = params.integer("within", 2, minimum=1)

    def run(ctx: Context) -> list[Hit]:
        hits: list[Hit] = []
        if not may_hold_long_number(ctx.folded_codes, min_digits):
            return hits  # one search over the whole conversation: most have no long number
        for i in ctx.turns_of("customer"):
            numbers = long_numbers(ctx.seg_norm[i], min_digits)
            if not numbers:
                continue
            following = ctx.next_turns("agent", i, within)
            said = "".join(
                long_digits
                for j in following
                for *_, long_digits in long_numbers(ctx.seg_norm[j], 3)
            )
            for start, end, digits in numbers:
                if digits not in said:
                    hits.append((i, start, end))
        return hits

    return Builtin("readback_numbers", run) if params.ok else None


def readback_content(
    body: Any, path: str, problems: Problems, registry: PhraseRegistry
) -> Builtin | None:
    """SCRIPT-15 / MSG-1..3: the message content and times taken down are verified with the customer."""
    params = Params(body, path, problems, ("prompts", "min_chars", "threshold", "within"))
    prompts = params.phrases("prompts", registry, ["请讲", "内容是"])
    min_chars = params.integer("min_chars", 6, minimum=1)
    threshold = params.number("threshold", 70)
    within = params.integer("within", 2, minimum=1)

    def run(ctx: Context) -> list[Hit]:
        hits: list[Hit] = []
        asked = _segments_with(ctx, prompts) & set(ctx.turns_of("agent"))
        for i in ctx.turns_of("customer"):
            text = ctx.seg_norm[i]
            following = ctx.next_turns("agent", i, within)
            if not following:
                continue
            previous_agent = [j for j in ctx.turns_of("agent") if j < i]
            content_expected = bool(previous_agent) and previous_agent[-1] in asked
            if content_expected and len(text) >= min_chars:
                best = max(fuzz.partial_ratio(text, ctx.seg_norm[j]) for j in following)
                if best < threshold:
                    hits.append((i, 0, len(text)))
                    continue
            tokens = time_tokens(text)
            if tokens:
                said: set[str] = set()
                for j in following:
                    said |= time_token_set(ctx.seg_norm[j])
                for start, end, token in tokens:
                    twelve = (
                        f"{int(token.split(':')[0]) % 12}:{token.split(':')[1]}"
                        if ":" in token
                        else token
                    )
                    if token not in said and twelve not in said:
                        hits.append((i, start, end))
        return hits

    return Builtin("readback_content", run, prompts) if params.ok else None


# --------------------------------------------------------------------------- promises


def promise_without_time(
    body: Any, path: str, problems: Problems, registry: PhraseRegistry
) -> Builtin | None:
    """SLA-6: a promise to come back tells the customer when."""
    params = Params(body, path, problems, ())

    def run(ctx: Context) -> list[Hit]:
        hits: list[Hit] = []
        if ctx.rulebook.promise_set.isdisjoint(ctx.found):
            return hits
        speakers = ctx.speakers
        for pattern in ctx.rulebook.promise_patterns:
            for seg, start, end in ctx.pattern_hits.get(pattern, ()):
                if speakers[seg] == "agent" and ctx.delay_in(seg) is None:
                    hits.append((seg, start, end))
        return hits

    return Builtin("promise_without_time", run) if params.ok else None


BUILTINS: Mapping[str, BuiltinFactory] = {
    "moment": moment,
    "holiday_greeting_missing": holiday_greeting_missing,
    "silent_call": silent_call,
    "agent_turns_at_least": agent_turns_at_least,
    "answer_delay": answer_delay,
    "speech_rate": speech_rate,
    "long_silence": long_silence,
    "hold_without_notice": hold_without_notice,
    "hangup_by": hangup_by,
    "silent_call_protocol": silent_call_protocol,
    "readback_numbers": readback_numbers,
    "readback_content": readback_content,
    "promise_without_time": promise_without_time,
}

Run = Callable[[Context], list[Hit]]
