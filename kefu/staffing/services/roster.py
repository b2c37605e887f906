"""Roster writes: generate (or re-solve the rest of a month), publish, swap, reassign and remove
shifts. Every change is checked against the unit's rules and written to RosterEvent.

Hard rules block a change with the reasons; soft ones (uneven hours, a wish not granted, a desk
short after a sickness) let it through and are recorded as warnings on the event.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import User
from kefu.core.messages import Message
from kefu.core.services import notify
from kefu.domain import roster as dr
from kefu.domain.roster_intervals import solve_intervals

from ..models import Roster, RosterEvent, RosterUnit, Shift, ShiftPreference, StaffProfile
from ..permissions import ROSTER_MANAGERS, require
from ..rostering import (
    interval_demands,
    interval_shifts,
    month_days,
    pattern_key,
    shift_rows,
    unit_month,
)
from ..validation import roster_violations


def _shift_state(shift: Shift) -> dict[str, Any]:
    return {
        "id": shift.pk,
        "staff": shift.staff.employee_no,
        "name": shift.staff.name,
        "day": shift.day.isoformat(),
        "post": shift.post.name,
        "start": shift.start.strftime("%H:%M"),
        "end": shift.end.strftime("%H:%M"),
    }


def _event(
    roster: Roster,
    *,
    by: User | None,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
    note: str = "",
) -> RosterEvent:
    return RosterEvent.objects.create(
        roster=roster,
        at=timezone.now(),
        actor=by,
        action=action,
        before=before or {},
        after=after or {},
        warnings=warnings or [],
        note=note[:200],
    )


def _today() -> date:
    return timezone.localdate()


def roster_for(*, unit: RosterUnit, month: date) -> Roster:
    roster, _created = Roster.objects.get_or_create(unit=unit, month=month.replace(day=1))
    return roster


@dataclass
class Solution:
    """A solved month (or the rest of one) before it is saved."""

    start: date
    rows: list[dict[str, Any]]
    solved: dr.Roster
    warnings: list[str]
    existing: list[Shift]
    shortfall: list[dict[str, Any]]  # intervals short of an Erlang demand (hotline)


def roster_solve(
    *,
    unit: RosterUnit,
    month: date,
    from_day: date | None = None,
    time_limit_s: float | None = None,
    roster: Roster | None = None,
) -> Solution:
    """Solve without saving: the shift rows ``unit`` should work in ``month`` from ``from_day``
    (all month by default), keeping ``roster``'s earlier and locked shifts. Raises
    ValidationError naming which rule fails where when no roster is possible."""
    all_days = month_days(month.replace(day=1))
    if from_day is not None and from_day > all_days[-1]:
        raise ValidationError({"from_day": [_("本月已没有可重新排班的日期")]})
    days = [d for d in all_days if from_day is None or d >= from_day]
    start = days[0]
    existing = (
        list(roster.shifts.select_related("staff__user", "pattern__post", "post").order_by("day"))
        if roster is not None and roster.pk
        else []
    )
    kept = [s for s in existing if s.day < start]
    used: dict[str, float] = defaultdict(float)
    for s in kept:
        used[str(s.staff_id)] += float(s.hours)
    history = kept + list(
        Shift.objects.filter(
            roster__unit=unit,
            day__gte=start - timedelta(days=unit.max_consecutive_days + 1),
            day__lt=min(start, all_days[0]),
        ).select_related("pattern__post")
    )
    um = unit_month(unit, days, used_hours=dict(used), history_shifts=history)
    warnings: list[str] = []
    fixed: list[dr.Assignment] = []
    for s in existing:
        if s.day < start or not s.locked:
            continue
        sid = str(s.staff_id)
        if s.pattern is None or sid not in um.profiles:
            warnings.append(_("%(day)s %(name)s 的手工班次不再适用,已重新安排") % _who(s))
        elif s.day in um.leave.get(sid, set()):
            warnings.append(_("%(day)s %(name)s 已请假,原锁定班次已重新安排") % _who(s))
        else:
            fixed.append(dr.Assignment(s.day, sid, pattern_key(s.pattern)))
    limit = time_limit_s or unit.time_limit_seconds
    shortfall: list[dict[str, Any]] = []
    try:
        if um.requirements:
            solved = dr.solve_roster(
                staff=um.staff,
                patterns=um.domain_patterns(),
                requirements=um.requirements,
                days=days,
                rules=um.rules,
                holidays=um.holidays,
                fixed=fixed,
                history=um.history,
                time_limit_s=limit,
            )
        else:
            demands = interval_demands(um)
            if not demands:
                raise ValidationError(
                    {
                        "unit": [
                            _("%(unit)s 没有设置在岗人数要求,所选月份也没有话务预测,无法排班")
                            % {"unit": unit.name}
                        ]
                    }
                )
            solved = solve_intervals(
                staff=um.staff,
                shifts=interval_shifts(um),
                demands=demands,
                days=days,
                rules=um.rules,
                holidays=um.holidays,
                fixed=fixed,
                history=um.history,
                time_limit_s=limit,
            )
            shortfall = [
                {
                    "day": c.day.isoformat(),
                    "post": c.post,
                    "start": c.start.strftime("%H:%M"),
                    "required": c.required,
                    "scheduled": c.scheduled,
                }
                for c in solved.coverage
                if c.short
            ]
    except dr.RosterInfeasible as exc:
        raise ValidationError({"__all__": exc.problems}) from None
    try:
        rows = shift_rows(um, solved.assignments)
    except ValueError as exc:
        raise ValidationError({"__all__": [str(exc)]}) from None
    return Solution(
        start=start,
        rows=rows,
        solved=solved,
        warnings=warnings + solved.warnings,
        existing=existing,
        shortfall=shortfall,
    )


@transaction.atomic
def roster_generate(
    *,
    by: User | None,
    unit: RosterUnit,
    month: date,
    from_day: date | None = None,
    time_limit_s: float | None = None,
) -> Roster:
    """Solve and save ``unit``'s roster for ``month``. On a published roster (or with
    ``from_day``) only the days from ``from_day`` (default tomorrow) are solved again: earlier
    shifts stay, count against the hours cap and carry the consecutive-day and rest rules;
    locked shifts (swapped or edited by hand) stay as they are unless the person is now on leave.

    Raises ValidationError listing which rule fails where when no roster is possible; the roster
    is then left as it was.
    """
    if by is not None:
        require(by, ROSTER_MANAGERS, _("生成排班表"))
    roster = roster_for(unit=unit, month=month)
    if from_day is None and roster.status == Roster.Status.PUBLISHED:
        from_day = max(_today() + timedelta(days=1), roster.month)
    solution = roster_solve(
        unit=unit, month=roster.month, from_day=from_day, time_limit_s=time_limit_s, roster=roster
    )
    start, rows, solved = solution.start, solution.rows, solution.solved
    existing = solution.existing
    locked_keys = {(s.staff_id, s.day) for s in existing if s.locked and s.day >= start}
    before = {(s.staff_id, s.day): s for s in existing if s.day >= start}
    roster.shifts.filter(day__gte=start).delete()
    Shift.objects.bulk_create(
        Shift(roster=roster, locked=(r["staff"].pk, r["day"]) in locked_keys, **r) for r in rows
    )
    after = {(r["staff"].pk, r["day"]) for r in rows}
    changed_people = {k[0] for k in set(before) ^ after}
    roster.generated_at = timezone.now()
    roster.solver_status = solved.status
    roster.gap = solved.gap
    roster.solve_seconds = solved.solve_seconds
    roster.warnings = solution.warnings
    roster.shortfall = solution.shortfall
    roster.save()
    action = "resolved" if from_day is not None else "generated"
    _event(
        roster,
        by=by,
        action=action,
        before={"shifts": len(before)},
        after={
            "shifts": len(rows),
            "from": start.isoformat(),
            "status": solved.status,
            "gap": round(solved.gap, 4),
            "seconds": round(solved.solve_seconds, 2),
        },
        warnings=roster.warnings,
    )
    if roster.status == Roster.Status.PUBLISHED and changed_people:
        _notify_changed(roster, changed_people, gettext_noop("%(month)s 排班已调整,请查看您的班次"))
    return roster


def _who(shift: Shift) -> dict[str, str]:
    return {"day": dr.fmt_day(shift.day), "name": shift.staff.name}


def _notify_changed(roster: Roster, staff_ids: set[int], template: str) -> None:
    users = [p.user for p in StaffProfile.objects.filter(pk__in=staff_ids).select_related("user")]
    notify(
        users=users,
        message=Message.of(template, month=f"{roster.unit.name} {roster.month:%Y-%m}"),
        link=reverse("staffing:my_shifts"),
        email=False,
    )


@transaction.atomic
def roster_publish(*, by: User, roster: Roster) -> Roster:
    """Publish: staff see their shifts. Refused while any hard rule is broken."""
    require(by, ROSTER_MANAGERS, _("发布排班表"))
    roster = Roster.objects.select_for_update().get(pk=roster.pk)
    if not roster.shifts.exists():
        raise ValidationError({"__all__": [_("排班表没有班次,请先生成")]})
    hard, soft = roster_violations(roster)
    if hard:
        raise ValidationError({"__all__": [str(v) for v in hard]})
    first = roster.published_at is None
    if roster.status == Roster.Status.PUBLISHED:
        raise ValidationError({"__all__": [_("排班表已发布")]})
    roster.status = Roster.Status.PUBLISHED
    if not first:
        roster.version += 1
    roster.published_at = timezone.now()
    roster.published_by = by
    roster.save()
    _event(
        roster,
        by=by,
        action="published",
        after={"version": roster.version, "shifts": roster.shifts.count()},
        warnings=[str(v) for v in soft],
    )
    _notify_changed(
        roster,
        set(roster.shifts.values_list("staff_id", flat=True)),
        gettext_noop("%(month)s 排班表已发布,请查看您的班次"),
    )
    return roster


@transaction.atomic
def roster_unpublish(*, by: User, roster: Roster, reason: str) -> Roster:
    """Take a roster back to draft (e.g. published by mistake); staff no longer see it."""
    require(by, ROSTER_MANAGERS, _("撤回排班表"))
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写撤回原因")]})
    if roster.status != Roster.Status.PUBLISHED:
        raise ValidationError({"__all__": [_("排班表尚未发布")]})
    roster.status = Roster.Status.DRAFT
    roster.save(update_fields=["status"])
    _event(roster, by=by, action="unpublished", note=reason)
    return roster


def _check_change(roster: Roster, changed: list[Shift], removed: set[int]) -> list[str]:
    """Validate ``roster`` as it would be with ``changed`` shift rows (unsaved) and without the
    ``removed`` ids; raise ValidationError on hard violations, return soft warnings."""
    hard, soft = roster_violations(roster, replace=changed, remove=removed)
    if hard:
        raise ValidationError({"__all__": [str(v) for v in hard]})
    return [str(v) for v in soft]


@transaction.atomic
def shift_swap(*, by: User, first: Shift, second: Shift, note: str = "") -> list[str]:
    """Exchange the people of two shifts of one roster (the same day or different days).
    Returns the soft-rule warnings recorded with the change."""
    require(by, ROSTER_MANAGERS, _("调班"))
    if first.roster_id != second.roster_id:
        raise ValidationError({"second": [_("只能在同一张排班表内调班")]})
    if first.pk == second.pk or first.staff_id == second.staff_id:
        raise ValidationError({"second": [_("请选择另一位员工的班次")]})
    roster = first.roster
    before = [_shift_state(first), _shift_state(second)]
    a_staff, b_staff = first.staff, second.staff
    if first.day == second.day:
        # same day: the two people exchange what they work (post, times, breaks)
        new_first, new_second = _copy(second, staff=a_staff), _copy(first, staff=b_staff)
    else:
        new_first, new_second = _copy(first, staff=b_staff), _copy(second, staff=a_staff)
    warnings = _check_change(roster, [new_first, new_second], set())
    for row in (new_first, new_second):
        row.locked = True
    if first.day == second.day:
        for target, source in ((first, new_first), (second, new_second)):
            _apply(target, source)
        first.save()
        second.save()
    else:
        Shift.objects.filter(pk=first.pk).update(staff=b_staff, locked=True)
        Shift.objects.filter(pk=second.pk).update(staff=a_staff, locked=True)
    first.refresh_from_db()
    second.refresh_from_db()
    _event(
        roster,
        by=by,
        action="swapped",
        before={"shifts": before},
        after={"shifts": [_shift_state(first), _shift_state(second)]},
        warnings=warnings,
        note=note,
    )
    if roster.status == Roster.Status.PUBLISHED:
        _notify_changed(
            roster, {a_staff.pk, b_staff.pk}, gettext_noop("%(month)s 排班有调班,请查看您的班次")
        )
    return warnings


@transaction.atomic
def shift_reassign(*, by: User, shift: Shift, staff: StaffProfile, note: str = "") -> list[str]:
    """Give ``shift`` to someone else (e.g. covering for a colleague)."""
    require(by, ROSTER_MANAGERS, _("改派班次"))
    if shift.staff_id == staff.pk:
        raise ValidationError({"staff": [_("该班次已是此员工")]})
    roster = shift.roster
    before = _shift_state(shift)
    previous = shift.staff
    new = _copy(shift, staff=staff)
    warnings = _check_change(roster, [new], set())
    Shift.objects.filter(pk=shift.pk).update(staff=staff, locked=True)
    shift.refresh_from_db()
    _event(
        roster,
        by=by,
        action="reassigned",
        before=before,
        after=_shift_state(shift),
        warnings=warnings,
        note=note,
    )
    if roster.status == Roster.Status.PUBLISHED:
        _notify_changed(
            roster, {previous.pk, staff.pk}, gettext_noop("%(month)s 排班有改派,请查看您的班次")
        )
    return warnings


@transaction.atomic
def shift_remove(*, by: User, shift: Shift, reason: str) -> list[str]:
    """Take a shift off the roster (sickness, leave recorded afterwards): allowed even if the
    desk is then short, which is recorded as a warning so the manager covers it."""
    require(by, ROSTER_MANAGERS, _("取消班次"))
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写取消原因,如病假")]})
    roster = shift.roster
    hard, soft = roster_violations(roster, remove={shift.pk})
    warnings = [str(v) for v in soft] + [str(v) for v in hard]
    before = _shift_state(shift)
    staff = shift.staff
    shift.delete()
    _event(roster, by=by, action="removed", before=before, warnings=warnings, note=reason)
    if roster.status == Roster.Status.PUBLISHED:
        _notify_changed(roster, {staff.pk}, _("%(month)s 您的一个班次已取消"))
    return warnings


def _copy(shift: Shift, *, staff: StaffProfile) -> Shift:
    return Shift(
        pk=shift.pk,
        roster_id=shift.roster_id,
        staff=staff,
        day=shift.day,
        post=shift.post,
        pattern=shift.pattern,
        start=shift.start,
        end=shift.end,
        breaks=list(shift.breaks),
        hours=shift.hours,
        pay_multiplier=shift.pay_multiplier,
        holiday_name=shift.holiday_name,
        locked=shift.locked,
    )


def _apply(target: Shift, source: Shift) -> None:
    for name in ("staff", "post", "pattern", "start", "end", "breaks", "hours"):
        setattr(target, name, getattr(source, name))
    target.locked = True


@transaction.atomic
def shift_preference_set(
    *, by: User, staff: StaffProfile, day: date, wants_work: bool, note: str = ""
) -> ShiftPreference:
    """A wish to work or to be off on ``day`` (a soft rule the next roster weighs)."""
    if staff.user_id != by.pk:
        require(by, ROSTER_MANAGERS, _("代他人登记排班意愿"))
    if day <= _today():
        raise ValidationError({"day": [_("只能登记明天及以后的排班意愿")]})
    wish, _created = ShiftPreference.objects.update_or_create(
        staff=staff, day=day, defaults={"wants_work": wants_work, "note": note[:100]}
    )
    return wish


@transaction.atomic
def shift_preference_clear(*, by: User, wish: ShiftPreference) -> None:
    if wish.staff.user_id != by.pk:
        require(by, ROSTER_MANAGERS, _("删除他人的排班意愿"))
    wish.delete()
