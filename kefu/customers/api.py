"""The customer base over HTTP: `/api/customers`. Phones and ID numbers are masked per role (CUS-2);
showing one in full is `POST /api/customers/{id}/reveal`, which is audited."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from kefu.accounts.api_auth import (
    api_user,
    cursor_decode,
    cursor_encode,
    expected_version,
    invalid_cursor,
    local_iso,
)
from kefu.accounts.models import User

from .models import Customer
from .selectors import customer_search
from .services import customer_create, customer_reveal, customer_update, id_number_for, phone_for

router = Router()

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
RECENT_TICKETS = 20


class CustomerOut(Schema):
    id: int
    name: str
    phone: str
    phone2: str
    email: str
    customer_class: str
    member_no: str
    organisation: str
    id_number: str
    notes: str
    created_at: str | None
    updated_at: str | None
    version: int


class CustomerTicketOut(Schema):
    number: str
    kind: str
    channel: str
    status: str
    subject: str
    received_at: str
    next_due_at: str | None
    is_open: bool


class CustomerDetailOut(CustomerOut):
    tickets: list[CustomerTicketOut]


class CustomerPageOut(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


class CustomerSearch(Schema):
    q: str | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


class CustomerIn(Schema):
    name: str | None = None
    phone: str | None = None
    phone2: str | None = None
    email: str | None = None
    customer_class: str | None = None
    member_no: str | None = None
    organisation: str | None = None
    id_number: str | None = None
    notes: str | None = None


class CustomerCreateIn(CustomerIn):
    allow_duplicate: bool = False


class CustomerPatchIn(CustomerIn):
    version: int | None = None


class RevealIn(Schema):
    field: str
    reason: str = ""


class RevealOut(Schema):
    id: int
    field: str
    value: str


def customer_out(c: Customer, viewer: User) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "phone": phone_for(viewer, c.phone),
        "phone2": phone_for(viewer, c.phone2),
        "email": c.email,
        "customer_class": c.customer_class,
        "member_no": c.member_no,
        "organisation": c.organisation,
        "id_number": id_number_for(viewer, c.id_number),
        "notes": c.notes,
        "created_at": local_iso(c.created_at),
        "updated_at": local_iso(c.updated_at),
        "version": c.version,
    }


def _customer(customer_id: int) -> Customer:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise Http404(_("客户 #%(id)s 不存在") % {"id": customer_id})
    return customer


def _data(payload: CustomerIn, *exclude: str) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True, exclude=set(exclude))


@router.get("", response=CustomerPageOut, summary="查找客户(电话、会员号、姓名;游标分页)")
def customer_list(request: HttpRequest, query: Query[CustomerSearch]) -> Any:
    qs = customer_search(query.q or "")
    cursor = cursor_decode(query.cursor)
    if cursor is not None:
        last_id = cursor.get("i")
        if not isinstance(last_id, int):
            raise invalid_cursor()
        qs = qs.filter(id__lt=last_id)  # customer_search orders by -id
    limit = max(1, min(query.limit, MAX_LIMIT))
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    viewer = api_user(request)
    return {
        "items": [customer_out(c, viewer) for c in rows],
        "next_cursor": cursor_encode({"i": rows[-1].pk}) if more and rows else None,
    }


@router.post(
    "", response={201: CustomerOut}, summary="新建客户(同号码已存在时 409,除非 allow_duplicate)"
)
def customer_new(request: HttpRequest, payload: CustomerCreateIn) -> Any:
    by = api_user(request)
    customer = customer_create(
        by=by, data=_data(payload, "allow_duplicate"), allow_duplicate=payload.allow_duplicate
    )
    return Status(201, customer_out(customer, by))


@router.get("/{customer_id}", response=CustomerDetailOut, summary="客户详情(含最近20张工单)")
def customer_detail(request: HttpRequest, customer_id: int, response: HttpResponse) -> Any:
    customer = _customer(customer_id)
    response["ETag"] = f'"{customer.version}"'
    tickets = customer.tickets.order_by("-received_at").values(
        "number", "kind", "channel", "status", "subject", "received_at", "next_due_at", "is_open"
    )[:RECENT_TICKETS]
    body = customer_out(customer, api_user(request))
    body["tickets"] = [
        {
            **t,
            "received_at": local_iso(t["received_at"]),
            "next_due_at": local_iso(t["next_due_at"]),
        }
        for t in tickets
    ]
    return body


@router.patch(
    "/{customer_id}", response=CustomerOut, summary="修改客户资料(需 version 或 If-Match)"
)
def customer_edit(
    request: HttpRequest, customer_id: int, payload: CustomerPatchIn, response: HttpResponse
) -> Any:
    version = expected_version(request, payload.version)
    by = api_user(request)
    customer = customer_update(
        by=by,
        customer=_customer(customer_id),
        data=_data(payload, "version"),
        expected_version=version,
    )
    response["ETag"] = f'"{customer.version}"'
    return customer_out(customer, by)


@router.post("/{customer_id}/reveal", response=RevealOut, summary="查看完整号码(记入审计日志)")
def customer_reveal_view(request: HttpRequest, customer_id: int, payload: RevealIn) -> Any:
    value = customer_reveal(
        by=api_user(request),
        customer=_customer(customer_id),
        field=payload.field,
        reason=payload.reason,
    )
    return {"id": customer_id, "field": payload.field, "value": value}
