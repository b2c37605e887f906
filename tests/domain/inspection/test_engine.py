"""The engine: rules firing on agent words only, scoring with caps, commitments, metrics."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.domain.conversation import Conversation, Segment
from kefu.domain.inspection import (
    DEFAULT_RULEBOOK,
    ScoringTerms,
    default_rulebook,
    draft_check,
    inspect,
    rescore,
    rulebook_from_yaml,
    scoring_terms,
)
from tests.domain.inspection.helpers import (
    GOOD_OPENING,
    SHANGHAI,
    TUESDAY_AFTERNOON,
    clean_call,
    conv,
    rules_of,
    run,
)


def test_clean_call_scores_100_and_passes() -> None:
    report = run(
        clean_call(("customer", "我想查一下话费。"), ("agent", "好的,请您稍候,我帮您查询。"))
    )
    assert report.findings == []
    assert (report.score, report.verdict) == (100, "pass")


@pytest.mark.parametrize(
    ("agent_says", "rule", "evidence"),
    [
        ("你到底想怎么样?", "forbidden.questioning", "你到底想怎么样"),
        ("你到底想怎麼樣?", "forbidden.questioning", "你到底想怎麼樣"),
        ("你 到底 想 怎么样", "forbidden.questioning", "你 到底 想 怎么样"),
        ("什么?", "forbidden.questioning", "什么"),
        ("不行就是不行,这是规定。", "forbidden.arrogance", "不行就是不行"),
        ("我不清楚,你找营业厅问。", "forbidden.shirking", "我不清楚"),
        ("喂,说话呀", "greeting.blunt_opening", "说话呀"),
        ("还有问题吗?", "closing.wrong_check", "还有问题吗"),
        ("身份证!", "forbidden.command", "身份证"),
        ("这是公司规定。", "scenario.wrong_response", "这是公司规定"),
    ],
)
def test_agent_forbidden_words_are_flagged_with_evidence(
    agent_says: str, rule: str, evidence: str
) -> None:
    report = run(clean_call(("customer", "我的话费不对。"), ("agent", agent_says)))
    found = [f for f in report.findings if f.rule == rule]
    assert found, report.to_json()
    finding = found[0]
    assert finding.segment == 2
    assert finding.evidence == evidence
    assert agent_says[finding.span[0] : finding.span[1]] == evidence
    assert finding.suggestion and finding.message and finding.standards


@pytest.mark.parametrize(
    "customer_says",
    [
        "你到底想怎么样?",
        "喂?喂?",
        "我不清楚,我不知道。",
        "这是公司规定吗?",
        "还有问题吗?我还有一个",
    ],
)
def test_customer_saying_forbidden_words_is_not_flagged(customer_says: str) -> None:
    report = run(clean_call(("customer", customer_says), ("agent", "好的,请您稍候,我帮您查询。")))
    assert report.findings == [], report.to_json()


@pytest.mark.parametrize(
    "agent_says",
    [
        "这个细节我不太清楚,我帮您问一下同事。",
        "我不清楚这个政策的细节,请您稍候,我帮您问一下同事。",
        "您说什么?我这边没听清楚,请您再说一遍好吗?",
        "请问有什么可以帮您?",
        "请您出示一下身份证,好吗?",
        "我们会为您反馈,请您放心。",
        "这个药一天喂三次就可以了。",
        "您打开手机营业厅看一下吧。",
        "办理时请携带:身份证、户口本。",
    ],
)
def test_polite_near_misses_are_not_flagged(agent_says: str) -> None:
    report = run(clean_call(("customer", "我想办个业务。"), ("agent", agent_says)))
    assert report.findings == [], report.to_json()


@pytest.mark.parametrize(
    "customer_says",
    ["帮我找一下账单。", "你建议我办哪个套餐?", "谢谢,我找一下你们的小王。"],
)
def test_customer_words_close_to_a_trigger_do_not_demand_a_script(customer_says: str) -> None:
    report = run(clean_call(("customer", customer_says), ("agent", "不客气,请您稍候,我帮您查询。")))
    assert not {"personal_call.refusal", "scenario.suggestion_response"} & rules_of(report) or (
        "小王" in customer_says and rules_of(report) == {"personal_call.refusal"}
    ), report.to_json()


def test_thanks_needs_a_fitting_response_in_the_next_agent_turn() -> None:
    missing = run(clean_call(("customer", "太谢谢你了。"), ("agent", "好的。")))
    assert "scenario.thanks_response" in rules_of(missing)
    answered = run(clean_call(("customer", "太谢谢你了。"), ("agent", "不客气,很高兴能为您服务。")))
    assert "scenario.thanks_response" not in rules_of(answered)


def test_morning_needs_zao_shang_hao_and_afternoon_must_not_use_it() -> None:
    morning = conv(("agent", "您好!工号1024为您服务,请问有什么可以帮您?"), ("customer", "查话费"))
    assert "greeting.time_of_day" in rules_of(run(morning))
    afternoon = conv(("agent", GOOD_OPENING), ("customer", "查话费"), started_at=TUESDAY_AFTERNOON)
    found = [f for f in run(afternoon).findings if f.rule == "greeting.time_of_day"]
    assert found and found[0].segment == 0
    assert found[0].suggestion == "您好!请问有什么可以帮您?"


def test_national_day_morning_expects_the_holiday_greeting_instead() -> None:
    started = datetime(2026, 10, 2, 9, 0, tzinfo=SHANGHAI)
    plain = run(conv(("agent", GOOD_OPENING), ("customer", "查话费"), started_at=started))
    assert "greeting.holiday" in rules_of(plain)
    assert "greeting.time_of_day" not in rules_of(plain)
    festive = run(
        conv(
            ("agent", "国庆节快乐!工号1024为您服务,请问有什么可以帮您!"),
            ("customer", "查话费"),
            started_at=started,
        )
    )
    assert not {"greeting.holiday", "greeting.time_of_day"} & rules_of(festive)


def test_year_without_calendar_data_falls_back_to_festival_dates_with_a_warning() -> None:
    # 2030: 春节 is 3 February; the statutory calendar has no 2030 data.
    started = datetime(2030, 2, 4, 10, 0, tzinfo=SHANGHAI)
    report = run(conv(("agent", GOOD_OPENING), ("customer", "查话费"), started_at=started))
    assert "greeting.holiday" in rules_of(report)
    assert report.warnings and "2030" in report.warnings[0]


def test_per_rule_cap_limits_deductions_and_critical_fails() -> None:
    report = run(
        clean_call(
            ("customer", "我的话费不对。"),
            ("agent", "你到底想怎么样?你到底在说什么?你听不听我说?"),
        )
    )
    questioning = [f for f in report.findings if f.rule == "forbidden.questioning"]
    assert len(questioning) == 3
    assert [f.deduction for f in questioning] == [20, 20, 0]  # max_deduction 40
    assert report.score == 60
    assert report.verdict == "fail"


def test_rescore_uses_the_scoring_terms_it_is_given() -> None:
    terms = ScoringTerms(pass_mark=90, rules={"a": (8.0, 10.0), "b": (3.0, 3.0)})
    assert rescore(terms, [("a", "major")] * 2) == (90, "pass")  # 8 + 2 (capped at 10)
    assert rescore(terms, [("a", "major")] * 2 + [("b", "minor")]) == (87, "fail")
    assert rescore(terms, [("c", "critical")]) == (100, "fail")


def test_scoring_terms_round_trip_through_json() -> None:
    rb = default_rulebook()
    terms = scoring_terms(rb, ["closing.wrong_check", "forbidden.questioning"])
    assert set(terms.rules) == {"closing.wrong_check", "forbidden.questioning"}
    assert terms.rules["forbidden.questioning"] == (20, 40)
    assert ScoringTerms.from_json(json.loads(json.dumps(terms.to_json()))) == terms


def test_rescore_drops_overturned_findings_and_reapplies_caps() -> None:
    rb = default_rulebook()
    assert rescore(rb, []) == (100, "pass")
    assert rescore(rb, [("closing.wrong_check", "major")]) == (95, "pass")
    assert rescore(rb, [("forbidden.questioning", "critical")] * 3) == (60, "fail")
    assert rescore(rb, [("no.such.rule", "minor")]) == (100, "pass")


def test_score_below_pass_mark_fails_without_a_critical_finding() -> None:
    data = yaml.safe_load(DEFAULT_RULEBOOK.read_text(encoding="utf-8"))
    data["pass_mark"] = 99
    rb = rulebook_from_yaml(yaml.safe_dump(data, allow_unicode=True))
    report = inspect(clean_call(("customer", "查话费"), ("agent", "还有问题吗?")), rb)
    assert (report.score, report.verdict) == (95, "fail")


def test_promise_with_a_time_becomes_a_commitment_due_then() -> None:
    report = run(
        clean_call(
            ("customer", "这个能查到吗?"),
            ("agent", "这个问题我需要进一步查询,我们会在24小时内回复您,好吗?", 60000, 66000),
        )
    )
    assert report.findings == []
    [commitment] = report.commitments
    assert commitment.kind == "callback"
    assert commitment.evidence == "24小时内回复您"
    assert commitment.due_at == datetime(2026, 11, 25, 9, 16, tzinfo=SHANGHAI)


def test_working_day_promise_skips_the_weekend() -> None:
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=SHANGHAI)
    report = run(
        clean_call(
            ("customer", "这个能查到吗?"),
            ("agent", "我们会在两个工作日内给您答复。"),
            started_at=friday,
        )
    )
    [commitment] = report.commitments
    assert commitment.due_at is not None
    assert commitment.due_at.astimezone(SHANGHAI).date().isoformat() == "2026-12-01"


def test_promise_without_time_is_flagged() -> None:
    report = run(clean_call(("customer", "这个能查到吗?"), ("agent", "我们查好以后会联系您。")))
    assert "commitment.no_time" in rules_of(report)
    assert report.commitments == []


def test_metrics_from_times_and_events() -> None:
    report = run(
        conv(
            ("agent", GOOD_OPENING, 6000, 12000),
            ("customer", "我想查话费。", 12500, 14000),
            ("agent", "好的,请您稍候。", 14500, 16000),
            ("customer", "好。", 40000, 40500),
            ("agent", GOOD_OPENING, 41000, 47000),
            events=[
                {"type": "ring", "at_ms": 0},
                {"type": "answer", "at_ms": 5000},
                {"type": "hold_start", "at_ms": 16500},
                {"type": "hold_end", "at_ms": 38000},
                {"type": "hangup", "at_ms": 50000, "by": "customer"},
            ],
        )
    )
    m = report.metrics
    assert m["answer_after_ms"] == 5000
    assert m["hold_ms"] == 21500
    assert m["longest_silence_ms"] == 2500  # 16.0-16.5 s and 38.0-40.0 s are not held
    assert m["agent_turns"] == 3 and m["customer_turns"] == 2
    assert m["hung_up_by"] == "customer"


def test_answer_after_20_seconds_and_hold_without_notice_are_flagged() -> None:
    report = run(
        clean_call(
            ("customer", "查话费。"),
            ("agent", "好的。", 30000, 31000),
            events=[
                {"type": "ring", "at_ms": 0},
                {"type": "answer", "at_ms": 20000},
                {"type": "hold_start", "at_ms": 31500},
                {"type": "hold_end", "at_ms": 40000},
            ],
        )
    )
    assert {"timing.answer_delay", "hold.ask_to_wait"} <= rules_of(report)


def test_agent_hanging_up_first_is_flagged_but_not_on_a_silent_call() -> None:
    hung = run(
        clean_call(("customer", "好。"), events=[{"type": "hangup", "at_ms": 1, "by": "agent"}])
    )
    assert "farewell.agent_hung_up" in rules_of(hung)
    silent = run(
        conv(
            ("agent", "您好!请问有什么可以帮您?", 1000, 3000),
            ("agent", "您好!请问有什么可以帮您?", 8500, 10500),
            ("agent", "对不起,您的电话没有声音,请您换一部电话挂来,好吗?再见!", 16000, 21000),
            events=[{"type": "hangup", "at_ms": 27000, "by": "agent"}],
        )
    )
    assert not {"farewell.agent_hung_up", "silent_call.protocol"} & rules_of(silent)


def test_silent_call_without_waiting_is_flagged() -> None:
    report = run(
        conv(
            ("agent", "您好!请问有什么可以帮您?", 1000, 3000),
            ("agent", "对不起,您的电话没有声音,请您换一部电话挂来,好吗?再见!", 3500, 8000),
            events=[{"type": "hangup", "at_ms": 8200, "by": "agent"}],
        )
    )
    assert "silent_call.protocol" in rules_of(report)


def test_customer_number_must_be_read_back() -> None:
    missing = run(
        clean_call(("customer", "我的号码是138 1234 5678。"), ("agent", "好的,请您稍候。"))
    )
    assert "readback.number" in rules_of(missing)
    done = run(
        clean_call(
            ("customer", "我的号码是138 1234 5678。"),
            ("agent", "您的号码是幺三八一二三四五六七八,对吗?"),
        )
    )
    assert "readback.number" not in rules_of(done)


def test_draft_check_finds_forbidden_phrases_with_the_standard_wording() -> None:
    findings = draft_check("您好,你到底想怎么样?这是公司规定。", default_rulebook())
    assert [f.rule for f in findings] == ["forbidden.questioning", "scenario.wrong_response"]
    assert findings[0].span == (3, 10)
    assert findings[0].suggestion
    assert draft_check("您好,已为您处理好了。", default_rulebook()) == []
    assert draft_check("   ", default_rulebook()) == []


def test_email_gets_no_greeting_or_farewell_rules() -> None:
    report = run(conv(("agent", "张先生,您反映的问题已处理。"), channel="email"))
    assert report.findings == []


words = st.sampled_from(
    [
        "您好",
        "早上好",
        "谢谢",
        "你到底想怎么样",
        "我不清楚",
        "再见",
        "什么",
        "!",
        ",",
        " ",
        "138",
        "12345678",
        "喂",
        "稍候",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["agent", "customer", "system"]),
            st.lists(words, max_size=6).map("".join),
        ),
        max_size=12,
    ),
    st.sampled_from(["phone", "chat", "email", "walk_in"]),
    st.sampled_from(["normal", "vip", "secretary"]),
    st.integers(min_value=0, max_value=365 * 24 * 3),
)
def test_any_conversation_gives_a_consistent_report(turns, channel, line, hours) -> None:  # type: ignore[no-untyped-def]
    started = datetime(2026, 1, 1, tzinfo=SHANGHAI) + timedelta(hours=hours)
    conversation = Conversation(
        id="p",
        channel=channel,
        line=line,
        started_at=started,
        segments=tuple(Segment(speaker=s, text=t) for s, t in turns),
    )
    report = inspect(conversation, default_rulebook())
    assert report.score == max(0, 100 - sum(f.deduction for f in report.findings))
    critical = any(f.severity == "critical" for f in report.findings)
    assert report.verdict == ("fail" if critical or report.score < 60 else "pass")
    for f in report.findings:
        assert f.standards
        if f.span is not None:
            text = conversation.segments[f.segment].text
            assert text[f.span[0] : f.span[1]] == f.evidence
            assert conversation.segments[f.segment].speaker == "agent" or f.rule.startswith(
                ("readback", "scenario")
            )
