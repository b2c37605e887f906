"""GET /api/tickets: the per-process cache of display names (customer, agent, team)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.accounts.models import Team
from kefu.customers.models import Customer
from kefu.tickets import api
from kefu.tickets.models import Ticket


class Clock:
    """Stands in for time.monotonic in kefu.tickets.api."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(api, "_names_clock", c)
    return c


def names_queries(queries: CaptureQueriesContext) -> list[str]:
    """The name look-ups among the captured statements (the page query reads tickets only)."""
    return [q["sql"] for q in queries.captured_queries if "UNION ALL" in q["sql"]]


def items(client: Any, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/tickets", params)
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_names_are_right_and_the_second_page_view_reads_none(
    as_alice, alice, bob, clock, ticket_via_service
):
    mine = ticket_via_service(alice)
    other = Customer.objects.create(name="赵先生", phone="13900000001")
    bobs = ticket_via_service(bob, subject="另一个")
    Ticket.objects.filter(pk=bobs.pk).update(customer=other)
    expected = {
        mine.number: ("李女士", "1024", "王丽", "hotline-1"),
        bobs.number: ("赵先生", bob.employee_no, bob.display_name, "hotline-1"),
    }
    with CaptureQueriesContext(connection) as first:
        got = items(as_alice)
    assert {
        i["number"]: (i["customer_name"], i["assignee"], i["assignee_name"], i["team"]) for i in got
    } == expected
    assert len(names_queries(first)) == 1
    clock.now += 30
    with CaptureQueriesContext(connection) as second:
        again = items(as_alice)
    assert again == got
    assert names_queries(second) == []  # all from the cache


def test_a_renamed_agent_team_and_customer_show_up_after_the_ttl(
    as_alice, alice, clock, ticket_via_service
):
    ticket = ticket_via_service(alice)
    [item] = items(as_alice)
    assert (item["assignee_name"], item["team"], item["customer_name"]) == (
        "王丽",
        "hotline-1",
        "李女士",
    )
    type(alice).objects.filter(pk=alice.pk).update(display_name="王丽丽", employee_no="2048")
    Team.objects.filter(pk=ticket.team_id).update(code="hotline-x")
    Customer.objects.filter(pk=ticket.customer_id).update(name="李红")
    clock.now += api.NAME_CACHE_SECONDS - 1
    [item] = items(as_alice)
    # still the old names: accepted staleness for display names
    assert (item["assignee"], item["assignee_name"], item["team"], item["customer_name"]) == (
        "1024",
        "王丽",
        "hotline-1",
        "李女士",
    )
    clock.now += 2
    [item] = items(as_alice)
    assert (item["assignee"], item["assignee_name"], item["team"], item["customer_name"]) == (
        "2048",
        "王丽丽",
        "hotline-x",
        "李红",
    )


def test_ids_not_yet_cached_are_read_while_the_others_come_from_the_cache(
    as_alice, alice, bob, clock, ticket_via_service
):
    ticket_via_service(alice)
    items(as_alice)  # alice, her team and 李女士 are now cached
    newcomer = Customer.objects.create(name="钱女士", phone="13900000002")
    fresh = ticket_via_service(bob, subject="新客户")
    Ticket.objects.filter(pk=fresh.pk).update(customer=newcomer)
    with CaptureQueriesContext(connection) as queries:
        got = items(as_alice)
    [query] = names_queries(queries)
    by_number = {i["number"]: i for i in got}
    assert by_number[fresh.number]["customer_name"] == "钱女士"
    assert by_number[fresh.number]["assignee"] == bob.employee_no
    assert by_number[fresh.number]["assignee_name"] == bob.display_name
    assert by_number[fresh.number]["team"] == "hotline-1"
    assert {i["customer_name"] for i in got} == {"钱女士", "李女士"}
    if connection.vendor == "sqlite":
        # only the misses (bob and the new customer) are asked for; the team is cached
        assert query.count(api._ListSql().team) == 0


def test_a_ticket_without_assignee_or_team_and_a_full_cache(
    as_alice, alice, clock, ticket_via_service, monkeypatch
):
    monkeypatch.setattr(api, "NAME_CACHE_MAX_ENTRIES", 2)
    ticket = ticket_via_service(alice)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=None, team=None)
    [item] = items(as_alice)
    assert (item["assignee"], item["assignee_name"], item["team"]) == (None, None, None)
    assert item["customer_name"] == "李女士"
    other = ticket_via_service(alice, subject="第二张")
    got = items(as_alice)
    assert [i["assignee_name"] for i in got] == ["王丽", None]
    assert got[0]["number"] == other.number and got[0]["team"] == "hotline-1"
    assert len(api._NAMES) <= 3


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_the_names_statement_is_the_same_for_any_ids_and_gets_prepared(
    as_alice, alice, bob, ticket_via_service
):
    ticket_via_service(alice)
    ticket_via_service(bob)
    statements = []
    # psycopg prepares a statement on its 6th execution (prepare_threshold, settings: PG_PREPARED)
    # and PostgreSQL weighs a generic plan after 5 custom ones
    for _ in range(14):
        api.names_cache_clear()
        with CaptureQueriesContext(connection) as queries:
            items(as_alice)
        statements += names_queries(queries)
    assert len(statements) == 14 and statements[0].count("= ANY(") == 3
    if not connection.settings_dict["OPTIONS"].get("prepare_threshold"):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%UNION ALL%= ANY($3)%"],
        )
        assert cursor.fetchone()[0] == 1
        # the page statement is prepared too and runs on its generic plan (with a table this
        # small that holds either way; at 1M tickets it needs the LIMIT as a constant, see
        # _ListSql.rows and docs/benchmarks.md)
        cursor.execute(
            "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "tickets_ticket" t WHERE%'],
        )
        assert [row[0] > 0 for row in cursor.fetchall()] == [True]
