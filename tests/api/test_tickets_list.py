"""GET /api/tickets: filters, keyset pagination, "my overdue work" by nearest deadline."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.tickets.models import Ticket


def all_pages(client: Any, params: dict[str, Any]) -> tuple[list[str], int]:
    """Follows next_cursor to the end; returns the numbers in order and the number of pages."""
    numbers: list[str] = []
    pages = 0
    cursor = None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        response = client.get("/api/tickets", query)
        assert response.status_code == 200, response.content
        body = response.json()
        pages += 1
        numbers += [item["number"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return numbers, pages
        assert pages < 100


def test_list_is_newest_first_and_carries_the_fields_a_workbench_needs(
    as_alice, alice, ticket_via_service
):
    first = ticket_via_service(alice)
    second = ticket_via_service(alice, subject="第二张")
    body = as_alice.get("/api/tickets").json()
    assert [i["number"] for i in body["items"]] == [second.number, first.number]
    assert body["next_cursor"] is None
    item = body["items"][0]
    assert item["subject"] == "第二张"
    assert item["assignee"] == "1024" and item["assignee_name"] == "王丽"
    assert item["team"] == "hotline-1" and item["customer_name"] == "李女士"
    assert item["next_due_at"] == "2026-11-18T12:00:00+08:00"
    assert item["overdue"] is True


def test_keyset_pagination_visits_every_row_exactly_once(as_alice, alice, ticket_via_service):
    created = [ticket_via_service(alice).number for _ in range(23)]
    numbers, pages = all_pages(as_alice, {"limit": 5})
    assert pages == 5
    assert numbers == list(reversed(created))


def test_keyset_pagination_by_deadline_visits_every_row_once_with_ties_and_no_deadlines(
    as_alice, alice, ticket_via_service
):
    # several tickets share a deadline (same receipt time) and some have none (closed)
    tickets = [
        ticket_via_service(alice, received_at=f"2026-11-1{d}T09:00:00+08:00")
        for d in (5, 3, 5, 4, 3, 5, 6, 3)
    ]
    closed = [t.pk for t in tickets[:3]]
    Ticket.objects.filter(pk__in=closed).update(status="closed", is_open=False, next_due_at=None)
    numbers, _ = all_pages(as_alice, {"assignee": "me", "limit": 3})
    assert sorted(numbers) == sorted(t.number for t in tickets)
    assert len(numbers) == len(set(numbers))
    rows = {t.number: t for t in Ticket.objects.all()}
    dues = [rows[n].next_due_at for n in numbers]
    open_dues = [d for d in dues if d is not None]
    assert open_dues == sorted(open_dues)
    assert dues[-3:] == [None, None, None]  # no deadline sorts last


def test_my_overdue_work_is_ordered_by_nearest_deadline(as_alice, alice, bob, ticket_via_service):
    late = ticket_via_service(
        alice, received_at="2026-11-19T09:00:00+08:00"
    )  # due 11:00 on the 19th
    later = ticket_via_service(alice, received_at="2026-11-19T15:00:00+08:00")
    earliest = ticket_via_service(alice, received_at="2026-11-17T09:00:00+08:00")
    ticket_via_service(
        alice, received_at="2026-11-20T09:30:00+08:00"
    )  # due 11:30 today: not yet overdue
    ticket_via_service(bob, received_at="2026-11-16T09:00:00+08:00")  # overdue, but bob's
    body = as_alice.get("/api/tickets", {"assignee": "me", "overdue": "true"}).json()
    assert [i["number"] for i in body["items"]] == [earliest.number, late.number, later.number]
    assert all(i["overdue"] for i in body["items"])


def test_overdue_without_assignee_covers_everyone(as_lena, alice, bob, ticket_via_service):
    a = ticket_via_service(alice, received_at="2026-11-17T09:00:00+08:00")
    b = ticket_via_service(bob, received_at="2026-11-16T09:00:00+08:00")
    ticket_via_service(alice, received_at="2026-11-20T09:30:00+08:00")
    numbers = [
        i["number"] for i in as_lena.get("/api/tickets", {"overdue": "true"}).json()["items"]
    ]
    assert numbers == [b.number, a.number]


def test_filters_by_assignee_team_status_kind_channel_and_text(
    as_lena, alice, bob, lena, ticket_via_service, aftersales_dept
):
    a = ticket_via_service(alice, subject="宽带报修", channel="chat")
    b = ticket_via_service(bob, kind="suggestion", subject="建议增加夜间热线")
    Ticket.objects.filter(pk=b.pk).update(status="in_progress")

    def numbers(**params: Any) -> list[str]:
        response = as_lena.get("/api/tickets", params)
        assert response.status_code == 200, response.content
        return [i["number"] for i in response.json()["items"]]

    assert numbers(assignee="1024") == [a.number]
    assert numbers(assignee="1025") == [b.number]
    assert numbers(team="hotline-1") == [b.number, a.number]
    assert numbers(status="in_progress") == [b.number]
    assert numbers(kind="suggestion") == [b.number]
    assert numbers(channel="chat") == [a.number]
    assert numbers(q="宽带") == [a.number]
    assert numbers(q=b.number) == [b.number]
    assert numbers(assignee="none") == []


def test_filters_by_receipt_time(as_alice, alice, ticket_via_service):
    old = ticket_via_service(alice, received_at="2026-11-01T09:00:00+08:00")
    mid = ticket_via_service(alice, received_at="2026-11-10T23:30:00+08:00")
    new = ticket_via_service(alice, received_at="2026-11-19T09:00:00+08:00")

    def numbers(**params: Any) -> list[str]:
        return [i["number"] for i in as_alice.get("/api/tickets", params).json()["items"]]

    assert numbers(received_from="2026-11-05") == [new.number, mid.number]
    assert numbers(received_to="2026-11-10") == [
        mid.number,
        old.number,
    ]  # a bare date includes the day
    assert numbers(
        received_from="2026-11-10T00:00:00+08:00", received_to="2026-11-11T00:00:00+08:00"
    ) == [mid.number]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"kind": "gossip"}, "kind"),
        ({"channel": "fax"}, "channel"),
        ({"assignee": "0000"}, "assignee"),
        ({"team": "nope"}, "team"),
        ({"received_from": "yesterday"}, "received_from"),
        ({"limit": "many"}, "limit"),
        ({"overdue": "perhaps"}, "overdue"),
        ({"cursor": "!!!"}, "cursor"),
        (
            {"cursor": "eyJvIjoiZHVlIiwiaSI6MX0"},
            "cursor",
        ),  # a deadline cursor on the newest-first list
    ],
)
def test_bad_filter_is_400_naming_the_parameter(as_alice, params, field):
    response = as_alice.get("/api/tickets", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_limit_is_kept_between_1_and_100(as_alice, alice, ticket_via_service):
    for _ in range(3):
        ticket_via_service(alice)
    assert len(as_alice.get("/api/tickets", {"limit": 0}).json()["items"]) == 1
    assert len(as_alice.get("/api/tickets", {"limit": 1000}).json()["items"]) == 3
