"""Check operators: the conditions a rule is made of, parsed from the rulebook and evaluated.

A condition evaluated on a conversation yields *hits*: where it holds. A rule's ``flag`` condition
describes a violation, so each hit becomes a finding. Hits are ``(segment, start, end)`` with
offsets into the segment's normalised text; ``start == end == -1`` anchors the hit to a whole
segment (e.g. "the first agent turn lacks 早上好"), ``segment == -1`` to the whole conversation.

The operator set follows the commercial rule models (Alibaba Cloud 智能对话分析 operators, Amazon
Transcribe Call Analytics categories): phrase lists with exclusions, regex, similarity to example
sentences, scopes by speaker, turns, seconds and proximity to another hit, trigger-and-response,
read-back, timing, the moment of the call and boolean composition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from kefu.domain.inspection.normalize import normalise_phrase
from kefu.domain.inspection.problems import RulebookProblem

if TYPE_CHECKING:
    from kefu.domain.inspection.context import Context

Hit = tuple[int, int, int]
WHOLE = -1

SPEAKER_CHOICES = ("agent", "customer", "system", "any")
MOMENTS = (
    "morning",
    "afternoon",
    "holiday_greeting",
    "weekend",
    "statutory_holiday",
    "weekend_or_holiday",
    "known_time",
)


class Problems:
    """Collects problems while parsing one rule."""

    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.items: list[RulebookProblem] = []

    def add(self, path: str, reason: str) -> None:
        self.items.append(RulebookProblem(rule=self.rule, field=path, reason=reason))


class PhraseRegistry:
    """Every phrase of a rulebook gets one pattern index in the shared automaton."""

    def __init__(self) -> None:
        self.patterns: list[str] = []
        self.wording: list[str] = []  # each pattern as first written in the rulebook
        self._index: dict[str, int] = {}

    def add(self, phrase: str) -> int:
        norm = normalise_phrase(phrase)
        found = self._index.get(norm)
        if found is None:
            found = self._index[norm] = len(self.patterns)
            self.patterns.append(norm)
            self.wording.append(phrase.strip())
        return found


def flagged_phrases(condition: Condition, wording: list[str]) -> list[tuple[str, bool]]:
    """The phrases whose presence a condition flags, as written: (phrase, whole clause only).

    Phrases under ``not`` (things required) and exclusions are not listed.
    """
    found: list[tuple[str, bool]] = []
    if isinstance(condition, Phrases):
        for pattern in (*condition.any_of, *condition.all_of):
            found.append((wording[pattern], condition.whole_clause))
    elif isinstance(condition, AllOf | AnyOf):
        for part in condition.parts:
            found.extend(flagged_phrases(part, wording))
    return list(dict.fromkeys(found))


def required_patterns(condition: Condition) -> frozenset[int] | None:
    """Phrases of which at least one must occur in a conversation for the condition to hold,
    or None when it can hold without any (a missing phrase, a timing check …).

    The engine skips a rule at once when none of these was found: most rules flag phrases that
    most conversations never contain.
    """
    if isinstance(condition, Phrases):
        return frozenset(condition.any_of or condition.all_of)
    if isinstance(condition, Regex):
        return frozenset(condition.gate) if condition.gate else None
    if isinstance(condition, Respond):
        return required_patterns(condition.trigger)
    if isinstance(condition, AllOf):
        gates = [g for g in map(required_patterns, condition.parts) if g is not None]
        return min(gates, key=len) if gates else None
    if isinstance(condition, AnyOf):
        union: set[int] = set()
        for part in condition.parts:
            gate = required_patterns(part)
            if gate is None:
                return None
            union |= gate
        return frozenset(union)
    return None


# --------------------------------------------------------------------------- scopes


@dataclass(frozen=True, slots=True)
class Scope:
    first_turns: int | None = None
    last_turns: int | None = None
    first_seconds: float | None = None
    last_seconds: float | None = None
    near: Condition | None = None
    near_turns: int = 1
    everything: bool = field(init=False, default=True)  # no limit at all: every turn is in scope

    def __post_init__(self) -> None:
        unlimited = (
            self.first_turns is None
            and self.last_turns is None
            and self.first_seconds is None
            and self.last_seconds is None
            and self.near is None
        )
        object.__setattr__(self, "everything", unlimited)

    def turns(self, ctx: Context, speaker: str) -> list[int]:
        """The speaker's turns in scope, in order."""
        if self.everything:
            return ctx.turns_of(speaker)
        return self._chosen(ctx, speaker)[0]

    def segments(self, ctx: Context, speaker: str) -> frozenset[int] | None:
        """The segment indexes in scope, or None for "every segment of the speaker"."""
        if self.everything:
            return None
        return self._chosen(ctx, speaker)[1]

    def _chosen(self, ctx: Context, speaker: str) -> tuple[list[int], frozenset[int]]:
        key = (id(self), speaker)
        cached = ctx.scope_cache.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        chosen: list[int] = ctx.turns_of(speaker)
        if self.first_turns is not None:
            chosen = chosen[: self.first_turns]
        if self.last_turns is not None:
            chosen = chosen[-self.last_turns :] if self.last_turns else []
        if self.first_seconds is not None:
            limit = self.first_seconds * 1000
            chosen = [i for i in chosen if (ctx.start_ms(i) or 0) < limit]
        if self.last_seconds is not None:
            end = ctx.end_of_talk_ms()
            limit = end - self.last_seconds * 1000
            chosen = [i for i in chosen if (ctx.end_ms(i) or end) > limit]
        if self.near is not None:
            around = {hit[0] for hit in self.near.evaluate(ctx) if hit[0] != WHOLE}
            chosen = [i for i in chosen if any(abs(i - j) <= self.near_turns for j in around)]
        result = ctx.scope_cache[key] = (chosen, frozenset(chosen))
        return result


# --------------------------------------------------------------------------- conditions


class Condition:
    """Base of every operator."""

    def evaluate(self, ctx: Context, only: frozenset[int] | None = None) -> list[Hit]:
        raise NotImplementedError

    def holds(self, ctx: Context, only: frozenset[int] | None = None) -> bool:
        """Whether `evaluate` would find anything; operators stop at the first hit where they can
        (``not`` and the expected response only ask this)."""
        return bool(self.evaluate(ctx, only))

    def pattern_ids(self) -> Iterable[int]:
        return ()


@dataclass(eq=False)
class Phrases(Condition):
    any_of: tuple[int, ...] = ()
    all_of: tuple[int, ...] = ()
    speaker: str = "agent"
    scope: Scope = field(default_factory=Scope)
    exclude: tuple[int, ...] = ()
    unless_turn_has: tuple[int, ...] = ()
    whole_clause: bool = False

    def __post_init__(self) -> None:
        self._any_set = frozenset(self.any_of)
        self._rank = {pattern: i for i, pattern in enumerate(self.any_of)}  # rulebook order
        self._filtered = bool(self.exclude or self.unless_turn_has or self.whole_clause)

    def pattern_ids(self) -> Iterable[int]:
        return (*self.any_of, *self.all_of, *self.exclude, *self.unless_turn_has)

    def evaluate(self, ctx: Context, only: frozenset[int] | None = None) -> list[Hit]:
        if self.all_of:
            return self._all(ctx, self._allowed(ctx, only))
        return self._any(ctx, only, first=False)

    def holds(self, ctx: Context, only: frozenset[int] | None = None) -> bool:
        if self.all_of:
            return bool(self._all(ctx, self._allowed(ctx, only)))
        return bool(self._any(ctx, only, first=True))

    def _any(self, ctx: Context, only: frozenset[int] | None, *, first: bool) -> list[Hit]:
        """The hits of any phrase, in rulebook order, or only the first found when ``first``."""
        found = ctx.pattern_hits
        present = self._any_set.intersection(found)
        if not present:
            return []
        allowed = self._allowed(ctx, only)
        speaker = self.speaker
        speakers = ctx.speakers if speaker != "any" else None
        filtered = self._filtered
        hits: list[Hit] = []
        ordered = (
            present if first or len(present) == 1 else sorted(present, key=self._rank.__getitem__)
        )
        for pattern in ordered:
            for hit in found[pattern]:
                seg = hit[0]
                if speakers is not None and speakers[seg] != speaker:
                    continue
                if allowed is not None and seg not in allowed:
                    continue
                if filtered and not self._keep(ctx, hit):
                    continue
                hits.append(hit)
                if first:
                    return hits
        return hits

    def _allowed(self, ctx: Context, only: frozenset[int] | None) -> frozenset[int] | None:
        allowed = self.scope.segments(ctx, self.speaker)
        if only is not None:
            return only if allowed is None else allowed & only
        return allowed

    def _all(self, ctx: Context, allowed: frozenset[int] | None) -> list[Hit]:
        speaker = self.speaker
        speakers = ctx.speakers if speaker != "any" else None
        per_segment: dict[int, dict[int, Hit]] = {}
        for pattern in self.all_of:
            for hit in ctx.pattern_hits.get(pattern, ()):
                seg = hit[0]
                if (speakers is not None and speakers[seg] != speaker) or (
                    allowed is not None and seg not in allowed
                ):
                    continue
                if self._keep(ctx, hit):
                    per_segment.setdefault(seg, {}).setdefault(pattern, hit)
        needed = len(set(self.all_of))
        # One hit per turn that has them all: the earliest, as the evidence.
        return [
            min(found.values(), key=lambda h: h[1])
            for found in per_segment.values()
            if len(found) == needed
        ]

    def _keep(self, ctx: Context, hit: Hit) -> bool:
        seg, start, end = hit
        for pattern in self.exclude:
            for other in ctx.pattern_hits.get(pattern, ()):
                if other[0] == seg and other[1] < end and start < other[2]:
                    return False
        if self.unless_turn_has:
            for pattern in self.unless_turn_has:
                if any(other[0] == seg for other in ctx.pattern_hits.get(pattern, ())):
                    return False
        return not (self.whole_clause and not ctx.is_whole_clause(seg, start, end))


@dataclass(eq=False)
class Regex(Condition):
    pattern: re.Pattern[str]
    exclude: re.Pattern[str] | None = None
    speaker: str = "agent"
    scope: Scope = field(default_factory=Scope)
    gate: tuple[int, ...] = ()  # phrases a turn must contain before the regex is tried

    def pattern_ids(self) -> Iterable[int]:
        return self.gate

    def evaluate(self, ctx: Context, only: frozenset[int] | None = None) -> list[Hit]:
        return self._hits(ctx, only, first=False)

    def holds(self, ctx: Context, only: frozenset[int] | None = None) -> bool:
        return bool(self._hits(ctx, only, first=True))

    def _hits(self, ctx: Context, only: frozenset[int] | None, *, first: bool) -> list[Hit]:
        """Where the pattern matches, or only the first place when ``first``."""
        hits: list[Hit] = []
        segments = ctx.segments_for(self.speaker, self.scope, only)
        if self.gate:
            gated = {hit[0] for pattern in self.gate for hit in ctx.pattern_hits.get(pattern, ())}
            segments = [seg for seg in segments if seg in gated]
        for seg in segments:
            text = ctx.seg_norm[seg]
            excluded: bool | None = None  # looked up once a turn has a match
            for match in self.pattern.finditer(text):
                if match.end() == match.start():
                    continue
                if excluded is None:
                    excluded = self.exclude is not None and self.exclude.search(text) is not None
                if excluded:
                    break  # the exclusion holds for the whole turn
                hits.append((seg, match.start(), match.end()))
                if first:
                    return hits
        return hits


@dataclass(eq=False)
class Similar(Condition):
    examples: tuple[str, ...]
    threshold: float = 80.0
    speaker: str = "agent"
    scope: Scope = field(default_factory=Scope)

    def evaluate(self, ctx: Context, only: frozenset[int] | None = None) -> list[Hit]:
        hits: list[Hit] = []
        for seg in ctx.segments_for(self.speaker, self.scope, only):
            text = ctx.seg_norm[seg]
            if not text:
                continue
            for example in self.examples:
                alignment = fuzz.partial_ratio_alignment(example, text)
                if alignment is not None and alignment.score >= self.threshold:
                    hits.append(
                        (
                            seg,
                            alignment.dest_start,
                            max(alignment.dest_end, alignment.dest_start + 1),
                        )
                    )
                    break
        return hits


@dataclass(eq=False)
class AllOf(Condition):
    parts: tuple[Condition, ...]

    def pattern_ids(self) -> Iterable[int]:
        return [p for part in self.parts for p in part.pattern_ids()]

    def evaluate(self, ctx: Context, only: frozenset[int] | None = None) -> list[Hit]:
        hits: list[Hit] = []
        for part in self.parts:
            found = part.evaluate(ctx, only)
            if not found:
                return []
            hits.extend(found)
        # The most specific place wins as the evidence: a span beats a segment beats the whole.
        hits.sort(key=lambda h: (h[0] == WHOLE, h[1] == WHOLE))
        return hits[:1] if hits else []

    def holds(self, ctx: Context, only: frozenset[int] | None = None) -> bool:
        return all(part.holds(ctx, only) for part in self.parts)


@dataclass(eq=False)
class AnyOf(Condition):
    parts: tuple[Condition, ...]

    def pattern_ids(self) -> Iterable[int]:
        return [p for part in self.parts for p in part.pattern_ids()]

    def evaluate(self, ctx: Context, only: frozenset[int] | None = None) -> list[Hit]:
        hits: list[Hit] = []
        for part in self.parts:
            hits.extend(part.evaluate(ctx, only))
        return hits

    def holds(self, ctx: Context, only: frozenset[int] | None = None) -> bool:
        return any(part.holds(ctx, only) for part in self.parts)


@dataclass(eq=False)
class Not(Condition):
    part: Condition

    def pattern_ids(self) -> Iterable[int]:
        return self.part.pattern_ids()

    def evaluate(self, ctx: Context, only: frozenset[int] | None = None) -> list[Hit]:
        if self.part.holds(ctx, only):
            return []
        anchor = _anchor(ctx, self.part)
        return [(anchor, WHOLE, WHOLE)]

    def holds(self, ctx: Context, only: frozenset[int] | None = None) -> bool:
        return not self.part.holds(ctx, only)


def _anchor(ctx: Context, condition: Condition) -> int:
    """Where "X is missing" is shown: the first segment of the scope X was looked for in.

    Only a scoped search (first or last turns …) has such a place; "the agent never said X"
    anywhere is a finding about the whole conversation.
    """
    if isinstance(condition, Phrases | Regex | Similar):
        segments = condition.scope.segments(ctx, condition.speaker)
        if not segments:
            return WHOLE
        return max(segments) if condition.scope.last_turns is not None else min(segments)
    if isinstance(condition, AllOf | AnyOf):
        for part in condition.parts:
            anchor = _anchor(ctx, part)
            if anchor != WHOLE:
                return anchor
    return WHOLE


@dataclass(eq=False)
class Respond(Condition):
    """When the customer says X, the agent's next turn(s) must contain a fitting Y."""

    trigger: Condition
    expect: Condition
    within: int = 1

    def pattern_ids(self) -> Iterable[int]:
        return (*self.trigger.pattern_ids(), *self.expect.pattern_ids())

    def evaluate(self, ctx: Context, only: frozenset[int] | None = None) -> list[Hit]:
        triggers = sorted({hit[0] for hit in self.trigger.evaluate(ctx) if hit[0] != WHOLE})
        hits: list[Hit] = []
        answered_upto = -1
        for seg in triggers:
            if seg <= answered_upto:
                continue
            following = ctx.next_turns("agent", seg, self.within)
            if not following:
                continue
            answered_upto = following[-1]
            if not self.expect.holds(ctx, frozenset(following)):
                hits.append((following[0], WHOLE, WHOLE))
        return hits


@dataclass(eq=False)
class Builtin(Condition):
    """A check written in code (timing, read-back, the moment of the call …)."""

    name: str
    run: Callable[[Context], list[Hit]]
    patterns: tuple[int, ...] = ()

    def pattern_ids(self) -> Iterable[int]:
        return self.patterns

    def evaluate(self, ctx: Context, only: frozenset[int] | None = None) -> list[Hit]:
        key = id(self)
        cached = ctx.scope_cache.get(key)
        if cached is None:
            cached = ctx.scope_cache[key] = self.run(ctx)
        return cached  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- parsing

BuiltinFactory = Callable[[Any, str, Problems, PhraseRegistry], Builtin | None]

COMMON_KEYS = ("speaker", "scope")


class Parser:
    """Turns the YAML of a condition into operator objects, collecting every problem."""

    def __init__(
        self, registry: PhraseRegistry, builtins: Mapping[str, BuiltinFactory], problems: Problems
    ) -> None:
        self.registry = registry
        self.builtins = builtins
        self.problems = problems

    def condition(self, data: Any, path: str) -> Condition | None:
        if not isinstance(data, dict) or len(data) == 0:
            self.problems.add(path, "应为一个条件(如 phrases、regex、all、any、not、respond …)")
            return None
        operators = [key for key in data if key in OPERATOR_KEYS or key in self.builtins]
        if len(operators) != 1:
            known = ", ".join(sorted({*OPERATOR_KEYS, *self.builtins}))
            if not operators:
                self.problems.add(path, f"未知的条件:{', '.join(map(str, data))};可用:{known}")
            else:
                self.problems.add(path, f"一个条件只能有一个运算符,这里有:{', '.join(operators)}")
            return None
        op = operators[0]
        extra = [key for key in data if key != op]
        body = data[op]
        if op in ("all", "any"):
            self._no_extra(extra, path)
            return self._list(op, body, f"{path}.{op}")
        if op == "not":
            self._no_extra(extra, path)
            inner = self.condition(body, f"{path}.not")
            return Not(inner) if inner else None
        if op == "phrases":
            self._no_extra(extra, path)
            return self._phrases(body, f"{path}.phrases")
        if op == "regex":
            self._no_extra(extra, path)
            return self._regex(body, f"{path}.regex")
        if op == "similar":
            self._no_extra(extra, path)
            return self._similar(body, f"{path}.similar")
        if op == "respond":
            self._no_extra(extra, path)
            return self._respond(body, f"{path}.respond")
        self._no_extra(extra, path)
        return self.builtins[op](body, f"{path}.{op}", self.problems, self.registry)

    def _no_extra(self, extra: list[Any], path: str) -> None:
        if extra:
            self.problems.add(path, f"多余的字段:{', '.join(map(str, extra))}")

    def _list(self, op: str, body: Any, path: str) -> Condition | None:
        if not isinstance(body, list) or not body:
            self.problems.add(path, "应为非空的条件列表")
            return None
        parts = [self.condition(item, f"{path}[{i}]") for i, item in enumerate(body)]
        if any(part is None for part in parts):
            return None
        clean = tuple(p for p in parts if p is not None)
        return AllOf(clean) if op == "all" else AnyOf(clean)

    def phrase_list(self, body: Any, path: str, *, allow_empty: bool = False) -> tuple[int, ...]:
        if not isinstance(body, list) or (not body and not allow_empty):
            self.problems.add(path, "应为非空的短语列表")
            return ()
        ids: list[int] = []
        for i, phrase in enumerate(body):
            if not isinstance(phrase, str) or not phrase.strip():
                self.problems.add(f"{path}[{i}]", "短语应为非空文字")
                continue
            if not normalise_phrase(phrase):
                self.problems.add(f"{path}[{i}]", f"短语“{phrase}”去掉标点和空格后为空,无法匹配")
                continue
            ids.append(self.registry.add(phrase))
        return tuple(ids)

    def _speaker(self, body: Mapping[str, Any], path: str, default: str = "agent") -> str:
        speaker = body.get("speaker", default)
        if speaker not in SPEAKER_CHOICES:
            self.problems.add(f"{path}.speaker", f"应为 {'、'.join(SPEAKER_CHOICES)} 之一")
            return default
        return str(speaker)

    def _unknown_keys(self, body: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
        allowed = set(allowed)
        for key in body:
            if key not in allowed:
                self.problems.add(
                    f"{path}.{key}", f"未知字段;可用字段:{', '.join(sorted(allowed))}"
                )

    def scope(self, body: Any, path: str) -> Scope:
        if body is None:
            return Scope()
        if not isinstance(body, dict):
            self.problems.add(path, "应为一个对象,如 {first_turns: 1}")
            return Scope()
        keys = ("first_turns", "last_turns", "first_seconds", "last_seconds", "near", "near_turns")
        self._unknown_keys(body, keys, path)
        values: dict[str, Any] = {}
        for key in ("first_turns", "last_turns", "near_turns"):
            if key in body:
                value = body[key]
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    self.problems.add(f"{path}.{key}", "应为不小于0的整数")
                else:
                    values[key] = value
        for key in ("first_seconds", "last_seconds"):
            if key in body:
                value = body[key]
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                    self.problems.add(f"{path}.{key}", "应为大于0的秒数")
                else:
                    values[key] = float(value)
        if "near" in body:
            near = self.condition(body["near"], f"{path}.near")
            if near is not None:
                values["near"] = near
        return Scope(**values)

    def _phrases(self, body: Any, path: str) -> Condition | None:
        if isinstance(body, list):
            body = {"any": body}
        if not isinstance(body, dict):
            self.problems.add(path, "应为短语列表,或含 any/all 的对象")
            return None
        self._unknown_keys(
            body,
            ("any", "all", "none", "exclude", "unless_turn_has", "whole_clause", *COMMON_KEYS),
            path,
        )
        modes = [key for key in ("any", "all", "none") if key in body]
        if len(modes) != 1:
            self.problems.add(path, "应有且只有 any、all、none 之一")
            return None
        mode = modes[0]
        ids = self.phrase_list(body[mode], f"{path}.{mode}")
        exclude = self.phrase_list(body.get("exclude", []), f"{path}.exclude", allow_empty=True)
        unless = self.phrase_list(
            body.get("unless_turn_has", []), f"{path}.unless_turn_has", allow_empty=True
        )
        whole_clause = body.get("whole_clause", False)
        if not isinstance(whole_clause, bool):
            self.problems.add(f"{path}.whole_clause", "应为 true 或 false")
            whole_clause = False
        node = Phrases(
            any_of=ids if mode != "all" else (),
            all_of=ids if mode == "all" else (),
            speaker=self._speaker(body, path),
            scope=self.scope(body.get("scope"), f"{path}.scope"),
            exclude=exclude,
            unless_turn_has=unless,
            whole_clause=whole_clause,
        )
        return Not(node) if mode == "none" else node

    def _regex(self, body: Any, path: str) -> Condition | None:
        if isinstance(body, str):
            body = {"pattern": body}
        if not isinstance(body, dict):
            self.problems.add(path, "应为正则表达式文字,或含 pattern 的对象")
            return None
        self._unknown_keys(body, ("pattern", "exclude", "gate", *COMMON_KEYS), path)
        pattern = self._compile(body.get("pattern"), f"{path}.pattern", required=True)
        exclude = self._compile(body.get("exclude"), f"{path}.exclude", required=False)
        gate = self.phrase_list(body["gate"], f"{path}.gate") if "gate" in body else ()
        if pattern is None:
            return None
        return Regex(
            pattern=pattern,
            exclude=exclude,
            speaker=self._speaker(body, path),
            scope=self.scope(body.get("scope"), f"{path}.scope"),
            gate=gate,
        )

    def _compile(self, value: Any, path: str, *, required: bool) -> re.Pattern[str] | None:
        if value is None:
            if required:
                self.problems.add(path, "缺少必填字段")
            return None
        if not isinstance(value, str) or not value:
            self.problems.add(path, "应为非空的正则表达式文字")
            return None
        try:
            return re.compile(value)
        except re.error as exc:
            self.problems.add(path, f"正则表达式有误:{exc}")
            return None

    def _similar(self, body: Any, path: str) -> Condition | None:
        if not isinstance(body, dict):
            self.problems.add(path, "应为含 examples 和 threshold 的对象")
            return None
        self._unknown_keys(body, ("examples", "threshold", *COMMON_KEYS), path)
        examples = body.get("examples")
        if not isinstance(examples, list) or not examples:
            self.problems.add(f"{path}.examples", "应为非空的例句列表")
            return None
        normalised: list[str] = []
        for i, example in enumerate(examples):
            if not isinstance(example, str) or not normalise_phrase(example):
                self.problems.add(f"{path}.examples[{i}]", "例句应为非空文字")
            else:
                normalised.append(normalise_phrase(example))
        threshold = body.get("threshold", 80)
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not (0 < threshold <= 100)
        ):
            self.problems.add(f"{path}.threshold", "应为 1 到 100 之间的相似度")
            threshold = 80
        return Similar(
            examples=tuple(normalised),
            threshold=float(threshold),
            speaker=self._speaker(body, path),
            scope=self.scope(body.get("scope"), f"{path}.scope"),
        )

    def _respond(self, body: Any, path: str) -> Condition | None:
        if not isinstance(body, dict):
            self.problems.add(path, "应为含 trigger 和 expect 的对象")
            return None
        self._unknown_keys(body, ("trigger", "expect", "within"), path)
        for key in ("trigger", "expect"):
            if key not in body:
                self.problems.add(f"{path}.{key}", "缺少必填字段")
        if "trigger" not in body or "expect" not in body:
            return None
        trigger_body = body["trigger"]
        if isinstance(trigger_body, dict) and "phrases" in trigger_body:
            phrases = trigger_body["phrases"]
            if isinstance(phrases, list):
                trigger_body = {"phrases": {"any": phrases, "speaker": "customer"}}
            elif isinstance(phrases, dict) and "speaker" not in phrases:
                trigger_body = {"phrases": {**phrases, "speaker": "customer"}}
        trigger = self.condition(trigger_body, f"{path}.trigger")
        expect = self.condition(body["expect"], f"{path}.expect")
        within = body.get("within", 1)
        if isinstance(within, bool) or not isinstance(within, int) or within < 1:
            self.problems.add(f"{path}.within", "应为不小于1的整数(客服的后续几轮)")
            within = 1
        if trigger is None or expect is None:
            return None
        return Respond(trigger=trigger, expect=expect, within=within)


OPERATOR_KEYS = frozenset({"all", "any", "not", "phrases", "regex", "similar", "respond"})
