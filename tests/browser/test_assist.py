"""Agent assist in Chromium (issue 3 acceptance: "type a forbidden phrase into a reply and see the
warning"): an agent opens a work order, types 你到底想怎么样 into the reply box, sees the warning with
the standard wording, clears the box and the warning goes; the workbench shows the opening for
this moment."""

from __future__ import annotations

import re

import pytest

from tests.browser.support import BROWSER_TEST, CHROMIUM, SHOTS

pytestmark = BROWSER_TEST


@pytest.fixture
def work_order(transactional_db, config):  # noqa: ANN001, ANN201
    from kefu.accounts.models import Role, Team, User
    from kefu.customers.models import Customer
    from kefu.tickets.services import ticket_create

    hotline = Team.objects.create(code="hotline-1", name="热线一组", kind=Team.Kind.TEAM)
    agent = User.objects.create_user(
        username="agent1",
        password="kefu2026",
        role=Role.AGENT,
        employee_no="1024",
        team=hotline,
        display_name="王丽",
    )
    customer = Customer.objects.create(name="陈女士", phone="13955550001")
    ticket, _created = ticket_create(
        by=agent,
        customer=customer,
        data={
            "kind": "consultation",
            "channel": "chat",
            "subject": "咨询退货流程",
            "description": "客户在线咨询七天无理由退货怎么办理。",
        },
        assignee=agent,
    )
    return ticket


def test_agent_sees_the_warning_for_a_forbidden_phrase_in_a_reply(
    live_server, work_order, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_context(
                locale="zh-CN", viewport={"width": 1400, "height": 1000}
            ).new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(  # a missing stylesheet or a failed check would show here
                "response",
                lambda r: (
                    errors.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )

            page.goto(f"{base}/accounts/login/")
            page.fill("#login-username", "agent1")
            page.fill("#login-password", "kefu2026")
            page.click("#login-submit")
            expect(page).to_have_url(re.compile(r"/tickets/workbench/"))

            # the workbench shows the opening for this moment
            expect(page.locator("#assist-opening-text")).to_contain_text(
                re.compile("早上好|您好|快乐|新年好")
            )

            # the agent opens the work order and types into the reply box
            page.goto(f"{base}{work_order.get_absolute_url()}")
            box = page.locator("#reply-body")
            warnings = page.locator("#assist-warnings")
            box.click()
            box.press_sequentially("你到底想怎么样", delay=30)
            expect(warnings).to_contain_text("用语提醒")
            expect(warnings.locator(".assist-evidence").first).to_contain_text("你到底想怎么样")
            expect(warnings.locator(".assist-suggestion-text").first).not_to_be_empty()
            page.screenshot(path=str(SHOTS / "assist-1-warning.png"), full_page=True)

            # the agent clears the box: the warning goes
            box.fill("")
            expect(page.locator("#assist-warnings .assist-finding")).to_have_count(0)
            expect(page.locator("#assist-warnings")).not_to_contain_text("用语提醒")

            # a polite reply raises nothing and is sent as usual
            box.press_sequentially("您好,退货可在订单页申请,请问您还有其他要补充的吗?", delay=5)
            page.wait_for_timeout(900)
            expect(page.locator("#assist-warnings .assist-finding")).to_have_count(0)
            page.click("#reply-submit")
            expect(page.locator(".messages")).to_contain_text("已回复客户")
            page.screenshot(path=str(SHOTS / "assist-2-sent.png"), full_page=True)

            # the workbench card links to the phrase library, searchable in traditional characters
            page.goto(f"{base}/tickets/workbench/")
            page.screenshot(path=str(SHOTS / "assist-3-workbench.png"), full_page=True)
            page.click("#assist-phrases-link")
            page.fill("#phrases-q", "不行就是不行")
            page.click("#phrase-search-submit")
            expect(page.locator("#forbidden-card")).to_contain_text("态度傲慢")
            expect(page.locator("#scenario-card")).to_have_count(0)
            page.click("#phrase-search-clear")
            expect(page.locator("#scenario-card")).to_contain_text("遇到客户致谢或表扬时")
            page.screenshot(path=str(SHOTS / "assist-4-phrases.png"), full_page=True)

            # the check page: submit a draft, see it marked
            page.goto(f"{base}/quality/assist/check/")
            page.select_option("#draft-channel", "email")
            page.fill("#draft-text", "您好,不行就是不行,这是规定。")
            page.click("#check-submit")
            expect(page.locator("#check-draft mark").first).to_have_text("不行就是不行")
            expect(page.locator("#assist-warnings")).to_contain_text("建议说")
            page.screenshot(path=str(SHOTS / "assist-5-check.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
