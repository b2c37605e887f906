"""Warnings at 75% of the time and breaches, raised once however often they are checked."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.tickets import services as ts
from kefu.tickets.models import SlaAlert
from kefu.tickets.sla import sla_check_ticket, sla_reconcile

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


@pytest.fixture
def ticket(config, alice, customer):  # noqa: ANN001
    with time_machine.travel(NOW, tick=False):
        t, _c = ts.ticket_create(
            by=alice,
            customer=customer,
            data={"kind": "consultation", "channel": "email", "description": "邮件咨询"},
        )
    return t


def test_nothing_is_raised_before_the_warning_time(ticket):
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        assert sla_check_ticket(ticket_id=ticket.pk) == 0


def test_warning_at_75_percent_then_breach_each_once(ticket, alice, lena):
    reply_warn = ticket.reply_warn_at
    assert reply_warn == NOW + timedelta(hours=18)
    with time_machine.travel(NOW + timedelta(hours=18, minutes=1), tick=False):
        sla_check_ticket(ticket_id=ticket.pk)
        sla_check_ticket(ticket_id=ticket.pk)
        sla_reconcile()
    warnings = SlaAlert.objects.filter(ticket=ticket, clock="reply", level="warning")
    assert warnings.count() == 1
    with time_machine.travel(NOW + timedelta(hours=25), tick=False):
        sla_reconcile()
        sla_reconcile()
    assert SlaAlert.objects.filter(ticket=ticket, clock="reply", level="breach").count() == 1
    assert ticket.events.filter(action="sla_breach", after__clock="reply").count() == 1
    assert alice.notifications.filter(level="breach").exists()
    assert lena.notifications.filter(level="breach").exists()


def test_replied_ticket_raises_no_reply_breach(ticket, alice):
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        ts.ticket_reply(by=alice, ticket=ticket, body="已回复")
    with time_machine.travel(NOW + timedelta(hours=30), tick=False):
        sla_reconcile()
    assert not SlaAlert.objects.filter(ticket=ticket, clock="reply").exists()


def test_reconcile_does_not_rescan_a_ticket_it_has_dealt_with(ticket):
    from kefu.tickets.models import Ticket

    with time_machine.travel(NOW + timedelta(hours=25), tick=False):
        assert sla_reconcile() > 0
        ticket.refresh_from_db()
        assert ticket.next_alert_at > NOW + timedelta(hours=25)  # the resolution clock comes next
        assert not Ticket.objects.filter(
            is_open=True, next_alert_at__lte=NOW + timedelta(hours=25)
        ).exists()
        assert sla_reconcile() == 0


def test_the_breach_on_the_timeline_reads_in_the_readers_language(ticket):
    from django.utils import translation

    from kefu.tickets.selectors import ticket_timeline

    with time_machine.travel(NOW + timedelta(hours=25), tick=False):
        sla_reconcile()
    event = ticket.events.get(action="sla_breach", after__clock="reply")
    assert event.body == f"工单 {ticket.number} 的回复时限已超时(截止 11-24 10:00)"  # as written
    with translation.override("zh-hans"):
        chinese = [(e.who, e.body) for e in ticket_timeline(ticket) if e.action == "sla_breach"]
    assert ("系统", event.body) in chinese
    with translation.override("en"):
        english = [(e.who, e.body) for e in ticket_timeline(ticket) if e.action == "sla_breach"]
    assert len(english) == len(chinese)
    for who, body in english:
        assert who == "System"
        assert body.startswith(f"Work order {ticket.number}: ") and "工单" not in body


def test_what_people_write_on_the_timeline_stays_as_written(ticket, alice):
    from django.utils import translation

    from kefu.tickets.selectors import ticket_timeline

    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        ts.ticket_reply(by=alice, ticket=ticket, body="系统已为您处理")
    with translation.override("en"):
        [entry] = [e for e in ticket_timeline(ticket) if e.action == "reply"]
    assert entry.body == "系统已为您处理"
    assert entry.who == ticket.events.get(action="reply").actor_label  # a name, as written


def test_an_event_written_during_an_english_request_is_stored_in_chinese(ticket):
    from django.utils import translation
    from django.utils.translation import gettext_noop

    from kefu.core.messages import Message
    from kefu.tickets.events import record_event

    with translation.override("en"):
        event = record_event(
            ticket,
            by=None,
            action="deadlines",
            message=Message.of(gettext_noop("等待客户期间暂停解决时限")),
        )
        assert event.text == "Resolution deadline paused while waiting for the customer"
    assert event.body == "等待客户期间暂停解决时限"
    assert event.actor_label == "系统"
