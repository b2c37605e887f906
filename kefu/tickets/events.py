"""Writing a work order's timeline (`TicketEvent`): one place for every service that records an
event, the SLA clock included."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from kefu.accounts.models import User
from kefu.core.messages import SYSTEM_ACTOR, Message

from .models import Ticket, TicketEvent


def actor_label(user: User | None) -> str:
    return str(user) if user is not None else SYSTEM_ACTOR


def record_event(
    ticket: Ticket,
    *,
    by: User | None,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    body: str = "",
    message: Message | None = None,
    public: bool = False,
    at: datetime | None = None,
) -> TicketEvent:
    """Records an event on the ticket's timeline: ``body`` as people wrote it, or a ``message``
    kefu writes itself (stored in the default language and shown in the reader's)."""
    if message is not None:
        body = message.as_written()
    return TicketEvent.objects.create(
        ticket=ticket,
        at=at or timezone.now(),
        actor=by if by is not None and by.pk else None,
        actor_label=actor_label(by),
        action=action,
        before=before or {},
        after=after or {},
        body=body,
        template=message.to_json() if message is not None else {},
        public=public,
    )
