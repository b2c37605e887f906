"""Work-order services: deadlines on create and change, flow, callbacks, concurrency, permissions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from kefu.accounts.models import Team
from kefu.core.services import StaleVersion
from kefu.tickets import services as ts
from kefu.tickets.models import Callback, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


def _create(by, customer, **data):  # noqa: ANN001, ANN003
    base = {"kind": "consultation", "channel": "phone", "description": "客户咨询积分兑换规则"}
    base.update(data)
    ticket, _created = ts.ticket_create(by=by, customer=customer, data=base)
    return ticket


@time_machine.travel(NOW, tick=False)
def test_new_consultation_is_due_in_24_clock_hours_with_number_and_timeline(
    config, alice, customer
):
    ticket = _create(alice, customer)
    assert ticket.number == "KF20261123-0001"
    assert ticket.reply_due_at == NOW + timedelta(hours=24)
    assert ticket.policy.code
    assert ticket.events.filter(action="created").count() == 1
    assert ticket.team == alice.team
    second = _create(alice, customer)
    assert second.number == "KF20261123-0002"


@time_machine.travel(NOW, tick=False)
def test_cross_province_request_uses_the_worked_sla3_example(config, alice, customer):
    ticket = _create(
        alice, customer, scope="cross_province", received_at=datetime(2026, 9, 30, 16, tzinfo=SH)
    )
    assert ticket.reply_due_at == datetime(2026, 10, 10, 16, tzinfo=SH)


@time_machine.travel(NOW, tick=False)
def test_phone_complaint_gets_a_two_hour_progress_callback_cancelled_by_resolution(
    config, alice, customer
):
    ticket = _create(alice, customer, kind="complaint", complaint_category="delivery")
    callback = ticket.callbacks.get()
    assert callback.reason == Callback.Reason.PROGRESS
    assert callback.due_at == NOW + timedelta(hours=2)
    assert callback.phone == customer.phone
    ticket = ts.ticket_reply(by=alice, ticket=ticket, body="您好,快递已加急处理")
    ts.ticket_resolve(by=alice, ticket=ticket, summary="已送达")
    callback.refresh_from_db()
    assert callback.state == Callback.State.CANCELLED


@time_machine.travel(NOW, tick=False)
def test_chat_complaint_gets_no_automatic_callback(config, alice, customer):
    ticket = _create(alice, customer, kind="complaint", channel="chat")
    assert not ticket.callbacks.exists()


@time_machine.travel(NOW, tick=False)
def test_transfer_to_a_department_recomputes_the_deadline_and_records_it(
    config, alice, customer, aftersales_dept
):
    ticket = _create(alice, customer)
    assert ticket.reply_due_at == NOW + timedelta(hours=24)
    ticket = ts.ticket_transfer(
        by=alice, ticket=ticket, department=aftersales_dept, expected_version=ticket.version
    )
    assert ticket.scope == "cross_department"
    assert ticket.reply_due_at == NOW + timedelta(hours=48)
    assert ticket.status == Status.TRANSFERRED
    change = ticket.events.get(action="deadlines")
    assert change.after["reply_due_at"].startswith("2026-11-25T10:00")
    assert change.before["reply_due_at"].startswith("2026-11-24T10:00")


@time_machine.travel(NOW, tick=False)
def test_transfer_only_to_departments(config, alice, customer, hotline):
    ticket = _create(alice, customer)
    with pytest.raises(ValidationError) as exc:
        ts.ticket_transfer(by=alice, ticket=ticket, department=hotline)
    assert "只能转交给部门" in str(exc.value)


@time_machine.travel(NOW, tick=False)
def test_after_sales_requires_order_number_and_model_and_saves_nothing(config, alice, customer):
    with pytest.raises(ValidationError) as exc:
        _create(alice, customer, kind="after_sales", description="洗衣机坏了")
    errors = exc.value.message_dict
    assert "售后工单必须填写订单号" in errors["order_no"]
    assert "售后工单必须填写产品型号" in errors["product_model"]
    assert Ticket.objects.count() == 0
    assert TicketEvent.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_special_scope_needs_an_explicit_deadline(config, alice, customer):
    with pytest.raises(ValidationError) as exc:
        _create(alice, customer, scope="special")
    assert "特殊事项必须指定回复时间" in exc.value.message_dict["special_due_at"]
    ticket = _create(alice, customer, scope="special", special_due_at=NOW + timedelta(hours=5))
    assert ticket.reply_due_at == NOW + timedelta(hours=5)


@time_machine.travel(NOW, tick=False)
def test_unknown_kind_names_the_allowed_values(config, alice, customer):
    with pytest.raises(ValidationError) as exc:
        _create(alice, customer, kind="gossip")
    assert "无效的取值“gossip”" in exc.value.message_dict["kind"][0]


@time_machine.travel(NOW, tick=False)
def test_invalid_status_transition_is_refused(config, alice, customer):
    ticket = _create(alice, customer)
    with pytest.raises(ValidationError) as exc:
        ts.ticket_set_status(by=alice, ticket=ticket, status="closed")
    assert "回复率" in str(exc.value)
    ticket = ts.ticket_reply(by=alice, ticket=ticket, body="已答复")
    ticket = ts.ticket_resolve(by=alice, ticket=ticket, summary="完成")
    with pytest.raises(ValidationError) as exc:
        ts.ticket_set_status(by=alice, ticket=ticket, status="in_progress")
    assert "不能从“已解决”变为“处理中”" in str(exc.value)


@time_machine.travel(NOW, tick=False)
def test_stale_version_is_refused_and_changes_nothing(config, alice, customer):
    ticket = _create(alice, customer)
    old_version = ticket.version
    ts.ticket_note(by=alice, ticket=ticket, body="第一位坐席的备注", expected_version=old_version)
    events = TicketEvent.objects.filter(ticket=ticket).count()
    with pytest.raises(StaleVersion):
        ts.ticket_reply(
            by=alice, ticket=ticket, body="第二位坐席的回复", expected_version=old_version
        )
    ticket.refresh_from_db()
    assert ticket.replied_at is None
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


@time_machine.travel(NOW, tick=False)
def test_first_reply_sets_reply_and_first_response_times(config, alice, customer):
    ticket = _create(alice, customer)
    ticket = ts.ticket_reply(by=alice, ticket=ticket, body="您好,积分按100:1兑换")
    assert ticket.replied_at == NOW
    assert ticket.first_responded_at == NOW
    assert ticket.next_due_at == ticket.resolution_due_at


def test_waiting_on_customer_pauses_only_the_resolution_clock(config, alice, customer):
    with time_machine.travel(NOW, tick=False):
        ticket = _create(alice, customer)
        reply_due, resolution_due = ticket.reply_due_at, ticket.resolution_due_at
        ticket = ts.ticket_set_status(by=alice, ticket=ticket, status="waiting_on_customer")
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        ticket = ts.ticket_set_status(by=alice, ticket=ticket, status="in_progress")
    assert ticket.reply_due_at == reply_due
    assert ticket.resolution_due_at == resolution_due + timedelta(hours=5)


@time_machine.travel(NOW, tick=False)
def test_agent_cannot_reassign_but_team_lead_can(config, alice, bob, lena, customer):
    ticket = _create(alice, customer)
    with pytest.raises(PermissionDenied):
        ts.ticket_assign(by=alice, ticket=ticket, assignee=bob)
    ticket = ts.ticket_assign(by=lena, ticket=ticket, assignee=bob)
    assert ticket.assignee == bob
    assert ticket.events.filter(action="assigned").exists()


@time_machine.travel(NOW, tick=False)
def test_inspector_cannot_take_calls(config, ivan, customer):
    with pytest.raises(PermissionDenied):
        _create(ivan, customer)


@time_machine.travel(NOW, tick=False)
def test_round_robin_skips_agents_off_duty(config, alice, bob, lena, hotline, customer):
    hotline.assignment = Team.Strategy.ROUND_ROBIN
    hotline.save()
    bob.on_duty = False
    bob.save()
    assignees = []
    for _ in range(3):
        t, _c = ts.ticket_create(
            by=lena,
            customer=customer,
            data={"kind": "consultation", "channel": "phone", "description": "咨询"},
            team=hotline,
        )
        assignees.append(t.assignee)
    assert assignees == [alice, alice, alice]
    bob.on_duty = True
    bob.save()
    t1, _c = ts.ticket_create(
        by=lena,
        customer=customer,
        data={"kind": "consultation", "channel": "phone", "description": "咨询"},
        team=hotline,
    )
    t2, _c = ts.ticket_create(
        by=lena,
        customer=customer,
        data={"kind": "consultation", "channel": "phone", "description": "咨询"},
        team=hotline,
    )
    assert {t1.assignee, t2.assignee} == {alice, bob}


@time_machine.travel(NOW, tick=False)
def test_least_open_assigns_the_agent_with_least_open_work(
    config, alice, bob, lena, hotline, customer
):
    hotline.assignment = Team.Strategy.LEAST_OPEN
    hotline.save()
    for _ in range(2):
        ts.ticket_create(
            by=lena,
            customer=customer,
            data={"kind": "consultation", "channel": "phone", "description": "咨询"},
            team=hotline,
            assignee=alice,
        )
    t, _c = ts.ticket_create(
        by=lena,
        customer=customer,
        data={"kind": "consultation", "channel": "phone", "description": "咨询"},
        team=hotline,
    )
    assert t.assignee == bob


@time_machine.travel(NOW, tick=False)
def test_idempotency_key_returns_the_first_ticket(config, alice, customer):
    data = {"kind": "consultation", "channel": "phone", "description": "重复提交"}
    first, created = ts.ticket_create(
        by=alice, customer=customer, data=data, idempotency_key="call-77"
    )
    again, created_again = ts.ticket_create(
        by=alice, customer=customer, data=data, idempotency_key="call-77"
    )
    assert created and not created_again
    assert first.pk == again.pk
    assert Ticket.objects.count() == 1
    with pytest.raises(ts.IdempotencyConflict):
        ts.ticket_create(
            by=alice,
            customer=customer,
            data={**data, "description": "另一件事"},
            idempotency_key="call-77",
        )


@time_machine.travel(NOW, tick=False)
def test_escalation_goes_to_the_team_lead_and_is_notified(config, alice, lena, customer):
    ticket = _create(alice, customer)
    ticket = ts.ticket_escalate(by=alice, ticket=ticket, reason="客户要求赔偿,超出权限")
    assert ticket.escalated_to == lena
    assert lena.notifications.filter(level="escalation").exists()
    with pytest.raises(ValidationError):
        ts.ticket_escalate(by=alice, ticket=ticket, reason="  ")


@time_machine.travel(NOW, tick=False)
def test_service_attitude_complaint_alerts_the_manager_at_once(config, alice, mark, customer):
    _create(alice, customer, kind="complaint", complaint_category="service_attitude")
    assert mark.notifications.filter(level="escalation").count() == 1
