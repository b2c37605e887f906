"""Customer base (CUS-1..3): validation, duplicates by phone, masking and audited reveals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kefu.core.models import AuditEntry
from kefu.customers import services as cs
from kefu.customers.masking import mask_id_number, mask_phone
from kefu.customers.models import Customer
from kefu.customers.selectors import customer_search

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("02112345678", "021****5678"),
        ("6543210", "65***10"),
        ("", ""),
        ("123", "***"),
    ],
)
def test_phone_masking(raw, masked):
    assert mask_phone(raw) == masked


def test_id_number_masking_keeps_first_three_and_last_four():
    assert mask_id_number("110101199003071234") == "110***********1234"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("+86 138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("(021) 6123 4567", "02161234567"),
    ],
)
def test_phone_numbers_are_normalised_to_digits(raw, normal):
    assert cs.normalize_phone(raw) == normal


def test_create_requires_a_name_and_a_contact_and_saves_nothing(alice):
    with pytest.raises(ValidationError) as exc:
        cs.customer_create(by=alice, data={"name": "", "phone": ""})
    assert "请填写客户姓名" in exc.value.message_dict["name"]
    assert "请至少填写一个电话或邮箱,便于回复客户" in exc.value.message_dict["phone"]
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "138abc", "电话号码只能包含数字(5-20位),可带+86前缀"),
        ("phone", "1381234567", "手机号码应为11位"),
        ("email", "not-an-email", "邮箱格式不正确"),
        ("customer_class", "gold", "客户类别只能是 normal 或 vip"),
    ],
)
def test_bad_fields_are_named_with_a_message(alice, field, value, message):
    data = {"name": "李女士", "phone": "13900001111", field: value}
    with pytest.raises(ValidationError) as exc:
        cs.customer_create(by=alice, data=data)
    assert message in exc.value.message_dict[field]
    assert Customer.objects.count() == 0


def test_duplicate_phone_is_detected_unless_confirmed(alice, customer):
    with pytest.raises(cs.DuplicateCustomer) as exc:
        cs.customer_create(by=alice, data={"name": "张三", "phone": "+86 138 1234 5678"})
    assert exc.value.existing == [customer]
    assert "张先生" in exc.value.message_dict["phone"][0]
    again = cs.customer_create(
        by=alice, data={"name": "张三", "phone": "13812345678"}, allow_duplicate=True
    )
    assert again.pk != customer.pk


def test_search_by_phone_name_and_member_number(alice):
    a = cs.customer_create(
        by=alice, data={"name": "王芳", "phone": "13900002222", "member_no": "M100200"}
    )
    b = cs.customer_create(by=alice, data={"name": "王建华", "phone": "13700003333"})
    assert list(customer_search("13900002222")) == [a]
    assert list(customer_search("3333")) == [b]
    assert set(customer_search("王")) == {a, b}
    assert list(customer_search("M100200")) == [a]


def test_agent_sees_masked_phone_and_reveal_is_audited(alice, mark, customer):
    assert cs.phone_for(alice, customer.phone) == "138****5678"
    assert cs.phone_for(mark, customer.phone) == "13812345678"
    assert (
        cs.customer_reveal(by=alice, customer=customer, field="phone", reason="回电")
        == "13812345678"
    )
    entry = AuditEntry.objects.get(action="customer.reveal")
    assert entry.actor == alice
    assert entry.detail == {"field": "phone", "reason": "回电"}


def test_inspector_may_not_reveal(ivan, customer):
    with pytest.raises(PermissionDenied):
        cs.customer_reveal(by=ivan, customer=customer, field="phone")
    assert not AuditEntry.objects.filter(action="customer.reveal").exists()


def test_update_with_stale_version_changes_nothing(alice, customer):
    from kefu.core.services import StaleVersion

    cs.customer_update(by=alice, customer=customer, data={"notes": "常客"}, expected_version=1)
    with pytest.raises(StaleVersion):
        cs.customer_update(by=alice, customer=customer, data={"notes": "覆盖"}, expected_version=1)
    customer.refresh_from_db()
    assert customer.notes == "常客"
    assert customer.version == 2
