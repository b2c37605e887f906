"""Timelines and audit logs are written once: changing or deleting a row is refused."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kefu.core.models import AuditEntry
from kefu.tickets.models import TicketEvent


@pytest.mark.django_db
def test_audit_entries_cannot_be_changed_or_deleted(alice) -> None:  # noqa: ANN001
    entry = AuditEntry.objects.create(
        actor=alice, action="reveal", object_type="customer", object_id="1"
    )
    entry.action = "hide"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "reveal"


@pytest.mark.django_db
def test_ticket_events_cannot_be_changed_or_deleted(alice, config, customer) -> None:  # noqa: ANN001
    from kefu.tickets import services as ts

    ticket, _created = ts.ticket_create(
        by=alice,
        customer=customer,
        data={"kind": "consultation", "channel": "phone", "description": "客户询问话费"},
    )
    event = TicketEvent.objects.filter(ticket=ticket).first()
    assert event is not None
    event.body = "改写"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert TicketEvent.objects.filter(ticket=ticket, at__lte=timezone.now()).exists()
