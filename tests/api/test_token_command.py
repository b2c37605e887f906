"""`kefu token create|list|revoke`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kefu.accounts.models import ApiToken

from .conftest import ApiClient


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_key_once_and_the_key_works(alice, config):
    out, err = run("create", "--user", "alice", "--name", "呼叫中心接口")
    key = out.strip()
    assert len(key) >= 40 and "\n" not in key
    assert "只显示这一次" in err
    token = ApiToken.objects.get()
    assert token.user == alice and token.name == "呼叫中心接口" and key.startswith(token.prefix)
    assert ApiClient(key).get("/api/tickets").status_code == 200


def test_list_shows_prefix_name_and_user_but_never_the_key(alice):
    key = run("create", "--user", "alice", "--name", "商城")[0].strip()
    out, _ = run("list")
    assert "商城" in out and "alice" in out and key[:8] in out
    assert key not in out


def test_revoke_by_prefix_deactivates_the_token(alice):
    key = run("create", "--user", "alice", "--name", "商城")[0].strip()
    out, _ = run("revoke", key[:8])
    assert "已停用" in out
    assert not ApiToken.objects.get().active
    assert run("list")[1].strip() == "没有令牌"
    assert "商城" in run("list", "--all")[0]


@pytest.mark.django_db
def test_create_for_unknown_user_fails():
    with pytest.raises(CommandError, match="找不到用户"):
        run("create", "--user", "nobody", "--name", "x")


@pytest.mark.django_db
def test_revoke_of_unknown_prefix_fails():
    with pytest.raises(CommandError, match="找不到前缀"):
        run("revoke", "abcdefgh")


@pytest.mark.django_db
def test_new_keys_never_start_with_a_dash_so_revoke_can_name_them(alice, monkeypatch):
    import secrets

    keys = iter(
        [
            "-dashed-key-0000000000000000000000000000000",
            "plain-key-00000000000000000000000000000000",
        ]
    )
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: next(keys))
    key = run("create", "--user", "alice", "--name", "话务")[0].strip()
    assert key.startswith("plain-")
    assert "已停用" in run("revoke", key[:8])[0]
