"""A small hand-built month: tickets and callbacks with exact timestamps (local time, Asia/Shanghai),
written straight to the tables so every measure can be worked out by hand.

Range used by most tests: 2026-11-10 .. 2026-11-12 (local dates, inclusive); "now" is
2026-11-20 12:00 local. Expected values are worked out in the test modules' tables.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.accounts.models import Role, Team, User
from kefu.tickets.models import Callback, Ticket

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=SH)


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


def make_ticket(
    customer,
    number: str,
    *,
    received: datetime,
    due: datetime | None = None,  # noqa: ANN001
    first: datetime | None = None,
    replied: datetime | None = None,
    resolved: datetime | None = None,
    is_open: bool = True,
    next_due: datetime | None = None,
    assignee: User | None = None,
    team: Team | None = None,
) -> Ticket:
    return Ticket.objects.create(
        customer=customer,
        number=number,
        kind="consultation",
        channel="phone",
        subject=f"主题{number}",
        description="客户来电咨询",
        received_at=received,
        reply_due_at=due,
        first_responded_at=first,
        replied_at=replied,
        resolved_at=resolved,
        is_open=is_open,
        status="new" if is_open else "resolved",
        next_due_at=next_due,
        assignee=assignee,
        team=team,
    )


def make_callback(
    ticket: Ticket,
    *,
    due: datetime,
    state: str,
    kept: bool | None = None,
    owner: User | None = None,
) -> Callback:
    done_at = None
    if state == Callback.State.DONE:
        done_at = due - timedelta(minutes=5) if kept else due + timedelta(minutes=5)
    return Callback.objects.create(
        ticket=ticket,
        phone="13812345678",
        due_at=due,
        state=state,
        kept_on_time=kept,
        done_at=done_at,
        owner=owner,
    )


@pytest.fixture
def hotline2(db) -> Team:  # noqa: ANN001
    return Team.objects.create(code="hotline-2", name="热线二组", kind=Team.Kind.TEAM)


@pytest.fixture
def dora(hotline2: Team) -> User:
    return User.objects.create_user(
        username="dora",
        password="kefu-pass-123",
        role=Role.AGENT,
        employee_no="2024",
        team=hotline2,
        display_name="周多",
    )


@pytest.fixture
def admin_user(db) -> User:  # noqa: ANN001
    return User.objects.create_user(
        username="root",
        password="kefu-pass-123",
        role=Role.ADMIN,
        employee_no="0001",
        display_name="管理员",
    )


@pytest.fixture
def kpi_data(customer, hotline, hotline2, alice, bob, dora) -> dict[str, object]:  # noqa: ANN001
    """T1..T9 and C1..C5; the comments give what each one counts for."""
    far = local(2026, 12, 31)  # a deadline still ahead at NOW
    t = {}
    # alice, 热线一组, received 11-10
    t["T1"] = make_ticket(
        customer,
        "T1",
        received=local(2026, 11, 10, 9),
        due=local(2026, 11, 11, 9),
        first=local(2026, 11, 10, 9, 10),
        replied=local(2026, 11, 10, 9, 30),
        resolved=local(2026, 11, 10, 12),
        is_open=False,
        assignee=alice,
        team=hotline,
    )  # on time, 10 min
    t["T2"] = make_ticket(
        customer,
        "T2",
        received=local(2026, 11, 10, 10),
        due=local(2026, 11, 11, 10),
        first=local(2026, 11, 10, 10, 30),
        replied=local(2026, 11, 11, 12),
        next_due=far,
        assignee=alice,
        team=hotline,
    )  # late, 30 min, open but not overdue
    t["T9"] = make_ticket(
        customer,
        "T9",
        received=local(2026, 11, 10, 0, 0, 0),
        due=local(2026, 11, 11),
        first=local(2026, 11, 10, 0, 40),
        replied=local(2026, 11, 10, 0, 40),
        resolved=local(2026, 11, 10, 2),
        is_open=False,
        assignee=alice,
        team=hotline,
    )  # local midnight: in range
    # bob, 热线一组
    t["T3"] = make_ticket(
        customer,
        "T3",
        received=local(2026, 11, 11, 8),
        due=local(2026, 11, 12, 8),
        next_due=local(2026, 11, 12, 8),
        assignee=bob,
        team=hotline,
    )  # not replied, overdue now
    t["T4"] = make_ticket(
        customer,
        "T4",
        received=local(2026, 11, 12, 23, 59, 59),
        due=local(2026, 11, 13, 23, 59, 59),
        first=local(2026, 11, 13, 0, 59, 59),
        replied=local(2026, 11, 13, 0, 59, 59),
        next_due=far,
        assignee=bob,
        team=hotline,
    )  # last second of the range, 60 min
    # dora, 热线二组: no reply deadline at all -> counts as on time
    t["T5"] = make_ticket(
        customer,
        "T5",
        received=local(2026, 11, 12, 14),
        due=None,
        first=local(2026, 11, 12, 14, 20),
        replied=local(2026, 11, 12, 15),
        resolved=local(2026, 11, 12, 16),
        is_open=False,
        assignee=dora,
        team=hotline2,
    )  # 20 min
    # nobody, no team
    t["T6"] = make_ticket(
        customer,
        "T6",
        received=local(2026, 11, 11, 12),
        due=local(2026, 11, 12, 12),
        next_due=local(2026, 11, 12, 12),
    )  # not replied, overdue now
    # outside the range
    t["T7"] = make_ticket(
        customer,
        "T7",
        received=local(2026, 11, 9, 23, 59, 59),
        due=local(2026, 11, 10, 23, 59, 59),
        next_due=local(2026, 11, 10, 23, 59, 59),
        assignee=alice,
        team=hotline,
    )  # overdue, backlog only
    t["T8"] = make_ticket(
        customer,
        "T8",
        received=local(2026, 11, 13, 0, 0, 0),
        due=local(2026, 11, 14),
        first=local(2026, 11, 13, 0, 5),
        replied=local(2026, 11, 13, 0, 5),
        next_due=far,
        assignee=bob,
        team=hotline,
    )  # same UTC date as T4, next local day
    c = {
        "C1": make_callback(
            t["T1"], due=local(2026, 11, 10, 10), state=Callback.State.DONE, kept=True, owner=alice
        ),
        "C2": make_callback(
            t["T2"], due=local(2026, 11, 11, 10), state=Callback.State.DONE, kept=False, owner=alice
        ),
        "C3": make_callback(
            t["T3"], due=local(2026, 11, 11, 9), state=Callback.State.OPEN, owner=bob
        ),  # overdue
        "C4": make_callback(
            t["T4"], due=local(2026, 11, 12, 23), state=Callback.State.CANCELLED, owner=bob
        ),
        "C5": make_callback(
            t["T7"], due=local(2026, 11, 9, 23), state=Callback.State.DONE, kept=True, owner=alice
        ),
    }
    return {"tickets": t, "callbacks": c}
