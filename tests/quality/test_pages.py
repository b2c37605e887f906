"""Quality pages: who sees what, filters, pagination, the import page, the conversation page with
its highlighted findings, review and appeal through the forms, the queue, scorecards, rule stats."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.accounts.models import User
from kefu.quality.models import Conversation, Finding

from .conftest import as_bytes, conversation, logged_in

pytestmark = pytest.mark.usefixtures("qseed")


@pytest.fixture
def two_agents(ivan: User, alice: User, bob: User, import_as) -> None:
    import_as(
        ivan,
        conversation("alice-1"),
        conversation("alice-2", agent_text="好的,我帮您登记。", channel="chat"),
        conversation("bob-1", employee_no="1025"),
    )


def _ids(response: Any) -> list[str]:
    return re.findall(
        r'class="mono">([\w-]+)</a></td>\s*<td class="num">', response.content.decode()
    )


# --- list ---------------------------------------------------------------------------------------


def test_agents_see_only_their_own_conversations(alice: User, two_agents: None):
    r = logged_in(alice).get("/quality/")
    assert r.status_code == 200
    assert sorted(_ids(r)) == ["alice-1", "alice-2"]
    assert 'id="import-link"' not in r.content.decode()


@pytest.mark.parametrize("who", ["ivan", "lena", "mark"])
def test_inspectors_leads_and_managers_see_all(who: str, request: Any, two_agents: None):
    user = request.getfixturevalue(who)
    r = logged_in(user).get("/quality/")
    assert sorted(_ids(r)) == ["alice-1", "alice-2", "bob-1"]


def test_the_list_filters(ivan: User, alice: User, bob: User, two_agents: None):
    client = logged_in(ivan)
    assert sorted(_ids(client.get("/quality/", {"agent": alice.pk}))) == ["alice-1", "alice-2"]
    assert _ids(client.get("/quality/", {"channel": "chat"})) == ["alice-2"]
    assert sorted(_ids(client.get("/quality/", {"verdict": "fail"}))) == ["alice-1", "bob-1"]
    assert _ids(client.get("/quality/", {"score_min": 100})) == ["alice-2"]
    assert sorted(_ids(client.get("/quality/", {"score_max": 99}))) == ["alice-1", "bob-1"]
    rule = Finding.objects.filter(conversation__external_id="bob-1").first().rule
    assert sorted(_ids(client.get("/quality/", {"rule": rule}))) == ["alice-1", "bob-1"]
    assert _ids(client.get("/quality/", {"q": "bob"})) == ["bob-1"]
    assert (
        len(_ids(client.get("/quality/", {"date_from": "2026-11-20", "date_to": "2026-11-20"})))
        == 3
    )
    assert _ids(client.get("/quality/", {"date_from": "2026-11-21"})) == []


def test_bad_filters_give_field_messages(ivan: User, two_agents: None):
    r = logged_in(ivan).get(
        "/quality/", {"score_min": 90, "score_max": 10, "date_from": "2026-11-20", "date_to": "x"}
    )
    assert r.status_code == 400
    text = r.content.decode()
    assert "最高分不能低于最低分" in text
    assert "errorlist" in text


def test_the_list_paginates(ivan: User, alice: User, import_as):
    import_as(ivan, *[conversation(f"p-{i:02d}") for i in range(30)], inspect_now=True)
    client = logged_in(ivan)
    first = client.get("/quality/")
    assert len(_ids(first)) == 25
    assert "1 / 2" in first.content.decode()
    assert len(_ids(client.get("/quality/", {"page": 2}))) == 5


# --- import -------------------------------------------------------------------------------------


def test_the_import_page_saves_good_conversations_and_lists_each_problem(
    ivan: User, alice: User, alice_ticket: Any
):
    bad = conversation("bad-1")
    bad["segments"][0]["speaker"] = "robot"
    good = SimpleUploadedFile("calls.json", as_bytes([conversation("good-1"), bad]))
    empty = SimpleUploadedFile("empty.json", b"")
    r = logged_in(ivan).post(
        "/quality/import/",
        {"files": [good, empty], "agent": alice.pk, "ticket": alice_ticket.number},
    )
    assert r.status_code == 200
    text = r.content.decode()
    assert re.search(r'id="created-count">1<', text)
    assert re.search(r'id="problem-count">2<', text)
    assert "第2个对话" in text and "robot" in text
    assert "empty.json" in text and "文件为空" in text
    conv = Conversation.objects.get()
    assert conv.external_id == "good-1" and conv.ticket == alice_ticket


def test_the_import_form_names_what_is_wrong(ivan: User):
    client = logged_in(ivan)
    r = client.post("/quality/import/", {"ticket": "KF-NOPE"})
    assert r.status_code == 400
    text = r.content.decode()
    assert "未找到工单" in text
    assert "此字段是必填项" in text or "required" in text.lower()


def test_agents_cannot_import(alice: User):
    assert logged_in(alice).get("/quality/import/").status_code == 403


# --- the conversation page ----------------------------------------------------------------------


def _conv(external_id: str = "alice-1") -> Conversation:
    return Conversation.objects.get(external_id=external_id)


def test_the_page_highlights_the_finding_in_place_with_its_suggestion(ivan: User, two_agents: None):
    conv = _conv()
    finding = Finding.objects.get(inspection=conv.latest_inspection)
    r = logged_in(ivan).get(f"/quality/c/{conv.pk}/")
    assert r.status_code == 200
    text = r.content.decode()
    mark = re.search(r'<mark class="q-hit q-hit-(\w+)" title="([^"]+)"[^>]*>([^<]+)</mark>', text)
    assert mark is not None
    assert mark.group(1) == finding.severity
    assert mark.group(3) == "不行就是不行"
    assert finding.rule in mark.group(2)
    assert f'id="finding-{finding.pk}"' in text
    assert finding.suggestion in text
    assert "SCRIPT-9" in text
    assert f'id="overturn-{finding.pk}"' in text  # inspectors review


def test_agents_open_their_own_conversations_only(alice: User, bob: User, two_agents: None):
    conv = _conv()
    r = logged_in(alice).get(f"/quality/c/{conv.pk}/")
    assert r.status_code == 200
    text = r.content.decode()
    assert "提交申诉" in text and "overturn-" not in text
    assert logged_in(bob).get(f"/quality/c/{conv.pk}/").status_code == 403
    assert logged_in(bob).get("/quality/c/999999/").status_code == 404


def test_overturning_without_a_reason_keeps_the_page_and_says_why(ivan: User, two_agents: None):
    conv = _conv()
    finding = Finding.objects.get(inspection=conv.latest_inspection)
    r = logged_in(ivan).post(
        f"/quality/findings/{finding.pk}/review/", {"decision": "overturn", "reason": ""}
    )
    assert r.status_code == 400
    assert "撤销质检问题须填写理由" in r.content.decode()
    assert Finding.objects.get(pk=finding.pk).status == "open"


def test_overturning_through_the_page_changes_the_score(ivan: User, two_agents: None):
    conv = _conv()
    finding = Finding.objects.get(inspection=conv.latest_inspection)
    client = logged_in(ivan)
    r = client.post(
        f"/quality/findings/{finding.pk}/review/", {"decision": "overturn", "reason": "误判"}
    )
    assert r.status_code == 302 and r.url.endswith(f"#finding-{finding.pk}")
    page = client.get(f"/quality/c/{conv.pk}/").content.decode()
    assert re.search(r'id="score">100<', page)
    assert "q-hit-overturned" in page
    assert "误判" in page


def test_the_agent_appeals_through_the_page(alice: User, ivan: User, two_agents: None):
    conv = _conv()
    finding = Finding.objects.get(inspection=conv.latest_inspection)
    client = logged_in(alice)
    empty = client.post(f"/quality/findings/{finding.pk}/appeal/", {"reason": ""})
    assert empty.status_code == 400
    r = client.post(f"/quality/findings/{finding.pk}/appeal/", {"reason": "客户要求无法办理"})
    assert r.status_code == 302
    page = logged_in(ivan).get(f"/quality/c/{conv.pk}/").content.decode()
    assert "处理申诉" in page and "客户要求无法办理" in page
    decided = logged_in(ivan).post(
        f"/quality/appeals/{finding.appeal.pk}/decide/",
        {"outcome": "overturned", "reason": "申诉成立"},
    )
    assert decided.status_code == 302
    assert _conv().score == 100


def test_an_agent_cannot_review(alice: User, two_agents: None):
    finding = Finding.objects.filter(conversation__external_id="alice-1").first()
    r = logged_in(alice).post(
        f"/quality/findings/{finding.pk}/review/",
        {"decision": "overturn", "reason": "我觉得没问题"},
    )
    assert r.status_code == 403


def test_commitments_link_to_the_callback(ivan: User, alice: User, alice_ticket: Any, import_as):
    import_as(
        ivan, conversation(agent_text="好的。我们会在24小时内给您回复。"), ticket=alice_ticket
    )
    conv = Conversation.objects.get()
    text = logged_in(ivan).get(f"/quality/c/{conv.pk}/").content.decode()
    assert 'id="commitments"' in text
    assert "已生成回电" in text and alice_ticket.number in text


# --- queue, scorecards, rule statistics ---------------------------------------------------------


def test_the_queue_lists_open_findings_and_samples(ivan: User, alice: User, import_as):
    import_as(ivan, *[conversation(f"q-{i:02d}") for i in range(12)])
    client = logged_in(ivan)
    r = client.get("/quality/queue/")
    assert r.status_code == 200
    assert r.content.decode().count("q-st q-st-open") == 12
    sample = client.get("/quality/queue/", {"sample": 5})
    assert sample.status_code == 302 and "seed=" in sample.url
    page = client.get(sample.url)
    assert page.content.decode().count("q-st q-st-open") == 5

    # the same link gives the same sample
    def picked(response: Any) -> list[str]:
        return re.findall(r'#finding-(\d+)" class="mono"', response.content.decode())

    assert len(picked(page)) == 5
    assert picked(client.get(sample.url)) == picked(page)
    assert (
        client.get("/quality/queue/", {"status": "confirmed"})
        .content.decode()
        .count("q-st q-st-open")
        == 0
    )


def test_the_queue_is_not_for_agents(alice: User):
    assert logged_in(alice).get("/quality/queue/").status_code == 403
    assert logged_in(alice).get("/quality/rules/").status_code == 403


def test_scorecards_show_each_agent(ivan: User, alice: User, bob: User, two_agents: None):
    r = logged_in(ivan).get("/quality/scorecards/")
    assert r.status_code == 200
    text = r.content.decode()
    assert "王丽" in text and "赵强" in text
    assert 'id="quality-trend-data"' in text
    assert "/reports/assets/plotly-" in text and "quality/charts.js" in text
    assert "50.0%" in text  # alice: one of two conversations passed


def test_an_agent_sees_only_their_own_scorecard(alice: User, two_agents: None):
    text = logged_in(alice).get("/quality/scorecards/").content.decode()
    assert "王丽" in text and "赵强" not in text


def test_scorecards_check_the_range(ivan: User):
    r = logged_in(ivan).get(
        "/quality/scorecards/", {"date_from": "2026-11-20", "date_to": "2026-11-01"}
    )
    assert r.status_code == 400
    assert "结束日期不能早于开始日期" in r.content.decode()


def test_rule_statistics_by_rule_and_standard(ivan: User, two_agents: None):
    finding = Finding.objects.filter(conversation__external_id="bob-1").first()
    from kefu.quality.services import finding_review

    finding_review(by=ivan, finding=finding, decision="overturn", reason="误判")
    text = logged_in(ivan).get("/quality/rules/").content.decode()
    row = re.search(rf'<tr data-rule="{re.escape(finding.rule)}">(.*?)</tr>', text, re.S)
    assert row is not None
    assert re.search(r'class="right num hits">1<', row.group(1))
    assert re.search(r'class="right num overturned">1<', row.group(1))
    assert "50.0%" in row.group(1)
    assert 'data-standard="SCRIPT-9"' in text


def test_the_nav_shows_quality_to_agents_and_inspectors(alice: User, ivan: User):
    for user in (alice, ivan):
        assert 'id="nav-quality"' in logged_in(user).get("/quality/").content.decode()


def test_a_large_upload_is_inspected_in_the_background(ivan: User, alice: User):
    from kefu.quality.tasks import inspect_batch

    upload = SimpleUploadedFile(
        "bulk.json", as_bytes([conversation(f"bulk-{i:02d}") for i in range(21)])
    )
    client = logged_in(ivan)
    r = client.post("/quality/import/", {"files": [upload]})
    assert r.status_code == 200
    text = r.content.decode()
    assert re.search(r'id="created-count">21<', text)
    link = re.search(r'href="(/quality/batches/(\d+)/)"', text)
    assert link is not None
    assert "排队中" in client.get(link.group(1)).content.decode()
    inspect_batch.call(int(link.group(2)))
    page = client.get(link.group(1)).content.decode()
    assert "已完成" in page and "21 / 21" in page
    assert logged_in(alice).get(link.group(1)).status_code == 403


def test_reinspecting_through_the_page(ivan: User, alice: User, two_agents: None):
    conv = _conv()
    r = logged_in(ivan).post(f"/quality/c/{conv.pk}/inspect/")
    assert r.status_code == 302
    assert conv.inspections.count() == 2
    assert logged_in(alice).post(f"/quality/c/{conv.pk}/inspect/").status_code == 403
