"""The foundation issue's acceptance walk-through, as a new user would do it, in Chromium:
an agent takes a phone complaint from a new caller, sees the reply deadline and the 2-hour progress
callback, transfers it to another department (deadline recomputed and shown in the timeline),
replies and resolves; the team lead then sees it on the KPI page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.browser.support import BROWSER_TEST, CHROMIUM, SHOTS, login

pytestmark = BROWSER_TEST


@pytest.fixture
def centre(transactional_db, config):  # noqa: ANN001
    from kefu.accounts.models import Role, Team, User

    hotline = Team.objects.create(code="hotline-1", name="热线一组", kind=Team.Kind.TEAM)
    Team.objects.create(code="aftersales", name="售后服务部", kind=Team.Kind.DEPARTMENT)
    lead = User.objects.create_user(
        username="lead1",
        password="kefu2026",
        role=Role.TEAM_LEAD,
        employee_no="1001",
        team=hotline,
        display_name="李娜",
    )
    hotline.lead = lead
    hotline.save()
    User.objects.create_user(
        username="agent1",
        password="kefu2026",
        role=Role.AGENT,
        employee_no="1024",
        team=hotline,
        display_name="王丽",
    )
    return hotline


def _open_panel(page, name: str) -> None:  # noqa: ANN001
    panel = page.locator(f"#{name}-panel")
    if panel.count() and panel.get_attribute("open") is None:
        panel.locator("summary").click()


def test_agent_takes_a_phone_complaint_through_to_resolution_and_lead_sees_it(
    live_server, centre, monkeypatch
):
    # Playwright's sync API runs an event loop in this thread; the checks below query the database
    # between page steps, never concurrently with it
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    from kefu.tickets.models import Callback, Ticket

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

            # 1. the agent logs in and starts from the caller's number
            login(page, base, "agent1")
            expect(page).to_have_url(re.compile(r"/tickets/workbench/"))
            page.goto(f"{base}/tickets/new/")
            page.fill("#intake-phone", "139 5555 0001")
            page.click("#intake-search")
            expect(page.locator("#intake-matches")).to_contain_text("没有找到该号码的客户")

            # 2. a new caller: register and record the complaint
            page.fill("#newcust-name", "陈女士")
            page.select_option("#ticket-kind", "complaint")
            page.select_option("#ticket-complaint_category", "delivery")
            page.fill("#ticket-subject", "快递延误三天未送达")
            page.fill(
                "#ticket-description", "客户投诉订单显示派送三天仍未收到,多次联系快递员未果。"
            )
            page.screenshot(path=str(SHOTS / "1-intake.png"), full_page=True)
            page.click("#intake-submit")
            expect(page).to_have_url(re.compile(r"/tickets/KF\d{8}-\d{4}/"))

            # 3. the reply deadline and the 2-hour progress callback are on screen at once
            number = page.url.rstrip("/").rsplit("/", 1)[-1]
            ticket = Ticket.objects.get(number=number)
            callback = Callback.objects.get(ticket=ticket)
            assert callback.reason == Callback.Reason.PROGRESS
            assert callback.due_at == ticket.received_at + timedelta(hours=2)
            reply_clock = page.locator("#clock-reply")
            expect(reply_clock).to_be_visible()
            due_local = _local(ticket.reply_due_at)
            expect(reply_clock).to_contain_text(due_local)
            expect(page.locator("body")).to_contain_text("投诉2小时进展回电")
            expect(page.locator("body")).to_contain_text(_local(callback.due_at))
            page.screenshot(path=str(SHOTS / "2-ticket.png"), full_page=True)

            # 4. transfer to another department: 24 h becomes 48 h, and the timeline says so
            _open_panel(page, "transfer")
            page.select_option("#transfer-department", label="售后服务部")
            page.click("#transfer-submit")
            page.wait_for_load_state()
            ticket.refresh_from_db()
            assert ticket.scope == "cross_department"
            assert ticket.reply_due_at == ticket.received_at + timedelta(hours=48)
            expect(page.locator("#clock-reply")).to_contain_text(_local(ticket.reply_due_at))
            timeline = page.locator("#timeline")
            expect(timeline).to_contain_text("售后服务部")
            expect(timeline).to_contain_text(_local(ticket.reply_due_at))
            page.screenshot(path=str(SHOTS / "3-transferred.png"), full_page=True)

            # 5. reply to the customer, then resolve
            _open_panel(page, "reply")
            page.fill(
                "#reply-body",
                "陈女士您好,已联系物流加急派送,预计今天下午送达,给您带来不便非常抱歉。",
            )
            page.click("#reply-submit")
            page.wait_for_load_state()
            _open_panel(page, "resolve")
            page.fill("#resolve-summary", "包裹已送达,客户确认收货。")
            page.click("#resolve-submit")
            page.wait_for_load_state()
            expect(page.locator("body")).to_contain_text("已解决")
            ticket.refresh_from_db()
            assert ticket.status == "resolved" and ticket.replied_at is not None
            callback.refresh_from_db()
            assert callback.state == Callback.State.CANCELLED
            page.screenshot(path=str(SHOTS / "4-resolved.png"), full_page=True)

            # 6. the team lead sees it on the KPI page
            page.context.clear_cookies()
            login(page, base, "lead1")
            page.goto(f"{base}/reports/kpi/")
            body = page.locator("body")
            expect(body).to_contain_text("王丽")
            expect(body).to_contain_text("100")  # reply rate and on-time rate of the one ticket
            page.screenshot(path=str(SHOTS / "5-kpi.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []


def _local(value) -> str:  # noqa: ANN001
    from django.utils import timezone

    return f"{timezone.localtime(value):%m-%d %H:%M}"
