"""The assist pages: phrase library, draft check (with and without htmx), the opening box, and
the pieces included in the workbench and the work order page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kefu.accounts.models import User

from .conftest import FORBIDDEN, logged_in

PHRASES = "/quality/assist/phrases/"
CHECK = "/quality/assist/check/"
OPENING = "/quality/assist/opening/"
HTMX = {"HX-Request": "true"}


def test_urls_are_named() -> None:
    assert reverse("quality:assist:phrases") == PHRASES
    assert reverse("quality:assist:check") == CHECK
    assert reverse("quality:assist:opening") == OPENING


# --- permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PHRASES, CHECK, OPENING])
def test_pages_need_a_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_check_post_needs_a_login(client: Client) -> None:
    response = client.post(CHECK, {"text": FORBIDDEN, "channel": "chat"}, headers=HTMX)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", [PHRASES, CHECK, OPENING])
def test_every_role_of_the_centre_may_use_assist(ivan: User, url: str) -> None:
    assert logged_in(ivan).get(url).status_code == 200


@pytest.mark.parametrize("url", [PHRASES, OPENING])
def test_read_only_pages_refuse_post(as_alice: Client, url: str) -> None:
    assert as_alice.post(url).status_code == 405


# --- phrase library -----------------------------------------------------------------------------


def test_library_shows_scenarios_and_forbidden_phrases(as_alice: Client) -> None:
    response = as_alice.get(PHRASES)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="forbidden-card"' in html and 'id="scenario-card"' in html
    assert "你到底想怎么样" in html and "SCRIPT-9" in html and "SCRIPT-7" in html
    assert "✓" in html and "✗" in html


def test_library_search(as_alice: Client) -> None:
    html = as_alice.get(PHRASES, {"q": "你到底想怎麼樣"}).content.decode()
    assert 'id="forbidden-card"' in html and "你到底想怎么样" in html
    assert 'id="scenario-card"' not in html
    assert 'value="你到底想怎麼樣"' in html  # the query stays in the box


def test_library_search_without_hits(as_alice: Client) -> None:
    html = as_alice.get(PHRASES, {"q": "量子计算机"}).content.decode()
    assert 'id="phrase-empty"' in html and "没有找到与“量子计算机”相关的话术" in html


def test_library_search_too_long_shows_the_message_and_everything(as_alice: Client) -> None:
    html = as_alice.get(PHRASES, {"q": "话" * 101}).content.decode()
    assert "100" in html and "errorlist" in html
    assert 'id="scenario-card"' in html


def test_library_bad_page_number_gives_a_real_page(as_alice: Client) -> None:
    assert as_alice.get(PHRASES, {"page": "x"}).status_code == 200
    assert as_alice.get(PHRASES, {"page": "999"}).status_code == 200


# --- draft check page (no JavaScript) -----------------------------------------------------------


def test_check_page_form(as_alice: Client) -> None:
    html = as_alice.get(CHECK, {"channel": "letter"}).content.decode()
    assert 'name="text"' in html and 'name="channel"' in html
    assert '<option value="email" selected>' in html
    assert 'hx-post="/quality/assist/check/"' in html
    assert 'hx-trigger="keyup changed delay:400ms' in html


def test_check_page_submit_shows_the_warning_and_the_marked_draft(as_alice: Client) -> None:
    response = as_alice.post(CHECK, {"text": f"您好,{FORBIDDEN}", "channel": "chat"})
    assert response.status_code == 200
    html = response.content.decode()
    findings = response.context["findings"]
    assert findings and findings[0].suggestion
    assert 'class="assist-finding' in html and findings[0].suggestion in html
    assert "<mark" in html and "你到底想怎么样" in html
    assert f"您好,{FORBIDDEN}" in html  # the draft stays in the box


def test_check_page_clean_draft(as_alice: Client) -> None:
    response = as_alice.post(CHECK, {"text": "您好,请问有什么可以帮您?", "channel": "phone"})
    assert response.status_code == 200
    assert response.context["findings"] == []
    assert "未发现服务忌语" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"channel": "chat"}, "text", "请输入要检查的回复内容"),
        ({"text": "", "channel": "chat"}, "text", "请输入要检查的回复内容"),
        ({"text": "话" * 10_001, "channel": "chat"}, "text", "不能超过 10000 个字符"),
        ({"text": FORBIDDEN, "channel": "fax"}, "channel", "未知的渠道“fax”"),
        ({"text": FORBIDDEN}, "channel", "这个字段是必填项"),
    ],
)
def test_check_page_bad_input(
    as_alice: Client, data: dict[str, Any], field: str, message: str
) -> None:
    response = as_alice.post(CHECK, data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in e for e in errors[field]), errors
    assert message in response.content.decode()


# --- draft check, live (htmx) -------------------------------------------------------------------


def test_live_check_returns_only_the_warnings_box(as_alice: Client) -> None:
    response = as_alice.post(CHECK, {"text": FORBIDDEN, "channel": "chat"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="assist-warnings"') and "<html" not in html
    assert "用语提醒" in html and "建议说" in html


def test_live_check_reads_the_reply_box_of_a_work_order(as_alice: Client) -> None:
    """The reply form posts its own fields (body, version, next) plus the work order's channel."""
    data = {"body": FORBIDDEN, "version": "1", "next": "", "channel": "letter"}
    html = as_alice.post(CHECK, data, headers=HTMX).content.decode()
    assert "用语提醒" in html


def test_live_check_of_an_empty_draft_clears_the_box(as_alice: Client) -> None:
    for text in ("", "  "):
        html = as_alice.post(CHECK, {"body": text, "channel": "chat"}, headers=HTMX)
        assert html.status_code == 200
        content = html.content.decode()
        assert "用语提醒" not in content and "errorlist" not in content


def test_live_check_of_a_clean_draft(as_alice: Client) -> None:
    html = as_alice.post(CHECK, {"text": "好的,请您稍候。"}, headers=HTMX).content.decode()
    assert "用语提醒" not in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "话" * 10_001, "channel": "chat"}, "不能超过 10000 个字符"),
        ({"text": FORBIDDEN, "channel": "fax"}, "未知的渠道“fax”"),
    ],
)
def test_live_check_says_why_it_cannot_check(
    as_alice: Client, data: dict[str, Any], message: str
) -> None:
    response = as_alice.post(CHECK, data, headers=HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx answers
    html = response.content.decode()
    assert "errorlist" in html and message in html


# --- opening box --------------------------------------------------------------------------------


def test_opening_box(as_alice: Client) -> None:
    response = as_alice.get(OPENING, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<section class="card assist-opening" id="assist-opening"')
    assert 'hx-get="/quality/assist/opening/"' in html and 'hx-trigger="every 180s"' in html
    assert response.context["assist_opening"].text in html


def test_opening_box_on_the_vip_line(vip_agent: User) -> None:
    html = logged_in(vip_agent).get(OPENING).content.decode()
    assert "贵宾服务专线" in html and "tag-vip" in html


# --- the pieces in the ticket pages -------------------------------------------------------------


def test_workbench_shows_the_opening(as_alice: Client) -> None:
    response = as_alice.get("/tickets/workbench/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="assist-opening"' in html
    assert response.context["assist_opening"].text in html


def test_reply_box_of_a_work_order_checks_as_the_agent_types(as_alice: Client, ticket: Any) -> None:
    html = as_alice.get(ticket.get_absolute_url()).content.decode()
    assert 'id="reply-body"' in html and 'name="body"' in html
    assert 'hx-post="/quality/assist/check/"' in html
    assert 'hx-trigger="keyup changed delay:400ms' in html
    assert '{"channel": "chat"}' in html
    assert 'id="assist-warnings"' in html


def test_reply_still_sends_and_a_failed_reply_keeps_the_text(as_alice: Client, ticket: Any) -> None:
    url = f"{ticket.get_absolute_url()}reply/"
    response = as_alice.post(url, {"body": "", "version": ticket.version})
    assert response.status_code == 400
    response = as_alice.post(url, {"body": "您好,已为您查询。", "version": ticket.version + 7})
    assert response.status_code == 409
    assert "您好,已为您查询。</textarea>" in response.content.decode()
    ticket.refresh_from_db()
    response = as_alice.post(url, {"body": "您好,已为您查询。", "version": ticket.version})
    assert response.status_code == 302
