"""Fixtures for the page tests: seeded configuration, named users (alice and bob are agents of the
hotline team, lena leads it, mark is the manager, ivan the quality inspector), and a work order.

These fixtures are self-contained on purpose, so that the page tests do not depend on fixtures
defined elsewhere in the suite."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kefu.accounts.models import Role, Team, User
from kefu.customers.models import Customer

PASSWORD = "kefu-pass-123"


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    # Argon2 is deliberately slow; these tests create several users each
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def seeded(db: None) -> None:
    from kefu.core.seed import seed_all

    seed_all()


@pytest.fixture
def hotline(db: None) -> Team:
    return Team.objects.create(code="hotline-1", name="热线一组", kind=Team.Kind.TEAM)


@pytest.fixture
def aftersales_dept(db: None) -> Team:
    return Team.objects.create(code="aftersales", name="售后服务部", kind=Team.Kind.DEPARTMENT)


def _user(username: str, role: str, employee_no: str, team: Team | None, name: str) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        employee_no=employee_no,
        team=team,
        display_name=name,
        email="",
    )


@pytest.fixture
def lena(hotline: Team) -> User:
    user = _user("lena", Role.TEAM_LEAD, "1001", hotline, "李娜")
    hotline.lead = user
    hotline.save()
    return user


@pytest.fixture
def alice(hotline: Team, lena: User) -> User:
    return _user("alice", Role.AGENT, "1024", hotline, "王丽")


@pytest.fixture
def bob(hotline: Team, lena: User) -> User:
    return _user("bob", Role.AGENT, "1025", hotline, "赵强")


@pytest.fixture
def mark(db: None) -> User:
    return _user("mark", Role.MANAGER, "9001", None, "马经理")


@pytest.fixture
def ivan(db: None) -> User:
    return _user("ivan", Role.INSPECTOR, "5001", None, "质检小刘")


@pytest.fixture
def customer(db: None) -> Customer:
    return Customer.objects.create(
        name="张先生", phone="13812345678", email="zhang@example.com", member_no="M0001"
    )


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_alice(alice: User) -> Client:
    return _client(alice)


@pytest.fixture
def as_bob(bob: User) -> Client:
    return _client(bob)


@pytest.fixture
def as_lena(lena: User) -> Client:
    return _client(lena)


@pytest.fixture
def as_mark(mark: User) -> Client:
    return _client(mark)


@pytest.fixture
def as_ivan(ivan: User) -> Client:
    return _client(ivan)


@pytest.fixture
def make_ticket(alice: User, customer: Customer) -> Callable[..., Any]:
    """Creates a work order through the service, assigned to alice unless told otherwise."""
    from kefu.tickets.services import ticket_create

    def make(
        *,
        by: User | None = None,
        assignee: User | None | str = "alice",
        cust: Customer | None = None,
        **data: Any,
    ) -> Any:
        values = {
            "kind": "consultation",
            "channel": "phone",
            "description": "客户咨询话费套餐的资费详情",
        }
        values.update(data)
        who = alice if assignee == "alice" else assignee
        ticket, _created = ticket_create(
            by=by or alice, customer=cust or customer, data=values, assignee=who
        )
        return ticket

    return make


@pytest.fixture
def ticket(make_ticket: Callable[..., Any]) -> Any:
    return make_ticket(subject="咨询套餐资费")
