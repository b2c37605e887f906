"""Rostering acceptance in Chromium (issue 5): the mall manager generates December's roster and
publishes it, swaps two shifts and sees a swap that breaks the alternate-day rule refused with
its reason; a specialist sees their own shifts, then clocks in and out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.support import BROWSER_TEST, CHROMIUM, SHOTS, login, page_maker
from tests.staffing.swaps import swappable_pair

pytestmark = BROWSER_TEST


@pytest.fixture
def scene(transactional_db, config):  # noqa: ANN001, ANN201, ARG001
    from kefu.staffing.demo import demo_staffing_load

    demo_staffing_load(records=False)


def _swap(page, a_staff: int, a_day: date, b_staff: int, b_day: date) -> None:  # noqa: ANN001
    page.select_option("#id_swap-first_staff", str(a_staff))
    page.fill("#id_swap-first_day", a_day.isoformat())
    page.select_option("#id_swap-second_staff", str(b_staff))
    page.fill("#id_swap-second_day", b_day.isoformat())
    page.click("#swap")
    page.wait_for_load_state()


def test_manager_publishes_and_swaps_staff_see_shifts_and_clock(live_server, scene, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    from kefu.staffing.models import Shift, StaffProfile

    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )

        new_page = page_maker(browser, errors, width=1400, height=900)

        try:
            # 1. the manager generates December 2026 for the mall and publishes it
            mgr = new_page()
            login(mgr, base, "mallmgr")
            mgr.click("#nav-staffing")
            mgr.click("#nav-rosters")
            mgr.select_option("#id_unit", label="商场客服中心")
            mgr.fill("#id_month", "2026-12")
            mgr.click("#generate")
            expect(mgr.locator("#roster-grid")).to_be_visible()
            expect(mgr.locator(".messages")).to_contain_text("OPTIMAL")
            expect(mgr.locator("#violations")).to_have_count(0)
            mgr.click("#publish")
            expect(mgr.locator("#roster-status")).to_contain_text("已发布")
            mgr.screenshot(path=str(SHOTS / "staffing1-roster.png"), full_page=True)

            # 2. a swap that keeps every rule goes through and is recorded
            a, b = swappable_pair("mall-1f")
            _swap(mgr, a.staff_id, a.day, b.staff_id, b.day)
            expect(mgr.locator(".messages")).to_contain_text("已调班")
            expect(mgr.locator("#roster-events")).to_contain_text("已调班")
            assert Shift.objects.get(pk=a.pk).staff_id == b.staff_id

            # 3. one that would make svc1 work two days running is refused with the reason
            svc1 = StaffProfile.objects.get(user__username="svc1")
            mine = Shift.objects.filter(staff=svc1).order_by("day").first()
            other = Shift.objects.filter(
                post__code="mall-1f", day=mine.day + timedelta(days=1)
            ).first()
            _swap(mgr, svc1.pk, mine.day, other.staff_id, other.day)
            expect(mgr.locator("#problems")).to_contain_text("连续工作")
            mgr.screenshot(path=str(SHOTS / "staffing2-swap-refused.png"), full_page=True)
            assert Shift.objects.get(pk=mine.pk).staff_id == svc1.pk

            # 4. the specialist sees their own December shifts
            staff = new_page()
            login(staff, base, "svc1")
            staff.click("#nav-staffing")
            staff.click("#nav-my-shifts")
            staff.goto(f"{base}/staffing/my-shifts/?month=2026-12")
            count = Shift.objects.filter(staff=svc1).count()
            expect(staff.locator("#my-shifts tbody tr")).to_have_count(count)
            expect(staff.locator("#ical-url")).to_have_value(
                __import__("re").compile(r"/staffing/ical/\d+/[0-9a-f]{32}\.ics$")
            )

            # 5. and clocks in and out
            staff.click("#nav-clock")
            staff.click("#clock-in")
            expect(staff.locator(".messages")).to_contain_text("上班打卡")
            staff.click("#clock-out")
            expect(staff.locator(".messages")).to_contain_text("下班打卡")
            staff.screenshot(path=str(SHOTS / "staffing3-clock.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
