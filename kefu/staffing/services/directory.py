"""Staff directory and leave writes (issue 5, item 1).

A staff profile belongs to an existing login account (accounts are made in the admin): roster
managers create and edit profiles. Staff request leave for themselves; roster managers record
leave or sickness for anyone (approved at once), approve or reject requests and cancel. Every
change is written to the audit log; approved leave that falls on rostered shifts is also written
to those rosters' history, with the shifts it affects as warnings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import Role, User
from kefu.core.messages import Message
from kefu.core.services import audit_record, notify

from ..models import Leave, Post, RosterEvent, Shift, StaffProfile
from ..permissions import ROSTER_MANAGERS, has_role, require

MAX_SKILLS = 20
MAX_SKILL_LENGTH = 20
MAX_CONTRACT_HOURS = Decimal(744)  # every hour of a 31-day month
MAX_LEAVE_DAYS = 366
PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")
SKILL_SPLIT = re.compile(r"[,,、;;\s]+")

S = Leave.State


# --- staff profiles -------------------------------------------------------------------------------


def skills_parse(value: str | Iterable[str]) -> list[str]:
    """ "VIP、粤语, 投诉" or a list into ["VIP", "粤语", "投诉"]: trimmed, once each, in order."""
    items = SKILL_SPLIT.split(value) if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        text = str(item).strip()
        if text and text not in out:
            out.append(text)
    return out


def _profile_errors(
    *, title: str, skills: list[str], contract_hours: Any, phone: str
) -> tuple[dict[str, list[str]], Decimal | None]:
    errors: dict[str, list[str]] = {}
    if len(title) > 40:
        errors["title"] = [_("职务最多 40 个字")]
    if len(skills) > MAX_SKILLS:
        errors["skills"] = [_("技能最多 %(n)s 项") % {"n": MAX_SKILLS}]
    long = [s for s in skills if len(s) > MAX_SKILL_LENGTH]
    if long:
        errors.setdefault("skills", []).append(
            _("每项技能最多 %(n)s 个字:%(s)s") % {"n": MAX_SKILL_LENGTH, "s": long[0]}
        )
    hours: Decimal | None = None
    try:
        hours = Decimal(str(contract_hours)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        errors["contract_hours"] = [_("每月工时上限不是数字:%(v)s") % {"v": contract_hours}]
    else:
        if not Decimal(0) < hours <= MAX_CONTRACT_HOURS:
            errors["contract_hours"] = [
                _("每月工时上限必须大于 0 且不超过 %(max)s 小时") % {"max": MAX_CONTRACT_HOURS}
            ]
    if phone and not PHONE.match(phone):
        errors["phone"] = [_("联系电话只能包含数字、+、-、括号和空格,最多 20 位")]
    return errors, hours


def _profile_state(profile: StaffProfile) -> dict[str, Any]:
    return {
        "title": profile.title,
        "posts": sorted(profile.posts.values_list("code", flat=True)),
        "skills": list(profile.skills),
        "contract_hours": str(profile.contract_hours),
        "relief": profile.relief,
        "hired_on": profile.hired_on.isoformat() if profile.hired_on else None,
        "active": profile.active,
        "phone": profile.phone,
    }


@transaction.atomic
def staff_profile_create(
    *,
    by: User,
    user: User | None,
    title: str = "",
    posts: Iterable[Post] = (),
    skills: str | Iterable[str] = (),
    contract_hours: Decimal | float | str = Decimal(174),
    relief: bool = False,
    hired_on: date | None = None,
    phone: str = "",
) -> StaffProfile:
    """Adds an existing account to the staff directory."""
    require(by, ROSTER_MANAGERS, _("建立员工档案"))
    skill_list = skills_parse(skills)
    title, phone = title.strip(), phone.strip()
    errors, hours = _profile_errors(
        title=title, skills=skill_list, contract_hours=contract_hours, phone=phone
    )
    if user is None:
        errors["user"] = [_("请选择账号")]
    elif not user.is_active:
        errors["user"] = [_("账号 %(u)s 已停用") % {"u": user.username}]
    elif StaffProfile.objects.filter(user=user).exists():
        errors["user"] = [_("账号 %(u)s 已有员工档案") % {"u": user}]
    if errors:
        raise ValidationError(errors)
    assert user is not None and hours is not None
    profile = StaffProfile.objects.create(
        user=user,
        title=title,
        skills=skill_list,
        contract_hours=hours,
        relief=relief,
        hired_on=hired_on,
        phone=phone,
    )
    profile.posts.set(list(posts))
    audit_record(
        actor=by, action="staff_profile_create", obj=profile, detail=_profile_state(profile)
    )
    return profile


@transaction.atomic
def staff_profile_save(
    *,
    by: User,
    profile: StaffProfile,
    title: str,
    posts: Iterable[Post],
    skills: str | Iterable[str],
    contract_hours: Decimal | float | str,
    relief: bool,
    active: bool,
    hired_on: date | None = None,
    phone: str = "",
) -> StaffProfile:
    """Changes a person's posts, skills, contract hours, relief flag, title and whether they are
    still employed. Unchanged values write nothing."""
    require(by, ROSTER_MANAGERS, _("修改员工档案"))
    skill_list = skills_parse(skills)
    title, phone = title.strip(), phone.strip()
    errors, hours = _profile_errors(
        title=title, skills=skill_list, contract_hours=contract_hours, phone=phone
    )
    if errors:
        raise ValidationError(errors)
    profile = StaffProfile.objects.select_for_update().get(pk=profile.pk)
    before = _profile_state(profile)
    profile.title = title
    profile.skills = skill_list
    profile.contract_hours = hours  # type: ignore[assignment]
    profile.relief = relief
    profile.active = active
    profile.hired_on = hired_on
    profile.phone = phone
    profile.save()
    profile.posts.set(list(posts))
    after = _profile_state(profile)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changed:
        audit_record(actor=by, action="staff_profile_update", obj=profile, detail=changed)
    return profile


# --- leave ----------------------------------------------------------------------------------------


def _leave_state(leave: Leave) -> dict[str, Any]:
    return {
        "staff": leave.staff.employee_no,
        "kind": leave.kind,
        "first_day": leave.first_day.isoformat(),
        "last_day": leave.last_day.isoformat(),
        "state": leave.state,
        "reason": leave.reason,
    }


def _describe(leave: Leave) -> str:
    return str(_leave_message(leave))


def _leave_message(leave: Leave) -> Message:
    return Message.of(
        gettext_noop("%(kind)s %(first)s 至 %(last)s"),
        kind=Message.of_label(leave.get_kind_display()),
        first=leave.first_day.isoformat(),
        last=leave.last_day.isoformat(),
    )


def _leave_errors(
    *,
    staff: StaffProfile | None,
    kind: str,
    first_day: date | None,
    last_day: date | None,
    reason: str,
    exclude: int | None = None,
    against: tuple[str, ...] = (S.APPROVED, S.REQUESTED),
) -> None:
    """Raises field messages: unknown person, unknown kind, no or reversed days, too long, a
    reason too long, or days overlapping another approved (or pending) leave of the person."""
    errors: dict[str, list[str]] = {}
    if staff is None:
        errors["staff"] = [_("未知的员工,请从员工档案中选择")]
    elif not staff.active:
        errors["staff"] = [_("%(who)s 已离职,不能登记请假") % {"who": staff.name}]
    if kind not in Leave.Kind.values:
        errors["kind"] = [_("未知的请假类型:%(k)s") % {"k": kind}]
    if first_day is None:
        errors["first_day"] = [_("请填写开始日期")]
    if last_day is None:
        errors["last_day"] = [_("请填写结束日期")]
    if first_day and last_day:
        if last_day < first_day:
            errors["last_day"] = [
                _("结束日期 %(last)s 早于开始日期 %(first)s")
                % {"last": last_day.isoformat(), "first": first_day.isoformat()}
            ]
        elif (last_day - first_day).days + 1 > MAX_LEAVE_DAYS:
            errors["last_day"] = [_("一次请假最多 %(n)s 天") % {"n": MAX_LEAVE_DAYS}]
    if len(reason) > 200:
        errors["reason"] = [_("事由最多 200 个字")]
    if not errors and staff is not None and first_day and last_day:
        clash = (
            Leave.objects.filter(
                staff=staff, state__in=against, first_day__lte=last_day, last_day__gte=first_day
            )
            .exclude(pk=exclude)
            .order_by("first_day")
            .first()
        )
        if clash is not None:
            if clash.state == S.APPROVED:
                text = _("与已批准的请假重叠:%(leave)s")
            else:
                text = _("与待审批的请假申请重叠:%(leave)s,请先审批或撤销该申请")
            errors["first_day"] = [text % {"leave": _describe(clash)}]
    if errors:
        raise ValidationError(errors)


def _lock(staff: StaffProfile | None) -> StaffProfile | None:
    """Locks the person's row so two overlapping leaves cannot both pass the check."""
    if staff is None:
        return None
    return StaffProfile.objects.select_for_update().select_related("user").get(pk=staff.pk)


def leave_conflicts(leave: Leave) -> list[Shift]:
    """The person's rostered shifts on the days of the leave."""
    return list(
        Shift.objects.filter(
            staff=leave.staff, day__gte=leave.first_day, day__lte=leave.last_day
        ).select_related("roster__unit", "post")
    )


def _tell_rosters(leave: Leave, by: User) -> None:
    """Approved leave on rostered days goes to each roster's history, with the shifts it hits."""
    by_roster: dict[int, list[Shift]] = {}
    for shift in leave_conflicts(leave):
        by_roster.setdefault(shift.roster_id, []).append(shift)
    for shifts in by_roster.values():
        warnings = [
            _("%(who)s %(day)s 有 %(post)s 班次 %(start)s-%(end)s,但已请假,请调整排班")
            % {
                "who": leave.staff.name,
                "day": s.day.isoformat(),
                "post": s.post.name,
                "start": s.start.strftime("%H:%M"),
                "end": s.end.strftime("%H:%M"),
            }
            for s in shifts
        ]
        RosterEvent.objects.create(
            roster=shifts[0].roster,
            at=timezone.now(),
            actor=by if getattr(by, "pk", None) else None,
            action="leave_recorded",
            after={"leave": leave.pk, **_leave_state(leave)},
            warnings=warnings,
            note=_describe(leave)[:200],
        )


def _notify_staff(leave: Leave, message: Message) -> None:
    notify(users=[leave.staff.user], message=message, link=reverse("staffing:leave_list"))


@transaction.atomic
def leave_request(
    *,
    by: User,
    kind: str,
    first_day: date | None,
    last_day: date | None,
    reason: str = "",
    today: date | None = None,
) -> Leave:
    """A member of staff asks for leave for themselves; a roster manager decides."""
    staff = StaffProfile.objects.filter(user=by).first() if getattr(by, "pk", None) else None
    if staff is None:
        raise PermissionDenied(_("您还没有员工档案,请联系班长登记"))
    staff = _lock(staff)
    reason = reason.strip()
    _leave_errors(staff=staff, kind=kind, first_day=first_day, last_day=last_day, reason=reason)
    today = today or timezone.localdate()
    assert first_day is not None and last_day is not None
    if first_day < today:
        raise ValidationError(
            {"first_day": [_("开始日期不能早于今天;已发生的请假或病假请由班长补登")]}
        )
    leave = Leave.objects.create(
        staff=staff,
        kind=kind,
        first_day=first_day,
        last_day=last_day,
        reason=reason,
        state=S.REQUESTED,
        created_by=by,
    )
    audit_record(actor=by, action="leave_request", obj=leave, detail=_leave_state(leave))
    return leave


@transaction.atomic
def leave_record(
    *,
    by: User,
    staff: StaffProfile | None,
    kind: str,
    first_day: date | None,
    last_day: date | None,
    reason: str = "",
) -> Leave:
    """A roster manager records leave or sickness for anyone, approved at once (also for days
    already past: sickness is often recorded afterwards)."""
    require(by, ROSTER_MANAGERS, _("登记请假"))
    staff = _lock(staff)
    reason = reason.strip()
    _leave_errors(staff=staff, kind=kind, first_day=first_day, last_day=last_day, reason=reason)
    assert staff is not None and first_day is not None and last_day is not None
    now = timezone.now()
    leave = Leave.objects.create(
        staff=staff,
        kind=kind,
        first_day=first_day,
        last_day=last_day,
        reason=reason,
        state=S.APPROVED,
        created_by=by,
        decided_by=by,
        decided_at=now,
    )
    audit_record(actor=by, action="leave_record", obj=leave, detail=_leave_state(leave))
    _tell_rosters(leave, by)
    if staff.user_id != by.pk:
        _notify_staff(
            leave,
            Message.of(
                gettext_noop("%(who)s 为您登记了%(leave)s"), who=by, leave=_leave_message(leave)
            ),
        )
    return leave


def _own_decider(by: User, leave: Leave) -> bool:
    """Whether `by` would decide their own request (only an administrator may)."""
    return leave.staff.user_id == by.pk and not (by.is_superuser or by.role == Role.ADMIN)


def may_decide(user: User, leave: Leave) -> bool:
    return (
        leave.state == S.REQUESTED
        and has_role(user, ROSTER_MANAGERS)
        and not _own_decider(user, leave)
    )


def _may_decide(by: User, leave: Leave) -> None:
    require(by, ROSTER_MANAGERS, _("审批请假"))
    if _own_decider(by, leave):
        raise PermissionDenied(_("不能审批自己的请假申请"))


@transaction.atomic
def leave_decide(*, by: User, leave: Leave, approve: bool, note: str = "") -> Leave:
    """Approves or rejects a pending request. Approval checks again that the days do not overlap
    another approved leave of the person."""
    leave = Leave.objects.select_for_update().select_related("staff__user").get(pk=leave.pk)
    _may_decide(by, leave)
    if leave.state != S.REQUESTED:
        raise ValidationError(
            _("该请假已是「%(state)s」状态,不能再审批") % {"state": leave.get_state_display()}
        )
    note = note.strip()
    if len(note) > 200:
        raise ValidationError({"note": [_("审批意见最多 200 个字")]})
    before = _leave_state(leave)
    if approve:
        _lock(leave.staff)
        _leave_errors(
            staff=leave.staff,
            kind=leave.kind,
            first_day=leave.first_day,
            last_day=leave.last_day,
            reason=leave.reason,
            exclude=leave.pk,
            against=(S.APPROVED,),
        )
    leave.state = S.APPROVED if approve else S.REJECTED
    leave.decided_by = by
    leave.decided_at = timezone.now()
    leave.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        actor=by,
        action="leave_approve" if approve else "leave_reject",
        obj=leave,
        detail={"before": before["state"], "after": leave.state, "note": note},
    )
    if approve:
        _tell_rosters(leave, by)
    decision = Message.of(
        gettext_noop("您的请假申请(%(leave)s)已批准")
        if approve
        else gettext_noop("您的请假申请(%(leave)s)未获批准"),
        leave=_leave_message(leave),
    )
    if note:
        decision = Message.of(gettext_noop("%(decision)s;%(note)s"), decision=decision, note=note)
    _notify_staff(leave, decision)
    return leave


def may_cancel(user: User, leave: Leave, today: date | None = None) -> bool:
    """Roster managers cancel any pending or approved leave; a person cancels their own request,
    or their own approved leave that has not started."""
    if leave.state not in (S.REQUESTED, S.APPROVED):
        return False
    if has_role(user, ROSTER_MANAGERS):
        return True
    if leave.staff.user_id != user.pk:
        return False
    today = today or timezone.localdate()
    return leave.state == S.REQUESTED or leave.first_day > today


@transaction.atomic
def leave_cancel(*, by: User, leave: Leave, note: str = "") -> Leave:
    leave = Leave.objects.select_for_update().select_related("staff__user").get(pk=leave.pk)
    if leave.state not in (S.REQUESTED, S.APPROVED):
        raise ValidationError(
            _("该请假已是「%(state)s」状态,不能撤销") % {"state": leave.get_state_display()}
        )
    if not may_cancel(by, leave):
        raise PermissionDenied(_("只能撤销自己尚未开始的请假;其他请联系班长"))
    before = leave.state
    leave.state = S.CANCELLED
    leave.save(update_fields=["state"])
    audit_record(
        actor=by,
        action="leave_cancel",
        obj=leave,
        detail={"before": before, "after": leave.state, "note": note.strip()[:200]},
    )
    if leave.staff.user_id != by.pk:
        _notify_staff(
            leave,
            Message.of(
                gettext_noop("%(who)s 撤销了您的请假:%(leave)s"),
                who=by,
                leave=_leave_message(leave),
            ),
        )
    return leave
