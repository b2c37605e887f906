"""Notifications page: the user's own list, mark one or all read."""

from __future__ import annotations

import pytest
from django.test import Client

from kefu.accounts.models import User
from kefu.core.models import Notification

pytestmark = pytest.mark.django_db


def _note(user: User, message: str, link: str = "") -> Notification:
    return Notification.objects.create(user=user, message=message, link=link, level="warning")


def test_it_lists_only_my_notifications(as_alice: Client, alice: User, bob: User) -> None:
    _note(alice, "工单 KF1 的回复时限即将到期")
    _note(bob, "别人的通知")
    html = as_alice.get("/notifications/").content.decode()
    assert "工单 KF1 的回复时限即将到期" in html
    assert "别人的通知" not in html
    assert 'id="notifications-read-all"' in html


def test_it_marks_one_read_and_follows_its_link(as_alice: Client, alice: User) -> None:
    n = _note(alice, "请处理", link="/tickets/")
    r = as_alice.post("/notifications/read/", {"id": n.pk, "next": n.link})
    assert r.status_code == 302
    assert r["Location"] == "/tickets/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_it_marks_all_read(as_alice: Client, alice: User) -> None:
    for i in range(3):
        _note(alice, f"通知{i}")
    r = as_alice.post("/notifications/read/", follow=True)
    assert "已将 3 条通知标为已读" in r.content.decode()
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()


def test_it_cannot_touch_another_users_notification(as_alice: Client, bob: User) -> None:
    n = _note(bob, "bob 的通知")
    as_alice.post("/notifications/read/", {"id": n.pk})
    n.refresh_from_db()
    assert n.read_at is None


def test_it_ignores_an_outside_next_address(as_alice: Client, alice: User) -> None:
    n = _note(alice, "x")
    r = as_alice.post("/notifications/read/", {"id": n.pk, "next": "https://evil.example.com/"})
    assert r["Location"] == "/notifications/"


def test_marking_read_needs_a_post(as_alice: Client) -> None:
    assert as_alice.get("/notifications/read/").status_code == 405


def test_the_list_paginates(as_alice: Client, alice: User) -> None:
    for i in range(30):
        _note(alice, f"第{i}条")
    page1 = as_alice.get("/notifications/").content.decode()
    page2 = as_alice.get("/notifications/?page=2").content.decode()
    assert page1.count('class="notice-unread"') == 25
    assert page2.count('class="notice-unread"') == 5
    assert "共 30 条" in page1


def test_only_site_links_are_offered(as_alice: Client, alice: User) -> None:
    _note(alice, "外部链接", link="javascript:alert(1)")
    html = as_alice.get("/notifications/").content.decode()
    assert "javascript:" not in html
