"""The inspection API: synchronous inspection, store=true (sync and batch), fetching reports and
batches, and field-level errors for malformed conversations."""

from __future__ import annotations

import pytest

from kefu.accounts.models import User
from kefu.quality.models import Conversation, Finding, InspectionBatch

from .conftest import Api, conversation

pytestmark = pytest.mark.usefixtures("qseed")

REPORT_KEYS = {
    "conversation_id",
    "rulebook",
    "score",
    "verdict",
    "findings",
    "commitments",
    "metrics",
}


@pytest.fixture
def api_ivan(ivan: User) -> Api:
    return Api(ivan)


@pytest.fixture
def api_alice(alice: User) -> Api:
    return Api(alice)


def test_it_inspects_one_conversation_without_saving(api_alice: Api):
    r = api_alice.post("/api/inspections", conversation())
    assert r.status_code == 200, r.content.decode()
    report = r.json()
    assert set(report) >= REPORT_KEYS
    assert report["conversation_id"] == "call-20261120-0001"
    assert report["verdict"] in ("pass", "fail")
    finding = report["findings"][0]
    assert finding["standards"] == ["SCRIPT-9"]
    assert finding["segment"] == 2 and finding["span"] == [0, 6]
    assert finding["evidence"] == "不行就是不行" and finding["suggestion"]
    assert not Conversation.objects.exists()


def test_a_list_gives_a_list_in_the_same_order(api_alice: Api):
    r = api_alice.post("/api/inspections", [conversation("a"), conversation("b")])
    assert r.status_code == 200
    assert [x["conversation_id"] for x in r.json()] == ["a", "b"]


def test_the_report_is_the_engines_json(api_alice: Api):
    from kefu.domain.conversation import parse_object
    from kefu.domain.inspection import inspect
    from kefu.quality.services import rulebook_get

    body = conversation()
    r = api_alice.post("/api/inspections", body)
    conv, _ = parse_object(body, source="t", where="")
    from kefu.core.calendars import calendar_get

    expected = inspect(conv, rulebook_get(), calendar=calendar_get("working_days")).to_json()
    assert r.json() == expected


def test_more_than_twenty_without_store_is_refused(api_alice: Api):
    r = api_alice.post("/api/inspections", [conversation(f"c{i}") for i in range(21)])
    assert r.status_code == 400
    assert "store=true" in r.json()["errors"]["__all__"][0]


def test_bad_conversations_are_listed_with_where_and_field(api_alice: Api):
    bad = conversation("bad")
    bad["segments"][0]["speaker"] = "robot"
    del bad["channel"]
    bad["started_at"] = "not a time"
    r = api_alice.post("/api/inspections", [conversation("good"), bad])
    assert r.status_code == 400
    body = r.json()
    fields = {(p["where"], p["field"]) for p in body["problems"]}
    assert ("第2个对话", "started_at") in fields
    assert any(w == "第2个对话" and "speaker" in f for w, f in fields)
    assert all(p["reason"] for p in body["problems"])
    assert "第2个对话.started_at" in body["errors"]


def test_not_json_gives_a_message_not_a_trace(api_alice: Api):
    r = api_alice.post("/api/inspections", b"{not json")
    assert r.status_code == 400
    assert r.json()["problems"][0]["reason"]


def test_store_saves_and_inspects_small_batches(api_ivan: Api, alice: User):
    r = api_ivan.post("/api/inspections?store=true", [conversation("s1"), conversation("s2")])
    assert r.status_code == 200, r.content.decode()
    body = r.json()
    assert (body["created"], body["updated"]) == (2, 0)
    assert body["ids"] == ["s1", "s2"]
    assert body["conversations"][0]["report"]["conversation_id"] == "s1"
    assert body["conversations"][0]["agent"] == "1024"
    assert Conversation.objects.filter(agent=alice, latest_inspection__isnull=False).count() == 2
    again = api_ivan.post("/api/inspections?store=true", conversation("s1"))
    assert again.json()["updated"] == 1


def test_store_with_bad_ones_keeps_the_good_ones_and_says_so(api_ivan: Api, alice: User):
    bad = conversation("bad")
    bad["segments"] = []
    r = api_ivan.post("/api/inspections?store=true", [conversation("ok"), bad])
    assert r.status_code == 400
    body = r.json()
    assert body["ids"] == ["ok"]
    assert "其余 1 个对话已保存" in body["detail"]
    assert body["problems"][0]["field"] == "segments"
    assert Conversation.objects.filter(external_id="ok").exists()


def test_store_is_for_inspectors_leads_and_managers(api_alice: Api):
    r = api_alice.post("/api/inspections?store=true", conversation())
    assert r.status_code == 403
    assert not Conversation.objects.exists()


def test_store_links_a_work_order(api_ivan: Api, alice_ticket):  # noqa: ANN001
    r = api_ivan.post(f"/api/inspections?store=true&ticket={alice_ticket.number}", conversation())
    assert r.status_code == 200
    assert r.json()["conversations"][0]["ticket"] == alice_ticket.number
    missing = api_ivan.post("/api/inspections?store=true&ticket=KF000", conversation())
    assert missing.status_code == 400 and "ticket" in missing.json()["errors"]


def test_large_store_batches_run_as_a_task(api_ivan: Api, alice: User):
    from kefu.quality.tasks import inspect_batch

    r = api_ivan.post(
        "/api/inspections?store=true", [conversation(f"big-{i:02d}") for i in range(21)]
    )
    assert r.status_code == 202, r.content.decode()
    body = r.json()
    batch_id = body["batch"]
    assert body["count"] == 21 and body["status"] == "queued"
    status = api_ivan.get(f"/api/inspection-batches/{batch_id}").json()
    assert status["status"] == "queued" and status["done"] == 0
    assert status["reports"][0]["report"] is None
    inspect_batch.call(batch_id)
    status = api_ivan.get(f"/api/inspection-batches/{batch_id}", {"limit": 10}).json()
    assert (status["status"], status["done"], status["total"]) == ("done", 21, 21)
    assert len(status["reports"]) == 10 and status["next_offset"] == 10
    assert status["reports"][0]["report"]["conversation_id"] == "big-00"
    last = api_ivan.get(f"/api/inspection-batches/{batch_id}", {"offset": 20}).json()
    assert last["next_offset"] is None and len(last["reports"]) == 1


def test_batch_errors_and_permissions(api_ivan: Api, api_alice: Api, ivan: User, alice: User):
    batch = InspectionBatch.objects.create(created_by=ivan, total=0)
    assert api_alice.get(f"/api/inspection-batches/{batch.pk}").status_code == 403
    assert api_ivan.get("/api/inspection-batches/999999").status_code == 404
    assert api_ivan.get(f"/api/inspection-batches/{batch.pk}", {"limit": 0}).status_code == 400


def test_it_fetches_the_latest_report_with_reviews(
    api_ivan: Api, api_alice: Api, bob: User, alice: User
):
    from kefu.quality.services import finding_review

    api_ivan.post("/api/inspections?store=true", conversation())
    r = api_alice.get("/api/inspections/call-20261120-0001")
    assert r.status_code == 200
    original = r.json()
    assert set(original) >= REPORT_KEYS and "overturned" not in original
    finding = Finding.objects.get()
    finding_review(
        by=finding.conversation.imported_by, finding=finding, decision="overturn", reason="误判"
    )
    reviewed = api_ivan.get("/api/inspections/call-20261120-0001").json()
    assert reviewed["score"] == 100 and reviewed["verdict"] == "pass"
    assert reviewed["findings"] == []
    assert reviewed["overturned"][0]["review_reason"] == "误判"
    assert reviewed["overturned"][0]["rule"] == original["findings"][0]["rule"]
    # bob is not the agent of this conversation
    assert Api(bob).get("/api/inspections/call-20261120-0001").status_code == 403
    assert api_ivan.get("/api/inspections/nope").status_code == 404


def test_it_needs_authentication(db):  # noqa: ANN001
    from django.test import Client

    r = Client().post("/api/inspections", "{}", content_type="application/json")
    assert r.status_code == 401
