"""Login with lockout, logout by POST, pages behind login."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from kefu.accounts.models import User

pytestmark = pytest.mark.django_db


def test_login_page_has_stable_ids(client: Client) -> None:
    r = client.get("/accounts/login/")
    assert r.status_code == 200
    html = r.content.decode()
    for marker in ('id="login-username"', 'id="login-password"', 'id="login-submit"'):
        assert marker in html
    assert "<h1>客服中心</h1>" in html  # the centre's name, not the host name


def test_it_logs_in_and_lands_on_the_workbench(client: Client, alice: User) -> None:
    r = client.post(
        "/accounts/login/", {"username": "alice", "password": "kefu-pass-123"}, follow=True
    )
    assert r.redirect_chain[-1][0] == "/tickets/workbench/"
    assert "我的工作台" in r.content.decode()


def test_a_wrong_password_says_so_and_keeps_the_username(client: Client, alice: User) -> None:
    r = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "用户名或密码错误" in html
    assert 'value="alice"' in html


def test_it_shows_the_lockout_time_after_too_many_failures(
    client: Client, alice: User, settings
) -> None:  # noqa: ANN001
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        r = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    alice.refresh_from_db()
    assert alice.locked_until is not None
    until = timezone.localtime(alice.locked_until)
    assert f"登录失败次数过多,账号已锁定至 {until:%H:%M}" in r.content.decode()
    # even the right password is refused while locked, with the same message
    r = client.post("/accounts/login/", {"username": "alice", "password": "kefu-pass-123"})
    assert "账号已锁定至" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post(as_alice: Client) -> None:
    assert as_alice.get("/accounts/logout/").status_code == 405
    r = as_alice.post("/accounts/logout/")
    assert r.status_code == 302
    assert as_alice.get("/tickets/workbench/").status_code == 302


@pytest.mark.parametrize(
    "url",
    [
        "/tickets/workbench/",
        "/tickets/",
        "/tickets/callbacks/",
        "/tickets/team/",
        "/tickets/new/",
        "/customers/",
        "/customers/new/",
        "/notifications/",
    ],
)
def test_pages_need_a_login(client: Client, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 302
    assert r["Location"].startswith("/accounts/login/")
