"""Fixtures for the quality-inspection tests: conversations as kefu.conversation/1 dicts, logged-in
clients and API clients for the named users of tests/conftest.py (alice and bob are hotline agents,
lena leads the team, mark is the manager, ivan the quality inspector).

Nothing here is autouse, so the agent-assist tests under tests/quality/assist keep their own set-up;
the modules of this folder ask for `qseed` (seeded calendar and SLA policies, a fixed clock).
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

SHANGHAI = ZoneInfo("Asia/Shanghai")
# "now" for the quality tests: the conversations below happened this morning
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)

GREETING = "早上好!工号1024为您服务,请问有什么可以帮您?"
ARROGANT = "不行就是不行,这是规定。"
PROMISE = "我们会在24小时内给您回复。"


def conversation(
    conv_id: str = "call-20261120-0001",
    *,
    agent_text: str = "不行就是不行,我帮您登记。",
    started_at: str = "2026-11-20T09:15:00+08:00",
    employee_no: str | None = "1024",
    phone: str | None = "13812345678",
    channel: str = "phone",
    **overrides: Any,
) -> dict[str, Any]:
    """A short morning phone call with one forbidden phrase (SCRIPT-9) in the agent's 3rd turn."""
    body: dict[str, Any] = {
        "id": conv_id,
        "channel": channel,
        "started_at": started_at,
        "segments": [
            {"speaker": "agent", "text": GREETING, "start_ms": 6500, "end_ms": 9800},
            {
                "speaker": "customer",
                "text": "我的宽带断了,能不能马上修?",
                "start_ms": 10200,
                "end_ms": 12800,
            },
            {"speaker": "agent", "text": agent_text, "start_ms": 13000, "end_ms": 17000},
            {"speaker": "customer", "text": "好吧。", "start_ms": 17200, "end_ms": 17800},
            {
                "speaker": "agent",
                "text": "请问您还有其他要补充的吗?",
                "start_ms": 18000,
                "end_ms": 20000,
            },
            {"speaker": "customer", "text": "没有了。", "start_ms": 20200, "end_ms": 21000},
            {"speaker": "agent", "text": "感谢您的来电,再见!", "start_ms": 21200, "end_ms": 23000},
        ],
    }
    if employee_no is not None:
        body["agent"] = {"employee_no": employee_no, "name": "王丽"}
    if phone is not None:
        body["customer"] = {"phone": phone}
    body.update(overrides)
    return body


def as_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


@pytest.fixture
def qseed(db: None):  # noqa: ANN201
    from kefu.core.seed import seed_all
    from kefu.quality.services import rulebook_invalidate

    seed_all()
    rulebook_invalidate()
    token_cache_clear()
    with time_machine.travel(NOW, tick=True):
        yield
    token_cache_clear()


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


class Api:
    """django.test.Client speaking JSON with a Bearer token."""

    def __init__(self, user: User) -> None:
        _token, self.key = token_create(user=user, name=f"tests-{user.username}")
        self.client = Client()

    def _h(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(url, params or {}, headers=self._h())

    def post(self, url: str, body: Any) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body, ensure_ascii=False)
        return self.client.post(url, data, content_type="application/json", headers=self._h())


@pytest.fixture
def import_as():  # noqa: ANN201
    """conversations_import(by=user, data=<conversations>) in one call."""
    from kefu.quality.services import conversations_import

    def run(user: User, *convs: dict[str, Any], filename: str = "calls.json", **kw: Any) -> Any:
        data = as_bytes(list(convs) if len(convs) != 1 else convs[0])
        return conversations_import(by=user, data=data, filename=filename, **kw)

    return run


@pytest.fixture
def alice_ticket(alice: User, customer: Any, qseed: None) -> Any:  # noqa: ARG001
    """A work order of alice's for the customer who called (13812345678)."""
    from kefu.tickets.services import ticket_create

    ticket, _created = ticket_create(
        by=alice,
        customer=customer,
        data={
            "kind": "consultation",
            "channel": "phone",
            "subject": "宽带断线",
            "description": "客户来电反映宽带断线,需要上门检修。",
            "received_at": "2026-11-20T09:16:00+08:00",
        },
        assignee=alice,
    )
    return ticket
