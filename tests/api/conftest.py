"""Fixtures for the HTTP API tests: a token per named user and a JSON client that sends it.

The named users (alice and bob are agents of the hotline team, lena leads it, mark is the manager)
and `config` (seeded calendar + SLA policies) come from tests/conftest.py.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from kefu.accounts.api_auth import token_cache_clear, token_create
from kefu.accounts.models import User
from kefu.tickets.api import names_cache_clear

SHANGHAI = ZoneInfo("Asia/Shanghai")
# "now" for every API test: deadlines in the examples lie in the past of this instant
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_token_cache():  # noqa: ANN202
    token_cache_clear()
    names_cache_clear()  # the list's display names: ids come back after a rollback on SQLite
    yield
    token_cache_clear()
    names_cache_clear()


@pytest.fixture(autouse=True)
def _now():  # noqa: ANN202
    with time_machine.travel(NOW, tick=True):
        yield


class ApiClient:
    """django.test.Client speaking JSON with a Bearer token."""

    def __init__(self, key: str | None, user: User | None = None) -> None:
        self.key = key
        self.user = user
        self.client = Client()

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        out.update(headers or {})
        return out

    def get(
        self, url: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        return self.client.get(url, params or {}, headers=self._headers(headers))

    def _send(self, method: str, url: str, body: Any, headers: dict[str, str] | None) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(self.client, method)(
            url, data, content_type="application/json", headers=self._headers(headers)
        )

    def post(self, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self._send("post", url, {} if body is None else body, headers)

    def patch(self, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self._send("patch", url, {} if body is None else body, headers)


def _client_for(user: User) -> ApiClient:
    _, key = token_create(user=user, name=f"tests-{user.username}")
    return ApiClient(key, user)


@pytest.fixture
def as_alice(alice: User, config: None) -> ApiClient:  # noqa: ARG001
    return _client_for(alice)


@pytest.fixture
def as_bob(bob: User, config: None) -> ApiClient:  # noqa: ARG001
    return _client_for(bob)


@pytest.fixture
def as_lena(lena: User, config: None) -> ApiClient:  # noqa: ARG001
    return _client_for(lena)


@pytest.fixture
def as_mark(mark: User, config: None) -> ApiClient:  # noqa: ARG001
    return _client_for(mark)


@pytest.fixture
def anonymous(db) -> ApiClient:  # noqa: ANN001
    return ApiClient(None)


def consultation(**overrides: Any) -> dict[str, Any]:
    """A valid create body: a phone consultation from a known customer (by inline phone)."""
    body: dict[str, Any] = {
        "kind": "consultation",
        "channel": "phone",
        "subject": "咨询话费套餐",
        "description": "客户咨询本月话费套餐的变更方式。",
        "received_at": "2026-11-18T10:00:00+08:00",
        "customer": {"name": "张先生", "phone": "13812345678"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def make_ticket(as_alice: ApiClient):  # noqa: ANN201
    """Creates a ticket through the API as alice and returns its JSON."""

    def make(client: ApiClient | None = None, **overrides: Any) -> dict[str, Any]:
        response = (client or as_alice).post("/api/tickets", consultation(**overrides))
        assert response.status_code == 201, response.content.decode()
        return response.json()

    return make


@pytest.fixture
def ticket_via_service(config: None):  # noqa: ANN201, ARG001
    """Creates a ticket straight through the service (fast set-up for list tests)."""
    from kefu.customers.models import Customer
    from kefu.tickets.services import ticket_create

    def make(by: User, *, received_at: str = "2026-11-18T10:00:00+08:00", **data: Any) -> Any:
        customer = Customer.objects.filter(phone="13700000000").first() or Customer.objects.create(
            name="李女士", phone="13700000000"
        )
        values = {
            "kind": "consultation",
            "channel": "phone",
            "subject": "咨询",
            "description": "客户来电咨询业务办理流程。",
            "received_at": received_at,
        }
        values.update(data)
        ticket, _ = ticket_create(by=by, customer=customer, data=values)
        return ticket

    return make
