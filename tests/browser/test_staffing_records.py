"""Attendance, the accountability ladder and meetings in Chromium, as their users would: a desk
specialist clocks in and out on the clock page and sees the record and the worked time; clocking
out again is refused with a clear message; the manager sees the specialist's step on the ladder
report with a link to the complaint, and a meeting without a title is refused naming the field."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest

from tests.browser.support import BROWSER_TEST, CHROMIUM, SHOTS, login, page_maker

pytestmark = BROWSER_TEST


@pytest.fixture
def scene(transactional_db, config):  # noqa: ANN001, ANN201, ARG001
    from django.utils import timezone

    from kefu.accounts.models import Role, User
    from kefu.customers.models import Customer
    from kefu.staffing.models import Post, Roster, RosterUnit, Shift, StaffProfile
    from kefu.staffing.seed import MALL_SERVICE, MALL_UNIT, seed_staffing
    from kefu.tickets.complaints import complaint_report_save, complaint_report_verify
    from kefu.tickets.services import ticket_create

    seed_staffing()

    def user(username: str, role: str, no: str, name: str) -> User:
        return User.objects.create_user(
            username=username, password="kefu2026", role=role, employee_no=no, display_name=name
        )

    desk = user("svc1", Role.DESK, "7101", "唐悦")
    manager = user("mallmgr", Role.MANAGER, "7001", "何经理")
    post = Post.objects.get(code=MALL_SERVICE)
    profile = StaffProfile.objects.create(user=desk, title="客服专员")
    profile.posts.set([post])
    today = timezone.localdate()
    # all day, today and tomorrow, so the record links to a shift whenever the test runs (even
    # when local midnight passes between this fixture and the clock page)
    for day in (today, today + timedelta(days=1)):
        roster, _ = Roster.objects.get_or_create(
            unit=RosterUnit.objects.get(code=MALL_UNIT),
            month=day.replace(day=1),
            defaults={"status": Roster.Status.PUBLISHED},
        )
        Shift.objects.create(
            roster=roster, staff=profile, day=day, post=post, start=time(0), end=time(23, 59),
            breaks=[], hours=Decimal(11),
        )  # fmt: skip
    # a verified complaint names the specialist responsible
    customer = Customer.objects.create(name="刘女士", phone="13900007001")
    ticket, _ = ticket_create(
        by=desk,
        customer=customer,
        data={
            "kind": "complaint",
            "channel": "walk_in",
            "complaint_category": "service_attitude",
            "subject": "顾客投诉服务台态度生硬",
            "description": "顾客现场投诉服务台员工态度生硬",
        },
        assignee=desk,
    )
    report = complaint_report_save(
        by=manager,
        ticket=ticket,
        data={
            "facts": "监控核实属实",
            "cause": "服务意识不足",
            "responsibility": "staff",
            "responsible_staff": desk,
            "measures": "培训",
            "explanation": "已致歉",
        },
    )
    complaint_report_verify(by=manager, report=report, verified=True)
    return {"ticket": ticket}


def test_staff_clock_in_and_out_and_the_manager_sees_the_ladder(
    live_server, scene, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )

        new_page = page_maker(browser, errors)

        try:
            # 1. the specialist opens the clock page from the staffing nav and clocks in
            desk = new_page()
            login(desk, base, "svc1")
            desk.goto(f"{base}/staffing/")
            desk.click("#nav-clock")
            expect(desk.locator("#today-shift")).to_contain_text("00:00–23:59")
            expect(desk.locator("#clock-status")).to_contain_text("当前未上班打卡")
            desk.click("#clock-in")
            expect(desk.locator(".messages")).to_contain_text("上班打卡成功")
            expect(desk.locator("#clock-status")).to_contain_text("上班打卡,已工作")
            expect(desk.locator("#today-records tbody tr")).to_have_count(1)
            expect(desk.locator("#today-records")).to_contain_text("进行中")

            # 2. ... and out: the record shows both times and the worked hours
            desk.fill("#clock-note", "正常下班")
            desk.click("#clock-out")
            expect(desk.locator(".messages")).to_contain_text("下班打卡成功")
            expect(desk.locator(".messages")).to_contain_text("小时")
            row = desk.locator("#today-records tbody tr").first
            expect(row.locator("td.worked")).to_have_text("0.00")
            expect(row).to_contain_text("正常下班")
            expect(desk.locator("#month-hours")).to_contain_text("上限 174")
            expect(desk.locator("#clock-in")).to_be_visible()
            desk.screenshot(path=str(SHOTS / "staffing-clock.png"), full_page=True)

            # 3. the specialist's own standing links to the complaint
            desk.goto(f"{base}/staffing/ladder/mine/")
            expect(desk.locator("#my-standing")).to_contain_text("扣发当月奖金")
            expect(desk.locator("#my-standing")).to_contain_text(scene["ticket"].number)

            # 4. the manager sees the person and their step on the ladder report
            mgr = new_page()
            login(mgr, base, "mallmgr")
            mgr.goto(f"{base}/staffing/")
            mgr.click("#nav-ladder")
            person = mgr.locator('tr[data-person="svc1"]')
            expect(person.locator("td.step")).to_contain_text("第1次 · 扣发当月奖金")
            expect(person.locator("td.count")).to_have_text("1")
            person.locator(f"a:has-text('{scene['ticket'].number}')").click()
            expect(mgr).to_have_url(f"{base}/tickets/{scene['ticket'].number}/")
            mgr.go_back()
            mgr.screenshot(path=str(SHOTS / "staffing-ladder.png"), full_page=True)

            # 5. a meeting without a title is refused naming the field, nothing is saved
            mgr.goto(f"{base}/staffing/meetings/new/")
            mgr.fill("#id_topics", "投诉复盘")
            mgr.click("#meeting-save")
            expect(mgr.locator("#meeting-errors")).to_contain_text("请填写会议主题")
            expect(mgr.locator("#meeting-errors")).to_contain_text("请选择参会人员")
            expect(mgr.locator("#id_topics")).to_have_value("投诉复盘")
        finally:
            browser.close()
    assert not errors, errors

    from kefu.staffing.models import ClockRecord, Meeting

    record = ClockRecord.objects.get()
    assert record.clock_out is not None and record.shift is not None
    assert not Meeting.objects.exists()
