"""Work orders over HTTP: `/api/tickets`, `/api/callbacks`, `/api/sla`.

Handlers parse input, call kefu.tickets.services (which checks permissions and business rules in
one transaction) and render. Times are ISO 8601 in the local zone (+08:00).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Schema, Status

from kefu.accounts.api_auth import (
    api_user,
    cursor_decode,
    cursor_encode,
    expected_version,
    invalid_cursor,
    local_iso,
    parse_instant,
)
from kefu.accounts.models import Team, User
from kefu.customers.models import Customer
from kefu.customers.services import (
    DuplicateCustomer,
    customer_create,
    customer_duplicates,
    phone_for,
)
from kefu.domain.sla import NoPolicyError

from . import services
from .models import (
    Callback,
    Channel,
    ComplaintCategory,
    Kind,
    Scope,
    Ticket,
)
from .models import (
    Status as TicketStatus,
)
from .sla import sla_preview

router = Router()
callbacks_router = Router()
sla_router = Router()

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


# --- schemas ----------------------------------------------------------------------------------


class PersonOut(Schema):
    employee_no: str | None
    name: str


class TeamOut(Schema):
    code: str
    name: str


class CustomerRefOut(Schema):
    id: int
    name: str
    phone: str
    customer_class: str
    member_no: str


class CallbackOut(Schema):
    id: int
    ticket: str
    reason: str
    state: str
    phone: str
    due_at: str
    promise_text: str
    owner: PersonOut | None
    attempts: int
    outcome: str
    note: str
    done_at: str | None
    kept_on_time: bool | None


class TicketOut(Schema):
    number: str
    kind: str
    kind_label: str
    channel: str
    priority: str
    scope: str
    status: str
    status_label: str
    is_open: bool
    overdue: bool
    subject: str
    description: str
    complaint_category: str
    order_no: str
    product_model: str
    contact_phone: str
    received_at: str
    created_at: str | None
    updated_at: str | None
    special_due_at: str | None
    first_response_due_at: str | None
    reply_due_at: str | None
    resolution_due_at: str | None
    next_due_at: str | None
    first_responded_at: str | None
    replied_at: str | None
    resolved_at: str | None
    closed_at: str | None
    policy: str | None
    policy_name: str | None
    standards: list[str]
    sla_calendar: str
    calendar_warning: str
    version: int
    customer: CustomerRefOut
    created_by: PersonOut | None
    assignee: PersonOut | None
    team: TeamOut | None
    department: TeamOut | None
    escalated_to: PersonOut | None
    callbacks: list[CallbackOut]


class TicketItemOut(Schema):
    number: str
    kind: str
    channel: str
    priority: str
    status: str
    subject: str
    received_at: str
    reply_due_at: str | None
    next_due_at: str | None
    is_open: bool
    overdue: bool
    version: int
    customer_id: int
    customer_name: str
    assignee: str | None
    assignee_name: str | None
    team: str | None


class TicketPageOut(Schema):
    items: list[TicketItemOut]
    next_cursor: str | None


class EventOut(Schema):
    id: int
    at: str
    actor: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    body: str
    public: bool


class CustomerInlineIn(Schema):
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    customer_class: str | None = None
    member_no: str | None = None


class TicketCreateIn(Schema):
    kind: str | None = None
    channel: str | None = None
    priority: str | None = None
    scope: str | None = None
    special_due_at: str | None = None
    complaint_category: str | None = None
    subject: str | None = None
    description: str | None = None
    order_no: str | None = None
    product_model: str | None = None
    contact_phone: str | None = None
    received_at: str | None = None
    team: str | None = None
    assignee: str | None = None
    customer_id: int | None = None
    customer: CustomerInlineIn | None = None


class TicketPatchIn(Schema):
    kind: str | None = None
    channel: str | None = None
    priority: str | None = None
    scope: str | None = None
    special_due_at: str | None = None
    complaint_category: str | None = None
    subject: str | None = None
    description: str | None = None
    order_no: str | None = None
    product_model: str | None = None
    contact_phone: str | None = None
    version: int | None = None


class TicketFilters(Schema):
    status: str | None = None
    kind: str | None = None
    channel: str | None = None
    assignee: str | None = None
    team: str | None = None
    overdue: bool | None = None
    q: str | None = None
    received_from: str | None = None
    received_to: str | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


class BodyIn(Schema):
    body: str = ""
    version: int | None = None


class TransferIn(Schema):
    department: str
    scope: str | None = None
    note: str = ""
    version: int | None = None


class AssignIn(Schema):
    assignee: str | None
    version: int | None = None


class StatusIn(Schema):
    status: str
    note: str = ""
    version: int | None = None


class ResolveIn(Schema):
    summary: str = ""
    version: int | None = None


class EscalateIn(Schema):
    reason: str = ""
    to: str | None = None
    version: int | None = None


class CallbackIn(Schema):
    hours: float | None = None
    due_at: str | None = None
    phone: str = ""
    promise_text: str = ""
    reason: str = Callback.Reason.PROMISED


class FulfilIn(Schema):
    outcome: str = ""
    note: str = ""


class SlaQuery(Schema):
    kind: str
    received: str
    scope: str = Scope.LOCAL
    channel: str | None = None
    customer_class: str = "normal"
    complaint_category: str | None = None
    special_due: str | None = None


class SlaDeadlineOut(Schema):
    policy: str
    standards: list[str]
    reply_due_at: str | None
    first_response_due_at: str | None
    resolution_due_at: str | None
    calendar: str
    warnings: list[str]


# --- rendering --------------------------------------------------------------------------------


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "employee_no": user.employee_no,
        "name": user.display_name or user.get_full_name() or user.username,
    }


def _team(team: Team | None) -> dict[str, Any] | None:
    return None if team is None else {"code": team.code, "name": team.name}


def callback_out(cb: Callback, viewer: User, number: str) -> dict[str, Any]:
    return {
        "id": cb.pk,
        "ticket": number,
        "reason": cb.reason,
        "state": cb.state,
        "phone": phone_for(viewer, cb.phone),
        "due_at": local_iso(cb.due_at),
        "promise_text": cb.promise_text,
        "owner": _person(cb.owner),
        "attempts": cb.attempts,
        "outcome": cb.outcome,
        "note": cb.note,
        "done_at": local_iso(cb.done_at),
        "kept_on_time": cb.kept_on_time,
    }


def ticket_out(t: Ticket, viewer: User) -> dict[str, Any]:
    now = timezone.now()
    policy = t.policy
    c = t.customer
    callbacks = t.callbacks.select_related("owner").order_by("due_at", "id")
    return {
        "number": t.number,
        "kind": t.kind,
        "kind_label": str(Kind(t.kind).label) if t.kind in Kind.values else t.kind,
        "channel": t.channel,
        "priority": t.priority,
        "scope": t.scope,
        "status": t.status,
        "status_label": str(TicketStatus(t.status).label)
        if t.status in TicketStatus.values
        else t.status,
        "is_open": t.is_open,
        "overdue": bool(t.is_open and t.next_due_at is not None and t.next_due_at < now),
        "subject": t.subject,
        "description": t.description,
        "complaint_category": t.complaint_category,
        "order_no": t.order_no,
        "product_model": t.product_model,
        "contact_phone": phone_for(viewer, t.contact_phone),
        "received_at": local_iso(t.received_at),
        "created_at": local_iso(t.created_at),
        "updated_at": local_iso(t.updated_at),
        "special_due_at": local_iso(t.special_due_at),
        "first_response_due_at": local_iso(t.first_response_due_at),
        "reply_due_at": local_iso(t.reply_due_at),
        "resolution_due_at": local_iso(t.resolution_due_at),
        "next_due_at": local_iso(t.next_due_at),
        "first_responded_at": local_iso(t.first_responded_at),
        "replied_at": local_iso(t.replied_at),
        "resolved_at": local_iso(t.resolved_at),
        "closed_at": local_iso(t.closed_at),
        "policy": policy.code if policy else None,
        "policy_name": policy.name if policy else None,
        "standards": [s.strip() for s in policy.standards.split(",") if s.strip()]
        if policy
        else [],
        "sla_calendar": t.sla_calendar,
        "calendar_warning": t.calendar_warning,
        "version": t.version,
        "customer": {
            "id": c.pk,
            "name": c.name,
            "phone": phone_for(viewer, c.phone),
            "customer_class": c.customer_class,
            "member_no": c.member_no,
        },
        "created_by": _person(t.created_by),
        "assignee": _person(t.assignee),
        "team": _team(t.team),
        "department": _team(t.department),
        "escalated_to": _person(t.escalated_to),
        "callbacks": [callback_out(cb, viewer, t.number) for cb in callbacks],
    }


DETAIL_RELATED = (
    "customer",
    "policy",
    "created_by",
    "assignee",
    "team",
    "department",
    "escalated_to",
)


def _ticket(number: str, *, full: bool = False) -> Ticket:
    qs = (
        Ticket.objects.select_related(*DETAIL_RELATED)
        if full
        else Ticket.objects.only("pk", "number")
    )
    try:
        return qs.get(number=number)
    except Ticket.DoesNotExist:
        raise Http404(_("工单 %(no)s 不存在") % {"no": number}) from None


def _render(t: Ticket, request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """The ticket as the service left it, with its version as the ETag for If-Match."""
    response["ETag"] = f'"{t.version}"'
    return ticket_out(t, api_user(request))


def _user_by_employee_no(value: str, field: str) -> User:
    user = (
        User.objects.filter(employee_no=value.strip()).first() if value and value.strip() else None
    )
    if user is None:
        raise ValidationError({field: [_("找不到工号为 %(no)s 的员工") % {"no": value}]})
    return user


def _team_by_code(value: str, field: str) -> Team:
    team = Team.objects.filter(code=value.strip()).first() if value and value.strip() else None
    if team is None:
        raise ValidationError({field: [_("找不到代码为 %(code)s 的班组/部门") % {"code": value}]})
    return team


def _merge(errors: dict[str, list[str]], exc: ValidationError, prefix: str = "") -> None:
    for field, messages in exc.message_dict.items():
        errors.setdefault(f"{prefix}{field}", []).extend(messages)


# --- create -----------------------------------------------------------------------------------

TICKET_FIELDS = (
    "kind", "channel", "priority", "scope", "special_due_at", "complaint_category", "subject",
    "description", "order_no", "product_model", "contact_phone", "received_at",
)  # fmt: skip


def _customer_for(by: User, payload: TicketCreateIn) -> Customer:
    """The customer the new ticket is for: by id, or found by phone, or created from the inline data."""
    if payload.customer_id is not None and payload.customer is not None:
        raise ValidationError({"customer": [_("customer_id 与 customer 只能提供其一")]})
    if payload.customer_id is not None:
        customer = Customer.objects.filter(pk=payload.customer_id).first()
        if customer is None:
            raise ValidationError(
                {"customer_id": [_("客户 #%(id)s 不存在") % {"id": payload.customer_id}]}
            )
        return customer
    if payload.customer is None:
        raise ValidationError(
            {"customer": [_("请提供 customer_id,或 customer(姓名、电话等)以便建档")]}
        )
    data = payload.customer.model_dump(exclude_none=True)
    existing = customer_duplicates(phone=data.get("phone", ""))
    if existing:
        return existing[0]
    try:
        return customer_create(by=by, data=data)
    except DuplicateCustomer as exc:  # registered meanwhile by a concurrent request
        return exc.existing[0]
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        _merge(errors, exc, "customer.")
        raise ValidationError(errors) from None


@router.post(
    "",
    response={200: TicketOut, 201: TicketOut},
    summary="受理工单(可带 Idempotency-Key)",
)
def ticket_create(
    request: HttpRequest,
    payload: TicketCreateIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Any:
    """201 with the new ticket; a retry with the same Idempotency-Key gets 200, the same ticket and
    `Idempotent-Replayed: true`; the same key with another body gets 409."""
    by = api_user(request)
    key = (idempotency_key or "").strip() or None
    errors: dict[str, list[str]] = {}
    if key is not None and len(key) > 200:
        errors["Idempotency-Key"] = [_("Idempotency-Key 不能超过200个字符")]
    data = payload.model_dump(include=set(TICKET_FIELDS), exclude_unset=True)
    team = assignee = None
    try:
        team = _team_by_code(payload.team, "team") if payload.team else None
    except ValidationError as exc:
        _merge(errors, exc)
    try:
        assignee = _user_by_employee_no(payload.assignee, "assignee") if payload.assignee else None
    except ValidationError as exc:
        _merge(errors, exc)
    # the ticket's own fields are checked before anything is written, so that one 400 lists
    # every problem; ticket_create checks them again inside its transaction
    try:
        services.ticket_validate(data)
    except ValidationError as exc:
        _merge(errors, exc)
    # team and assignee are part of the request an Idempotency-Key stands for
    data.update({k: getattr(payload, k) for k in ("team", "assignee") if getattr(payload, k)})
    with transaction.atomic():  # a customer created for a ticket that is then refused is not kept
        try:
            customer = _customer_for(by, payload)
        except ValidationError as exc:
            _merge(errors, exc)
        if errors:
            raise ValidationError(errors)
        ticket, created = services.ticket_create(
            by=by, customer=customer, data=data, team=team, assignee=assignee, idempotency_key=key
        )
    ticket = _ticket(ticket.number, full=True)
    body = _render(ticket, request, response)
    if not created:
        response["Idempotent-Replayed"] = "true"
        return Status(200, body)
    response["Location"] = f"/api/tickets/{ticket.number}"
    return Status(201, body)


# --- list -------------------------------------------------------------------------------------

LIST_VALUES = (
    "id", "number", "kind", "channel", "priority", "status", "subject", "received_at",
    "reply_due_at", "next_due_at", "is_open", "version", "customer_id", "customer__name",
    "assignee__employee_no", "assignee__display_name", "assignee__username", "team__code",
)  # fmt: skip


def _choice(value: str | None, choices: list[str], field: str) -> str | None:
    if value in (None, ""):
        return None
    if value not in choices:
        raise ValidationError(
            {field: [_("无效的取值“%(v)s”,可选:%(c)s") % {"v": value, "c": "、".join(choices)}]}
        )
    return value


def _filtered(request: HttpRequest, f: TicketFilters) -> tuple[QuerySet[Ticket], bool]:
    qs = Ticket.objects.all()
    errors: dict[str, list[str]] = {}
    for field, choices in (
        ("status", TicketStatus.values),
        ("kind", Kind.values),
        ("channel", Channel.values),
    ):
        try:
            value = _choice(getattr(f, field), choices, field)
        except ValidationError as exc:
            _merge(errors, exc)
            continue
        if value:
            qs = qs.filter(**{field: value})
    if f.assignee:
        if f.assignee == "me":
            qs = qs.filter(assignee_id=api_user(request).pk)
        elif f.assignee == "none":
            qs = qs.filter(assignee__isnull=True)
        else:
            pk = User.objects.filter(employee_no=f.assignee).values_list("pk", flat=True).first()
            if pk is None:
                errors.setdefault("assignee", []).append(
                    _("找不到工号为 %(no)s 的员工") % {"no": f.assignee}
                )
            qs = qs.filter(assignee_id=pk)
    if f.team:
        pk = Team.objects.filter(code=f.team).values_list("pk", flat=True).first()
        if pk is None:
            errors.setdefault("team", []).append(
                _("找不到代码为 %(code)s 的班组") % {"code": f.team}
            )
        qs = qs.filter(team_id=pk)
    if f.overdue:
        qs = qs.filter(is_open=True, next_due_at__lt=timezone.now())
    if f.q and f.q.strip():
        q = f.q.strip()
        qs = qs.filter(Q(number__icontains=q) | Q(subject__icontains=q))
    for field in ("received_from", "received_to"):
        raw = getattr(f, field)
        try:
            instant = parse_instant(raw, field)
        except ValidationError as exc:
            _merge(errors, exc)
            continue
        if instant is None:
            continue
        if field == "received_from":
            qs = qs.filter(received_at__gte=instant)
        elif len(raw.strip()) == 10:  # a bare date: the whole day counts
            qs = qs.filter(received_at__lt=instant + timedelta(days=1))
        else:
            qs = qs.filter(received_at__lte=instant)
    if errors:
        raise ValidationError(errors)
    by_due = bool(f.overdue or f.assignee)
    return qs, by_due


def _after_cursor(
    qs: QuerySet[Ticket], cursor: dict[str, Any] | None, by_due: bool, overdue: bool
) -> QuerySet[Ticket]:
    if cursor is None:
        return qs
    order, last_id = cursor.get("o"), cursor.get("i")
    if not isinstance(last_id, int) or order != ("due" if by_due else "id"):
        raise invalid_cursor()
    if not by_due:
        return qs.filter(id__lt=last_id)
    raw_due = cursor.get("d")
    if raw_due is None:
        return qs.filter(next_due_at__isnull=True, id__gt=last_id)
    try:
        due = datetime.fromisoformat(raw_due)
    except (TypeError, ValueError):
        raise invalid_cursor() from None
    # written so that `next_due_at >= due` can be an index range condition
    after = Q(next_due_at__gte=due) & (Q(next_due_at__gt=due) | Q(id__gt=last_id))
    if not overdue:
        after |= Q(next_due_at__isnull=True)  # nulls sort last
    return qs.filter(after)


@router.get("", response=TicketPageOut, summary="工单列表(筛选 + 游标分页)")
def ticket_list(request: HttpRequest, filters: Query[TicketFilters]) -> Any:
    """Newest first; nearest deadline first (no deadline last) when `assignee` or `overdue` is given."""
    qs, by_due = _filtered(request, filters)
    qs = _after_cursor(qs, cursor_decode(filters.cursor), by_due, bool(filters.overdue))
    ordering = (F("next_due_at").asc(nulls_last=True), "id") if by_due else ("-id",)
    qs = qs.order_by(*ordering)
    limit = max(1, min(filters.limit, MAX_LIMIT))
    rows = list(qs.values(*LIST_VALUES)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    now = timezone.now()
    items = [
        {
            "number": r["number"],
            "kind": r["kind"],
            "channel": r["channel"],
            "priority": r["priority"],
            "status": r["status"],
            "subject": r["subject"],
            "received_at": local_iso(r["received_at"]),
            "reply_due_at": local_iso(r["reply_due_at"]),
            "next_due_at": local_iso(r["next_due_at"]),
            "is_open": r["is_open"],
            "overdue": bool(
                r["is_open"] and r["next_due_at"] is not None and r["next_due_at"] < now
            ),
            "version": r["version"],
            "customer_id": r["customer_id"],
            "customer_name": r["customer__name"],
            "assignee": r["assignee__employee_no"],
            "assignee_name": (r["assignee__display_name"] or r["assignee__username"]),
            "team": r["team__code"],
        }
        for r in rows
    ]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        if by_due:
            due = last["next_due_at"]
            next_cursor = cursor_encode(
                {"o": "due", "d": due.isoformat() if due else None, "i": last["id"]}
            )
        else:
            next_cursor = cursor_encode({"o": "id", "i": last["id"]})
    return {"items": items, "next_cursor": next_cursor}


# --- one ticket -------------------------------------------------------------------------------


@router.get("/{number}", response=TicketOut, summary="工单详情")
def ticket_detail(request: HttpRequest, number: str, response: HttpResponse) -> Any:
    return _render(_ticket(number, full=True), request, response)


@router.patch("/{number}", response=TicketOut, summary="修改工单分类/内容(需 version 或 If-Match)")
def ticket_update(
    request: HttpRequest, number: str, payload: TicketPatchIn, response: HttpResponse
) -> Any:
    version = expected_version(request, payload.version)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    t = services.ticket_update(
        by=api_user(request), ticket=_ticket(number), data=data, expected_version=version
    )
    return _render(t, request, response)


@router.post("/{number}/replies", response=TicketOut, summary="回复客户")
def ticket_reply(request: HttpRequest, number: str, payload: BodyIn, response: HttpResponse) -> Any:
    version = expected_version(request, payload.version, required=False)
    t = services.ticket_reply(
        by=api_user(request), ticket=_ticket(number), body=payload.body, expected_version=version
    )
    return _render(t, request, response)


@router.post("/{number}/notes", response=TicketOut, summary="内部备注")
def ticket_note(request: HttpRequest, number: str, payload: BodyIn, response: HttpResponse) -> Any:
    version = expected_version(request, payload.version, required=False)
    t = services.ticket_note(
        by=api_user(request), ticket=_ticket(number), body=payload.body, expected_version=version
    )
    return _render(t, request, response)


@router.post("/{number}/transfer", response=TicketOut, summary="转交部门协办(重新计算时限)")
def ticket_transfer(
    request: HttpRequest, number: str, payload: TransferIn, response: HttpResponse
) -> Any:
    version = expected_version(request, payload.version)
    department = _team_by_code(payload.department, "department")
    t = services.ticket_transfer(
        by=api_user(request), ticket=_ticket(number), department=department, scope=payload.scope or None,
        note=payload.note, expected_version=version,
    )  # fmt: skip
    return _render(t, request, response)


@router.post("/{number}/assign", response=TicketOut, summary="分派/改派(assignee 为 null 取消分派)")
def ticket_assign(
    request: HttpRequest, number: str, payload: AssignIn, response: HttpResponse
) -> Any:
    version = expected_version(request, payload.version)
    assignee = _user_by_employee_no(payload.assignee, "assignee") if payload.assignee else None
    t = services.ticket_assign(
        by=api_user(request), ticket=_ticket(number), assignee=assignee, expected_version=version
    )
    return _render(t, request, response)


@router.post("/{number}/status", response=TicketOut, summary="变更状态")
def ticket_status(
    request: HttpRequest, number: str, payload: StatusIn, response: HttpResponse
) -> Any:
    version = expected_version(request, payload.version)
    t = services.ticket_set_status(
        by=api_user(request),
        ticket=_ticket(number),
        status=payload.status,
        note=payload.note,
        expected_version=version,
    )
    return _render(t, request, response)


@router.post("/{number}/resolve", response=TicketOut, summary="标记已解决")
def ticket_resolve(
    request: HttpRequest, number: str, payload: ResolveIn, response: HttpResponse
) -> Any:
    version = expected_version(request, payload.version)
    t = services.ticket_resolve(
        by=api_user(request),
        ticket=_ticket(number),
        summary=payload.summary,
        expected_version=version,
    )
    return _render(t, request, response)


@router.post("/{number}/escalate", response=TicketOut, summary="升级给班长/经理")
def ticket_escalate(
    request: HttpRequest, number: str, payload: EscalateIn, response: HttpResponse
) -> Any:
    version = expected_version(request, payload.version)
    to = _user_by_employee_no(payload.to, "to") if payload.to else None
    t = services.ticket_escalate(
        by=api_user(request),
        ticket=_ticket(number),
        reason=payload.reason,
        to=to,
        expected_version=version,
    )
    return _render(t, request, response)


@router.post("/{number}/callbacks", response={201: CallbackOut}, summary="登记回电承诺")
def callback_promise(request: HttpRequest, number: str, payload: CallbackIn) -> Any:
    due_at = parse_instant(payload.due_at, "due_at")
    cb = services.callback_promise(
        by=api_user(request), ticket=_ticket(number), hours=payload.hours, due_at=due_at,
        reason=payload.reason, phone=payload.phone, promise_text=payload.promise_text,
    )  # fmt: skip
    return Status(201, callback_out(cb, api_user(request), number))


@router.get("/{number}/events", response=list[EventOut], summary="工单时间线")
def ticket_events(request: HttpRequest, number: str) -> Any:
    ticket = _ticket(number)
    rows = ticket.events.order_by("at", "id").values(
        "id", "at", "actor_label", "action", "before", "after", "body", "public"
    )
    return [
        {
            "id": r["id"],
            "at": local_iso(r["at"]),
            "actor": r["actor_label"],
            "action": r["action"],
            "before": r["before"] or {},
            "after": r["after"] or {},
            "body": r["body"],
            "public": r["public"],
        }
        for r in rows
    ]


# --- callbacks --------------------------------------------------------------------------------


@callbacks_router.post("/{callback_id}/fulfil", response=CallbackOut, summary="记录回电结果")
def callback_fulfil(request: HttpRequest, callback_id: int, payload: FulfilIn) -> Any:
    cb = get_object_or_404(Callback.objects.select_related("ticket"), pk=callback_id)
    cb = services.callback_fulfil(
        by=api_user(request), callback=cb, outcome=payload.outcome, note=payload.note
    )
    return callback_out(cb, api_user(request), cb.ticket.number)


# --- SLA preview ------------------------------------------------------------------------------


@sla_router.get(
    "/deadline", response=SlaDeadlineOut, summary="预览新工单的截止时间(同 kefu sla deadline)"
)
def sla_deadline(request: HttpRequest, query: Query[SlaQuery]) -> Any:
    errors: dict[str, list[str]] = {}
    checks = (
        ("kind", query.kind, Kind.values),
        ("scope", query.scope, Scope.values),
        ("channel", query.channel, Channel.values),
        ("customer_class", query.customer_class, ["normal", "vip"]),
        ("complaint_category", query.complaint_category, ComplaintCategory.values),
    )
    for field, value, choices in checks:
        try:
            _choice(value, choices, field)
        except ValidationError as exc:
            _merge(errors, exc)
    received = special = None
    try:
        received = parse_instant(query.received, "received")
    except ValidationError as exc:
        _merge(errors, exc)
    try:
        special = parse_instant(query.special_due, "special_due")
    except ValidationError as exc:
        _merge(errors, exc)
    if received is None and "received" not in errors:
        errors["received"] = [_("此项为必填项")]
    if query.scope == Scope.SPECIAL and special is None and "special_due" not in errors:
        errors["special_due"] = [_("特殊事项必须指定回复时间 special_due (SLA-4)")]
    if errors:
        raise ValidationError(errors)
    try:
        preview = sla_preview(
            kind=query.kind, received_at=received, scope=query.scope, channel=query.channel or None,  # type: ignore[arg-type]
            customer_class=query.customer_class, complaint_category=query.complaint_category or None,
            special_due_at=special,
        )  # fmt: skip
    except NoPolicyError as exc:
        raise ValidationError({"kind": [str(exc)]}) from exc
    except ValueError as exc:
        raise ValidationError({"special_due": [str(exc)]}) from exc
    return preview.as_json()
