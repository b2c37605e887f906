"""Customer pages (CUS-1..3): search, profile, create with duplicate warning, edit, audited reveal."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kefu.core.models import AuditEntry
from kefu.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_it_searches_by_phone_name_and_member_number(as_alice: Client, customer: Customer) -> None:
    Customer.objects.create(name="李女士", phone="13900001111")
    for q in ("13812345678", "5678", "张先", "M0001"):
        html = as_alice.get("/customers/", {"q": q}).content.decode()
        assert "张先生" in html, q
        assert "李女士" not in html, q
    html = as_alice.get("/customers/", {"q": "王五"}).content.decode()
    assert "没有找到与“王五”匹配的客户" in html


def test_the_list_masks_phones_and_paginates(as_alice: Client) -> None:
    for i in range(30):
        Customer.objects.create(name=f"客户{i:02d}", phone=f"1380000{i:04d}")
    page1 = as_alice.get("/customers/").content.decode()
    assert "138****0029" in page1
    assert "13800000029" not in page1
    assert page1.count("/customers/") >= 25
    assert "共 30 条" in page1
    page2 = as_alice.get("/customers/?page=2").content.decode()
    assert "客户00" in page2 and "客户29" not in page2


def test_the_profile_lists_every_work_order(
    as_alice: Client, customer: Customer, make_ticket: Any
) -> None:
    first = make_ticket(subject="第一次来电")
    second = make_ticket(subject="第二次来电")
    html = as_alice.get(f"/customers/{customer.pk}/").content.decode()
    assert first.number in html and second.number in html
    assert "138****5678" in html
    assert "13812345678" not in html
    assert 'id="reveal-phone"' in html


def test_a_manager_sees_the_full_number(as_mark: Client, customer: Customer) -> None:
    html = as_mark.get(f"/customers/{customer.pk}/").content.decode()
    assert "13812345678" in html
    assert 'id="reveal-phone"' not in html


def test_revealing_a_number_shows_it_and_is_audited(as_alice: Client, customer: Customer) -> None:
    r = as_alice.post(f"/customers/{customer.pk}/reveal/", {"field": "phone"})
    html = r.content.decode()
    assert r.status_code == 200
    assert 'id="revealed-phone">13812345678<' in html
    assert "本次查看已记入审计日志" in html
    entry = AuditEntry.objects.get(action="customer.reveal")
    assert entry.object_id == str(customer.pk)
    assert entry.detail["field"] == "phone"


def test_an_inspector_may_not_reveal(as_ivan: Client, customer: Customer) -> None:
    r = as_ivan.post(f"/customers/{customer.pk}/reveal/", {"field": "phone"})
    assert r.status_code == 403
    assert "无权查看完整号码" in r.content.decode()
    assert not AuditEntry.objects.filter(action="customer.reveal").exists()


def test_reveal_needs_a_post(as_alice: Client, customer: Customer) -> None:
    assert as_alice.get(f"/customers/{customer.pk}/reveal/").status_code == 405


def test_it_creates_a_customer(as_alice: Client) -> None:
    r = as_alice.post(
        "/customers/new/", {"name": "新客户", "phone": "139 0000 2222", "customer_class": "vip"}
    )
    created = Customer.objects.get(name="新客户")
    assert r.status_code == 302 and r["Location"] == f"/customers/{created.pk}/"
    assert created.phone == "13900002222"
    assert created.customer_class == "vip"


def test_a_customer_without_a_name_is_refused_and_nothing_is_saved(as_alice: Client) -> None:
    r = as_alice.post(
        "/customers/new/", {"name": "", "phone": "13900002222", "email": "a@example.com"}
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert "请填写客户姓名" in html
    assert 'value="13900002222"' in html and 'value="a@example.com"' in html
    assert not Customer.objects.exists()


def test_a_bad_phone_and_email_are_shown_next_to_their_fields(as_alice: Client) -> None:
    r = as_alice.post("/customers/new/", {"name": "甲", "phone": "abc", "email": "not-an-email"})
    html = r.content.decode()
    assert "电话号码只能包含数字" in html and "邮箱格式不正确" in html
    assert not Customer.objects.exists()


def test_a_known_phone_warns_and_lists_the_existing_customer(
    as_alice: Client, customer: Customer
) -> None:
    r = as_alice.post("/customers/new/", {"name": "张太太", "phone": "13812345678"})
    html = r.content.decode()
    assert r.status_code == 400
    assert 'id="duplicate-warning"' in html
    assert f'href="/customers/{customer.pk}/"' in html
    assert 'name="allow_duplicate"' in html
    assert Customer.objects.count() == 1


def test_still_create_makes_the_duplicate(as_alice: Client, customer: Customer) -> None:
    r = as_alice.post(
        "/customers/new/", {"name": "张太太", "phone": "13812345678", "allow_duplicate": "on"}
    )
    assert r.status_code == 302
    assert Customer.objects.filter(phone="13812345678").count() == 2


def test_an_agent_edits_without_seeing_or_wiping_the_numbers(
    as_alice: Client, customer: Customer
) -> None:
    form = as_alice.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert "13812345678" not in form
    assert "138****5678" in form  # as a placeholder: "unchanged"
    r = as_alice.post(
        f"/customers/{customer.pk}/edit/",
        {
            "name": "张大伟",
            "phone": "",
            "email": "zhang@example.com",
            "customer_class": "normal",
            "version": customer.version,
        },
    )
    assert r.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "张大伟"
    assert customer.phone == "13812345678"


def test_a_manager_edits_the_full_number(as_mark: Client, customer: Customer) -> None:
    assert 'value="13812345678"' in as_mark.get(f"/customers/{customer.pk}/edit/").content.decode()
    as_mark.post(
        f"/customers/{customer.pk}/edit/",
        {
            "name": "张先生",
            "phone": "13899998888",
            "customer_class": "normal",
            "version": customer.version,
        },
    )
    customer.refresh_from_db()
    assert customer.phone == "13899998888"


def test_an_edit_based_on_an_old_version_is_refused_and_kept(
    as_alice: Client, customer: Customer
) -> None:
    old = customer.version
    Customer.objects.filter(pk=customer.pk).update(version=old + 1, name="别人改的名字")
    r = as_alice.post(
        f"/customers/{customer.pk}/edit/",
        {"name": "我改的名字", "customer_class": "normal", "version": old},
    )
    html = r.content.decode()
    assert r.status_code == 409
    assert "此客户资料已被他人修改,请刷新后重试" in html
    assert 'value="我改的名字"' in html
    assert f'name="version" value="{old + 1}"' in html
    customer.refresh_from_db()
    assert customer.name == "别人改的名字"


def test_an_edit_with_a_bad_email_is_refused(as_alice: Client, customer: Customer) -> None:
    r = as_alice.post(
        f"/customers/{customer.pk}/edit/",
        {"name": "张先生", "email": "bad", "customer_class": "normal", "version": customer.version},
    )
    assert r.status_code == 400
    assert "邮箱格式不正确" in r.content.decode()
    customer.refresh_from_db()
    assert customer.email == "zhang@example.com"
