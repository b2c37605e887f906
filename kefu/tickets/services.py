"""Writes to work orders (WO-1..12). Each service is one transaction and one timeline entry or more.

Views, the API and commands call these; they never change a ticket themselves.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import Role, Team, User
from kefu.accounts.permissions import SUPERVISORS, TICKET_HANDLERS, has_role, require
from kefu.core.messages import Message
from kefu.core.services import StaleVersion, notify, sequence_next
from kefu.customers.models import Customer
from kefu.customers.services import _validate_phone, normalize_phone
from kefu.domain.sla import NoPolicyError

from . import sla
from .events import record_event
from .models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    Attachment,
    Callback,
    Channel,
    ComplaintCategory,
    IdempotencyKey,
    Kind,
    Priority,
    Scope,
    Status,
    Ticket,
)

log = logging.getLogger(__name__)

# Allowed status transitions (WO-5 flow). Reassignment keeps the status and is not listed here.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {
            Status.ASSIGNED,
            Status.IN_PROGRESS,
            Status.WAITING,
            Status.TRANSFERRED,
            Status.REPLIED,
            Status.RESOLVED,
        }
    ),
    Status.ASSIGNED: frozenset(
        {Status.IN_PROGRESS, Status.WAITING, Status.TRANSFERRED, Status.REPLIED, Status.RESOLVED}
    ),
    Status.IN_PROGRESS: frozenset(
        {Status.WAITING, Status.TRANSFERRED, Status.REPLIED, Status.RESOLVED}
    ),
    Status.WAITING: frozenset(
        {Status.IN_PROGRESS, Status.TRANSFERRED, Status.REPLIED, Status.RESOLVED}
    ),
    Status.TRANSFERRED: frozenset(
        {Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING, Status.REPLIED, Status.RESOLVED}
    ),
    Status.REPLIED: frozenset(
        {Status.IN_PROGRESS, Status.WAITING, Status.TRANSFERRED, Status.RESOLVED, Status.CLOSED}
    ),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.CLOSED: frozenset({Status.REOPENED}),
    Status.REOPENED: frozenset(
        {
            Status.ASSIGNED,
            Status.IN_PROGRESS,
            Status.WAITING,
            Status.TRANSFERRED,
            Status.REPLIED,
            Status.RESOLVED,
        }
    ),
}

SLA_PROGRESS_CALLBACK_HOURS = 2  # SLA-7


def _lock(ticket: Ticket, expected_version: int | None) -> Ticket:
    """Re-reads the ticket under a row lock and checks the version the caller based its edit on."""
    current = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "team", "assignee", "department", "policy")
        .get(pk=ticket.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current.version)
    return current


def _save(ticket: Ticket) -> None:
    ticket.version += 1
    ticket.is_open = ticket.status in OPEN_STATUSES
    ticket.priority_rank = PRIORITY_RANK.get(ticket.priority, 2)
    ticket.next_due_at = sla.next_due(ticket)
    upcoming = sla.sla_upcoming(ticket)
    ticket.next_alert_at = upcoming[0] if upcoming else None
    ticket.save()
    _schedule_sla_checks(ticket)


def _schedule_sla_checks(ticket: Ticket) -> None:
    from .tasks import sla_check

    upcoming = [t for t in sla.sla_upcoming(ticket) if t > timezone.now() - timedelta(seconds=1)]
    ticket_id = ticket.pk

    def enqueue() -> None:
        for run_after in upcoming[:3]:
            try:
                sla_check.using(run_after=run_after).enqueue(ticket_id)
            except Exception:  # the periodic reconcile catches what a failed enqueue missed
                log.warning("could not enqueue SLA check for ticket %s", ticket_id, exc_info=True)

    transaction.on_commit(enqueue)


def _cancel_progress_callbacks(ticket: Ticket, *, by: User | None) -> None:
    """SLA-7: the progress callback is no longer needed once the complaint is resolved."""
    for cb in ticket.callbacks.filter(state=Callback.State.OPEN, reason=Callback.Reason.PROGRESS):
        cb.state = Callback.State.CANCELLED
        cb.note = _("投诉已解决,无需进展回电")
        cb.save(update_fields=["state", "note"])
        record_event(
            ticket, by=by, action="callback_cancelled", after={"callback": cb.pk}, body=cb.note
        )


def _move(ticket: Ticket, *, to: str, by: User | None, note: str = "") -> None:
    if to == ticket.status:
        return
    if to not in TRANSITIONS.get(ticket.status, frozenset()):
        raise ValidationError(
            {
                "status": [
                    _("工单状态不能从“%(a)s”变为“%(b)s”")
                    % {"a": Status(ticket.status).label, "b": Status(to).label}
                ]
            }
        )
    before = ticket.status
    ticket.status = to
    now = timezone.now()
    if to == Status.RESOLVED:
        ticket.resolved_at = now
        _cancel_progress_callbacks(ticket, by=by)
    elif to == Status.CLOSED:
        ticket.closed_at = now
    elif to == Status.REOPENED:
        ticket.resolved_at = None
        ticket.closed_at = None
    record_event(
        ticket,
        by=by,
        action="status",
        before={"status": before},
        after={"status": to},
        body=note,
        at=now,
    )
    if before == Status.WAITING or to == Status.WAITING:
        # the resolution clock pauses while the customer is awaited: recompute it from history
        changes = sla.sla_apply(ticket)
        if changes:
            record_event(
                ticket,
                by=None,
                action="deadlines",
                before={k: v[0] for k, v in changes.items()},
                after={k: v[1] for k, v in changes.items()},
                message=Message.of(gettext_noop("等待客户期间暂停解决时限")),
            )


# --- create -----------------------------------------------------------------------------------


def _clean_choice(
    data: dict[str, Any],
    field: str,
    choices: type,
    errors: dict[str, list[str]],
    *,
    required: bool,
    default: str | None = None,
) -> str:
    value = data.get(field)
    if value in (None, ""):
        if required and default is None:
            errors.setdefault(field, []).append(_("此项为必填项"))
            return ""
        return default or ""
    if value not in choices.values:
        allowed = "、".join(f"{v}({label})" for v, label in choices.choices)
        errors.setdefault(field, []).append(
            _("无效的取值“%(v)s”,可选:%(allowed)s") % {"v": value, "allowed": allowed}
        )
        return ""
    return str(value)


def ticket_validate(data: dict[str, Any]) -> dict[str, Any]:
    """Checks the fields of a new work order; raises ValidationError with a message per field."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    values["kind"] = _clean_choice(data, "kind", Kind, errors, required=True)
    values["channel"] = _clean_choice(data, "channel", Channel, errors, required=True)
    values["priority"] = _clean_choice(
        data, "priority", Priority, errors, required=False, default=Priority.NORMAL
    )
    values["scope"] = _clean_choice(
        data, "scope", Scope, errors, required=False, default=Scope.LOCAL
    )
    values["complaint_category"] = _clean_choice(
        data, "complaint_category", ComplaintCategory, errors, required=False, default=""
    )
    subject = str(data.get("subject") or "").strip()
    description = str(data.get("description") or "").strip()
    if not description:
        errors.setdefault("description", []).append(_("请填写客户诉求的详细描述"))
    if not subject:
        subject = description[:60]
    if len(subject) > 200:
        errors.setdefault("subject", []).append(_("摘要不能超过200个字符"))
    values["subject"] = subject
    values["description"] = description
    values["order_no"] = str(data.get("order_no") or "").strip()
    values["product_model"] = str(data.get("product_model") or "").strip()
    # the callback number: same digits-only form and check as a customer's phone (CUS-1)
    values["contact_phone"] = normalize_phone(str(data.get("contact_phone") or "").strip())
    _validate_phone(values["contact_phone"], "contact_phone", errors)
    if values["kind"] == Kind.AFTER_SALES:  # WO-4
        if not values["order_no"]:
            errors.setdefault("order_no", []).append(_("售后工单必须填写订单号"))
        if not values["product_model"]:
            errors.setdefault("product_model", []).append(_("售后工单必须填写产品型号"))
        if description and len(description) < 10:
            errors.setdefault("description", []).append(_("售后工单需要详细的问题描述(至少10个字)"))
    if values["kind"] == Kind.COMPLAINT and not values["complaint_category"]:
        values["complaint_category"] = ComplaintCategory.OTHER
    if values["kind"] != Kind.COMPLAINT:
        values["complaint_category"] = ""
    received_at = data.get("received_at")
    if isinstance(received_at, str) and received_at:
        try:
            received_at = datetime.fromisoformat(received_at)
        except ValueError:
            errors.setdefault("received_at", []).append(
                _("时间格式错误,应为 ISO 8601,如 2026-11-22T09:30:00+08:00")
            )
            received_at = None
    if isinstance(received_at, datetime) and timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    now = timezone.now()
    if isinstance(received_at, datetime) and received_at > now + timedelta(minutes=5):
        errors.setdefault("received_at", []).append(_("受理时间不能晚于当前时间"))
    values["received_at"] = received_at if isinstance(received_at, datetime) else now
    special = data.get("special_due_at")
    if isinstance(special, str) and special:
        try:
            special = datetime.fromisoformat(special)
        except ValueError:
            errors.setdefault("special_due_at", []).append(_("时间格式错误,应为 ISO 8601"))
            special = None
    if isinstance(special, datetime) and timezone.is_naive(special):
        special = timezone.make_aware(special)
    if values["scope"] == Scope.SPECIAL:  # SLA-4
        if not isinstance(special, datetime):
            if "special_due_at" not in errors:
                errors.setdefault("special_due_at", []).append(_("特殊事项必须指定回复时间"))
        elif special <= values["received_at"]:
            errors.setdefault("special_due_at", []).append(_("指定回复时间必须晚于受理时间"))
    values["special_due_at"] = (
        special if values["scope"] == Scope.SPECIAL and isinstance(special, datetime) else None
    )
    if errors:
        raise ValidationError(errors)
    return values


def _number(received_at: datetime) -> str:
    day = timezone.localtime(received_at).date()
    prefix = settings.KEFU_TICKET_PREFIX
    value = sequence_next(prefix=prefix, day=day)
    return f"{prefix}{day:%Y%m%d}-{value:04d}"


def _pick_assignee(team: Team) -> User | None:
    """Automatic assignment within a team, skipping agents who are off duty."""
    agents = User.objects.filter(
        team=team, is_active=True, on_duty=True, role__in=[Role.AGENT, Role.COUNTER, Role.DESK]
    )
    if team.assignment == Team.Strategy.ROUND_ROBIN:
        locked = Team.objects.select_for_update().get(pk=team.pk)
        nxt = (
            agents.filter(pk__gt=locked.round_robin_last).order_by("pk").first()
            or agents.order_by("pk").first()
        )
        if nxt is not None:
            Team.objects.filter(pk=team.pk).update(round_robin_last=nxt.pk)
        return nxt
    if team.assignment == Team.Strategy.LEAST_OPEN:
        return (
            agents.annotate(
                open_work=Count("assigned_tickets", filter=Q(assigned_tickets__is_open=True))
            )
            .order_by("open_work", "pk")
            .first()
        )
    return None


def _request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class IdempotencyConflict(Exception):
    """The same Idempotency-Key was used before with a different request body."""


def ticket_create(
    *,
    by: User,
    customer: Customer,
    data: dict[str, Any],
    team: Team | None = None,
    assignee: User | None = None,
    idempotency_key: str | None = None,
    self_assign: bool = True,
    request_fingerprint: dict[str, Any] | None = None,
) -> tuple[Ticket, bool]:
    """Records a request as a work order with its deadlines (WO-2). Returns (ticket, created).

    With an idempotency key, a repeated call returns the first ticket and created=False.
    """
    require(by, TICKET_HANDLERS, _("受理工单"))
    values = ticket_validate(data)
    # an integration's retry may resolve "the customer with this phone" to another row than the
    # first attempt did, so the caller can fingerprint the request as it was sent
    payload_hash = _request_hash(request_fingerprint or {"customer": customer.pk, **data})
    if idempotency_key:
        existing = (
            IdempotencyKey.objects.filter(owner=by, key=idempotency_key)
            .select_related("ticket")
            .first()
        )
        if existing is not None:
            if existing.request_hash != payload_hash:
                raise IdempotencyConflict(existing.ticket.number if existing.ticket else "")
            return existing.ticket, False  # type: ignore[return-value]
    try:
        with transaction.atomic():
            ticket = _ticket_insert(
                by=by,
                customer=customer,
                values=values,
                team=team,
                assignee=assignee,
                self_assign=self_assign,
            )
            if idempotency_key:
                IdempotencyKey.objects.create(
                    owner=by, key=idempotency_key, request_hash=payload_hash, ticket=ticket
                )
    except IntegrityError:
        if not idempotency_key:
            raise
        # a concurrent retry with the same key won the race: return its ticket
        existing = IdempotencyKey.objects.select_related("ticket").get(
            owner=by, key=idempotency_key
        )
        if existing.request_hash != payload_hash:
            raise IdempotencyConflict(existing.ticket.number if existing.ticket else "") from None
        return existing.ticket, False  # type: ignore[return-value]
    return ticket, True


def _ticket_insert(
    *,
    by: User,
    customer: Customer,
    values: dict[str, Any],
    team: Team | None,
    assignee: User | None,
    self_assign: bool,
) -> Ticket:
    ticket = Ticket(customer=customer, created_by=by, **values)
    if not ticket.contact_phone:
        ticket.contact_phone = customer.phone or customer.phone2
    if team is None and by.team_id and by.team.kind == Team.Kind.TEAM:
        team = by.team
    ticket.team = team
    try:
        changes = sla.sla_apply(ticket)
    except NoPolicyError as exc:
        raise ValidationError({"kind": [str(exc)]}) from exc
    except ValueError as exc:
        raise ValidationError({"special_due_at": [str(exc)]}) from exc
    ticket.number = _number(ticket.received_at)
    ticket.priority_rank = PRIORITY_RANK.get(ticket.priority, 2)
    ticket.save()
    record_event(
        ticket,
        by=by,
        action="created",
        after={
            "number": ticket.number,
            "kind": ticket.kind,
            "channel": ticket.channel,
            "scope": ticket.scope,
            "priority": ticket.priority,
            "policy": changes.get("policy", [None, None])[1],
            "reply_due_at": ticket.reply_due_at.isoformat() if ticket.reply_due_at else None,
        },
        body=ticket.description,
    )
    if assignee is None and ticket.team_id:
        assignee = _pick_assignee(ticket.team)  # type: ignore[arg-type]
    if assignee is None and self_assign and by.role in (Role.AGENT, Role.COUNTER, Role.DESK):
        assignee = by  # the agent who took the call keeps it unless the team hands work out
    if assignee is not None:
        ticket.assignee = assignee
        ticket.status = Status.ASSIGNED
        record_event(
            ticket,
            by=by,
            action="assigned",
            before={"assignee": None},
            after={"assignee": assignee.pk, "name": str(assignee)},
        )
    if ticket.kind == Kind.COMPLAINT and ticket.channel == Channel.PHONE:
        # SLA-7: a phone complaint not resolved in 2 hours gets a reassurance and progress call
        _callback_add(
            ticket,
            by=by,
            reason=Callback.Reason.PROGRESS,
            due_at=ticket.received_at + timedelta(hours=SLA_PROGRESS_CALLBACK_HOURS),
            phone=ticket.contact_phone,
            promise_text=_("电话投诉2小时内回电告知处理进展"),
        )
    if (
        ticket.kind == Kind.COMPLAINT
        and ticket.complaint_category == ComplaintCategory.SERVICE_ATTITUDE
    ):
        # WO-8: a complaint about an agent goes to a manager who contacts the customer at once
        managers = list(User.objects.filter(role__in=[Role.MANAGER], is_active=True)[:5])
        if ticket.team_id and ticket.team.lead_id:  # type: ignore[union-attr]
            managers.append(ticket.team.lead)  # type: ignore[union-attr]
        notify(
            users=managers,
            message=Message.of(
                gettext_noop("服务态度投诉 %(no)s:请立即联系客户"), no=ticket.number
            ),
            level="escalation",
            link=ticket.get_absolute_url(),
        )
    if assignee is not None and assignee != by:
        notify(
            users=[assignee],
            message=Message.of(
                gettext_noop("新工单 %(no)s 已分派给您:%(s)s"), no=ticket.number, s=ticket.subject
            ),
            link=ticket.get_absolute_url(),
            email=False,
        )
    ticket.version = 0
    _save(ticket)
    return ticket


# --- changes ----------------------------------------------------------------------------------


def _may_handle(by: User, ticket: Ticket) -> None:
    require(by, TICKET_HANDLERS, _("处理工单"))
    if has_role(by, SUPERVISORS) or ticket.assignee_id in (None, by.pk):
        return
    if ticket.team_id and ticket.team_id == by.team_id:
        return
    if ticket.department_id and ticket.department_id == by.team_id:
        return
    raise PermissionDenied(_("该工单由 %(who)s 处理,您无权操作") % {"who": ticket.assignee})


SLA_DRIVERS = ("kind", "scope", "priority", "complaint_category", "special_due_at", "channel")


@transaction.atomic
def ticket_update(
    *, by: User, ticket: Ticket, data: dict[str, Any], expected_version: int | None = None
) -> Ticket:
    """Changes classification fields; deadlines are recomputed when kind, scope or priority change."""
    t = _lock(ticket, expected_version)
    _may_handle(by, t)
    merged = {
        f: getattr(t, f)
        for f in (
            "kind",
            "channel",
            "priority",
            "scope",
            "complaint_category",
            "subject",
            "description",
            "order_no",
            "product_model",
            "contact_phone",
            "special_due_at",
        )
    }
    merged["received_at"] = t.received_at
    merged.update({k: v for k, v in data.items() if k in merged})
    values = ticket_validate(merged)
    values.pop("received_at")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in values.items():
        old = getattr(t, key)
        if old != value:
            before[key] = old.isoformat() if isinstance(old, datetime) else old
            after[key] = value.isoformat() if isinstance(value, datetime) else value
            setattr(t, key, value)
    if not after:
        return t
    record_event(t, by=by, action="updated", before=before, after=after)
    if set(after) & set(SLA_DRIVERS):
        _recompute(t, by=by, reason=_("分类变更,重新计算时限"))
    _save(t)
    return t


def _recompute(t: Ticket, *, by: User | None, reason: str) -> None:
    try:
        changes = sla.sla_apply(t)
    except ValueError as exc:
        raise ValidationError({"special_due_at": [str(exc)]}) from exc
    if changes:
        record_event(
            t,
            by=by,
            action="deadlines",
            before={k: v[0] for k, v in changes.items()},
            after={k: v[1] for k, v in changes.items()},
            body=reason,
        )


@transaction.atomic
def ticket_assign(
    *, by: User, ticket: Ticket, assignee: User | None, expected_version: int | None = None
) -> Ticket:
    t = _lock(ticket, expected_version)
    taking_myself = assignee is not None and assignee.pk == by.pk and t.assignee_id is None
    if not taking_myself:
        require(by, SUPERVISORS, _("分派/改派工单"))
    if assignee is not None and not has_role(assignee, TICKET_HANDLERS):
        raise ValidationError({"assignee": [_("%(who)s 不是可处理工单的角色") % {"who": assignee}]})
    if assignee is not None and not assignee.is_active:
        raise ValidationError({"assignee": [_("%(who)s 的账号已停用") % {"who": assignee}]})
    if t.assignee_id == (assignee.pk if assignee else None):
        return t
    before = {"assignee": t.assignee_id, "name": str(t.assignee) if t.assignee else None}
    t.assignee = assignee
    record_event(
        t,
        by=by,
        action="assigned",
        before=before,
        after={
            "assignee": assignee.pk if assignee else None,
            "name": str(assignee) if assignee else None,
        },
    )
    if assignee is not None and t.status in (Status.NEW, Status.REOPENED):
        _move(t, to=Status.ASSIGNED, by=by)
    if assignee is not None and assignee != by:
        notify(
            users=[assignee],
            message=Message.of(gettext_noop("工单 %(no)s 已分派给您"), no=t.number),
            link=t.get_absolute_url(),
            email=False,
        )
    _save(t)
    return t


@transaction.atomic
def ticket_transfer(
    *,
    by: User,
    ticket: Ticket,
    department: Team,
    scope: str | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """WO-6: hand to another department; the coordinating department drives SLA-2/SLA-3."""
    t = _lock(ticket, expected_version)
    _may_handle(by, t)
    if department.kind != Team.Kind.DEPARTMENT:
        raise ValidationError({"department": [_("只能转交给部门")]})
    new_scope = scope or (Scope.CROSS_DEPARTMENT if t.scope == Scope.LOCAL else t.scope)
    if new_scope not in Scope.values:
        raise ValidationError({"scope": [_("无效的协调范围")]})
    if new_scope == Scope.SPECIAL and t.special_due_at is None:
        raise ValidationError({"scope": [_("转为特殊事项需先指定回复时间")]})
    before = {
        "department": t.department_id,
        "department_name": str(t.department) if t.department else None,
        "scope": t.scope,
    }
    t.department = department
    t.scope = new_scope
    record_event(
        t,
        by=by,
        action="transferred",
        before=before,
        after={"department": department.pk, "department_name": department.name, "scope": new_scope},
        body=note,
    )
    if t.status != Status.TRANSFERRED:
        _move(t, to=Status.TRANSFERRED, by=by)
    _recompute(
        t,
        by=by,
        reason=_("转交%(dept)s,协调范围变为“%(scope)s”")
        % {"dept": department.name, "scope": Scope(new_scope).label},
    )
    recipients = [department.lead] if department.lead_id else []
    notify(
        users=recipients,
        message=Message.of(
            gettext_noop("工单 %(no)s 转交贵部门协办:%(s)s"), no=t.number, s=t.subject
        ),
        link=t.get_absolute_url(),
    )
    _save(t)
    return t


def _first_response(t: Ticket, at: datetime) -> None:
    if t.first_responded_at is None:
        t.first_responded_at = at


@transaction.atomic
def ticket_reply(
    *, by: User, ticket: Ticket, body: str, expected_version: int | None = None
) -> Ticket:
    """A reply to the customer (SLA-5 counts the first one)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("回复内容不能为空")]})
    t = _lock(ticket, expected_version)
    _may_handle(by, t)
    if t.status in (Status.RESOLVED, Status.CLOSED):
        raise ValidationError({"body": [_("工单已解决或关闭,如需继续处理请先重新打开")]})
    now = timezone.now()
    record_event(t, by=by, action="reply", body=body, public=True, at=now)
    _first_response(t, now)
    if t.replied_at is None:
        t.replied_at = now
    if t.status != Status.REPLIED:
        _move(t, to=Status.REPLIED, by=by)
    _save(t)
    return t


@transaction.atomic
def ticket_note(
    *, by: User, ticket: Ticket, body: str, expected_version: int | None = None
) -> Ticket:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("备注内容不能为空")]})
    t = _lock(ticket, expected_version)
    _may_handle(by, t)
    record_event(t, by=by, action="note", body=body)
    _save(t)
    return t


@transaction.atomic
def ticket_set_status(
    *, by: User, ticket: Ticket, status: str, note: str = "", expected_version: int | None = None
) -> Ticket:
    if status not in Status.values:
        raise ValidationError({"status": [_("无效的状态")]})
    t = _lock(ticket, expected_version)
    _may_handle(by, t)
    if status == Status.CLOSED and t.replied_at is None:
        raise ValidationError({"status": [_("尚未回复客户的工单不能关闭(回复率须达100%)")]})
    # SLA-5: "replied" and "resolved" are reached by replying first, not by setting the status
    if status in (Status.REPLIED, Status.RESOLVED) and t.replied_at is None:
        raise ValidationError(
            {"status": [_("请先回复客户,再标记为已回复或已解决(回复率须达100%)")]}
        )
    _move(t, to=status, by=by, note=note)
    _save(t)
    return t


@transaction.atomic
def ticket_resolve(
    *, by: User, ticket: Ticket, summary: str, expected_version: int | None = None
) -> Ticket:
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": [_("请填写处理结果")]})
    t = _lock(ticket, expected_version)
    _may_handle(by, t)
    if t.replied_at is None:
        raise ValidationError({"summary": [_("请先回复客户,再标记为已解决(回复率须达100%)")]})
    _move(t, to=Status.RESOLVED, by=by, note=summary)
    _save(t)
    return t


@transaction.atomic
def ticket_escalate(
    *,
    by: User,
    ticket: Ticket,
    reason: str,
    to: User | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """WO-7: beyond the agent's authority -> the supervisor, and the customer is told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明升级原因")]})
    t = _lock(ticket, expected_version)
    _may_handle(by, t)
    target = to
    if target is None:
        team = t.team or by.team
        target = team.lead if team and team.lead_id else None
    if target is None:
        target = User.objects.filter(role=Role.MANAGER, is_active=True).order_by("pk").first()
    if target is None:
        raise ValidationError({"to": [_("没有可升级的班长或经理,请在班组中设置负责人")]})
    if not has_role(target, SUPERVISORS):
        raise ValidationError({"to": [_("只能升级给班长或经理")]})
    before = {"escalated_to": t.escalated_to_id}
    t.escalated_to = target
    if t.priority_rank > PRIORITY_RANK[Priority.HIGH]:
        before["priority"] = t.priority
        t.priority = Priority.HIGH
    record_event(
        t,
        by=by,
        action="escalated",
        before=before,
        after={"escalated_to": target.pk, "name": str(target), "priority": t.priority},
        body=reason,
    )
    notify(
        users=[target],
        message=Message.of(gettext_noop("工单 %(no)s 已升级给您:%(r)s"), no=t.number, r=reason),
        level="escalation",
        link=t.get_absolute_url(),
    )
    _save(t)
    return t


def attachment_add(*, by: User, ticket: Ticket, upload: Any) -> Attachment:
    if upload is None:
        raise ValidationError({"file": [_("请选择文件")]})
    if upload.size > settings.KEFU_MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {
                "file": [
                    _("文件不能超过 %(mb)s MB")
                    % {"mb": settings.KEFU_MAX_ATTACHMENT_BYTES // (1024 * 1024)}
                ]
            }
        )
    with transaction.atomic():
        t = _lock(ticket, None)
        _may_handle(by, t)
        att = Attachment.objects.create(
            ticket=t,
            file=upload,
            name=upload.name[:200],
            size=upload.size,
            content_type=getattr(upload, "content_type", "") or "",
            uploaded_by=by,
        )
        record_event(
            t,
            by=by,
            action="attachment",
            after={"attachment": att.pk, "name": att.name, "size": att.size},
        )
        _save(t)
    return att


# --- callbacks (SLA-6, SLA-7, SLA-12) -----------------------------------------------------------


def _callback_add(
    ticket: Ticket, *, by: User | None, reason: str, due_at: datetime, phone: str, promise_text: str
) -> Callback:
    cb = Callback.objects.create(
        ticket=ticket,
        reason=reason,
        due_at=due_at,
        phone=phone,
        promise_text=promise_text,
        owner=ticket.assignee or (by if by is not None and by.pk else None),
        created_by=by if by and by.pk else None,
    )
    record_event(
        ticket,
        by=by,
        action="callback_promised",
        after={"callback": cb.pk, "reason": reason, "due_at": due_at.isoformat()},
        body=promise_text,
    )
    return cb


@transaction.atomic
def callback_promise(
    *,
    by: User,
    ticket: Ticket,
    hours: float | None = None,
    due_at: datetime | None = None,
    reason: str = Callback.Reason.PROMISED,
    phone: str = "",
    promise_text: str = "",
    recorded_late: bool = False,
) -> Callback:
    """SLA-6: "我们会在XX小时有专人和您联系" becomes a callback with a due time.

    ``recorded_late``: the promise was made earlier and is only recorded now (a conversation
    imported for inspection), so a due time already past is accepted: the callback is overdue
    from the start and the overdue escalation picks it up.
    """
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    if due_at is None and hours is None:
        errors["hours"] = [_("请填写几小时内回电,或指定回电时间")]
    elif due_at is None:
        if hours is None or hours <= 0 or hours > 24 * 30:
            errors["hours"] = [_("回电时限应在0到720小时之间")]
        else:
            due_at = now + timedelta(hours=hours)
    elif due_at <= now and not recorded_late:
        errors["due_at"] = [_("回电时间必须晚于现在")]
    if reason not in Callback.Reason.values:
        errors["reason"] = [_("无效的回电原因")]
    t = _lock(ticket, None)
    phone = (phone or t.contact_phone or t.customer.phone).strip()
    if not phone:
        errors["phone"] = [_("请记录客户的联系电话")]
    if errors:
        raise ValidationError(errors)
    _may_handle(by, t)
    if not promise_text:
        local = timezone.localtime(due_at)
        promise_text = _("已承诺在 %(t)s 前回电") % {"t": f"{local:%m-%d %H:%M}"}
    cb = _callback_add(
        t, by=by, reason=reason, due_at=due_at, phone=phone, promise_text=promise_text
    )  # type: ignore[arg-type]
    _save(t)
    return cb


RETRY_MINUTES = 30


@transaction.atomic
def callback_fulfil(
    *,
    by: User,
    callback: Callback,
    outcome: str,
    note: str = "",
    retry_minutes: int = RETRY_MINUTES,
) -> Callback:
    """Records a callback. "Unreachable" keeps it open with a retry time; the promise still counts."""
    if outcome not in Callback.Outcome.values:
        raise ValidationError({"outcome": [_("请选择回电结果")]})
    cb = (
        Callback.objects.select_for_update(of=("self",))
        .select_related("ticket")
        .get(pk=callback.pk)
    )
    if cb.state != Callback.State.OPEN:
        raise ValidationError({"outcome": [_("该回电已完成或取消")]})
    t = _lock(cb.ticket, None)
    _may_handle(by, t)
    now = timezone.now()
    cb.attempts += 1
    cb.note = "\n".join(
        x
        for x in (
            cb.note,
            f"{timezone.localtime(now):%m-%d %H:%M} {Callback.Outcome(outcome).label} {note}".strip(),
        )
        if x
    )
    if cb.kept_on_time is None:
        cb.kept_on_time = now <= cb.due_at
    if outcome == Callback.Outcome.UNREACHABLE:
        cb.outcome = outcome
        retry_at = now + timedelta(minutes=max(5, retry_minutes))
        record_event(
            t,
            by=by,
            action="callback_attempt",
            after={"callback": cb.pk, "outcome": outcome, "retry_at": retry_at.isoformat()},
            body=note,
        )
        cb.due_at = retry_at
        cb.escalated_at = None
    else:
        cb.outcome = outcome
        cb.state = Callback.State.DONE
        cb.done_at = now
        record_event(
            t,
            by=by,
            action="callback_done",
            after={"callback": cb.pk, "outcome": outcome},
            body=note,
            public=True,
        )
        _first_response(t, now)
    cb.save()
    _save(t)
    return cb


def callback_escalate_overdue(*, now: datetime | None = None) -> int:
    """An overdue callback goes to the team lead, once (compare-and-swap on escalated_at)."""
    now = now or timezone.now()
    count = 0
    overdue = Callback.objects.filter(
        state=Callback.State.OPEN, due_at__lte=now, escalated_at__isnull=True
    )
    for cb in overdue.select_related("ticket__team__lead", "owner")[:1000]:
        with transaction.atomic():
            if not Callback.objects.filter(pk=cb.pk, escalated_at__isnull=True).update(
                escalated_at=now
            ):
                continue
            t = cb.ticket
            lead = t.team.lead if t.team_id and t.team.lead_id else None
            message = Message.of(
                gettext_noop("工单 %(no)s 的回电承诺已逾期(应于 %(due)s 前回电 %(phone)s)"),
                no=t.number,
                due=f"{timezone.localtime(cb.due_at):%m-%d %H:%M}",
                phone=cb.phone[:3] + "****" + cb.phone[-4:],
            )
            record_event(
                t,
                by=None,
                action="callback_overdue",
                after={"callback": cb.pk, "escalated_to": lead.pk if lead else None},
                message=message,
            )
            notify(
                users=[lead, cb.owner],
                message=message,
                level="escalation",
                link=t.get_absolute_url(),
            )
            count += 1
    return count
