"""The shortcuts that make inspection fast give the same answers as doing the work in full.

Rules are skipped when none of the phrases they need was found (`Rule.gate`), the rules that
apply to a kind of conversation are cached, moments are cached per day, long numbers are found by
a vectorised pre-check, and whole-clause checks read the original text without folding it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.domain.conversation import Conversation, Segment, parse_paths
from kefu.domain.holidays import default_calendar
from kefu.domain.inspection import default_rulebook, extract, inspect
from kefu.domain.inspection.conditions import (
    AllOf,
    AnyOf,
    Condition,
    Not,
    Phrases,
    Regex,
    Respond,
    required_patterns,
)
from kefu.domain.inspection.context import Context
from kefu.domain.inspection.extract import long_numbers, may_hold_long_number
from kefu.domain.inspection.moments import moment_of
from kefu.domain.inspection.normalize import CLAUSE_MARKS, fold, normalise
from tests.domain.inspection.helpers import SHANGHAI

CORPUS = Path(__file__).resolve().parent / "corpus"


def _corpus() -> list[Conversation]:
    found: list[Conversation] = []
    for _, result in parse_paths(sorted(CORPUS.glob("*.json"))):
        found.extend(result.conversations)
    return found


# --------------------------------------------------------------------------- gates


@pytest.mark.parametrize(
    ("condition", "gate"),
    [
        (Phrases(any_of=(1, 2)), {1, 2}),
        (Phrases(all_of=(3, 4)), {3, 4}),
        (Not(Phrases(any_of=(1,))), None),
        (Regex(pattern=re.compile("x")), None),
        (Regex(pattern=re.compile("x"), gate=(5,)), {5}),
        (AllOf((Not(Phrases(any_of=(1,))), Phrases(any_of=(2, 3)), Phrases(any_of=(4,)))), {4}),
        (AllOf((Not(Phrases(any_of=(1,))),)), None),
        (AnyOf((Phrases(any_of=(1,)), Phrases(any_of=(2,)))), {1, 2}),
        (AnyOf((Phrases(any_of=(1,)), Not(Phrases(any_of=(2,))))), None),
        (Respond(trigger=Phrases(any_of=(7,)), expect=Phrases(any_of=(8,))), {7}),
    ],
)
def test_required_patterns_names_what_a_condition_cannot_hold_without(
    condition: object, gate: set[int] | None
) -> None:
    found = required_patterns(condition)  # type: ignore[arg-type]
    assert (set(found) if found is not None else None) == gate


def test_a_gated_rule_finds_nothing_when_none_of_its_phrases_was_found() -> None:
    """Soundness of skipping: on every labelled conversation, a rule whose gate phrases are all
    absent would have found nothing had it been evaluated."""
    rulebook = default_rulebook()
    calendar = default_calendar()
    skipped = 0
    for conversation in _corpus():
        ctx = Context(conversation, rulebook, calendar)
        for rule in rulebook.rules:
            if rule.gate is not None and rule.gate.isdisjoint(ctx.pattern_hits):
                skipped += 1
                assert rule.condition.evaluate(ctx) == [], (conversation.id, rule.id)
    assert skipped > 100  # the check is not vacuous


def _nodes(condition: Condition) -> list[Condition]:
    """A condition and every condition inside it."""
    inner: list[Condition] = []
    if isinstance(condition, AllOf | AnyOf):
        inner = list(condition.parts)
    elif isinstance(condition, Not):
        inner = [condition.part]
    elif isinstance(condition, Respond):
        inner = [condition.trigger, condition.expect]
    return [condition, *(node for part in inner for node in _nodes(part))]


def test_holds_answers_as_evaluating_in_full_would() -> None:
    """`holds` stops at the first hit; on every labelled conversation and every condition of the
    default rulebook, on the whole conversation and on each agent turn alone, it says what
    `bool(evaluate(...))` says."""
    rulebook = default_rulebook()
    calendar = default_calendar()
    held = 0
    for conversation in _corpus():
        ctx = Context(conversation, rulebook, calendar)
        scopes = [None, *(frozenset({i}) for i in ctx.turns_of("agent"))]
        for rule in rulebook.rules:
            for node in _nodes(rule.condition):
                for only in scopes:
                    expected = bool(node.evaluate(ctx, only))
                    assert node.holds(ctx, only) is expected, (conversation.id, rule.id, only)
                    held += expected
    assert held > 1000  # the check is not vacuous


def test_most_default_rules_have_a_gate() -> None:
    rulebook = default_rulebook()
    gated = [rule.id for rule in rulebook.rules if rule.gate is not None]
    assert "forbidden.arrogance" in gated and "scenario.thanks_response" in gated
    assert "greeting.offer_help" not in gated  # a missing phrase cannot be gated
    assert len(gated) >= len(rulebook.rules) // 3


def test_rules_for_a_kind_of_conversation_are_those_whose_applies_match() -> None:
    rulebook = default_rulebook()
    for kind in [
        ("phone", "normal", "inbound", "normal"),
        ("phone", "vip", "inbound", "vip"),
        ("chat", "normal", "inbound", "normal"),
        ("walk_in", "secretary", "outbound", "normal"),
    ]:
        channel, line, direction, customer_class = kind
        expected = tuple(
            rule
            for rule in rulebook.rules
            if channel in rule.applies.channels
            and line in rule.applies.lines
            and direction in rule.applies.directions
            and customer_class in rule.applies.customer_classes
        )
        assert rulebook.rules_for(*kind) == expected
        assert rulebook.rules_for(*kind) is rulebook.rules_for(*kind)  # cached


# --------------------------------------------------------------------------- moments


@settings(max_examples=150, deadline=None)
@given(
    st.datetimes(min_value=datetime(2024, 12, 25), max_value=datetime(2027, 2, 20)),
)
def test_a_cached_moment_is_the_moment_worked_out_afresh(when: datetime) -> None:
    rulebook = default_rulebook()
    calendar = default_calendar()
    at = when.replace(tzinfo=SHANGHAI)
    cached = moment_of(at, rulebook.greetings, calendar, rulebook.moment_cache)
    again = moment_of(at, rulebook.greetings, calendar, rulebook.moment_cache)
    assert cached == again == moment_of(at, rulebook.greetings, calendar)


def test_moments_are_cached_per_calendar() -> None:
    rulebook = default_rulebook()
    cache: dict = {}
    national_day = datetime(2026, 10, 2, 9, 0, tzinfo=SHANGHAI)
    real = default_calendar()

    class NoHolidays:
        """A calendar that knows 2026 and has no holidays at all."""

        known_years = real.known_years

        def day_info(self, day: object) -> None:
            return None

        def is_working_day(self, day: object) -> bool:
            return True

    plain = moment_of(national_day, rulebook.greetings, NoHolidays(), cache)  # type: ignore[arg-type]
    festive = moment_of(national_day, rulebook.greetings, real, cache)
    assert plain.statutory_holiday is None
    assert festive.statutory_holiday == "国庆节"
    assert len(cache) == 2


def test_the_moment_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from kefu.domain.inspection import moments

    monkeypatch.setattr(moments, "_MOMENT_CACHE_SIZE", 10)
    rulebook = default_rulebook()
    calendar = default_calendar()
    cache: dict = {}
    start = datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)
    for days in range(40):
        moment_of(start + timedelta(days=days), rulebook.greetings, calendar, cache)
        assert len(cache) <= 10
    again = moment_of(start + timedelta(days=39), rulebook.greetings, calendar, cache)
    assert again == moment_of(start + timedelta(days=39), rulebook.greetings, calendar)


# --------------------------------------------------------------------------- long numbers


def _codes(text: str):  # noqa: ANN202 - numpy array
    return normalise(text).codes


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("我的号码是13812345678", True),
        ("幺三八一二三四五六七八", True),  # spelled digit by digit
        ("1234567", True),
        ("123456", False),
        ("五十八元的套餐", False),  # 十 breaks the run
        ("一二三四五六", False),
        ("１２３４５６７", True),  # full-width digits fold first
        ("123 456 7", True),  # spaces are not part of the normalised text
        ("", False),
        ("😀1234567😀", True),  # outside the basic plane
    ],
)
def test_the_long_number_pre_check(text: str, found: bool) -> None:
    assert may_hold_long_number(_codes(text), 7) is found  # exact on the normalised text
    assert may_hold_long_number(normalise(text).folded, 7) is found  # as the engine calls it


def test_the_pre_check_may_take_a_run_of_punctuation_for_digits_but_the_rule_does_not() -> None:
    text = "好的……………!!"
    assert may_hold_long_number(normalise(text).folded, 7) is True
    assert long_numbers(normalise(text).text, 7) == []


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("0123456789零〇一二三四五六七八九幺两十号码是,😀 ")),
        max_size=30,
    ),
    st.integers(min_value=3, max_value=9),
)
def test_the_vectorised_pre_check_never_misses_a_number_the_regex_finds(
    text: str, digits: int
) -> None:
    norm = normalise(text)
    found = bool(long_numbers(norm.text, digits))
    assert may_hold_long_number(norm.codes, digits) is found
    if found:
        assert may_hold_long_number(norm.folded, digits)  # as the engine calls it


# --------------------------------------------------------------------------- normalisation


def _reference_normalise(text: str) -> str:
    """Character by character, the slow and obvious way."""
    kept = []
    for ch in fold(text):
        category = unicodedata.category(ch)
        dropped = ch != "\x00" and (
            category[0] in "PZ" or category in ("Cc", "Sk", "Sm", "So", "Cf")
        )
        if not dropped:
            kept.append(ch)
    return "".join(kept)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(list("你好嗎說話吗我不清楚,。！？ 　ＡａB1１\t\n“”…～喂身份證😀\x00")),
            st.characters(codec="utf-8"),
        ),
        max_size=40,
    )
)
def test_normalise_matches_a_character_by_character_reference(text: str) -> None:
    assert normalise(text).text == _reference_normalise(text)


@pytest.mark.parametrize(
    ("text", "phrase", "whole"),
    [
        ("好的，　身份证　。", "身份证", True),  # full-width comma and ideographic spaces
        ("好的“身份证”", "身份证", False),  # quotation marks do not end a clause
        ("身份证～", "身份证", True),
        ("😀身份证", "身份证", False),
    ],
)
def test_whole_clause_reads_the_original_text(text: str, phrase: str, whole: bool) -> None:
    n = normalise(text)
    start = n.text.index(phrase)
    assert n.is_whole_clause(start, start + len(phrase)) is whole


def test_clause_marks_fold_to_themselves() -> None:
    assert {fold(mark) for mark in CLAUSE_MARKS} <= CLAUSE_MARKS


def test_a_text_holding_the_separator_is_still_inspected_turn_by_turn() -> None:
    conversation = Conversation(
        id="sep",
        channel="chat",
        segments=(
            Segment(speaker="agent", text="您好\x00不行就是不行"),  # type: ignore[arg-type]
            Segment(speaker="customer", text="好吧"),  # type: ignore[arg-type]
        ),
    )
    report = inspect(conversation, default_rulebook())
    finding = next(f for f in report.findings if f.rule == "forbidden.arrogance")
    assert finding.segment == 0 and finding.evidence == "不行就是不行"


# --------------------------------------------------------------------------- promised delays


def _delay_by_three_searches(norm: str) -> tuple[int, int, float | None] | None:
    """The reference: each kind of delay searched on its own, the leftmost kept (ties in the
    order amount, half an hour, day word), as `find_delay` did before one search did all three."""
    found = [
        (m.start(), rank, m)
        for rank, pattern in enumerate((extract._AMOUNT, extract._HALF_HOUR, extract._DAY_WORD))
        if (m := pattern.search(norm)) is not None
    ]
    if not found:
        soon = extract._SOON.search(norm)
        return (soon.start(), soon.end(), None) if soon else None
    _, rank, match = min(found, key=lambda f: (f[0], f[1]))
    if rank == 1:
        return match.start(), match.end(), 0.5
    if rank == 2:
        return match.start(), match.end(), None
    delay = extract.find_delay(match.group())  # the amount alone: its own value
    return (match.start(), match.end(), delay.hours) if delay else None


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "24",
                "两",
                "一个半",
                "半",
                "个",
                "小时",
                "分钟",
                "工作日",
                "天",
                "内",
                "明天",
                "下午",
                "三点",
                "半个小时",
                "xx",
                "稍后",
                "马上",
                "我们",
                "会在",
                "回复",
                "1.5",
            ]
        ),
        max_size=10,
    ).map("".join)
)
def test_one_search_finds_the_delay_three_searches_found(norm: str) -> None:
    delay = extract.find_delay(norm)
    found = (delay.start, delay.end, delay.hours) if delay is not None else None
    assert found == _delay_by_three_searches(norm)


# --------------------------------------------------------------------------- the way back, per turn


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list("您好什么號碼ＡB1２ ,。!?…、\t\u3000😀")), max_size=12
        ),
        min_size=1,
        max_size=5,
    ),
    st.data(),
)
def test_a_turn_maps_back_as_if_it_were_normalised_alone(texts: list[str], data) -> None:  # noqa: ANN001
    """Positions and whole-clause checks are worked out per turn of the joined conversation;
    they agree with normalising each turn on its own (a turn's ends are clause ends)."""
    conversation = Conversation(
        id="c",
        channel="chat",
        segments=tuple(Segment(speaker="agent", text=t) for t in texts),
    )
    ctx = Context(conversation, default_rulebook(), default_calendar())
    for segment, text in enumerate(texts):
        alone = normalise(text)
        assert ctx.seg_norm[segment] == alone.text
        if not alone.text:
            continue
        start = data.draw(st.integers(0, len(alone.text) - 1))
        end = data.draw(st.integers(start + 1, len(alone.text)))
        assert ctx.to_original(segment, start, end) == alone.to_original(start, end)
        assert ctx.is_whole_clause(segment, start, end) is alone.is_whole_clause(start, end)
