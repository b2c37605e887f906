"""POST /api/tickets: deadlines, customers, idempotency, and bad input that saves nothing."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.customers.models import Customer
from kefu.tickets.models import IdempotencyKey, Ticket, TicketEvent

from .conftest import consultation

NEW_PHONE = "13900001111"


def counts() -> tuple[int, int, int]:
    return Ticket.objects.count(), Customer.objects.count(), TicketEvent.objects.count()


def test_consultation_is_created_with_reply_due_24_hours_after_receipt(as_alice):
    response = as_alice.post("/api/tickets", consultation(received_at="2026-11-18T10:00:00+08:00"))
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/tickets/{body['number']}"
    assert response["ETag"] == '"1"'
    assert body["received_at"] == "2026-11-18T10:00:00+08:00"
    assert body["reply_due_at"] == "2026-11-19T10:00:00+08:00"
    assert body["first_response_due_at"] == "2026-11-18T12:00:00+08:00"
    assert body["resolution_due_at"] == "2026-11-21T10:00:00+08:00"
    assert body["policy"] == "general" and body["standards"] == ["SLA-1"]
    assert body["version"] == 1 and body["is_open"] is True
    assert body["team"]["code"] == "hotline-1"
    assert Ticket.objects.filter(number=body["number"]).exists()


def test_cross_province_request_before_national_day_is_due_on_the_makeup_working_day(as_alice):
    response = as_alice.post(
        "/api/tickets", consultation(scope="cross_province", received_at="2026-09-30T16:00+08:00")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reply_due_at"] == "2026-10-10T16:00:00+08:00"
    assert body["policy"] == "cross_province" and body["standards"] == ["SLA-3"]
    assert body["sla_calendar"] == "working_days"


def test_create_reuses_the_customer_found_by_phone(as_alice, customer):
    before = Customer.objects.count()
    body = as_alice.post(
        "/api/tickets", consultation(customer={"name": "张三", "phone": "138-1234-5678"})
    ).json()
    assert body["customer"]["id"] == customer.pk
    assert Customer.objects.count() == before


def test_create_registers_a_new_customer_from_the_inline_data(as_alice):
    body = as_alice.post(
        "/api/tickets",
        consultation(customer={"name": "钱女士", "phone": NEW_PHONE, "customer_class": "vip"}),
    ).json()
    created = Customer.objects.get(pk=body["customer"]["id"])
    assert (
        created.name == "钱女士" and created.phone == NEW_PHONE and created.customer_class == "vip"
    )


def test_create_with_customer_id(as_alice, customer):
    body = consultation(customer_id=customer.pk)
    del body["customer"]
    response = as_alice.post("/api/tickets", body)
    assert response.status_code == 201
    assert response.json()["customer"]["id"] == customer.pk


def test_repeated_create_with_same_key_returns_first_ticket(as_alice):
    key = {"Idempotency-Key": "call-20261118-0007"}
    first = as_alice.post(
        "/api/tickets", consultation(customer={"name": "钱女士", "phone": NEW_PHONE}), headers=key
    )
    again = as_alice.post(
        "/api/tickets", consultation(customer={"name": "钱女士", "phone": NEW_PHONE}), headers=key
    )
    assert first.status_code == 201
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert again.json() == first.json()
    assert Ticket.objects.count() == 1
    assert Customer.objects.filter(phone=NEW_PHONE).count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_same_key_with_a_different_body_is_409_and_creates_nothing(as_alice):
    key = {"Idempotency-Key": "k-1"}
    as_alice.post("/api/tickets", consultation(), headers=key)
    before = counts()
    response = as_alice.post(
        "/api/tickets",
        consultation(subject="另一件事", customer={"name": "孙先生", "phone": NEW_PHONE}),
        headers=key,
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "该 Idempotency-Key 已用于另一个请求",
        "code": "idempotency_key_reused",
    }
    assert counts() == before


def test_the_same_key_from_another_user_is_a_separate_request(as_alice, as_bob):
    key = {"Idempotency-Key": "k-1"}
    first = as_alice.post("/api/tickets", consultation(), headers=key).json()
    second = as_bob.post("/api/tickets", consultation(), headers=key)
    assert second.status_code == 201
    assert second.json()["number"] != first["number"]


def _after_sales(**kw: Any) -> dict[str, Any]:
    return consultation(kind="after_sales", description="洗衣机脱水时噪音很大,已使用两个月。", **kw)


BAD_INPUT = [
    pytest.param(
        lambda: {k: v for k, v in consultation().items() if k != "kind"},
        {"kind": ["此项为必填项"]},
        id="missing-kind",
    ),
    pytest.param(lambda: consultation(channel="fax"), {"channel": None}, id="unknown-channel"),
    pytest.param(
        lambda: _after_sales(),
        {"order_no": ["售后工单必须填写订单号"], "product_model": ["售后工单必须填写产品型号"]},
        id="after-sales-without-order-and-model",
    ),
    pytest.param(
        lambda: consultation(scope="special"),
        {"special_due_at": ["特殊事项必须指定回复时间"]},
        id="special-without-due",
    ),
    pytest.param(
        lambda: consultation(received_at="2026-13-45T10:00"),
        {"received_at": None},
        id="bad-iso-date",
    ),
    pytest.param(
        lambda: consultation(special_due_at="next friday", scope="special"),
        {"special_due_at": None},
        id="bad-special-due",
    ),
    pytest.param(
        lambda: consultation(customer={"name": "钱女士", "phone": "12ab"}),
        {"customer.phone": ["电话号码只能包含数字(5-20位),可带+86前缀"]},
        id="bad-phone",
    ),
    pytest.param(
        lambda: consultation(contact_phone="call me maybe"),
        {"contact_phone": ["电话号码只能包含数字(5-20位),可带+86前缀"]},
        id="bad-contact-phone",
    ),
    pytest.param(
        lambda: consultation(customer={"phone": "13900002222"}),
        {"customer.name": ["请填写客户姓名"]},
        id="customer-without-name",
    ),
    pytest.param(lambda: consultation(kind=5), {"kind": ["应为文本"]}, id="wrong-type"),
    pytest.param(
        lambda: consultation(received_at="2027-01-01T10:00:00+08:00"),
        {"received_at": ["受理时间不能晚于当前时间"]},
        id="received-in-future",
    ),
    pytest.param(
        lambda: consultation(description=""),
        {"description": ["请填写客户诉求的详细描述"]},
        id="missing-description",
    ),
    pytest.param(lambda: consultation(team="no-such-team"), {"team": None}, id="unknown-team"),
    pytest.param(lambda: consultation(assignee="0000"), {"assignee": None}, id="unknown-assignee"),
    pytest.param(
        lambda: {k: v for k, v in consultation().items() if k != "customer"},
        {"customer": None},
        id="no-customer",
    ),
    pytest.param(
        lambda: consultation(customer_id=999999), {"customer": None}, id="customer-and-customer-id"
    ),
]


@pytest.mark.parametrize(("make_body", "expected"), BAD_INPUT)
def test_bad_input_is_400_with_the_field_message_and_saves_nothing(as_alice, make_body, expected):
    body = make_body()
    if isinstance(body.get("customer"), dict) and body["customer"].get("phone") == "13812345678":
        body["customer"] = {
            "name": "新客户",
            "phone": NEW_PHONE,
        }  # a customer that would be created
    before = counts()
    response = as_alice.post("/api/tickets", body)
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["detail"] == "输入有误"
    for field, messages in expected.items():
        assert field in payload["errors"], payload
        assert all(isinstance(m, str) and m for m in payload["errors"][field])
        if messages is not None:
            assert payload["errors"][field] == messages
    assert counts() == before


def test_every_problem_is_reported_in_one_response(as_alice):
    body = consultation(kind="after_sales", channel="fax", customer={"name": "", "phone": "12ab"})
    errors = as_alice.post("/api/tickets", body).json()["errors"]
    assert {"channel", "order_no", "product_model", "customer.name", "customer.phone"} <= set(
        errors
    )


def test_malformed_json_is_400(as_alice):
    response = as_alice.post("/api/tickets", "{not json")
    assert response.status_code == 400
    assert response.json()["detail"] == "请求体不是有效的 JSON"


def test_a_role_that_may_not_take_tickets_gets_403_and_nothing_is_saved(ivan, config):
    from kefu.accounts.api_auth import token_create

    from .conftest import ApiClient

    _, key = token_create(user=ivan, name="质检")
    before = counts()
    response = ApiClient(key).post(
        "/api/tickets", consultation(customer={"name": "钱女士", "phone": NEW_PHONE})
    )
    assert response.status_code == 403
    assert "无权" in response.json()["detail"]
    assert counts() == before


def test_phone_complaint_gets_a_progress_callback_with_a_masked_number(as_alice):
    body = as_alice.post(
        "/api/tickets",
        consultation(kind="complaint", complaint_category="billing", subject="话费多扣"),
    ).json()
    assert body["policy"] == "complaint.billing.normal"
    [callback] = body["callbacks"]
    assert callback["reason"] == "progress"
    assert callback["phone"] == "138****5678"
    assert callback["due_at"] == "2026-11-18T12:00:00+08:00"


def test_create_for_a_named_team_and_assignee(as_lena, bob, aftersales_dept):
    response = as_lena.post("/api/tickets", consultation(team="hotline-1", assignee="1025"))
    assert response.status_code == 201
    body = response.json()
    assert body["assignee"] == {"employee_no": "1025", "name": "赵强"}
    assert body["status"] == "assigned"
