"""/api/customers: search with masked phones, detail, create with duplicate check, edit, reveal."""

from __future__ import annotations

from typing import Any

from kefu.accounts.api_auth import token_create
from kefu.core.models import AuditEntry
from kefu.customers.models import Customer

from .conftest import ApiClient


def test_search_by_phone_masks_numbers_for_an_agent(as_alice, customer):
    body = as_alice.get("/api/customers", {"q": "13812345678"}).json()
    [found] = body["items"]
    assert found["id"] == customer.pk and found["name"] == "张先生"
    assert found["phone"] == "138****5678"
    assert body["next_cursor"] is None


def test_a_manager_sees_full_numbers(as_mark, customer):
    [found] = as_mark.get("/api/customers", {"q": "5678"}).json()["items"]
    assert found["phone"] == "13812345678"


def test_id_numbers_are_masked_too(as_alice):
    Customer.objects.create(name="吴先生", phone="13600000001", id_number="110101199001011234")
    [found] = as_alice.get("/api/customers", {"q": "吴"}).json()["items"]
    assert found["id_number"] == "110***********1234"


def test_search_pages_visit_every_customer_once(as_alice):
    ids = [Customer.objects.create(name=f"客户{i}", phone=f"1360000{i:04d}").pk for i in range(12)]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 5}
        if cursor:
            params["cursor"] = cursor
        body = as_alice.get("/api/customers", params).json()
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(ids, reverse=True)


def test_detail_lists_the_customers_recent_tickets(as_alice, make_ticket, customer):
    number = make_ticket()["number"]
    response = as_alice.get(f"/api/customers/{customer.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == "138****5678"
    assert [t["number"] for t in body["tickets"]] == [number]
    assert body["tickets"][0]["received_at"] == "2026-11-18T10:00:00+08:00"


def test_unknown_customer_is_404(as_alice):
    assert as_alice.get("/api/customers/424242").status_code == 404


def test_create_customer(as_alice):
    response = as_alice.post(
        "/api/customers", {"name": "郑女士", "phone": "+86 139 0000 4444", "email": "z@example.com"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["phone"] == "139****4444"
    assert Customer.objects.get(pk=body["id"]).phone == "13900004444"


def test_create_with_a_phone_already_on_file_is_409_with_the_existing_ids(as_alice, customer):
    before = Customer.objects.count()
    response = as_alice.post("/api/customers", {"name": "张太太", "phone": "13812345678"})
    assert response.status_code == 409
    body = response.json()
    assert body["existing_ids"] == [customer.pk]
    assert body["code"] == "duplicate_customer"
    assert "phone" in body["errors"]
    assert Customer.objects.count() == before


def test_allow_duplicate_registers_a_second_customer_with_the_same_phone(as_alice, customer):
    response = as_alice.post(
        "/api/customers", {"name": "张太太", "phone": "13812345678", "allow_duplicate": True}
    )
    assert response.status_code == 201
    assert Customer.objects.filter(phone="13812345678").count() == 2


def test_bad_customer_input_is_400_and_saves_nothing(as_alice):
    before = Customer.objects.count()
    response = as_alice.post(
        "/api/customers", {"name": "", "phone": "12ab", "email": "not-an-email"}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "phone", "email"}
    assert Customer.objects.count() == before


def test_edit_needs_the_current_version(as_alice, customer):
    ok = as_alice.patch(f"/api/customers/{customer.pk}", {"organisation": "某某公司", "version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = as_alice.patch(f"/api/customers/{customer.pk}", {"name": "张某", "version": 1})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    customer.refresh_from_db()
    assert customer.name == "张先生" and customer.organisation == "某某公司"
    missing = as_alice.patch(f"/api/customers/{customer.pk}", {"name": "张某"})
    assert missing.status_code == 400 and "version" in missing.json()["errors"]


def test_reveal_shows_the_full_number_and_writes_an_audit_entry(as_alice, alice, customer):
    response = as_alice.post(
        f"/api/customers/{customer.pk}/reveal", {"field": "phone", "reason": "回电客户"}
    )
    assert response.status_code == 200
    assert response.json() == {"id": customer.pk, "field": "phone", "value": "13812345678"}
    entry = AuditEntry.objects.get(action="customer.reveal")
    assert entry.actor == alice and entry.object_id == str(customer.pk)
    assert entry.detail == {"field": "phone", "reason": "回电客户"}


def test_reveal_of_an_unknown_field_is_400(as_alice, customer):
    response = as_alice.post(f"/api/customers/{customer.pk}/reveal", {"field": "email"})
    assert response.status_code == 400 and "field" in response.json()["errors"]
    assert not AuditEntry.objects.filter(action="customer.reveal").exists()


def test_an_inspector_may_not_reveal_numbers(ivan, customer, config):
    _, key = token_create(user=ivan, name="质检")
    response = ApiClient(key).post(f"/api/customers/{customer.pk}/reveal", {"field": "phone"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="customer.reveal").exists()
