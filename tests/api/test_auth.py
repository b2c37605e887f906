"""Who may call the API: Bearer / X-API-Key tokens, the browser session with CSRF, nobody else."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from kefu.accounts.api_auth import token_create, token_revoke
from kefu.accounts.models import ApiToken

from .conftest import NOW, ApiClient, consultation


def test_request_without_credentials_is_401_with_a_json_message(anonymous):
    response = anonymous.get("/api/tickets")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] == "请先登录,或提供有效的接口令牌"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_post_without_credentials_is_401_not_a_csrf_error(anonymous):
    response = anonymous.post("/api/tickets", consultation())
    assert response.status_code == 401


def test_unknown_bearer_token_is_401(alice):
    response = ApiClient("not-a-real-key").get("/api/tickets")
    assert response.status_code == 401
    assert response.json()["detail"] == "接口令牌无效或已停用"


def test_x_api_key_header_authenticates_as_the_token_user(alice, config):
    _, key = token_create(user=alice, name="呼叫中心")
    response = Client().get("/api/tickets", headers={"X-API-Key": key})
    assert response.status_code == 200


def test_wrong_x_api_key_is_401(alice):
    response = Client().get("/api/tickets", headers={"X-API-Key": "wrong"})
    assert response.status_code == 401


def test_revoked_token_is_401(alice):
    token, key = token_create(user=alice, name="旧接口")
    token_revoke(prefix=token.prefix)
    assert ApiClient(key).get("/api/tickets").status_code == 401


def test_a_token_revoked_after_use_is_refused_at_once(alice, config):
    token, key = token_create(user=alice, name="旧接口")
    client = ApiClient(key)
    assert client.get("/api/tickets").status_code == 200
    token_revoke(prefix=token.prefix)
    assert client.get("/api/tickets").status_code == 401


def test_a_deactivated_user_is_refused_once_the_short_token_cache_expires(alice, config):
    _, key = token_create(user=alice, name="接口")
    client = ApiClient(key)
    assert client.get("/api/tickets").status_code == 200
    alice.is_active = False
    alice.save()
    with time_machine.travel(NOW + timedelta(seconds=10), tick=False):
        assert client.get("/api/tickets").status_code == 401


def test_token_of_a_deactivated_user_is_401(alice):
    _, key = token_create(user=alice, name="接口")
    alice.is_active = False
    alice.save()
    assert ApiClient(key).get("/api/tickets").status_code == 401


def test_only_the_hash_of_a_key_is_stored(alice):
    token, key = token_create(user=alice, name="接口")
    token.refresh_from_db()
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    assert key.startswith(token.prefix)


def test_last_used_at_is_recorded_at_most_once_a_minute(alice, config):
    token, key = token_create(user=alice, name="接口")
    client = ApiClient(key)
    client.get("/api/tickets")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        client.get("/api/tickets")
    token.refresh_from_db()
    assert token.last_used_at == first
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        client.get("/api/tickets")
    token.refresh_from_db()
    assert token.last_used_at == NOW + timedelta(minutes=2)
    assert token.last_used_at > first - timedelta(seconds=1)
    assert timezone.is_aware(token.last_used_at)


def test_browser_session_reads_without_a_token(alice, config):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get("/api/tickets").status_code == 200


def test_browser_session_must_send_the_csrf_token_to_write(alice, config):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    without = client.post("/api/tickets", consultation(), content_type="application/json")
    assert without.status_code == 403
    assert "CSRF" in without.json()["detail"]
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    with_token = client.post(
        "/api/tickets",
        consultation(),
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    assert with_token.status_code == 201, with_token.content


def test_openapi_spec_and_docs_are_served(db):
    client = Client()
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"] == {
        "title": "kefu API",
        "version": "1",
        "description": spec.json()["info"]["description"],
    }
    assert "/api/tickets" in spec.json()["paths"]
    assert client.get("/api/docs").status_code == 200
