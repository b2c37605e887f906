"""Ticket list with filters, the callbacks page, and the team board."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kefu.accounts.models import Team, User
from kefu.customers.models import Customer
from kefu.tickets.models import Callback, Ticket
from kefu.tickets.services import callback_promise, ticket_transfer

pytestmark = pytest.mark.django_db


def _numbers(html: str, table_id: str) -> list[str]:
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    return list(dict.fromkeys(re.findall(r"KF\d{8}-\d{4}", table)))


# --- list ---------------------------------------------------------------------------------------


def test_the_list_filters(
    as_alice: Client, make_ticket: Any, bob: User, alice: User, aftersales_dept: Team
) -> None:
    other = Customer.objects.create(name="李女士", phone="13900001111")
    consult = make_ticket(subject="咨询")
    complaint = make_ticket(
        kind="complaint", channel="email", subject="投诉物流慢", cust=other, assignee=bob
    )
    overdue = make_ticket(subject="很久以前", received_at=timezone.now() - timedelta(hours=30))
    ticket_transfer(by=alice, ticket=consult, department=aftersales_dept)

    def shown(**params: Any) -> list[str]:
        return _numbers(as_alice.get("/tickets/", params).content.decode(), "ticket-table")

    assert set(shown()) == {consult.number, complaint.number, overdue.number}
    assert shown(kind="complaint") == [complaint.number]
    assert shown(channel="email") == [complaint.number]
    assert shown(status="transferred") == [consult.number]
    assert shown(assignee=bob.pk) == [complaint.number]
    assert shown(team=aftersales_dept.pk) == [consult.number]
    assert overdue.number in shown(overdue="on") and complaint.number not in shown(overdue="on")
    assert shown(q="物流") == [complaint.number]
    assert shown(q="139-0000-1111") == [complaint.number]
    assert shown(q=consult.number) == [consult.number]
    assert set(shown(status="open")) == {consult.number, complaint.number, overdue.number}


def test_a_bad_filter_value_is_shown_not_crashed(as_alice: Client, ticket: Ticket) -> None:
    r = as_alice.get("/tickets/", {"kind": "nonsense"})
    assert r.status_code == 200
    assert (
        "选择一个有效的选项" in r.content.decode() or "Select a valid choice" in r.content.decode()
    )


def test_the_list_paginates_25_a_page(as_alice: Client, make_ticket: Any) -> None:
    for i in range(27):
        make_ticket(subject=f"批量{i}")
    page1 = as_alice.get("/tickets/").content.decode()
    page2 = as_alice.get("/tickets/", {"page": 2}).content.decode()
    assert len(_numbers(page1, "ticket-table")) == 25
    assert len(_numbers(page2, "ticket-table")) == 2
    assert "共 27 条" in page1 and 'rel="next"' in page1


def test_filters_stay_in_the_page_links(as_alice: Client, make_ticket: Any) -> None:
    for _ in range(26):
        make_ticket(kind="suggestion", description="建议增加夜间客服")
    html = as_alice.get("/tickets/", {"kind": "suggestion"}).content.decode()
    assert "?kind=suggestion&amp;page=2" in html


# --- callbacks ----------------------------------------------------------------------------------


@pytest.fixture
def callbacks(alice: User, bob: User, make_ticket: Any) -> tuple[Callback, Callback]:
    mine = callback_promise(by=alice, ticket=make_ticket(subject="我的回电"), hours=1)
    theirs = callback_promise(
        by=bob, ticket=make_ticket(subject="别人的回电", assignee=bob), hours=3
    )
    return mine, theirs


def test_agents_see_their_callbacks_leads_see_all(
    as_alice: Client, as_lena: Client, callbacks: tuple[Callback, Callback]
) -> None:
    mine, theirs = callbacks
    html = as_alice.get("/tickets/callbacks/").content.decode()
    assert _numbers(html, "callback-table") == [mine.ticket.number]
    html = as_lena.get("/tickets/callbacks/").content.decode()
    assert _numbers(html, "callback-table") == [mine.ticket.number, theirs.ticket.number]
    assert "138****5678" in html and "13812345678" not in html
    assert (
        _numbers(as_lena.get("/tickets/callbacks/?scope=mine").content.decode(), "callback-table")
        == []
    )


def test_overdue_callbacks_are_red_and_filterable(
    as_alice: Client, callbacks: tuple[Callback, Callback]
) -> None:
    import time_machine

    mine, _theirs = callbacks
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        html = as_alice.get("/tickets/callbacks/").content.decode()
        assert f'id="callback-row-{mine.pk}"' in html and "row-overdue" in html
        assert "仅看逾期(1)" in html
        only = as_alice.get("/tickets/callbacks/?overdue=1").content.decode()
        assert _numbers(only, "callback-table") == [mine.ticket.number]


def test_a_callback_is_fulfilled_inline(
    as_alice: Client, callbacks: tuple[Callback, Callback]
) -> None:
    mine, _theirs = callbacks
    r = as_alice.post(
        f"/tickets/callbacks/{mine.pk}/fulfil/",
        {"outcome": "answered", "note": "已答复", "next": "/tickets/callbacks/"},
    )
    assert r.status_code == 302 and r["Location"] == "/tickets/callbacks/"
    mine.refresh_from_db()
    assert mine.state == "done"


def test_an_inline_fulfil_without_outcome_stays_on_the_list(
    as_alice: Client, callbacks: tuple[Callback, Callback]
) -> None:
    mine, _theirs = callbacks
    r = as_alice.post(
        f"/tickets/callbacks/{mine.pk}/fulfil/",
        {"outcome": "", "note": "客户没说完", "next": "/tickets/callbacks/"},
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert 'id="callback-table"' in html and "请选择回电结果" in html and "客户没说完" in html
    mine.refresh_from_db()
    assert mine.state == "open"


def test_another_agents_callback_cannot_be_fulfilled(
    as_alice: Client, callbacks: tuple[Callback, Callback], dave_client: Client
) -> None:
    mine, _theirs = callbacks
    r = dave_client.post(f"/tickets/callbacks/{mine.pk}/fulfil/", {"outcome": "answered"})
    assert r.status_code == 403
    mine.refresh_from_db()
    assert mine.state == "open"


@pytest.fixture
def dave_client(db: None) -> Client:
    from kefu.accounts.models import Role

    team = Team.objects.create(code="hotline-2", name="热线二组", kind=Team.Kind.TEAM)
    dave = User.objects.create_user(username="dave", password="x", role=Role.AGENT, team=team)
    c = Client()
    c.force_login(dave)
    return c


# --- team ---------------------------------------------------------------------------------------


def test_agents_cannot_open_the_team_board(as_alice: Client) -> None:
    r = as_alice.get("/tickets/team/")
    assert r.status_code == 403


def test_the_team_board_puts_overdue_first_and_counts_per_agent(
    as_lena: Client, make_ticket: Any, bob: User, lena: User
) -> None:
    now = timezone.now()
    fresh = make_ticket(subject="新", received_at=now - timedelta(minutes=5))
    overdue = make_ticket(subject="超时", received_at=now - timedelta(hours=30), assignee=bob)
    unassigned = make_ticket(
        by=lena, subject="未分派", assignee=None, received_at=now - timedelta(minutes=30)
    )
    bob.on_duty = False
    bob.save()
    html = as_lena.get("/tickets/team/").content.decode()
    assert _numbers(html, "team-ticket-table") == [overdue.number, unassigned.number, fresh.number]
    agents = html.split('id="agent-table"')[1].split("</table>")[0]
    rows = {
        name: row for row in agents.split("<tr")[1:] for name in ("王丽", "赵强") if name in row
    }
    assert re.search(r'right num">1<.*right num">0<', rows["王丽"], re.S)  # 1 open, 0 overdue
    assert re.search(r'right num">1<.*<b style="color:var\(--bad\)">1</b>', rows["赵强"], re.S)
    assert "离岗" in rows["赵强"] and "在岗" in rows["王丽"]
    assert f'id="assign-{overdue.number}-assignee"' in html


def test_the_team_board_reassigns_and_comes_back(
    as_lena: Client, make_ticket: Any, bob: User
) -> None:
    t = make_ticket()
    r = as_lena.post(
        f"/tickets/{t.number}/assign/",
        {"version": t.version, "assignee": bob.pk, "next": "/tickets/team/?page=1"},
    )
    assert r.status_code == 302 and r["Location"] == "/tickets/team/?page=1"
    t.refresh_from_db()
    assert t.assignee == bob


def test_a_reassign_select_keeps_an_assignee_from_outside_the_team(
    as_lena: Client, make_ticket: Any, mark: User
) -> None:
    t = make_ticket(assignee=mark)
    html = as_lena.get("/tickets/team/").content.decode()
    select = html.split(f'id="assign-{t.number}-assignee"')[1].split("</select>")[0]
    assert f'<option value="{mark.pk}" selected>' in select


def test_a_manager_sees_every_team(as_mark: Client, make_ticket: Any) -> None:
    t = make_ticket()
    Team.objects.create(code="hotline-3", name="热线三组", kind=Team.Kind.TEAM)
    html = as_mark.get("/tickets/team/").content.decode()
    assert t.number in html and 'id="team-select"' in html and "热线三组" in html
