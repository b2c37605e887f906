"""GET /api/tickets/{number} and its timeline."""

from __future__ import annotations

from .conftest import consultation


def test_detail_shows_the_three_deadlines_policy_and_people(as_alice, make_ticket):
    number = make_ticket()["number"]
    response = as_alice.get(f"/api/tickets/{number}")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["first_response_due_at"] == "2026-11-18T12:00:00+08:00"
    assert body["reply_due_at"] == "2026-11-19T10:00:00+08:00"
    assert body["resolution_due_at"] == "2026-11-21T10:00:00+08:00"
    assert body["status"] == "assigned" and body["status_label"] == "已分派"
    assert body["policy"] == "general" and body["standards"] == ["SLA-1"]
    assert body["calendar_warning"] == ""
    assert body["assignee"] == {"employee_no": "1024", "name": "王丽"}
    assert body["team"] == {"code": "hotline-1", "name": "热线一组"}
    assert body["department"] is None
    assert body["callbacks"] == []
    assert body["customer"]["name"] == "张先生"


def test_an_agent_sees_a_masked_phone_and_a_manager_the_full_number(as_alice, as_mark, make_ticket):
    number = make_ticket()["number"]
    agent_view = as_alice.get(f"/api/tickets/{number}").json()
    manager_view = as_mark.get(f"/api/tickets/{number}").json()
    assert agent_view["customer"]["phone"] == "138****5678"
    assert agent_view["contact_phone"] == "138****5678"
    assert manager_view["customer"]["phone"] == "13812345678"
    assert manager_view["contact_phone"] == "13812345678"


def test_unknown_ticket_is_404_with_a_message(as_alice):
    response = as_alice.get("/api/tickets/KF20990101-9999")
    assert response.status_code == 404
    assert response.json() == {"detail": "工单 KF20990101-9999 不存在"}


def test_timeline_lists_each_change_with_actor_and_body(as_alice, make_ticket):
    ticket = make_ticket()
    number = ticket["number"]
    as_alice.post(f"/api/tickets/{number}/notes", {"body": "客户要求下午回电"})
    events = as_alice.get(f"/api/tickets/{number}/events").json()
    actions = [e["action"] for e in events]
    assert actions[0] == "created" and "assigned" in actions and actions[-1] == "note"
    note = events[-1]
    assert note["body"] == "客户要求下午回电"
    assert note["actor"] == "王丽(1024)"
    assert note["at"].endswith("+08:00")
    assert events[0]["after"]["number"] == number


def test_a_vip_complaint_about_attitude_needs_a_first_response_within_an_hour(as_alice):
    body = as_alice.post(
        "/api/tickets",
        consultation(
            kind="complaint",
            channel="email",
            complaint_category="service_attitude",
            customer={"name": "周女士", "phone": "13900003333", "customer_class": "vip"},
        ),
    ).json()
    assert body["policy"] == "complaint.service_attitude.vip"
    assert "WO-8" in body["standards"] and "CUS-3" in body["standards"]
    assert body["first_response_due_at"] == "2026-11-18T11:00:00+08:00"
    assert body["reply_due_at"] == "2026-11-18T22:00:00+08:00"


def test_timeline_masks_a_changed_contact_phone_for_an_agent(as_alice, as_mark, make_ticket):
    number = make_ticket()["number"]
    as_alice.patch(f"/api/tickets/{number}", {"contact_phone": "13987654321", "version": 1})
    [agent] = [
        e for e in as_alice.get(f"/api/tickets/{number}/events").json() if e["action"] == "updated"
    ]
    [manager] = [
        e for e in as_mark.get(f"/api/tickets/{number}/events").json() if e["action"] == "updated"
    ]
    assert agent["after"]["contact_phone"] == "139****4321"
    assert agent["before"]["contact_phone"] == "138****5678"
    assert manager["after"]["contact_phone"] == "13987654321"
