"""Changing a ticket over the API: optimistic concurrency, transfer, assignment, replies, callbacks."""

from __future__ import annotations

from datetime import datetime

from kefu.tickets.models import Callback, Ticket, TicketEvent


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def events_of(number: str) -> int:
    return TicketEvent.objects.filter(ticket__number=number).count()


def test_stale_version_is_409_and_the_ticket_is_unchanged(as_alice, make_ticket):
    number = make_ticket()["number"]
    ok = as_alice.patch(f"/api/tickets/{number}", {"subject": "改过一次", "version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    before_events = events_of(number)
    stale = as_alice.patch(f"/api/tickets/{number}", {"subject": "基于旧版本的修改", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert stale.json()["code"] == "stale_version"
    ticket = Ticket.objects.get(number=number)
    assert ticket.subject == "改过一次" and ticket.version == 2
    assert events_of(number) == before_events


def test_stale_version_on_an_action_is_409_too(as_alice, make_ticket):
    number = make_ticket()["number"]
    before = events_of(number)
    response = as_alice.post(f"/api/tickets/{number}/replies", {"body": "您好", "version": 7})
    assert response.status_code == 409 and response.json()["current_version"] == 1
    assert events_of(number) == before
    assert Ticket.objects.get(number=number).replied_at is None


def test_if_match_header_carries_the_version(as_alice, make_ticket):
    number = make_ticket()["number"]
    ok = as_alice.patch(f"/api/tickets/{number}", {"priority": "high"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok["ETag"] == '"2"'
    stale = as_alice.patch(
        f"/api/tickets/{number}", {"priority": "low"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 409


def test_patch_without_a_version_is_refused(as_alice, make_ticket):
    number = make_ticket()["number"]
    response = as_alice.patch(f"/api/tickets/{number}", {"subject": "x"})
    assert response.status_code == 400
    assert "version" in response.json()["errors"]


def test_bad_patch_is_400_and_changes_nothing(as_alice, make_ticket):
    number = make_ticket()["number"]
    before = events_of(number)
    response = as_alice.patch(
        f"/api/tickets/{number}", {"channel": "fax", "subject": "x", "version": 1}
    )
    assert response.status_code == 400 and "channel" in response.json()["errors"]
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == "phone" and ticket.version == 1 and events_of(number) == before


def test_changing_the_kind_to_complaint_recomputes_the_deadlines(as_alice, make_ticket):
    number = make_ticket()["number"]
    body = as_alice.patch(
        f"/api/tickets/{number}",
        {"kind": "complaint", "complaint_category": "delivery", "version": 1},
    ).json()
    assert body["policy"] == "complaint.delivery.normal"


def test_transfer_to_another_department_moves_the_reply_deadline_from_24_to_48_hours(
    as_alice, make_ticket, aftersales_dept
):
    ticket = make_ticket()
    assert ticket["reply_due_at"] == "2026-11-19T10:00:00+08:00"
    response = as_alice.post(
        f"/api/tickets/{ticket['number']}/transfer",
        {"department": "aftersales", "note": "需售后部门上门检测", "version": ticket["version"]},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == "cross_department" and body["policy"] == "cross_department"
    assert body["reply_due_at"] == "2026-11-20T10:00:00+08:00"
    assert body["department"] == {"code": "aftersales", "name": "售后服务部"}
    assert body["status"] == "transferred"
    events = as_alice.get(f"/api/tickets/{ticket['number']}/events").json()
    [deadlines] = [e for e in events if e["action"] == "deadlines"]
    assert datetime.fromisoformat(deadlines["before"]["reply_due_at"]) == at(
        "2026-11-19T10:00:00+08:00"
    )
    assert datetime.fromisoformat(deadlines["after"]["reply_due_at"]) == at(
        "2026-11-20T10:00:00+08:00"
    )


def test_transfer_to_an_unknown_department_is_400(as_alice, make_ticket):
    ticket = make_ticket()
    response = as_alice.post(
        f"/api/tickets/{ticket['number']}/transfer", {"department": "nope", "version": 1}
    )
    assert response.status_code == 400 and "department" in response.json()["errors"]


def test_an_agent_may_not_reassign_someone_elses_ticket(as_alice, as_bob, make_ticket):
    ticket = make_ticket()  # alice's
    before = events_of(ticket["number"])
    response = as_bob.post(
        f"/api/tickets/{ticket['number']}/assign", {"assignee": "1025", "version": 1}
    )
    assert response.status_code == 403
    assert "无权" in response.json()["detail"]
    assert Ticket.objects.get(number=ticket["number"]).assignee.employee_no == "1024"
    assert events_of(ticket["number"]) == before


def test_the_team_lead_reassigns_a_ticket(as_lena, make_ticket, bob):
    ticket = make_ticket()
    response = as_lena.post(
        f"/api/tickets/{ticket['number']}/assign", {"assignee": "1025", "version": 1}
    )
    assert response.status_code == 200
    assert response.json()["assignee"]["employee_no"] == "1025"


def test_assign_needs_the_assignee_field(as_lena, make_ticket):
    ticket = make_ticket()
    response = as_lena.post(f"/api/tickets/{ticket['number']}/assign", {"version": 1})
    assert response.status_code == 400
    assert response.json()["errors"] == {"assignee": ["此项为必填项"]}


def test_reply_then_resolve(as_alice, make_ticket):
    number = make_ticket()["number"]
    too_early = as_alice.post(f"/api/tickets/{number}/resolve", {"summary": "已处理", "version": 1})
    assert too_early.status_code == 400 and "summary" in too_early.json()["errors"]
    replied = as_alice.post(
        f"/api/tickets/{number}/replies", {"body": "您好,套餐可在营业厅办理。", "version": 1}
    )
    assert replied.status_code == 200
    assert replied.json()["status"] == "replied" and replied.json()["replied_at"] is not None
    resolved = as_alice.post(
        f"/api/tickets/{number}/resolve",
        {"summary": "已告知办理方式", "version": replied.json()["version"]},
    )
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved" and resolved.json()["is_open"] is False


def test_empty_reply_is_400(as_alice, make_ticket):
    number = make_ticket()["number"]
    response = as_alice.post(f"/api/tickets/{number}/replies", {"body": "  ", "version": 1})
    assert response.status_code == 400
    assert response.json()["errors"] == {"body": ["回复内容不能为空"]}


def test_status_change_and_an_impossible_one(as_alice, make_ticket):
    number = make_ticket()["number"]
    waiting = as_alice.post(
        f"/api/tickets/{number}/status", {"status": "waiting_on_customer", "version": 1}
    )
    assert waiting.status_code == 200 and waiting.json()["status"] == "waiting_on_customer"
    closed = as_alice.post(f"/api/tickets/{number}/status", {"status": "closed", "version": 2})
    assert closed.status_code == 400 and "status" in closed.json()["errors"]


def test_escalation_goes_to_the_team_lead(as_alice, make_ticket):
    number = make_ticket()["number"]
    response = as_alice.post(
        f"/api/tickets/{number}/escalate", {"reason": "客户要求赔偿,超出权限", "version": 1}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["escalated_to"]["employee_no"] == "1001"
    assert body["priority"] == "high"


def test_escalation_to_a_non_supervisor_is_400(as_alice, make_ticket, bob):
    number = make_ticket()["number"]
    response = as_alice.post(
        f"/api/tickets/{number}/escalate", {"reason": "x", "to": "1025", "version": 1}
    )
    assert response.status_code == 400 and "to" in response.json()["errors"]


def test_callback_promise_and_fulfilment(as_alice, make_ticket):
    number = make_ticket()["number"]
    promised = as_alice.post(
        f"/api/tickets/{number}/callbacks", {"hours": 2, "promise_text": "两小时内给您回电"}
    )
    assert promised.status_code == 201, promised.content
    callback = promised.json()
    assert callback["due_at"].startswith("2026-11-20T12:00")  # two hours from now
    assert callback["phone"] == "138****5678" and callback["state"] == "open"
    done = as_alice.post(
        f"/api/callbacks/{callback['id']}/fulfil", {"outcome": "answered", "note": "已答复"}
    )
    assert done.status_code == 200
    assert done.json()["state"] == "done" and done.json()["kept_on_time"] is True
    assert Callback.objects.get(pk=callback["id"]).state == "done"


def test_callback_needs_hours_or_a_valid_due_time(as_alice, make_ticket):
    number = make_ticket()["number"]
    missing = as_alice.post(f"/api/tickets/{number}/callbacks", {})
    assert missing.status_code == 400 and "hours" in missing.json()["errors"]
    bad = as_alice.post(f"/api/tickets/{number}/callbacks", {"due_at": "明天"})
    assert bad.status_code == 400 and "due_at" in bad.json()["errors"]
    assert Callback.objects.count() == 0


def test_fulfilling_an_unknown_callback_is_404(as_alice):
    assert as_alice.post("/api/callbacks/999/fulfil", {"outcome": "answered"}).status_code == 404


def test_notes_do_not_need_a_version(as_alice, make_ticket):
    number = make_ticket()["number"]
    response = as_alice.post(f"/api/tickets/{number}/notes", {"body": "已核实账户"})
    assert response.status_code == 200 and response.json()["version"] == 2
