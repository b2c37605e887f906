"""POST /api/assist/check and GET /api/assist/opening: results, every bad input with its message,
and authentication like the other routers."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client

from kefu.accounts.models import User

from .conftest import FORBIDDEN, ApiClient

CHECK = "/api/assist/check"
OPENING = "/api/assist/opening"


# --- check --------------------------------------------------------------------------------------


def test_check_finds_a_forbidden_phrase(api_alice: ApiClient) -> None:
    text = f"先生,{FORBIDDEN}"
    response = api_alice.post(CHECK, {"text": text, "channel": "chat"})
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False and body["findings"]
    f = body["findings"][0]
    assert {
        "rule",
        "standards",
        "severity",
        "deduction",
        "evidence",
        "message",
        "suggestion",
    } <= f.keys()
    assert "SCRIPT-9" in f["standards"] and f["suggestion"] and f["message"]
    start, end = f["span"]
    assert "你到底想怎么样" in text[start:end]
    assert f["segment"] == 0


def test_check_answers_in_plain_utf8(api_alice: ApiClient) -> None:
    response = api_alice.post(CHECK, {"text": FORBIDDEN})
    assert "你到底想怎么样".encode() in response.content


def test_check_a_clean_draft(api_alice: ApiClient) -> None:
    response = api_alice.post(CHECK, {"text": "您好,请问有什么可以帮您?", "channel": "email"})
    assert response.status_code == 200
    assert response.json() == {"findings": [], "ok": True}


def test_check_an_empty_draft(api_alice: ApiClient) -> None:
    assert api_alice.post(CHECK, {"text": ""}).json() == {"findings": [], "ok": True}


def test_check_the_longest_draft(api_alice: ApiClient) -> None:
    text = ("您好," + "话" * 9_000)[:9_990] + FORBIDDEN[:7]
    assert len(text) <= 10_000
    response = api_alice.post(CHECK, {"text": text})
    assert response.status_code == 200 and response.json()["ok"] is False


@pytest.mark.parametrize("channel", ["chat", "email", "phone", "walk_in"])
def test_check_every_channel(api_alice: ApiClient, channel: str) -> None:
    response = api_alice.post(CHECK, {"text": FORBIDDEN, "channel": channel})
    assert response.status_code == 200 and response.json()["ok"] is False


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "text", "此项为必填项"),
        ({"channel": "chat"}, "text", "此项为必填项"),
        ({"text": None}, "text", "应为文本"),
        ({"text": 123}, "text", "应为文本"),
        ({"text": ["你到底想怎么样"]}, "text", "应为文本"),
        ({"text": "话" * 10_001}, "text", "不能超过 10000 个字符"),
        ({"text": FORBIDDEN, "channel": "fax"}, "channel", "无效的取值"),
        ({"text": FORBIDDEN, "channel": 1}, "channel", "无效的取值"),
    ],
)
def test_check_bad_input(
    api_alice: ApiClient, body: dict[str, Any], field: str, message: str
) -> None:
    response = api_alice.post(CHECK, body)
    assert response.status_code == 400
    data = response.json()
    assert data["detail"] == "输入有误"
    assert any(message in m for m in data["errors"][field]), data


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"'])
def test_check_body_that_is_not_an_object(api_alice: ApiClient, raw: str) -> None:
    response = api_alice.post(CHECK, raw)
    assert response.status_code == 400
    assert response.json()["detail"]


# --- opening ------------------------------------------------------------------------------------


def test_opening_at_a_given_moment(api_alice: ApiClient) -> None:
    response = api_alice.get(OPENING, {"line": "normal", "at": "2026-10-02T10:00:00+08:00"})
    assert response.status_code == 200
    body = response.json()
    assert body["text"].startswith("国庆节快乐") and "国庆" in body["reason"]
    assert "SCRIPT-3" in body["standards"]
    assert body["line"] == "normal" and body["at"] == "2026-10-02T10:00:00+08:00"


def test_opening_naive_and_utc_times(api_alice: ApiClient) -> None:
    naive = api_alice.get(OPENING, {"at": "2026-11-20T09:00:00"}).json()
    assert naive["text"].startswith("早上好") and naive["at"] == "2026-11-20T09:00:00+08:00"
    utc = api_alice.get(OPENING, {"at": "2026-11-20T07:00:00Z"}).json()  # 15:00 in Shanghai
    assert utc["text"].startswith("您好") and utc["at"] == "2026-11-20T15:00:00+08:00"


def test_opening_on_the_vip_line(api_alice: ApiClient) -> None:
    body = api_alice.get(OPENING, {"line": "vip", "at": "2026-11-20T15:00:00+08:00"}).json()
    assert "贵宾服务专线" in body["text"] and body["line"] == "vip"
    assert "SCRIPT-5" in body["standards"]


def test_opening_line_defaults_to_the_callers_team(
    api_alice: ApiClient, api_vip: ApiClient
) -> None:
    at = {"at": "2026-11-20T15:00:00+08:00"}
    assert api_alice.get(OPENING, at).json()["line"] == "normal"
    assert api_vip.get(OPENING, at).json()["line"] == "vip"


def test_opening_time_defaults_to_now(api_alice: ApiClient) -> None:
    with time_machine.travel("2026-11-20T01:30:00+00:00", tick=False):  # 09:30 in Shanghai
        body = api_alice.get(OPENING).json()
    assert body["at"] == "2026-11-20T09:30:00+08:00" and body["text"].startswith("早上好")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"line": "gold"}, "line", "无效的取值"),
        ({"at": "tomorrow"}, "at", "时间格式错误"),
        ({"at": "2026-13-01T10:00:00"}, "at", "时间格式错误"),
    ],
)
def test_opening_bad_input(
    api_alice: ApiClient, params: dict[str, str], field: str, message: str
) -> None:
    response = api_alice.get(OPENING, params)
    assert response.status_code == 400
    assert any(message in m for m in response.json()["errors"][field])


# --- authentication -----------------------------------------------------------------------------


def test_without_credentials_is_401(api_anonymous: ApiClient) -> None:
    response = api_anonymous.post(CHECK, {"text": FORBIDDEN})
    assert response.status_code == 401
    assert response.json()["detail"] == "请先登录,或提供有效的接口令牌"
    assert api_anonymous.get(OPENING).status_code == 401


def test_a_wrong_token_is_401(db: None) -> None:
    response = ApiClient("not-a-key").post(CHECK, {"text": FORBIDDEN})
    assert response.status_code == 401


def test_a_logged_in_session_may_call(alice: User) -> None:
    client = Client()
    client.force_login(alice)
    response = client.post(CHECK, {"text": FORBIDDEN}, content_type="application/json")
    assert response.status_code == 200 and response.json()["ok"] is False


def test_a_session_post_needs_the_csrf_token(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(CHECK, {"text": FORBIDDEN}, content_type="application/json")
    assert response.status_code == 403
