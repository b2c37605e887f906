"""Fixtures for the agent-assist tests: seeded configuration, logged-in clients for the named
users of tests/conftest.py (alice and bob are hotline agents, ivan the quality inspector), an
agent on the VIP line, a work order of alice's and a JSON client with an API token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kefu.accounts.api_auth import token_cache_clear, token_create
from kefu.accounts.models import Role, Team, User
from kefu.customers.models import Customer

FORBIDDEN = "你到底想怎么样?"


@pytest.fixture(autouse=True)
def seeded(db: None) -> None:
    from kefu.core.seed import seed_all

    seed_all()


@pytest.fixture(autouse=True)
def _fresh_token_cache():  # noqa: ANN202
    token_cache_clear()
    yield
    token_cache_clear()


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_alice(alice: User) -> Client:
    return logged_in(alice)


@pytest.fixture
def as_ivan(ivan: User) -> Client:
    return logged_in(ivan)


@pytest.fixture
def vip_agent(db: None) -> User:
    team = Team.objects.create(code="vip-line", name="贵宾专线组", kind=Team.Kind.TEAM)
    return User.objects.create_user(
        username="vera",
        password="kefu-pass-123",
        role=Role.AGENT,
        employee_no="2001",
        team=team,
        display_name="韦拉",
    )


@pytest.fixture
def ticket(alice: User, customer: Customer) -> Any:
    from kefu.tickets.services import ticket_create

    t, _created = ticket_create(
        by=alice,
        customer=customer,
        data={
            "kind": "consultation",
            "channel": "chat",
            "subject": "咨询套餐资费",
            "description": "客户咨询话费套餐的资费详情",
        },
        assignee=alice,
    )
    return t


class ApiClient:
    """django.test.Client speaking JSON with a Bearer token (or none)."""

    def __init__(self, key: str | None) -> None:
        self.key = key
        self.client = Client()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(url, params or {}, headers=self._headers())

    def post(self, url: str, body: Any) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.post(url, data, content_type="application/json", headers=self._headers())


@pytest.fixture
def api_alice(alice: User) -> ApiClient:
    _token, key = token_create(user=alice, name="chat")
    return ApiClient(key)


@pytest.fixture
def api_vip(vip_agent: User) -> ApiClient:
    _token, key = token_create(user=vip_agent, name="vip chat")
    return ApiClient(key)


@pytest.fixture
def api_anonymous(db: None) -> ApiClient:
    return ApiClient(None)
