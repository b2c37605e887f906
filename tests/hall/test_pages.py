"""Service-hall pages and API: kiosk and slip, board, counter actions, walker, statistics,
checklist, handover; the API's take / status / call-next / finish and its error shapes."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from kefu.hall import services
from kefu.hall.models import QueueNumber


@pytest.fixture
def as_clerk(clerk) -> Client:
    c = Client()
    c.force_login(clerk)
    return c


def test_kiosk_takes_a_number_and_prints_a_slip(hall, open1, pay):
    c = Client()
    page = c.get(reverse("hall:kiosk", args=[hall.pk]))
    assert page.status_code == 200 and "缴费/跨区缴费" in page.content.decode()
    services.number_take(hall=hall, business=pay)
    r = c.post(reverse("hall:kiosk", args=[hall.pk]), {"business": "A02"})
    assert r.status_code == 302
    slip = c.get(r["Location"]).content.decode()
    assert "A002" in slip and "人民路营业厅" in slip
    assert "在您前面还有 1 位客户" in slip and "预计等候约 4 分钟" in slip
    assert "<script>" not in slip  # CSP: static files only


def test_kiosk_refuses_a_closed_business_with_a_message(hall, pay):
    pay.is_open = False
    pay.save()
    r = Client().post(reverse("hall:kiosk", args=[hall.pk]), {"business": "A02"})
    assert r.status_code == 400 and "暂停取号" in r.content.decode()
    assert not QueueNumber.objects.exists()


def test_board_and_its_fragment(hall, open1, clerk, pay):
    services.number_take(hall=hall, business=pay)
    services.number_call_next(counter=open1, by=clerk)
    page = Client().get(reverse("hall:board", args=[hall.pk])).content.decode()
    assert 'hx-trigger="every 3s"' in page and "hall/board.js" in page
    frag = Client().get(reverse("hall:board", args=[hall.pk]) + "?fragment=1").content.decode()
    assert "请A001号到1号窗口办理" in frag and "<html" not in frag


def test_counter_page_call_start_finish(hall, open1, as_clerk, pay):
    services.number_take(hall=hall, business=pay)
    url = reverse("hall:counter_action", args=[open1.pk])
    page = as_clerk.get(reverse("hall:counter", args=[open1.pk])).content.decode()
    assert "请问可以出示一下您的身份证吗" in page and "A001" in page
    as_clerk.post(url, {"op": "call"})
    n = QueueNumber.objects.get()
    assert n.status == "called"
    as_clerk.post(url, {"op": "start", "number": n.pk})
    r = as_clerk.post(url, {"op": "finish", "number": n.pk, "business_done": "A02"}, follow=True)
    assert "A001 已办结" in r.content.decode()
    n.refresh_from_db()
    assert n.status == "done"


def test_counter_page_shows_a_refusal(hall, counter1, as_clerk, pay):
    r = as_clerk.post(
        reverse("hall:counter_action", args=[counter1.pk]), {"op": "call"}, follow=True
    )
    assert "不能叫号" in r.content.decode()


def test_complaint_intake_creates_a_work_order(config, hall, open1, as_clerk, pay):
    from kefu.tickets.models import Ticket

    services.number_take(hall=hall, business=pay)
    url = reverse("hall:counter_action", args=[open1.pk])
    as_clerk.post(url, {"op": "call"})
    n = QueueNumber.objects.get()
    r = as_clerk.post(
        url,
        {"op": "complaint", "number": n.pk, "name": "刘女士", "phone": "13900001111",
         "description": "上月话费多扣了20元"},
        follow=True,
    )  # fmt: skip
    t = Ticket.objects.get()
    assert t.kind == "complaint" and t.channel == "walk_in" and t.number in r.content.decode()


def test_walker_page_lists_looks_up_and_diverts(hall, walker, pay):
    n = services.number_take(hall=hall, business=pay)
    c = Client()
    c.force_login(walker)
    page = c.get(reverse("hall:walker", args=[hall.pk]) + "?code=a001").content.decode()
    assert "请问您取号了吗" in page and 'id="walker-found"' in page and "等候中" in page
    c.post(
        reverse("hall:walker", args=[hall.pk]),
        {"number": n.pk, "op": "divert", "reason": "自助缴费"},
    )
    n.refresh_from_db()
    assert n.status == "diverted"


def test_stats_page_and_csv(hall, open1, clerk, pay, mark):
    services.number_take(hall=hall, business=pay)
    n = services.number_call_next(counter=open1, by=clerk)
    services.number_start(number=n, by=clerk)
    services.number_finish(number=n, by=clerk)
    c = Client()
    c.force_login(mark)
    page = c.get(reverse("hall:stats", args=[hall.pk])).content.decode()
    assert 'id="stat-served">1<' in page and "chart-arrivals" in page
    data = page.split('id="hall-chart-data"')[1].split(">", 1)[1].split("</script>")[0]
    chart = json.loads(data)
    assert sum(chart["arrivals"]) == 1 and chart["businesses"] == [pay.name]
    assert len(chart["mean_wait"]) == len(chart["mean_service"]) == 1
    assert "hall/charts.js" in page and "/reports/assets/plotly-" in page
    # called at once: a wait of 0 minutes is shown as 0, not as unknown
    assert chart["mean_wait"] == [0.0] and "<b>0.0</b> 平均等候(分钟)" in page
    csv_text = c.get(reverse("hall:stats", args=[hall.pk]) + "?format=csv").content.decode(
        "utf-8-sig"
    )
    assert csv_text.splitlines()[1].startswith("total,人民路营业厅,1,1,")
    c.force_login(clerk)
    assert c.get(reverse("hall:stats", args=[hall.pk])).status_code == 403


def test_checklist_page(hall, walker):
    from kefu.hall.models import ChecklistItem

    c = Client()
    c.force_login(walker)
    url = reverse("hall:checklist", args=[hall.pk])
    r = c.post(url, {"items": [ChecklistItem.objects.first().pk]})
    assert r.status_code == 400 and "尚未检查" in r.content.decode()
    ids = [str(i) for i in ChecklistItem.objects.values_list("pk", flat=True)]
    c.post(url, {"items": ids})
    assert "今日已由" in c.get(url).content.decode()


# --- API -------------------------------------------------------------------------------------


def test_api_take_status_call_finish(hall, open1, clerk, pay):
    c = Client()
    c.force_login(clerk)
    r = c.post(
        "/api/hall/numbers", {"hall": hall.pk, "business": "a02"}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["code"] == "A001" and body["people_ahead"] == 0
    assert body["estimated_wait_minutes"] == 0  # the counter is free: no wait
    r = c.post(f"/api/hall/counters/{open1.pk}/call-next")
    assert r.json()["number"]["code"] == "A001"
    # the only counter is busy now: (0 ahead + 1) x mean service / 1 counter
    r = c.post(
        "/api/hall/numbers", {"hall": hall.pk, "business": "a02"}, content_type="application/json"
    )
    assert r.json()["people_ahead"] == 0 and r.json()["estimated_wait_minutes"] == 2
    r = c.post(f"/api/hall/numbers/{body['id']}/finish", {}, content_type="application/json")
    assert r.status_code == 400 and "不在办理中" in r.json()["errors"]["number"][0]
    c.post(f"/api/hall/numbers/{body['id']}/start")
    r = c.post(f"/api/hall/numbers/{body['id']}/finish", {}, content_type="application/json")
    assert r.json()["status"] == "done"
    assert c.get(f"/api/hall/numbers/{body['id']}").json()["status_label"] == "已办结"
    r = c.post(f"/api/hall/counters/{open1.pk}/call-next")
    assert r.json()["number"]["code"] == "A002"  # the one taken while the counter was busy


def test_api_bad_input(hall, clerk, pay):
    c = Client()
    c.force_login(clerk)
    r = c.post(
        "/api/hall/numbers", {"hall": hall.pk, "business": "Z99"}, content_type="application/json"
    )
    assert r.status_code == 400 and "Z99" in r.json()["errors"]["business"][0]
    r = c.post("/api/hall/numbers", {"hall": hall.pk}, content_type="application/json")
    assert r.status_code == 400 and r.json()["errors"]["business"] == ["此项为必填项"]
    assert (
        Client().post("/api/hall/numbers", {}, content_type="application/json").status_code == 401
    )


def test_demo_hall_load(db):
    from kefu.hall.demo import demo_hall_load
    from kefu.hall.models import Counter

    hall = demo_hall_load(customers=12)
    assert Counter.objects.filter(hall=hall, staff__isnull=False).count() == 4
    assert QueueNumber.objects.filter(hall=hall, status="done").exists()
    assert demo_hall_load() == hall  # idempotent


def test_stats_page_without_data_loads_no_chart_script(hall, mark):
    c = Client()
    c.force_login(mark)
    page = c.get(reverse("hall:stats", args=[hall.pk]) + "?start=2020-01-01&end=2020-01-02")
    html = page.content.decode()
    assert page.status_code == 200
    assert "hall/charts.js" not in html and "hall-chart-data" not in html
    assert "所选日期没有数据" in html
