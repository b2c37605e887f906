"""Writes to the customer base (CUS-1..3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.permissions import TICKET_HANDLERS, may_reveal, require, sees_unmasked
from kefu.core.services import audit_record

from .masking import mask_id_number, mask_phone
from .models import Customer, CustomerClass

_PHONE_CHARS = re.compile(r"[\s\-()()]")


def normalize_phone(raw: str) -> str:
    """Digits only; a leading +86/0086 country code is dropped so that one phone has one form."""
    value = _PHONE_CHARS.sub("", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def _validate_phone(value: str, field: str, errors: dict[str, list[str]]) -> None:
    if value and not re.fullmatch(r"\d{5,20}", value):
        errors.setdefault(field, []).append(_("电话号码只能包含数字(5-20位),可带+86前缀"))
    elif (
        value.startswith("1") and len(value) != 11 and len(value) > 5 and not value.startswith("10")
    ):
        errors.setdefault(field, []).append(_("手机号码应为11位"))


EDITABLE_FIELDS = (
    "name",
    "phone",
    "phone2",
    "email",
    "customer_class",
    "member_no",
    "organisation",
    "id_number",
    "notes",
)


@dataclass
class CleanCustomer:
    values: dict[str, Any]


def _clean(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for field in EDITABLE_FIELDS:
        if field in data:
            raw = data[field]
            values[field] = "" if raw is None else str(raw).strip()
    if not partial or "name" in values:
        if not values.get("name"):
            errors.setdefault("name", []).append(_("请填写客户姓名"))
        elif len(values["name"]) > 80:
            errors.setdefault("name", []).append(_("姓名不能超过80个字符"))
    for field in ("phone", "phone2"):
        if field in values:
            values[field] = normalize_phone(values[field])
            _validate_phone(values[field], field, errors)
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            errors.setdefault("email", []).append(_("邮箱格式不正确"))
    if "customer_class" in values:
        values["customer_class"] = values["customer_class"] or CustomerClass.NORMAL
        if values["customer_class"] not in CustomerClass.values:
            errors.setdefault("customer_class", []).append(_("客户类别只能是 normal 或 vip"))
    if not partial and not values.get("phone") and not values.get("email"):
        errors.setdefault("phone", []).append(_("请至少填写一个电话或邮箱,便于回复客户"))
    if errors:
        raise ValidationError(errors)
    return values


def customer_duplicates(*, phone: str, exclude_id: int | None = None) -> list[Customer]:
    """Customers already holding this phone number (as main or spare number)."""
    phone = normalize_phone(phone)
    if not phone:
        return []
    qs = Customer.objects.filter(Q(phone=phone) | Q(phone2=phone))
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.order_by("id")[:10])


class DuplicateCustomer(ValidationError):
    def __init__(self, existing: list[Customer]) -> None:
        self.existing = existing
        names = "、".join(f"{c.name}(#{c.pk})" for c in existing)
        super().__init__({"phone": [_("该号码已登记在客户 %(names)s 名下") % {"names": names}]})


@transaction.atomic
def customer_create(*, by: User, data: dict[str, Any], allow_duplicate: bool = False) -> Customer:
    require(by, TICKET_HANDLERS, _("新建客户"))
    values = _clean(data)
    if not allow_duplicate:
        existing = customer_duplicates(phone=values.get("phone", ""))
        if not existing and values.get("phone2"):
            existing = customer_duplicates(phone=values["phone2"])
        if existing:
            raise DuplicateCustomer(existing)
    customer = Customer.objects.create(**values)
    audit_record(actor=by, action="customer.create", obj=customer, detail={"name": customer.name})
    return customer


@transaction.atomic
def customer_update(
    *, by: User, customer: Customer, data: dict[str, Any], expected_version: int | None = None
) -> Customer:
    from kefu.core.services import StaleVersion

    require(by, TICKET_HANDLERS, _("修改客户资料"))
    values = _clean(data, partial=True)
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current.version)
    before = {k: getattr(current, k) for k in values}
    for key, value in values.items():
        setattr(current, key, value)
    current.version += 1
    current.save()
    changed = {k: [before[k], v] for k, v in values.items() if before[k] != v}
    # CUS-2: the audit detail keeps which fields changed, never the raw personal numbers
    safe = {
        k: (["***", "***"] if k in {"phone", "phone2", "id_number"} else v)
        for k, v in changed.items()
    }
    audit_record(actor=by, action="customer.update", obj=current, detail=safe)
    return current


def phone_for(user: User, phone: str) -> str:
    return phone if sees_unmasked(user) else mask_phone(phone)


def id_number_for(user: User, value: str) -> str:
    return value if sees_unmasked(user) else mask_id_number(value)


def customer_reveal(*, by: User, customer: Customer, field: str, reason: str = "") -> str:
    """Shows a masked number in full and writes who saw it to the audit log (CUS-2)."""
    if field not in {"phone", "phone2", "id_number"}:
        raise ValidationError({"field": [_("只能查看电话或证件号")]})
    if not may_reveal(by):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("您的角色无权查看完整号码"))
    audit_record(
        actor=by, action="customer.reveal", obj=customer, detail={"field": field, "reason": reason}
    )
    return getattr(customer, field)
