"""Workbench (my work by nearest deadline, callbacks due, team work to take) and quick intake."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kefu.accounts.models import User
from kefu.customers.models import Customer
from kefu.tickets.models import Ticket
from kefu.tickets.services import callback_promise

pytestmark = pytest.mark.django_db


def _numbers(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r"KF\d{8}-\d{4}", html)))


def test_my_open_work_comes_by_nearest_deadline(
    as_alice: Client, make_ticket: Any, bob: User
) -> None:
    now = timezone.now()
    later = make_ticket(subject="晚", received_at=now - timedelta(hours=1))
    overdue = make_ticket(subject="已超时", received_at=now - timedelta(hours=30))
    sooner = make_ticket(subject="早", received_at=now - timedelta(hours=20))
    someone_elses = make_ticket(subject="别人的", assignee=bob)
    r = as_alice.get("/tickets/workbench/")
    html = r.content.decode()
    table = html.split('id="my-work-table"')[1].split("</table>")[0]
    assert _numbers(table) == [overdue.number, sooner.number, later.number]
    assert someone_elses.number not in table
    # live countdowns: ISO due and warning times, and the overdue row is marked red
    overdue.refresh_from_db()
    assert f'data-due="{timezone.localtime(overdue.next_due_at).isoformat()}"' in table
    assert "data-warn=" in table
    assert "row-overdue" in table and "已超时" in table


def test_the_warning_state_is_amber(as_alice: Client, make_ticket: Any) -> None:
    # first response due 2 h after receipt, warning at 75 %: 100 minutes in it is amber
    make_ticket(received_at=timezone.now() - timedelta(minutes=100), subject="预警中")
    html = as_alice.get("/tickets/workbench/").content.decode()
    assert "due due-warn" in html and "row-warn" in html


def test_callbacks_due_are_listed_overdue_in_red(
    as_alice: Client, alice: User, ticket: Ticket
) -> None:
    callback_promise(by=alice, ticket=ticket, hours=2)
    html = as_alice.get("/tickets/workbench/").content.decode()
    box = html.split('id="callbacks-table"')[1].split("</table>")[0]
    assert ticket.number in box and "承诺回电" in box
    assert "row-overdue" not in box
    with _later(hours=3):
        html = as_alice.get("/tickets/workbench/").content.decode()
    box = html.split('id="callbacks-table"')[1].split("</table>")[0]
    assert "row-overdue" in box and "due-overdue" in box


def _later(**delta: float) -> Any:
    import time_machine

    return time_machine.travel(timezone.now() + timedelta(**delta), tick=False)


def test_unassigned_team_work_can_be_taken(
    as_alice: Client, alice: User, make_ticket: Any, lena: User
) -> None:
    t = make_ticket(by=lena, assignee=None, subject="待领取")
    assert t.assignee is None and t.team is not None
    html = as_alice.get("/tickets/workbench/").content.decode()
    assert f'id="take-{t.number}"' in html
    r = as_alice.post(f"/tickets/{t.number}/take/", {"version": t.version})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.assignee == alice


# --- intake -------------------------------------------------------------------------------------


def test_a_known_number_shows_the_customer_to_pick(as_alice: Client, customer: Customer) -> None:
    html = as_alice.get("/tickets/new/", {"phone": "138-1234-5678"}).content.decode()
    assert 'id="intake-matches"' in html
    assert f'id="pick-customer-{customer.pk}"' in html
    assert "138****5678" in html
    assert 'id="intake-ticket-form"' not in html  # pick a customer first, or say it is a new one
    assert 'id="intake-new-customer"' in html


def test_an_unknown_number_offers_a_new_customer_and_the_form(
    as_alice: Client, customer: Customer
) -> None:
    html = as_alice.get("/tickets/new/", {"phone": "13900009999"}).content.decode()
    assert "没有找到该号码的客户" in html
    assert 'id="new-customer"' in html and 'id="intake-ticket-form"' in html
    assert 'id="newcust-phone"' in html and 'value="13900009999"' in html
    # channel defaults to phone
    assert re.search(r'<option value="phone" selected>', html)


def test_picking_a_customer_shows_the_work_order_form(as_alice: Client, customer: Customer) -> None:
    html = as_alice.get("/tickets/new/", {"customer": customer.pk}).content.decode()
    assert 'id="intake-customer"' in html and "张先生" in html
    assert 'id="new-customer"' not in html
    for field in (
        "kind",
        "channel",
        "priority",
        "scope",
        "special_due_at",
        "complaint_category",
        "subject",
        "description",
        "order_no",
        "product_model",
    ):
        assert f'id="ticket-{field}"' in html, field


def test_intake_for_a_known_customer_creates_the_ticket(
    as_alice: Client, alice: User, customer: Customer
) -> None:
    r = as_alice.post(
        "/tickets/new/",
        {
            "customer": customer.pk,
            "kind": "consultation",
            "channel": "phone",
            "priority": "normal",
            "scope": "local",
            "description": "客户咨询宽带安装进度",
            "idempotency_key": "k1",
        },
    )
    t = Ticket.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/tickets/{t.number}/"
    assert t.customer == customer and t.created_by == alice
    assert t.reply_due_at is not None


def test_intake_creates_the_new_customer_and_the_ticket_together(as_alice: Client) -> None:
    r = as_alice.post(
        "/tickets/new/",
        {
            "name": "孙女士",
            "phone": "13900009999",
            "customer_class": "normal",
            "kind": "after_sales",
            "channel": "phone",
            "scope": "local",
            "priority": "high",
            "description": "洗衣机脱水时噪音很大,要求上门维修",
            "order_no": "SO-1",
            "product_model": "WM-8",
        },
        follow=True,
    )
    assert r.status_code == 200
    t = Ticket.objects.get()
    assert t.customer.name == "孙女士" and t.customer.phone == "13900009999"
    assert t.order_no == "SO-1" and t.priority == "high"
    assert f"已受理工单 {t.number}" in r.content.decode()


def test_a_bad_work_order_saves_neither_customer_nor_ticket(as_alice: Client) -> None:
    r = as_alice.post(
        "/tickets/new/",
        {
            "name": "孙女士",
            "phone": "13900009999",
            "kind": "after_sales",
            "channel": "phone",
            "description": "洗衣机坏了",
            "search_phone": "13900009999",
        },
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert "售后工单必须填写订单号" in html and "售后工单必须填写产品型号" in html
    assert "售后工单需要详细的问题描述" in html
    assert 'value="孙女士"' in html and "洗衣机坏了" in html  # nothing typed is lost
    assert not Customer.objects.exists() and not Ticket.objects.exists()


def test_a_bad_new_customer_saves_nothing_and_shows_both_forms_errors(as_alice: Client) -> None:
    r = as_alice.post(
        "/tickets/new/",
        {"name": "", "phone": "13900009999", "kind": "", "channel": "phone", "description": ""},
    )
    html = r.content.decode()
    assert "请填写客户姓名" in html
    assert "此项为必填项" in html and "请填写客户诉求的详细描述" in html
    assert not Customer.objects.exists() and not Ticket.objects.exists()


def test_a_special_matter_needs_its_due_time(as_alice: Client, customer: Customer) -> None:
    data = {
        "customer": customer.pk,
        "kind": "consultation",
        "channel": "phone",
        "scope": "special",
        "description": "客户要求周五前答复",
    }
    r = as_alice.post("/tickets/new/", data)
    assert "特殊事项必须指定回复时间" in r.content.decode()
    assert not Ticket.objects.exists()
    due = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = as_alice.post("/tickets/new/", {**data, "special_due_at": due})
    assert r.status_code == 302
    t = Ticket.objects.get()
    assert timezone.localtime(t.reply_due_at).strftime("%Y-%m-%dT%H:%M") == due


def test_a_known_number_for_a_new_customer_warns_with_a_link(
    as_alice: Client, customer: Customer
) -> None:
    data = {
        "name": "张太太",
        "phone": "13812345678",
        "kind": "consultation",
        "channel": "phone",
        "description": "咨询积分兑换",
    }
    r = as_alice.post("/tickets/new/", data)
    html = r.content.decode()
    assert r.status_code == 400
    assert 'id="duplicate-warning"' in html
    assert f'href="/customers/{customer.pk}/"' in html
    assert f"?customer={customer.pk}" in html  # or take the call for the existing customer
    assert Customer.objects.count() == 1 and not Ticket.objects.exists()
    r = as_alice.post("/tickets/new/", {**data, "allow_duplicate": "on"})
    assert r.status_code == 302
    assert Customer.objects.count() == 2 and Ticket.objects.count() == 1


def test_a_double_submit_makes_one_ticket(as_alice: Client, customer: Customer) -> None:
    data = {
        "customer": customer.pk,
        "kind": "consultation",
        "channel": "phone",
        "description": "重复提交测试",
        "idempotency_key": "same-key",
    }
    first = as_alice.post("/tickets/new/", data)
    second = as_alice.post("/tickets/new/", data)
    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_an_inspector_may_not_take_calls(as_ivan: Client) -> None:
    assert as_ivan.get("/tickets/new/").status_code == 403
    r = as_ivan.post(
        "/tickets/new/",
        {
            "name": "x",
            "phone": "13900009999",
            "kind": "consultation",
            "channel": "phone",
            "description": "x",
        },
    )
    assert r.status_code == 403
    assert not Customer.objects.exists()
