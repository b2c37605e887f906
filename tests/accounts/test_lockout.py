"""Login lockout after repeated failures; passwords hashed with argon2."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_passwords_are_hashed_with_argon2(alice):
    import kefu.settings

    assert kefu.settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=kefu.settings.PASSWORD_HASHERS):
        alice.set_password("kefu-pass-123")
        alice.save()
        assert alice.password.startswith("argon2$")
        assert authenticate(username="alice", password="kefu-pass-123") == alice


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_account_locks_after_repeated_failures_even_for_the_right_password(alice):
    for _ in range(3):
        assert authenticate(username="alice", password="wrong") is None
    alice.refresh_from_db()
    assert alice.locked_until is not None
    assert authenticate(username="alice", password="kefu-pass-123") is None


@override_settings(LOGIN_MAX_FAILURES=3)
def test_a_successful_login_resets_the_failure_count(alice):
    authenticate(username="alice", password="wrong")
    assert authenticate(username="alice", password="kefu-pass-123") == alice
    alice.refresh_from_db()
    assert alice.failed_logins == 0
