"""Demand page in Chromium: a roster manager imports a forecast file with a bad row and is told
which line and field (nothing saved), imports the corrected file and sees the chart and the table
with the agents Erlang C needs next to those scheduled; an agent cannot open the page."""

from __future__ import annotations

from datetime import date, time

import pytest

from tests.browser.support import BROWSER_TEST, CHROMIUM, SHOTS, login, page_maker

pytestmark = BROWSER_TEST

GOOD = "date,interval_start,calls,aht\n2026-12-01,09:00,100,\n2026-12-01,09:30,120,\n"
BAD = GOOD + "2026-12-01,10:00,很多,\n"


@pytest.fixture
def scene(transactional_db):  # noqa: ANN001, ARG001
    from kefu.accounts.models import Role, User
    from kefu.staffing.models import Post, Roster, Shift, StaffProfile
    from kefu.staffing.seed import HOTLINE_POST, seed_staffing

    seed_staffing()
    post = Post.objects.get(code=HOTLINE_POST)
    User.objects.create_user(
        username="lead", password="kefu2026", role=Role.TEAM_LEAD, employee_no="1001",
        display_name="李娜",
    )  # fmt: skip
    User.objects.create_user(
        username="agent", password="kefu2026", role=Role.AGENT, employee_no="1024",
        display_name="王丽",
    )  # fmt: skip
    roster = Roster.objects.create(unit=post.unit, month=date(2026, 12, 1))
    for i in range(20):
        user = User.objects.create_user(
            username=f"a{i}", password="x", employee_no=f"3{i:03d}", display_name=f"坐席{i}"
        )
        profile = StaffProfile.objects.create(user=user)
        Shift.objects.create(
            roster=roster, staff=profile, day=date(2026, 12, 1), post=post,
            start=time(8), end=time(16, 30), hours=8,
        )  # fmt: skip
    return post


def test_a_manager_imports_a_forecast_and_sees_chart_and_table(
    live_server, scene, monkeypatch, tmp_path
):  # noqa: ANN001
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    from kefu.staffing.models import DemandInterval

    SHOTS.mkdir(parents=True, exist_ok=True)
    bad, good = tmp_path / "bad.csv", tmp_path / "forecast.csv"
    bad.write_text(BAD, encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")
    base = live_server.url
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )

        new_page = page_maker(browser, errors)

        try:
            agent = new_page()
            login(agent, base, "agent")
            response = agent.goto(f"{base}/staffing/demand/")
            assert response is not None and response.status == 403

            mgr = new_page()
            login(mgr, base, "lead")
            mgr.goto(f"{base}/staffing/demand/?post=hotline&day=2026-12-01")
            # the 20 people scheduled are shown before any forecast
            expect(mgr.locator("#demand-table")).to_contain_text("08:00")

            mgr.click("#demand-import summary")
            mgr.set_input_files("#import-file", str(bad))
            mgr.click("#demand-import-submit")
            expect(mgr.locator("#import-problems")).to_contain_text("第4行:calls 不是数字:很多")
            expect(mgr.locator("#import-problems")).to_contain_text("未保存任何数据")
            assert not DemandInterval.objects.exists()

            mgr.set_input_files("#import-file", str(good))
            mgr.click("#demand-import-submit")
            expect(mgr.locator(".messages")).to_contain_text("已导入 2 个时段的话务预测")
            nine = mgr.locator('tr[data-start="2026-12-01T09:00"]')
            expect(nine.locator("td.calls")).to_have_text("100")
            expect(nine.locator("td.agents")).to_have_text("14")
            expect(nine.locator("td.needed")).to_have_text("20")
            expect(nine.locator("td.scheduled")).to_have_text("20")
            # plotly, served by the site itself, draws the chart
            expect(mgr.locator("#demand-chart")).to_be_visible()
            expect(mgr.locator("#demand-chart .main-svg").first).to_be_visible()
            expect(mgr.locator("#demand-chart")).to_contain_text("需排班人数")
            mgr.screenshot(path=str(SHOTS / "staffing-demand.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
