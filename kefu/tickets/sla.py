"""Bridges the SLA tables and the working calendar to the pure engine in kefu.domain.sla.

Deadlines are computed here when a ticket is created or its scope/kind/priority changes, stored on
the ticket as indexed columns, and recomputed for the resolution clock when a pause ends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.core.calendars import calendar_get
from kefu.core.messages import Message
from kefu.domain import sla as engine

from .events import record_event
from .models import OPEN_STATUSES, SlaAlert, SlaPolicy, Status, Ticket

log = logging.getLogger(__name__)


def _policy_from_row(row: SlaPolicy) -> engine.Policy:
    return engine.Policy(
        code=row.code,
        name=row.name,
        standards=tuple(s.strip() for s in row.standards.split(",") if s.strip()),
        kind=row.kind or None,
        scope=row.scope or None,
        channel=row.channel or None,
        customer_class=row.customer_class or None,
        complaint_category=row.complaint_category or None,
        calendar=row.calendar,
        first_response_hours=row.first_response_hours,
        reply_hours=row.reply_hours,
        resolution_hours=row.resolution_hours,
        warn_ratio=row.warn_ratio,
        priority_order=row.priority_order,
    )


def policies_active() -> list[engine.Policy]:
    rows = list(SlaPolicy.objects.filter(active=True))
    if not rows:
        return engine.default_policies()
    return [_policy_from_row(r) for r in rows]


@dataclass(frozen=True)
class Preview:
    deadlines: engine.Deadlines
    calendar_name: str
    warnings: list[str]

    def as_json(self) -> dict[str, Any]:
        return engine.deadlines_as_json(
            self.deadlines, self.calendar_name, timezone.get_default_timezone()
        )


def sla_preview(
    *,
    kind: str,
    received_at: datetime,
    scope: str = "local",
    channel: str | None = None,
    customer_class: str = "normal",
    complaint_category: str | None = None,
    special_due_at: datetime | None = None,
    paused: list[tuple[datetime, datetime | None]] | None = None,
) -> Preview:
    policy = engine.match_policy(
        policies_active(),
        kind=kind,
        scope=scope,
        channel=channel,
        customer_class=customer_class,
        complaint_category=complaint_category or None,
    )
    calendar = calendar_get(policy.calendar)
    deadlines = engine.compute_deadlines(
        policy=policy,
        calendar=calendar,
        received_at=received_at,
        special_due_at=special_due_at,
        paused=paused or (),
    )
    warnings = [
        _("%(year)s年的节假日安排尚未录入,按仅周末休息估算,截止时间可能不准") % {"year": y}
        for y in deadlines.missing_years
    ]
    return Preview(deadlines=deadlines, calendar_name=policy.calendar, warnings=warnings)


def _pauses(ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    history = [
        (at, after["status"])
        for at, after in ticket.events.filter(action="status").values_list("at", "after")
        if isinstance(after, dict) and "status" in after
    ]
    return engine.pauses_from_status_history(history)


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


SLA_FIELDS = (
    "first_response_due_at",
    "reply_due_at",
    "resolution_due_at",
    "first_response_warn_at",
    "reply_warn_at",
    "resolution_warn_at",
)


def next_due(ticket: Ticket) -> datetime | None:
    """The deadline the handler faces now: reply (and first response) until replied, then resolution."""
    if ticket.status not in OPEN_STATUSES:
        return None
    if ticket.replied_at is None:
        candidates = [ticket.reply_due_at]
        if ticket.first_responded_at is None:
            candidates.append(ticket.first_response_due_at)
        values = [c for c in candidates if c is not None]
        return min(values) if values else None
    return ticket.resolution_due_at


def sla_apply(ticket: Ticket) -> dict[str, list[Any]]:
    """Computes the deadlines for the ticket's current facts, sets them, returns what changed."""
    customer_class = ticket.customer.customer_class if ticket.customer_id else "normal"
    preview = sla_preview(
        kind=ticket.kind,
        received_at=ticket.received_at,
        scope=ticket.scope,
        channel=ticket.channel,
        customer_class=customer_class,
        complaint_category=ticket.complaint_category or None,
        special_due_at=ticket.special_due_at,
        paused=_pauses(ticket) if ticket.pk else [],
    )
    d = preview.deadlines
    policy_row = SlaPolicy.objects.filter(code=d.policy.code).first()
    changes: dict[str, list[Any]] = {}
    for field in SLA_FIELDS:
        new = getattr(d, field)
        old = getattr(ticket, field)
        if old != new:
            changes[field] = [_iso(old), _iso(new)]
            setattr(ticket, field, new)
    if ticket.policy_id != (policy_row.pk if policy_row else None):
        changes["policy"] = [ticket.policy.code if ticket.policy_id else None, d.policy.code]
        ticket.policy = policy_row
    ticket.sla_calendar = preview.calendar_name
    ticket.calendar_warning = ";".join(preview.warnings)[:200]
    ticket.next_due_at = next_due(ticket)
    return changes


# --- alerts -----------------------------------------------------------------------------------


def _clock_times(ticket: Ticket) -> list[tuple[str, datetime | None, datetime | None, bool]]:
    """(clock, warn_at, due_at, still_running) for the ticket's three clocks."""
    open_ = ticket.status in OPEN_STATUSES
    return [
        (
            "first_response",
            ticket.first_response_warn_at,
            ticket.first_response_due_at,
            open_ and ticket.first_responded_at is None and ticket.replied_at is None,
        ),
        ("reply", ticket.reply_warn_at, ticket.reply_due_at, open_ and ticket.replied_at is None),
        (
            "resolution",
            ticket.resolution_warn_at,
            ticket.resolution_due_at,
            open_ and ticket.status != Status.WAITING,
        ),
    ]


def sla_upcoming(ticket: Ticket) -> list[datetime]:
    """Instants at which a check should run for this ticket (for enqueuing with run_after)."""
    times: list[datetime] = []
    for _clock, warn_at, due_at, running in _clock_times(ticket):
        if running:
            times.extend(t for t in (warn_at, due_at) if t is not None)
    return sorted(set(times))


def sla_raise(
    *, ticket: Ticket, clock: str, level: str, due_at: datetime, worker: str = ""
) -> bool:
    """Records a warning or breach exactly once (a unique row), with its timeline entry and notices."""
    from kefu.core.services import notify

    try:
        with transaction.atomic():
            SlaAlert.objects.create(
                ticket=ticket, clock=clock, level=level, due_at=due_at, worker=worker
            )
            clock_label = SlaAlert.Clock(clock).label
            local_due = timezone.localtime(due_at)
            if level == SlaAlert.Level.BREACH:
                template = gettext_noop("工单 %(no)s 的%(clock)s时限已超时(截止 %(due)s)")
            else:
                template = gettext_noop("工单 %(no)s 的%(clock)s时限即将到期(截止 %(due)s)")
            message = Message.of(
                template,
                no=ticket.number,
                clock=Message.of_label(clock_label),
                due=f"{local_due:%m-%d %H:%M}",
            )
            record_event(
                ticket,
                by=None,
                action=f"sla_{level}",
                after={"clock": clock, "due_at": due_at.isoformat()},
                message=message,
            )
            recipients = [ticket.assignee]
            if ticket.team_id and ticket.team.lead_id:
                recipients.append(ticket.team.lead)
            notify(users=recipients, message=message, level=level, link=ticket.get_absolute_url())
        return True
    except IntegrityError:
        return False


def sla_check_ticket(*, ticket_id: int, now: datetime | None = None, worker: str = "") -> int:
    """Raises every warning and breach that is due for this ticket and not yet raised."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_related("team__lead", "assignee").filter(pk=ticket_id).first()
    if ticket is None:
        return 0
    raised = 0
    for clock, warn_at, due_at, running in _clock_times(ticket):
        if not running or due_at is None:
            continue
        if due_at <= now:
            raised += sla_raise(
                ticket=ticket, clock=clock, level="breach", due_at=due_at, worker=worker
            )
        elif warn_at is not None and warn_at <= now:
            raised += sla_raise(
                ticket=ticket, clock=clock, level="warning", due_at=due_at, worker=worker
            )
    # advance the scan marker past what was just checked (compare-and-swap: a concurrent save wins)
    later = [t for t in sla_upcoming(ticket) if t > now]
    Ticket.objects.filter(pk=ticket.pk, next_alert_at=ticket.next_alert_at).update(
        next_alert_at=later[0] if later else None
    )
    return raised


def sla_reconcile(*, now: datetime | None = None, worker: str = "", limit: int = 5000) -> int:
    """Checks open tickets whose next warning or due instant has passed: nothing is missed after a
    restart or a lost task, and tickets already dealt with are not scanned again."""
    now = now or timezone.now()
    ids = list(
        Ticket.objects.filter(is_open=True, next_alert_at__lte=now)
        .order_by("next_alert_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(sla_check_ticket(ticket_id=i, now=now, worker=worker) for i in ids)
