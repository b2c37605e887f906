"""Service hall acceptance in Chromium, as a new user would: take a number at the kiosk and see the
slip with people ahead and estimated wait; sign in as counter staff, call the number and see it on
the display board; transfer it to another business; finish; see it in the statistics; complete a
shift handover that lists an open callback from a work order."""

from __future__ import annotations

import re

import pytest

from tests.browser.support import BROWSER_TEST, CHROMIUM, SHOTS, login, page_maker

pytestmark = BROWSER_TEST

ALL_DAY = {str(d): [["00:00", "24:00"]] for d in range(7)}


@pytest.fixture
def scene(transactional_db, config):  # noqa: ANN001, ARG001
    from kefu.accounts.models import Role, User
    from kefu.customers.models import Customer
    from kefu.hall import services
    from kefu.hall.models import BusinessType, Counter, CounterBusiness, Hall
    from kefu.hall.seed import seed_hall
    from kefu.tickets import services as ts

    seed_hall()
    hall = Hall.objects.create(name="人民路营业厅", opening_hours=ALL_DAY)
    codes = {b.code: b for b in BusinessType.objects.all()}
    c1 = Counter.objects.create(hall=hall, number=1)
    for i, code in enumerate(["A02", "A01", "B02"]):
        CounterBusiness.objects.create(counter=c1, business=codes[code], priority=i)
    c2 = Counter.objects.create(hall=hall, number=2)
    for i, code in enumerate(["B09", "A02"]):
        CounterBusiness.objects.create(counter=c2, business=codes[code], priority=i)

    def user(username: str, role: str, no: str, name: str) -> User:
        return User.objects.create_user(
            username=username, password="kefu2026", role=role, employee_no=no, display_name=name
        )

    clerk1 = user("clerk1", Role.COUNTER, "6001", "陈晓")
    clerk2 = user("clerk2", Role.COUNTER, "6002", "林静")
    user("manager", Role.MANAGER, "9001", "马经理")
    # counter 2 is open, so the kiosk can estimate the wait for 缴费
    services.counter_sign_in(counter=c2, by=clerk2)
    # clerk1 owes a customer a callback from an earlier work order
    customer = Customer.objects.create(name="王先生", phone="13812340000")
    ticket, _ = ts.ticket_create(
        by=clerk1,
        customer=customer,
        data={"kind": "complaint", "channel": "walk_in", "description": "宽带安装一直没人上门"},
    )
    ts.callback_promise(by=clerk1, ticket=ticket, hours=4, promise_text="4小时内回电告知上门时间")
    return {"hall": hall, "counter1": c1, "ticket": ticket}


def test_a_visit_from_kiosk_to_statistics_and_handover(live_server, scene, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    hall = scene["hall"].pk
    counter = scene["counter1"].pk
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )

        new_page = page_maker(browser, errors)

        try:
            # 1. a customer takes a number for 缴费 at the kiosk and gets the slip
            kiosk = new_page()
            kiosk.goto(f"{base}/hall/{hall}/kiosk/")
            kiosk.click('button[data-code="A02"]')
            expect(kiosk.locator("#slip-code")).to_have_text("A001")
            expect(kiosk.locator("#slip-business")).to_contain_text("缴费")
            expect(kiosk.locator("#slip-ahead")).to_contain_text("在您前面还有 0 位客户")
            expect(kiosk.locator("#slip-wait")).to_contain_text(
                re.compile(r"预计等候约 \d+ 分钟|无需等候")
            )
            kiosk.screenshot(path=str(SHOTS / "hall1-slip.png"), full_page=True)

            # 2. counter staff sign in at counter 1 and call the number
            desk = new_page()
            login(desk, base, "clerk1")
            desk.click("#nav-hall")
            desk.goto(f"{base}/hall/counter/{counter}/")
            desk.click("#counter-sign-in")
            desk.click("#btn-call")
            expect(desk.locator("#current-code")).to_have_text("A001")

            # ... and the display board shows the call, text always on screen
            board = new_page()
            board.goto(f"{base}/hall/{hall}/board/")
            expect(board.locator(".board-call.latest")).to_contain_text("A001")
            expect(board.locator("#board-text")).to_have_text("请A001号到1号窗口办理")
            board.screenshot(path=str(SHOTS / "hall2-board.png"), full_page=True)

            # 3. service starts; the customer also wants a top-up: transfer to 充值话费
            desk.click("#btn-start")
            desk.select_option("#transfer-business", "B02")
            desk.click("#btn-transfer")
            expect(desk.locator(".messages")).to_contain_text("A001 已转办:充值话费")
            # counter 1 serves 充值话费 too: the transferred customer is called again and served
            desk.click("#btn-call")
            expect(desk.locator("#current-code")).to_have_text("A001")
            desk.click("#btn-start")
            desk.click("#btn-finish")
            expect(desk.locator(".messages")).to_contain_text("A001 已办结")
            # the board refreshes by itself (htmx polling) and shows the second call
            expect(board.locator("#board-counters, .board-counters")).to_contain_text("1号窗口")

            # 4. the hall manager sees it in today's statistics
            mgr = new_page()
            login(mgr, base, "manager")
            mgr.goto(f"{base}/hall/{hall}/stats/")
            expect(mgr.locator("#stat-served")).to_have_text("1")
            expect(mgr.locator("#stat-transferred")).to_have_text("1")
            expect(mgr.locator("#stats-business")).to_contain_text("充值话费")
            # the charts (plotly.js served by the site) replace the plain bars
            expect(mgr.locator("#hall-arrivals-chart .main-svg").first).to_be_visible()
            expect(mgr.locator("#hall-arrivals-bars")).to_be_hidden()
            expect(mgr.locator("#hall-business-chart .main-svg").first).to_be_visible()
            expect(mgr.locator("#hall-business-chart")).to_contain_text("充值话费")
            expect(mgr.locator("#hall-business-bars")).to_be_hidden()
            mgr.screenshot(path=str(SHOTS / "hall3-stats.png"), full_page=True)

            # 5. clerk1 hands over to clerk2: the open callback is listed automatically
            desk.goto(f"{base}/hall/{hall}/handover/")
            expect(desk.locator("#handover-owed")).to_contain_text(scene["ticket"].number)
            expect(desk.locator("#handover-owed")).to_contain_text("待回电")
            desk.select_option("#handover-incoming", label="林静(6002)")
            desk.fill("textarea[name=notes]", "打印纸剩一卷")
            desk.click("#handover-submit")
            expect(desk.locator(".messages")).to_contain_text("等待 林静(6002) 确认")
            nxt = new_page()
            login(nxt, base, "clerk2")
            nxt.goto(f"{base}/hall/{hall}/handover/")
            card = nxt.locator(".handover").first
            expect(card).to_contain_text(scene["ticket"].number)
            card.locator("button").click()
            expect(nxt.locator(".messages")).to_contain_text("已确认接班")
            expect(nxt.locator(".handover").first).to_contain_text("已确认")
            nxt.screenshot(path=str(SHOTS / "hall4-handover.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors

    from kefu.hall.models import Counter, ShiftHandover

    h = ShiftHandover.objects.get()
    assert h.acknowledged_at is not None and any(o["kind"] == "callback" for o in h.owed)
    assert Counter.objects.get(pk=counter).staff.username == "clerk2"
