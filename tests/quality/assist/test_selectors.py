"""The assist selectors over the default rulebook: phrase library search, the opening of a moment,
draft findings and their highlighting."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kefu.accounts.models import Team, User
from kefu.domain.inspection import default_rulebook
from kefu.domain.inspection.report import Finding
from kefu.quality.assist import selectors

from .conftest import FORBIDDEN

SH = ZoneInfo("Asia/Shanghai")


# --- phrase library -----------------------------------------------------------------------------


def test_library_lists_every_scenario_and_the_forbidden_categories() -> None:
    rb = default_rulebook()
    library = selectors.phrase_library(rb)
    assert library.scenarios and library.forbidden
    assert [s.id for s in library.scenarios] == [s.id for s in rb.scenarios]
    assert library.scenario_total == len(rb.scenarios)
    script9 = [r.id for r in rb.rules if "SCRIPT-9" in r.standards]
    assert [c.id for c in library.forbidden] == script9
    assert library.forbidden_total == len(script9)
    for s in library.scenarios:
        assert s.title and s.standards and (s.correct or s.wrong), s.id
    for c in library.forbidden:
        assert "SCRIPT-9" in c.standards and c.phrases, c.id
    every_wrong = [p for c in library.forbidden for p in c.phrases]
    assert "你到底想怎么样" in every_wrong and "不行就是不行" in every_wrong
    assert "喂" in every_wrong and "我不清楚" in every_wrong
    assert "这是规定(单独成句时)" in every_wrong
    assert not any(p in every_wrong for p in ("喂养", "帮您问"))  # exclusions are not shown


def test_forbidden_categories_carry_a_standard_alternative() -> None:
    library = selectors.phrase_library(default_rulebook())
    assert all(c.alternatives for c in library.forbidden)


@pytest.mark.parametrize(
    "q",
    ["你到底想怎么样", "你 到底 想怎麼樣", "你到底想怎么样?", "你到底想怎么樣!"],
)
def test_search_ignores_traditional_full_width_and_spaces(q: str) -> None:
    library = selectors.phrase_library(default_rulebook(), q=q)
    assert library.forbidden, q
    assert all(any("你到底想怎么样" in p for p in c.phrases) for c in library.forbidden)


def test_search_by_title_and_by_standards_id() -> None:
    rb = default_rulebook()
    scenario = next(s for s in rb.scenarios if "SCRIPT-9" not in s.standards)
    by_title = selectors.phrase_library(rb, q=scenario.title)
    assert scenario.id in {s.id for s in by_title.scenarios}
    by_id = selectors.phrase_library(rb, q="script-8")
    assert by_id.scenarios and all("SCRIPT-8" in s.standards for s in by_id.scenarios)
    assert not by_id.forbidden


def test_search_by_a_correct_phrase_finds_its_scenario() -> None:
    library = selectors.phrase_library(default_rulebook(), q="不用客气")
    assert library.scenarios
    assert all(any("不用客气" in p for p in [*s.correct, *s.wrong]) for s in library.scenarios)


def test_search_without_hits_is_empty_and_says_so() -> None:
    library = selectors.phrase_library(default_rulebook(), q="量子计算机")
    assert library.empty and library.q == "量子计算机"


def test_search_of_only_punctuation_does_not_match_everything() -> None:
    library = selectors.phrase_library(default_rulebook(), q="???")
    assert library.empty


# --- the line of an agent -----------------------------------------------------------------------


def test_agent_line(alice: User, vip_agent: User, mark: User) -> None:
    assert selectors.agent_line(alice) == "normal"
    assert selectors.agent_line(mark) == "normal"  # no team
    assert selectors.agent_line(None) == "normal"
    assert selectors.agent_line(vip_agent) == "vip"
    alice.team = Team.objects.create(code="line-2", name="贵宾热线", kind=Team.Kind.TEAM)
    assert selectors.agent_line(alice) == "vip"


# --- the opening for this moment ----------------------------------------------------------------


def test_opening_in_the_morning_of_a_working_day() -> None:
    o = selectors.opening_now(at=datetime(2026, 11, 20, 9, 30, tzinfo=SH))
    assert o.text.startswith("早上好")
    assert "上午" in o.reason
    assert "SCRIPT-1" in o.standards


def test_opening_in_the_afternoon() -> None:
    o = selectors.opening_now(at=datetime(2026, 11, 20, 15, 0, tzinfo=SH))
    assert o.text.startswith("您好")
    assert "早上好" not in o.text


def test_opening_during_the_national_day_holiday() -> None:
    o = selectors.opening_now(at=datetime(2026, 10, 2, 10, 0, tzinfo=SH))
    assert o.text.startswith("国庆节快乐")
    assert "国庆" in o.reason
    assert "SCRIPT-3" in o.standards


def test_opening_on_the_vip_line() -> None:
    o = selectors.opening_now(at=datetime(2026, 11, 20, 15, 0, tzinfo=SH), line="vip")
    assert "贵宾服务专线" in o.text
    assert "贵宾" in o.reason
    assert "SCRIPT-5" in o.standards


def test_opening_for_a_user_follows_the_team(vip_agent: User, alice: User) -> None:
    at = datetime(2026, 11, 20, 15, 0, tzinfo=SH)
    assert "贵宾" in selectors.opening_for_user(vip_agent, at=at).text
    assert "贵宾" not in selectors.opening_for_user(alice, at=at).text


# --- drafts -------------------------------------------------------------------------------------


def test_a_forbidden_phrase_is_found_with_its_alternative() -> None:
    text = f"先生,{FORBIDDEN}我已经说了三遍了。"
    findings = selectors.draft_findings(text=text, channel="chat")
    assert findings
    f = findings[0]
    assert "SCRIPT-9" in f.standards
    assert f.message and f.suggestion
    assert f.span is not None and "你到底想怎么样" in text[f.span[0] : f.span[1]]


def test_traditional_and_spaced_forbidden_phrases_are_found() -> None:
    assert selectors.draft_findings(text="你 到底 想怎麼樣?", channel="email")


def test_a_polite_draft_has_no_findings() -> None:
    text = "您好,您反映的问题我已记录,我们会在24小时内给您回复,请问您还有其他要补充的吗?"
    assert selectors.draft_findings(text=text, channel="chat") == []


def test_an_empty_draft_is_not_checked() -> None:
    assert selectors.draft_findings(text="   \n", channel="chat") == []


def test_findings_come_in_text_order() -> None:
    text = "不行就是不行,这是规定。你到底想怎么样?"
    findings = selectors.draft_findings(text=text, channel="chat")
    starts = [f.span[0] for f in findings if f.span]
    assert len(starts) >= 2 and starts == sorted(starts)


def _finding(start: int, end: int) -> Finding:
    return Finding(
        rule="r",
        standards=("SCRIPT-9",),
        severity="major",
        deduction=5,
        message="m",
        span=(start, end),
    )


def test_draft_pieces_cut_the_text_around_the_spans() -> None:
    text = "abcdefghij"
    pieces = selectors.draft_pieces(text, [_finding(6, 8), _finding(2, 4), _finding(3, 5)])
    assert [p.text for p in pieces] == ["ab", "cde", "f", "gh", "ij"]
    assert [len(p.findings) for p in pieces] == [0, 2, 0, 1, 0]
    assert "".join(p.text for p in pieces) == text


def test_draft_pieces_ignore_spans_outside_the_text() -> None:
    pieces = selectors.draft_pieces("abc", [_finding(2, 9), _finding(3, 3)])
    assert [(p.text, p.findings) for p in pieces] == [("abc", ())]


def test_draft_channel_of_a_work_order() -> None:
    assert selectors.draft_channel("letter") == "email"
    assert selectors.draft_channel("social") == "chat"
    assert selectors.draft_channel("phone") == "phone"
    assert selectors.draft_channel("") == "chat"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("at", "line", "reason_en"),
    [
        ("2026-11-24T09:00:00+08:00", "normal", "Morning"),
        ("2026-11-24T15:00:00+08:00", "normal", "Afternoon and evening"),
        ("2026-10-02T15:00:00+08:00", "normal", "国庆节 holiday"),
        ("2026-11-24T09:00:00+08:00", "vip", "VIP line"),
    ],
)
def test_opening_reason_is_worded_in_the_users_language(at: str, line: str, reason_en: str) -> None:
    from datetime import datetime

    from django.utils import translation

    from kefu.quality.assist.selectors import opening_now

    with translation.override("en"):
        opening = opening_now(at=datetime.fromisoformat(at), line=line)
    assert opening.reason == reason_en
    with translation.override("zh-hans"):
        assert opening_now(at=datetime.fromisoformat(at), line=line).reason != reason_en
