"""Attendance writes (issue 5 item 6): clock in and clock out, and a supervisor's manual records.

A person has at most one open record (the ``staffing_one_open_clock_record`` constraint). A
clock-in is linked to the person's shift of that local day when there is one (a shift of any
roster; a published roster's shift is preferred), so lateness and early leave can be measured
against it. A record left open for longer than ``KEFU_CLOCK_MAX_OPEN_HOURS`` (default 16) is a
forgotten clock-out: the next clock-in marks it ``out_missing`` (counted in the report, worth no
hours) and a supervisor may enter the real clock-out later.

Recording for someone else, or at a time other than now, is a manual record (source ``manual``):
supervisors only, with a note, written to the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.core.services import audit_record

from ..models import ClockRecord, Roster, Shift, StaffProfile
from ..permissions import SUPERVISORS, require

DEFAULT_MAX_OPEN_HOURS = 16
# a clock time this far in the future is a wrong clock, not a typo of a few seconds
FUTURE_TOLERANCE = timedelta(minutes=1)


def max_open_hours() -> float:
    return float(getattr(settings, "KEFU_CLOCK_MAX_OPEN_HOURS", DEFAULT_MAX_OPEN_HOURS))


def _local(value: datetime) -> str:
    return timezone.localtime(value).strftime("%m-%d %H:%M")


def _no_profile() -> ValidationError:
    return ValidationError({"staff": [_("您的账号尚未建立员工档案,无法打卡,请联系经理")]})


def _target(by: User, staff: StaffProfile | None) -> StaffProfile:
    if staff is not None:
        return staff
    found = StaffProfile.objects.filter(user=by).select_related("user").first()
    if found is None:
        raise _no_profile()
    return found


def _manual(*, by: User, staff: StaffProfile, at: datetime | None, note: str) -> bool:
    """True when this is a supervisor's manual record; checks the role and the note."""
    if staff.user_id == by.pk and at is None:
        return False
    require(by, SUPERVISORS, _("补录考勤"))
    if not note.strip():
        raise ValidationError({"note": [_("补录考勤时请填写说明(原因)")]})
    return True


def _check_not_future(at: datetime, field: str) -> None:
    if at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({field: [_("打卡时间不能晚于当前时间")]})


def _lock(staff: StaffProfile) -> None:
    # serialises one person's clock writes (SQLite: the IMMEDIATE transaction already does)
    StaffProfile.objects.select_for_update().filter(pk=staff.pk).first()


def open_record(staff: StaffProfile) -> ClockRecord | None:
    return (
        ClockRecord.objects.filter(staff=staff, clock_out__isnull=True, out_missing=False)
        .select_related("shift")
        .first()
    )


def is_stale(record: ClockRecord, at: datetime) -> bool:
    return at - record.clock_in > timedelta(hours=max_open_hours())


def shift_for(staff: StaffProfile, at: datetime) -> Shift | None:
    """The person's shift that a clock-in at ``at`` belongs to: a shift of today (local day) that
    has not ended yet, or yesterday's overnight shift still running; a shift running (or starting
    within three hours) wins, then a published roster's, then the nearest start."""
    local = timezone.localtime(at).replace(tzinfo=None)
    day = local.date()
    candidates = list(
        Shift.objects.filter(staff=staff, day__in=[day, day - timedelta(days=1)]).select_related(
            "roster"
        )
    )

    def rank(s: Shift) -> tuple[int, int, float]:
        start, end = s.span()
        running = start - timedelta(hours=3) <= local < end
        published = s.roster.status == Roster.Status.PUBLISHED
        return (0 if running else 1, 0 if published else 1, abs((local - start).total_seconds()))

    usable = [s for s in candidates if local < s.span()[1] and (s.day == day or rank(s)[0] == 0)]
    return min(usable, key=rank) if usable else None


def _overlapping(staff: StaffProfile, start: datetime, end: datetime | None) -> ClockRecord | None:
    """A record of ``staff`` that overlaps [start, end) (an open end runs until now)."""
    now = timezone.now()
    end = end or start + timedelta(seconds=1)
    for r in ClockRecord.objects.filter(staff=staff, clock_in__lt=end):
        if r.out_missing and r.clock_out is None:
            r_end = r.clock_in + timedelta(seconds=1)
        else:
            r_end = r.clock_out or max(now, r.clock_in + timedelta(seconds=1))
        if r_end > start:
            return r
    return None


def _state(r: ClockRecord) -> dict[str, object]:
    return {
        "staff": r.staff.employee_no,
        "clock_in": r.clock_in.isoformat(),
        "clock_out": r.clock_out.isoformat() if r.clock_out else None,
        "shift": r.shift_id,
        "source": r.source,
        "out_missing": r.out_missing,
        "note": r.note,
    }


@transaction.atomic
def clock_in(
    *,
    by: User,
    staff: StaffProfile | None = None,
    at: datetime | None = None,
    source: str = ClockRecord.Source.PAGE,
    note: str = "",
) -> ClockRecord:
    """Clocks ``staff`` (default: ``by`` themself) in at ``at`` (default now).

    Raises ValidationError (field ``clock_in``) when the person is already clocked in; an open
    record older than the limit is marked as a missing clock-out instead.
    """
    staff = _target(by, staff)
    manual = _manual(by=by, staff=staff, at=at, note=note)
    at = at or timezone.now()
    _check_not_future(at, "clock_in")
    _lock(staff)
    current = open_record(staff)
    if current is not None:
        if not is_stale(current, at):
            if staff.user_id == by.pk:
                message = _("您已于 %(t)s 上班打卡,请先下班打卡")
            else:
                message = _("%(name)s 已于 %(t)s 上班打卡,请先下班打卡")
            raise ValidationError(
                {"clock_in": [message % {"t": _local(current.clock_in), "name": staff.name}]}
            )
        current.out_missing = True
        current.save(update_fields=["out_missing"])
        audit_record(
            actor=by,
            action="clock_out_missing",
            obj=current,
            detail={"staff": staff.employee_no, "clock_in": current.clock_in.isoformat()},
        )
    clash = _overlapping(staff, at, None)
    if clash is not None:
        raise ValidationError(
            {
                "clock_in": [
                    _("该时间与已有的考勤记录(%(t)s 上班)重叠") % {"t": _local(clash.clock_in)}
                ]
            }
        )
    record = ClockRecord(
        staff=staff,
        shift=shift_for(staff, at),
        clock_in=at,
        source=ClockRecord.Source.MANUAL if manual else source,
        note=note.strip()[:200],
        recorded_by=by,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # another request clocked the same person in a moment ago
        raise ValidationError({"clock_in": [_("已有一条未下班打卡的记录,请先下班打卡")]}) from None
    if manual:
        audit_record(actor=by, action="clock_in_manual", obj=record, detail=_state(record))
    return record


def _close(
    record: ClockRecord, *, by: User, at: datetime, note: str, manual: bool, self_service: bool
) -> ClockRecord:
    if at <= record.clock_in:
        raise ValidationError(
            {"clock_out": [_("下班时间必须晚于上班时间(%(t)s)") % {"t": _local(record.clock_in)}]}
        )
    if is_stale(record, at):
        hours = f"{max_open_hours():g}"
        if self_service:
            message = _(
                "距上班打卡(%(t)s)已超过 %(h)s 小时,不能直接下班打卡;"
                "请先上班打卡,漏打的下班卡请联系班长补录"
            )
        else:
            message = _("距上班打卡(%(t)s)已超过 %(h)s 小时,请核对下班时间")
        raise ValidationError({"clock_out": [message % {"t": _local(record.clock_in), "h": hours}]})
    before = _state(record)
    record.clock_out = at
    if note.strip():
        record.note = "; ".join(x for x in (record.note, note.strip()) if x)[:200]
    record.save(update_fields=["clock_out", "note"])
    if manual:
        audit_record(
            actor=by,
            action="clock_out_manual",
            obj=record,
            detail={"before": before, "after": _state(record)},
        )
    return record


@transaction.atomic
def clock_out(
    *,
    by: User,
    staff: StaffProfile | None = None,
    at: datetime | None = None,
    source: str = ClockRecord.Source.PAGE,
    note: str = "",
) -> ClockRecord:
    """Clocks ``staff`` (default: ``by``) out of their open record at ``at`` (default now).

    Raises ValidationError (field ``clock_out``) when there is no open record, or when the open
    record began longer ago than the limit (a forgotten clock-out is the supervisor's to fix).
    """
    del source  # the record keeps how it was opened
    staff = _target(by, staff)
    manual = _manual(by=by, staff=staff, at=at, note=note)
    at = at or timezone.now()
    _check_not_future(at, "clock_out")
    _lock(staff)
    current = open_record(staff)
    if current is None:
        if staff.user_id == by.pk:
            message = _("您还没有上班打卡,无法下班打卡")
        else:
            message = _("%(name)s 没有未下班打卡的记录") % {"name": staff.name}
        raise ValidationError({"clock_out": [message]})
    return _close(current, by=by, at=at, note=note, manual=manual, self_service=not manual)


@transaction.atomic
def clock_record_close(*, by: User, record: ClockRecord, at: datetime, note: str) -> ClockRecord:
    """A supervisor enters the real clock-out of an open record or of a missing clock-out."""
    require(by, SUPERVISORS, _("补录下班打卡"))
    if not note.strip():
        raise ValidationError({"note": [_("补录考勤时请填写说明(原因)")]})
    _check_not_future(at, "clock_out")
    record = ClockRecord.objects.select_for_update().select_related("staff__user").get(pk=record.pk)
    if record.clock_out is not None:
        raise ValidationError({"clock_out": [_("该记录已有下班打卡时间")]})
    return _close(record, by=by, at=at, note=note, manual=True, self_service=False)


@transaction.atomic
def clock_record_add(
    *, by: User, staff: StaffProfile, clock_in_at: datetime, clock_out_at: datetime, note: str
) -> ClockRecord:
    """A supervisor records a whole day someone forgot to clock (source manual, audited)."""
    require(by, SUPERVISORS, _("补录考勤"))
    errors: dict[str, list[str]] = {}
    if not note.strip():
        errors["note"] = [_("补录考勤时请填写说明(原因)")]
    now = timezone.now() + FUTURE_TOLERANCE
    if clock_in_at > now:
        errors["clock_in"] = [_("打卡时间不能晚于当前时间")]
    if clock_out_at > now:
        errors["clock_out"] = [_("打卡时间不能晚于当前时间")]
    elif clock_out_at <= clock_in_at:
        errors["clock_out"] = [_("下班时间必须晚于上班时间")]
    elif clock_out_at - clock_in_at > timedelta(hours=max_open_hours()):
        errors["clock_out"] = [
            _("工作时长超过 %(h)s 小时,请核对时间") % {"h": f"{max_open_hours():g}"}
        ]
    if errors:
        raise ValidationError(errors)
    _lock(staff)
    clash = _overlapping(staff, clock_in_at, clock_out_at)
    if clash is not None:
        raise ValidationError(
            {
                "clock_in": [
                    _("该时间与已有的考勤记录(%(t)s 上班)重叠") % {"t": _local(clash.clock_in)}
                ]
            }
        )
    record = ClockRecord.objects.create(
        staff=staff,
        shift=shift_for(staff, clock_in_at),
        clock_in=clock_in_at,
        clock_out=clock_out_at,
        source=ClockRecord.Source.MANUAL,
        note=note.strip()[:200],
        recorded_by=by,
    )
    audit_record(actor=by, action="clock_record_add", obj=record, detail=_state(record))
    return record
