"""Meeting records (例会, QA-3): a meeting with its attendees, topics, decisions and action items
(owner and due date each); action items added later and marked done by their owners.

Everything a form sends is checked before anything is written, so a meeting with one bad action
item is not saved at all; messages name the field (and the action item's row). Each write is in
the audit log; a new action item is notified to its owner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import User
from kefu.core.messages import Message
from kefu.core.services import audit_record, notify

from ..models import ActionItem, Meeting, Post
from ..permissions import SUPERVISORS, has_role, require

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _meeting_values(
    errors: Errors,
    *,
    held_at: datetime | None,
    kind: str,
    title: str,
    topics: str,
    attendees: Iterable[User],
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": (title or "").strip(),
        "topics": (topics or "").strip(),
        "kind": kind,
        "held_at": held_at,
    }
    if not values["title"]:
        _add(errors, "title", _("请填写会议主题"))
    elif len(values["title"]) > 120:
        _add(errors, "title", _("会议主题不能超过120个字"))
    if held_at is None:
        _add(errors, "held_at", _("请填写会议时间"))
    if kind not in Meeting.Kind.values:
        _add(errors, "kind", _("请选择会议类型"))
    if not values["topics"]:
        _add(errors, "topics", _("请填写会议议题"))
    if not list(attendees):
        _add(errors, "attendees", _("请选择参会人员"))
    return values


def _action_errors(
    errors: Errors,
    *,
    text: str,
    owner: User | None,
    due_on: date | None,
    held_on: date | None,
    prefix: str = "",
    label: str = "",
) -> None:
    """Checks one action item; ``prefix``/``label`` name its row on a meeting form."""
    if not (text or "").strip():
        _add(errors, f"{prefix}text", label + _("请填写待办事项内容"))
    elif len(text.strip()) > 200:
        _add(errors, f"{prefix}text", label + _("待办事项不能超过200个字"))
    if owner is None:
        _add(errors, f"{prefix}owner", label + _("请选择负责人"))
    elif not owner.is_active:
        _add(errors, f"{prefix}owner", label + _("负责人账号已停用"))
    if due_on is None:
        _add(errors, f"{prefix}due_on", label + _("请填写完成期限"))
    elif held_on is not None and due_on < held_on:
        _add(errors, f"{prefix}due_on", label + _("完成期限不能早于会议日期"))


def _state(m: Meeting) -> dict[str, Any]:
    return {
        "held_at": m.held_at.astimezone(UTC).isoformat() if m.held_at else None,
        "kind": m.kind,
        "title": m.title,
        "post": m.post_id,
        "chair": m.chair_id,
        "attendees": sorted(m.attendees.values_list("pk", flat=True)) if m.pk else [],
        "topics": m.topics,
        "decisions": m.decisions,
    }


def _notify_owner(item: ActionItem) -> None:
    notify(
        users=[item.owner],
        message=Message.of(
            gettext_noop("例会待办:%(text)s(期限 %(due)s,来自「%(title)s」)"),
            text=item.text,
            due=item.due_on.isoformat(),
            title=item.meeting.title,
        ),
        link=reverse("staffing:my_actions"),
    )


@transaction.atomic
def meeting_record(
    *,
    by: User,
    held_at: datetime | None,
    kind: str,
    title: str,
    topics: str,
    attendees: Sequence[User],
    decisions: str = "",
    chair: User | None = None,
    post: Post | None = None,
    actions: Sequence[Mapping[str, Any]] = (),
) -> Meeting:
    """Records a meeting with its action items (``text``, ``owner``, ``due_on``; ``row``, the
    0-based row on the form, names a bad one). All or nothing."""
    require(by, SUPERVISORS, _("记录例会"))
    errors: Errors = {}
    values = _meeting_values(
        errors, held_at=held_at, kind=kind, title=title, topics=topics, attendees=attendees
    )
    held_on = timezone.localdate(held_at) if held_at else None
    for i, a in enumerate(actions):
        row = int(a.get("row", i))
        _action_errors(
            errors,
            text=a.get("text") or "",
            owner=a.get("owner"),
            due_on=a.get("due_on"),
            held_on=held_on,
            prefix=f"actions.{row}.",
            label=_("第%(n)s条待办事项:") % {"n": row + 1},
        )
    if errors:
        raise ValidationError(errors)
    chair = chair or by
    meeting = Meeting.objects.create(
        **values,
        decisions=(decisions or "").strip(),
        chair=chair,
        post=post,
        created_by=by,
    )
    meeting.attendees.set({*attendees, chair})
    items = [
        ActionItem.objects.create(
            meeting=meeting, text=a["text"].strip(), owner=a["owner"], due_on=a["due_on"]
        )
        for a in actions
    ]
    audit_record(
        actor=by,
        action="meeting_record",
        obj=meeting,
        detail={**_state(meeting), "actions": [i.pk for i in items]},
    )
    for item in items:
        _notify_owner(item)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    by: User,
    meeting: Meeting,
    held_at: datetime | None,
    kind: str,
    title: str,
    topics: str,
    attendees: Sequence[User],
    decisions: str = "",
    chair: User | None = None,
    post: Post | None = None,
) -> Meeting:
    """Edits a meeting's record (not its action items); the change is audited."""
    require(by, SUPERVISORS, _("修改例会记录"))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    errors: Errors = {}
    values = _meeting_values(
        errors, held_at=held_at, kind=kind, title=title, topics=topics, attendees=attendees
    )
    if errors:
        raise ValidationError(errors)
    before = _state(meeting)
    for key, value in values.items():
        setattr(meeting, key, value)
    meeting.decisions = (decisions or "").strip()
    meeting.chair = chair or meeting.chair or by
    meeting.post = post
    meeting.save()
    meeting.attendees.set({*attendees, meeting.chair})
    after = _state(meeting)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit_record(actor=by, action="meeting_update", obj=meeting, detail={"changed": changed})
    return meeting


def _may_manage(by: User, meeting: Meeting) -> bool:
    return has_role(by, SUPERVISORS) or (by.pk is not None and meeting.chair_id == by.pk)


@transaction.atomic
def action_item_add(
    *, by: User, meeting: Meeting, text: str, owner: User | None, due_on: date | None
) -> ActionItem:
    """Adds an action item to a meeting (supervisors and the meeting's chair)."""
    if not _may_manage(by, meeting):
        raise PermissionDenied(_("您的角色无权执行此操作:%(action)s") % {"action": _("添加待办")})
    errors: Errors = {}
    _action_errors(
        errors,
        text=text,
        owner=owner,
        due_on=due_on,
        held_on=timezone.localdate(meeting.held_at),
    )
    if errors:
        raise ValidationError(errors)
    assert owner is not None and due_on is not None
    item = ActionItem.objects.create(meeting=meeting, text=text.strip(), owner=owner, due_on=due_on)
    audit_record(
        actor=by,
        action="action_item_add",
        obj=item,
        detail={"meeting": meeting.pk, "text": item.text, "owner": owner.pk, "due_on": str(due_on)},
    )
    _notify_owner(item)
    return item


@transaction.atomic
def action_item_done(*, by: User, item: ActionItem, note: str) -> ActionItem:
    """Marks an action item done with what was done (its owner, or a supervisor)."""
    item = ActionItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    if item.owner_id != by.pk and not has_role(by, SUPERVISORS):
        raise PermissionDenied(_("只有负责人或班长、经理可以完成该待办"))
    if item.done_at is not None:
        raise ValidationError(
            {
                "item": [
                    _("该待办已于 %(t)s 完成")
                    % {"t": timezone.localtime(item.done_at).strftime("%Y-%m-%d %H:%M")}
                ]
            }
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("请填写完成情况")]})
    if len(note) > 200:
        raise ValidationError({"note": [_("完成情况不能超过200个字")]})
    item.done_at = timezone.now()
    item.done_note = note
    item.save(update_fields=["done_at", "done_note"])
    audit_record(
        actor=by,
        action="action_item_done",
        obj=item,
        detail={"meeting": item.meeting_id, "note": note, "owner": item.owner_id},
    )
    return item
