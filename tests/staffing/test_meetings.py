"""Meeting records (issue 5, item 8; QA-3): a meeting with attendees, topics, decisions and action
items (owner, due date), all or nothing with field messages; action items added later and marked
done by their owners; the list with search; one's open action items; the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kefu.accounts.models import User
from kefu.core.models import AuditEntry, Notification
from kefu.staffing.models import ActionItem, Meeting
from kefu.staffing.services import meetings as services

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
HELD = datetime(2026, 11, 23, 8, 30, tzinfo=SH)


@pytest.fixture(autouse=True)
def _now():  # noqa: ANN202
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=SH), tick=False):
        yield


def record(by: User, **values: Any) -> Meeting:
    data: dict[str, Any] = {
        "held_at": HELD,
        "kind": Meeting.Kind.WEEKLY,
        "title": "周例会",
        "topics": "投诉复盘",
        "attendees": [],
        "decisions": "全员执行三米招呼",
    }
    data.update(values)
    return services.meeting_record(by=by, **data)


def test_a_meeting_is_recorded_with_its_action_items_notified_and_audited(
    lena: User, alice: User, bob: User
) -> None:
    m = record(
        lena,
        attendees=[alice, bob],
        actions=[
            {"text": "整理投诉录音", "owner": alice, "due_on": date(2026, 11, 25)},
            {"text": "更新话术", "owner": bob, "due_on": date(2026, 11, 30)},
        ],
    )
    assert m.chair == lena and m.created_by == lena
    assert set(m.attendees.all()) == {alice, bob, lena}  # the chair attends
    assert [(a.text, a.owner) for a in m.actions.order_by("due_on")] == [
        ("整理投诉录音", alice),
        ("更新话术", bob),
    ]
    assert Notification.objects.filter(user=alice, message__contains="整理投诉录音").exists()
    assert AuditEntry.objects.filter(action="meeting_record", object_id=str(m.pk)).exists()


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"title": " "}, {"title": ["请填写会议主题"]}),
        ({"held_at": None, "topics": ""}, {"held_at": ["请填写会议时间"], "topics": ["请填写会议议题"]}),
        ({"attendees": "none"}, {"attendees": ["请选择参会人员"]}),
        (
            {"actions": [{"row": 0, "text": "整理录音", "owner": None, "due_on": date(2026, 11, 25)}]},
            {"actions.0.owner": ["第1条待办事项:请选择负责人"]},
        ),
        (
            {"actions": [{"row": 0, "text": "甲", "owner": "alice", "due_on": date(2026, 11, 25)},
                         {"row": 2, "text": "乙", "owner": "alice", "due_on": None}]},
            {"actions.2.due_on": ["第3条待办事项:请填写完成期限"]},
        ),
        (
            {"actions": [{"row": 0, "text": "", "owner": "alice", "due_on": date(2026, 11, 1)}]},
            {"actions.0.text": ["第1条待办事项:请填写待办事项内容"],
             "actions.0.due_on": ["第1条待办事项:完成期限不能早于会议日期"]},
        ),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_saves_nothing(
    lena: User, alice: User, values: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    values = dict(values)
    values["attendees"] = [] if values.get("attendees") == "none" else [alice]
    for a in values.get("actions", []):
        if a.get("owner") == "alice":
            a["owner"] = alice
    with pytest.raises(ValidationError) as info:
        record(lena, **values)
    assert info.value.message_dict == errors
    assert not Meeting.objects.exists() and not ActionItem.objects.exists()
    assert not AuditEntry.objects.exists()


def test_only_supervisors_record_meetings(alice: User) -> None:
    with pytest.raises(PermissionDenied):
        record(alice, attendees=[alice])


def test_an_action_item_is_done_by_its_owner_with_a_note(
    lena: User, alice: User, bob: User
) -> None:
    m = record(
        lena,
        attendees=[alice, bob],
        actions=[{"text": "整理投诉录音", "owner": alice, "due_on": date(2026, 11, 25)}],
    )
    item = m.actions.get()
    with pytest.raises(PermissionDenied):
        services.action_item_done(by=bob, item=item, note="代做")
    with pytest.raises(ValidationError) as info:
        services.action_item_done(by=alice, item=item, note=" ")
    assert info.value.message_dict == {"note": ["请填写完成情况"]}
    services.action_item_done(by=alice, item=item, note="已整理12条")
    item.refresh_from_db()
    assert item.done_at is not None and item.done_note == "已整理12条"
    with pytest.raises(ValidationError) as info:
        services.action_item_done(by=alice, item=item, note="再次")
    assert "已于" in info.value.message_dict["item"][0]
    assert AuditEntry.objects.filter(action="action_item_done", object_id=str(item.pk)).count() == 1


def test_action_items_are_added_by_the_chair_or_supervisors_and_checked(
    lena: User, alice: User, bob: User
) -> None:
    m = record(lena, attendees=[alice, bob])
    with pytest.raises(PermissionDenied):
        services.action_item_add(by=alice, meeting=m, text="x", owner=bob, due_on=date(2026, 12, 1))
    with pytest.raises(ValidationError) as info:
        services.action_item_add(by=lena, meeting=m, text="复盘", owner=None, due_on=None)
    assert info.value.message_dict == {"owner": ["请选择负责人"], "due_on": ["请填写完成期限"]}
    item = services.action_item_add(
        by=lena, meeting=m, text="复盘", owner=bob, due_on=date(2026, 12, 1)
    )
    assert item.owner == bob and m.actions.count() == 1
    assert AuditEntry.objects.filter(action="action_item_add").count() == 1


def test_a_meeting_edit_is_audited_with_what_changed(lena: User, alice: User) -> None:
    m = record(lena, attendees=[alice])
    services.meeting_update(
        by=lena,
        meeting=m,
        held_at=HELD,
        kind=Meeting.Kind.MONTHLY,
        title="月度例会",
        topics="投诉复盘",
        attendees=[alice],
        decisions="全员执行三米招呼",
    )
    entry = AuditEntry.objects.get(action="meeting_update")
    assert entry.detail["changed"] == {
        "kind": ["weekly", "monthly"],
        "title": ["周例会", "月度例会"],
    }
    with pytest.raises(ValidationError):
        services.meeting_update(
            by=lena, meeting=m, held_at=HELD, kind="weekly", title="", topics="x", attendees=[alice]
        )
    m.refresh_from_db()
    assert m.title == "月度例会"


# --- pages --------------------------------------------------------------------------------------


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _form(alice: User, **values: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "held_at": "2026-11-23T08:30",
        "kind": "weekly",
        "title": "周例会",
        "topics": "投诉复盘",
        "decisions": "",
        "attendees": [str(alice.pk)],
    }
    data.update(values)
    return data


def test_the_new_meeting_page_shows_field_messages_and_saves_nothing(
    lena: User, alice: User
) -> None:
    c = _client(lena)
    assert c.get(reverse("staffing:meeting_new")).status_code == 200
    r = c.post(reverse("staffing:meeting_new"), _form(alice, title=""))
    html = r.content.decode()
    assert r.status_code == 400 and "请填写会议主题" in html
    assert "投诉复盘" in html  # what was typed is kept
    r = c.post(
        reverse("staffing:meeting_new"),
        _form(alice, **{"actions.0.text": "整理投诉录音", "actions.0.due_on": "2026-11-25"}),
    )
    assert r.status_code == 400
    assert "第1条待办事项:请选择负责人" in r.content.decode()
    r = c.post(
        reverse("staffing:meeting_new"),
        _form(alice, **{"actions.1.text": "整理", "actions.1.owner": str(alice.pk),
                        "actions.1.due_on": "明天"}),
    )  # fmt: skip
    assert r.status_code == 400 and "第2条完成期限" in r.content.decode()
    assert not Meeting.objects.exists() and not ActionItem.objects.exists()


def test_a_meeting_is_recorded_on_the_page_and_its_owner_marks_the_item_done(
    lena: User, alice: User, bob: User
) -> None:
    c = _client(lena)
    r = c.post(
        reverse("staffing:meeting_new"),
        _form(alice, **{"actions.0.text": "整理投诉录音", "actions.0.owner": str(alice.pk),
                        "actions.0.due_on": "2026-11-25"}),
    )  # fmt: skip
    assert r.status_code == 302
    m = Meeting.objects.get()
    page = c.get(reverse("staffing:meeting", args=[m.pk])).content.decode()
    assert "整理投诉录音" in page and "王丽" in page
    # more action items on the meeting page, with field messages
    r = c.post(reverse("staffing:meeting_action_add", args=[m.pk]), {"text": "复盘"})
    assert r.status_code == 400 and "负责人:请选择负责人" in r.content.decode()
    r = c.post(
        reverse("staffing:meeting_action_add", args=[m.pk]),
        {"text": "更新话术", "owner": bob.pk, "due_on": "2026-11-30"},
    )
    assert r.status_code == 302 and m.actions.count() == 2
    # alice sees her open item and marks it done with a note
    a = _client(alice)
    mine = a.get(reverse("staffing:my_actions")).content.decode()
    assert "整理投诉录音" in mine and "更新话术" not in mine
    item = m.actions.get(owner=alice)
    r = a.post(reverse("staffing:action_done", args=[item.pk]), {"note": ""})
    assert r.status_code == 400 and "请填写完成情况" in r.content.decode()
    r = a.post(reverse("staffing:action_done", args=[item.pk]), {"note": "已整理"})
    assert r.status_code == 302
    mine = a.get(reverse("staffing:my_actions")).content.decode()
    assert "没有未完成的待办" in mine and "已整理" in mine
    # bob cannot complete alice's item
    other = m.actions.get(owner=bob)
    assert (
        _client(alice)
        .post(reverse("staffing:action_done", args=[other.pk]), {"note": "x"})
        .status_code
        == 403
    )


def test_meetings_list_searches_paginates_and_hides_others_meetings(
    lena: User, alice: User, bob: User
) -> None:
    for i in range(27):
        record(lena, title=f"晨会 {i:02d}", attendees=[bob], topics="排班")
    record(lena, title="投诉专题会", attendees=[alice], topics="雨伞押金投诉")
    c = _client(lena)
    page = c.get(reverse("staffing:meetings")).content.decode()
    assert "共 28 条" in page and "1 / 2" in page
    page = c.get(reverse("staffing:meetings"), {"q": "押金"}).content.decode()
    assert "投诉专题会" in page and "晨会" not in page
    # an agent sees only the meetings they attended
    page = _client(alice).get(reverse("staffing:meetings")).content.decode()
    assert "投诉专题会" in page and "晨会" not in page
    hidden = Meeting.objects.filter(title__startswith="晨会").first()
    assert _client(alice).get(reverse("staffing:meeting", args=[hidden.pk])).status_code == 404
    assert _client(alice).get(reverse("staffing:meeting_new")).status_code == 403
