"""Shared fixtures: seeded configuration and named users (alice and bob are agents, lena leads the
hotline team, mark is the manager), in the healthchecks style."""

from __future__ import annotations

import pytest

from kefu.accounts.models import Role, Team, User


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # noqa: ANN001
    """Argon2 costs ~0.5 s a user on this machine; tests that check hashing ask for it themselves."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def config(db):  # noqa: ANN001
    from kefu.core.seed import seed_all

    seed_all()


@pytest.fixture
def hotline(db) -> Team:  # noqa: ANN001
    return Team.objects.create(code="hotline-1", name="热线一组", kind=Team.Kind.TEAM)


@pytest.fixture
def aftersales_dept(db) -> Team:  # noqa: ANN001
    return Team.objects.create(code="aftersales", name="售后服务部", kind=Team.Kind.DEPARTMENT)


def _user(username: str, role: str, employee_no: str, team: Team | None, name: str) -> User:
    user = User.objects.create_user(
        username=username,
        password="kefu-pass-123",
        role=role,
        employee_no=employee_no,
        team=team,
        display_name=name,
        email=f"{username}@example.com",
    )
    return user


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
def mark(db) -> User:  # noqa: ANN001
    return _user("mark", Role.MANAGER, "9001", None, "马经理")


@pytest.fixture
def ivan(db) -> User:  # noqa: ANN001
    return _user("ivan", Role.INSPECTOR, "5001", None, "质检小刘")


@pytest.fixture
def customer(db):  # noqa: ANN001
    from kefu.customers.models import Customer

    return Customer.objects.create(
        name="张先生", phone="13812345678", email="zhang@example.com", member_no="M0001"
    )
