"""Fixtures for the page tests: seeded configuration, named users (alice and bob are agents of the
hotline team, lena leads it, mark is the manager, ivan the quality inspector), and a work order.

The named users, teams and the customer come from tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kefu.accounts.models import User
from kefu.customers.models import Customer


@pytest.fixture(autouse=True)
def seeded(db: None) -> None:
    from kefu.core.seed import seed_all

    seed_all()


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
