"""Messages stored now and shown later in the reader's language (kefu.core.messages)."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from kefu.accounts.models import User
from kefu.core.messages import Message, render_stored, shown_actor
from kefu.core.models import Notification
from kefu.core.services import notify
from kefu.staffing.models import Leave


def test_a_message_renders_in_the_active_language() -> None:
    m = Message.of("工单 %(no)s 已分派给您", no="WO-1")
    with translation.override("zh-hans"):
        assert str(m) == "工单 WO-1 已分派给您"
    with translation.override("en"):
        assert "WO-1" in str(m) and "工单" not in str(m)


def test_nested_labels_are_translated_with_the_sentence() -> None:
    m = Message.of(
        "%(kind)s %(first)s 至 %(last)s",
        kind=Message.of_label(Leave.Kind.SICK.label),
        first="2026-12-01",
        last="2026-12-02",
    )
    with translation.override("zh-hans"):
        assert str(m) == "病假 2026-12-01 至 2026-12-02"
    with translation.override("en"):
        assert str(m) == "Sick leave 2026-12-01 to 2026-12-02"


def test_a_message_survives_json() -> None:
    m = Message.of("%(a)s;%(b)s", a=Message.of("未达处理阶梯"), b=3)
    assert Message.from_json(json.loads(json.dumps(m.to_json()))) == m


def test_parameters_are_kept_as_text_unless_numbers_or_messages() -> None:
    m = Message.of("%(who)s %(n)s", who=["x"], n=2.5)
    assert m.params == {"who": "['x']", "n": 2.5}


def test_a_wrong_parameter_is_not_hidden() -> None:
    with pytest.raises(KeyError):
        str(Message("没有翻译的句子 %(x)s", {"y": 1}))


@pytest.mark.django_db
def test_notify_stores_the_default_language_and_shows_the_readers(
    django_user_model: type[User],
) -> None:
    user = django_user_model.objects.create_user(username="u1", password="x", email="")
    with translation.override("en"):  # whoever acted used the English interface
        notify(users=[user], message=Message.of("工单 %(no)s 已分派给您", no="WO-9"))
    notice = Notification.objects.get(user=user)
    assert notice.message == "工单 WO-9 已分派给您"
    with translation.override("en"):
        assert notice.text != notice.message and "WO-9" in notice.text
    with translation.override("zh-hans"):
        assert notice.text == notice.message


@pytest.mark.django_db
def test_plain_text_notifications_show_as_written(django_user_model: type[User]) -> None:
    user = django_user_model.objects.create_user(username="u2", password="x", email="")
    notify(users=[user], message="纯文字通知")
    notice = Notification.objects.get(user=user)
    with translation.override("en"):
        assert notice.text == "纯文字通知"


@pytest.mark.parametrize(
    ("actor_id", "label", "english"),
    [
        (None, "系统", "System"),  # kefu itself, written in the default language
        (7, "系统", "系统"),  # a person who happens to be called that
        (7, "王小明", "王小明"),
        (None, "", ""),
    ],
)
def test_the_actor_is_kefu_in_the_readers_language_or_a_name_as_written(
    actor_id: int | None, label: str, english: str
) -> None:
    with translation.override("en"):
        assert shown_actor(actor_id, label) == english


@pytest.mark.parametrize("stored", [{}, None, {"params": {}}, {"template": "%(x)s", "params": 3}])
def test_a_missing_or_unreadable_stored_message_shows_the_text_as_written(stored: object) -> None:
    assert render_stored(stored, "原文") == "原文"  # type: ignore[arg-type]


def test_what_is_stored_is_written_in_the_default_language_whatever_the_request() -> None:
    m = Message.of("工单 %(no)s 已分派给您", no="WO-1")
    with translation.override("en"):
        assert m.as_written() == "工单 WO-1 已分派给您"
        assert "工单" not in str(m)
