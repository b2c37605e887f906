"""The demo loads a fortnight of inspected conversations, some linked to work orders."""

from __future__ import annotations

import pytest

from kefu.core.demo import demo_load
from kefu.core.seed import seed_all
from kefu.quality.models import Conversation, Finding
from kefu.tickets.models import Callback


@pytest.mark.django_db
def test_demo_loads_inspected_conversations_with_findings_and_callbacks() -> None:
    seed_all()
    loaded = demo_load(customers=30, history_days=10)
    assert loaded["conversations"] == 60
    conversations = Conversation.objects.all()
    assert conversations.count() == 60
    assert all(c.agent_id is not None for c in conversations)
    assert not conversations.filter(inspections__isnull=True).exists()
    assert (
        Finding.objects.filter(rule="forbidden.questioning").exists()
        or Finding.objects.filter(rule="forbidden.shirking").exists()
    )
    linked = conversations.exclude(ticket=None)
    assert linked.exists()
    assert Callback.objects.filter(ticket__in=[c.ticket_id for c in linked]).exists()
