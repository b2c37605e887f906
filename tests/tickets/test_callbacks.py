"""Callback promises (SLA-6, SLA-7): due times, outcomes, retries and escalation of overdue ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kefu.tickets import services as ts
from kefu.tickets.models import Callback

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


@pytest.fixture
def ticket(config, alice, customer):  # noqa: ANN001
    with time_machine.travel(NOW, tick=False):
        t, _c = ts.ticket_create(
            by=alice,
            customer=customer,
            data={
                "kind": "consultation",
                "channel": "phone",
                "description": "话费疑问,需查询后回复",
            },
        )
    return t


@time_machine.travel(NOW, tick=False)
def test_promise_in_hours_becomes_a_callback_due_then(alice, ticket):
    cb = ts.callback_promise(
        by=alice, ticket=ticket, hours=24, promise_text="我们会在24小时有专人和您联系"
    )
    assert cb.due_at == NOW + timedelta(hours=24)
    assert cb.owner == alice
    assert ticket.events.filter(action="callback_promised").exists()


@time_machine.travel(NOW, tick=False)
def test_promise_without_time_or_in_the_past_is_refused(alice, ticket):
    with pytest.raises(ValidationError) as exc:
        ts.callback_promise(by=alice, ticket=ticket)
    assert "请填写几小时内回电" in exc.value.message_dict["hours"][0]
    with pytest.raises(ValidationError) as exc:
        ts.callback_promise(by=alice, ticket=ticket, due_at=NOW - timedelta(minutes=1))
    assert "回电时间必须晚于现在" in exc.value.message_dict["due_at"][0]
    assert not Callback.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_promise_recorded_late_is_overdue_from_the_start_and_escalates(alice, lena, ticket):
    cb = ts.callback_promise(
        by=alice, ticket=ticket, due_at=NOW - timedelta(hours=3), recorded_late=True
    )
    assert cb.due_at == NOW - timedelta(hours=3)
    assert cb.state == Callback.State.OPEN
    assert ts.callback_escalate_overdue(now=NOW) == 1


def test_progress_only_counts_as_kept_and_as_first_response(alice, ticket):
    with time_machine.travel(NOW, tick=False):
        cb = ts.callback_promise(by=alice, ticket=ticket, hours=2)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        cb = ts.callback_fulfil(by=alice, callback=cb, outcome="progress_only", note="告知仍在核查")
    assert cb.state == Callback.State.DONE
    assert cb.kept_on_time is True
    ticket.refresh_from_db()
    assert ticket.first_responded_at == NOW + timedelta(hours=1)


def test_unreachable_keeps_the_callback_open_with_a_retry(alice, ticket):
    with time_machine.travel(NOW, tick=False):
        cb = ts.callback_promise(by=alice, ticket=ticket, hours=2)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        cb = ts.callback_fulfil(by=alice, callback=cb, outcome="unreachable", retry_minutes=30)
    assert cb.state == Callback.State.OPEN
    assert cb.attempts == 1
    assert cb.due_at == NOW + timedelta(hours=1, minutes=30)
    assert cb.kept_on_time is True


def test_overdue_callback_escalates_to_the_team_lead_once(alice, lena, ticket):
    with time_machine.travel(NOW, tick=False):
        cb = ts.callback_promise(by=alice, ticket=ticket, hours=1)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        assert ts.callback_escalate_overdue() == 1
        assert ts.callback_escalate_overdue() == 0
    cb.refresh_from_db()
    assert cb.escalated_at is not None
    assert lena.notifications.filter(level="escalation").count() == 1
    assert ticket.events.filter(action="callback_overdue").count() == 1
