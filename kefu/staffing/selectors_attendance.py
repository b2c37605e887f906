"""Attendance reads: a person's month (worked hours against the contract cap, overtime, lateness,
early leave, missing clock-outs, absences) and the month report of everyone.

Worked time is the clocked time less the unpaid part of the shift the record belongs to: the
overlap with the shift's meal breaks when it lists them (the mall's 9:00-22:00 counts 11 hours),
otherwise the shift's unpaid time (span minus counted hours) in proportion to the part of the
shift that was clocked. A record without a shift counts its clocked time, all of it beyond the
roster. Records belong to the month of their local clock-in day.

Lateness: the first clock-in of a shift after its start plus ``KEFU_LATE_GRACE_MINUTES`` (default
5); the minutes are counted from the shift start. Early leave: the last clock-out of a shift
before its end less the same grace.
"""

from __future__ import annotations

import calendar as _calendar
import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import User

from .models import ClockRecord, Shift, StaffProfile
from .permissions import SUPERVISORS, has_role, require
from .services.attendance import max_open_hours

DEFAULT_LATE_GRACE_MINUTES = 5
HUNDREDTH = Decimal("0.01")


def late_grace() -> timedelta:
    return timedelta(
        minutes=float(getattr(settings, "KEFU_LATE_GRACE_MINUTES", DEFAULT_LATE_GRACE_MINUTES))
    )


def _hours(seconds: float) -> Decimal:
    return (Decimal(seconds) / 3600).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def month_bounds(month: date) -> tuple[datetime, datetime, date]:
    """Aware start and end of a local month, and its last day."""
    first = month.replace(day=1)
    last = first.replace(day=_calendar.monthrange(first.year, first.month)[1])
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return start, end, last


def _naive_local(value: datetime) -> datetime:
    return timezone.localtime(value).replace(tzinfo=None)


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> float:
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds())


def _break_spans(shift: Shift) -> list[tuple[datetime, datetime]]:
    start, _end = shift.span()
    spans = []
    for b0, b1 in shift.break_times():
        s = datetime.combine(shift.day, b0)
        e = datetime.combine(shift.day, b1)
        if s < start:  # a break after midnight of an overnight shift
            s += timedelta(days=1)
            e += timedelta(days=1)
        if e <= s:
            e += timedelta(days=1)
        spans.append((s, e))
    return spans


def worked_seconds(record: ClockRecord, *, until: datetime | None = None) -> float:
    """Paid seconds of one record; an open record counts up to ``until`` (0 without it); a
    missing clock-out counts nothing until a supervisor enters it."""
    end = record.clock_out or until
    if end is None or end <= record.clock_in:
        return 0.0
    seconds = (end - record.clock_in).total_seconds()
    shift = record.shift
    if shift is None:
        return seconds
    a0, a1 = _naive_local(record.clock_in), _naive_local(end)
    s0, s1 = shift.span()
    span = (s1 - s0).total_seconds()
    unpaid = max(0.0, span - float(shift.hours) * 3600)
    breaks = _break_spans(shift)
    if breaks:
        deduct = sum(_overlap(a0, a1, b0, b1) for b0, b1 in breaks)
        if unpaid:
            deduct = min(deduct, unpaid)
    elif span:
        deduct = unpaid * _overlap(a0, a1, s0, s1) / span
    else:
        deduct = 0.0
    return max(0.0, seconds - deduct)


@dataclass
class ShiftDay:
    """One rostered shift and how it was worked."""

    shift: Shift
    records: list[ClockRecord] = field(default_factory=list)
    worked: Decimal = Decimal(0)
    late_minutes: int = 0
    early_minutes: int = 0

    @property
    def late(self) -> bool:
        return self.late_minutes > 0

    @property
    def early(self) -> bool:
        return self.early_minutes > 0


@dataclass
class PersonMonth:
    staff: StaffProfile
    month: date
    cap: Decimal
    shifts: int = 0
    rostered_hours: Decimal = Decimal(0)
    days_worked: int = 0
    worked_hours: Decimal = Decimal(0)
    beyond_roster_hours: Decimal = Decimal(0)
    late_count: int = 0
    late_minutes: int = 0
    early_count: int = 0
    early_minutes: int = 0
    missing_out: int = 0
    absent: int = 0
    records: list[ClockRecord] = field(default_factory=list)
    shift_days: list[ShiftDay] = field(default_factory=list)

    @property
    def over_cap_hours(self) -> Decimal:
        return max(Decimal(0), self.worked_hours - self.cap)

    @property
    def over_cap(self) -> bool:
        return self.worked_hours > self.cap

    @property
    def overtime_hours(self) -> Decimal:
        """Overtime: the larger of hours above the cap and hours beyond the roster."""
        return max(self.over_cap_hours, self.beyond_roster_hours)

    @property
    def cap_left(self) -> Decimal:
        return max(Decimal(0), self.cap - self.worked_hours)


def _person_month(
    staff: StaffProfile,
    month: date,
    records: list[ClockRecord],
    shifts: list[Shift],
    *,
    now: datetime,
) -> PersonMonth:
    grace = late_grace()
    stale = timedelta(hours=max_open_hours())
    today = timezone.localdate(now)
    pm = PersonMonth(staff=staff, month=month, cap=staff.contract_hours)
    pm.records = sorted(records, key=lambda r: r.clock_in)
    pm.shifts = len(shifts)
    pm.rostered_hours = sum((s.hours for s in shifts), start=Decimal(0))
    by_shift: dict[int, ShiftDay] = {s.pk: ShiftDay(shift=s) for s in shifts}
    days: set[date] = set()
    total = 0.0
    unrostered = 0.0
    for r in pm.records:
        days.add(timezone.localdate(r.clock_in))
        seconds = worked_seconds(r)
        r.worked_hours = _hours(seconds)  # type: ignore[attr-defined]  (shown next to the record)
        total += seconds
        if r.out_missing or (r.clock_out is None and now - r.clock_in > stale):
            pm.missing_out += 1
        day = by_shift.get(r.shift_id) if r.shift_id else None
        if day is None and r.shift_id and r.shift is not None:
            # a shift of another month (an overnight shift begun on the last day)
            day = by_shift.setdefault(r.shift_id, ShiftDay(shift=r.shift))
        if day is None:
            unrostered += seconds
        else:
            day.records.append(r)
    beyond = unrostered
    for sd in by_shift.values():
        s0, s1 = sd.shift.span()
        seconds = sum(worked_seconds(r) for r in sd.records)
        sd.worked = _hours(seconds)
        beyond += max(0.0, seconds - float(sd.shift.hours) * 3600)
        if not sd.records:
            if sd.shift.day < today and sd.shift.day not in days and sd.shift in shifts:
                pm.absent += 1
            continue
        first_in = _naive_local(sd.records[0].clock_in)
        if first_in > s0 + grace:
            sd.late_minutes = int((first_in - s0).total_seconds() // 60)
            pm.late_count += 1
            pm.late_minutes += sd.late_minutes
        last = sd.records[-1]
        if last.clock_out is not None:
            last_out = _naive_local(last.clock_out)
            if last_out < s1 - grace:
                sd.early_minutes = int((s1 - last_out).total_seconds() // 60)
                pm.early_count += 1
                pm.early_minutes += sd.early_minutes
    pm.shift_days = sorted(by_shift.values(), key=lambda sd: (sd.shift.day, sd.shift.start))
    pm.days_worked = len(days)
    pm.worked_hours = _hours(total)
    pm.beyond_roster_hours = _hours(beyond)
    return pm


def _months_data(
    people: list[StaffProfile], month: date
) -> tuple[dict[int, list[ClockRecord]], dict[int, list[Shift]]]:
    start, end, last = month_bounds(month)
    records: dict[int, list[ClockRecord]] = defaultdict(list)
    for r in ClockRecord.objects.filter(
        staff__in=people, clock_in__gte=start, clock_in__lt=end
    ).select_related("shift__post"):
        records[r.staff_id].append(r)
    shifts: dict[int, list[Shift]] = defaultdict(list)
    for s in (
        Shift.objects.filter(staff__in=people, day__gte=month.replace(day=1), day__lte=last)
        .select_related("post", "roster")
        .order_by("day", "start")
    ):
        shifts[s.staff_id].append(s)
    return records, shifts


def person_month(*, by: User, staff: StaffProfile, month: date) -> PersonMonth:
    """One person's month; a person sees their own, supervisors everyone's."""
    if staff.user_id != by.pk:
        require(by, SUPERVISORS, _("查看他人考勤"))
    records, shifts = _months_data([staff], month)
    return _person_month(staff, month, records[staff.pk], shifts[staff.pk], now=timezone.now())


def month_report(*, by: User, month: date) -> list[PersonMonth]:
    """Everyone active, plus anyone no longer active who clocked or was rostered that month."""
    require(by, SUPERVISORS, _("查看考勤报表"))
    start, end, last = month_bounds(month)
    people = list(
        StaffProfile.objects.filter(active=True).select_related("user")
        | StaffProfile.objects.filter(
            clock_records__clock_in__gte=start, clock_records__clock_in__lt=end
        ).select_related("user")
        | StaffProfile.objects.filter(
            shifts__day__gte=month.replace(day=1), shifts__day__lte=last
        ).select_related("user")
    )
    people = sorted(set(people), key=lambda p: (p.employee_no, p.pk))
    records, shifts = _months_data(people, month)
    now = timezone.now()
    return [_person_month(p, month, records[p.pk], shifts[p.pk], now=now) for p in people]


def may_see_everyone(user: User) -> bool:
    return has_role(user, SUPERVISORS)


def stale_open_records(*, by: User) -> list[ClockRecord]:
    """Records waiting for a supervisor: marked missing or open too long, without a clock-out."""
    require(by, SUPERVISORS, _("查看考勤报表"))
    limit = timezone.now() - timedelta(hours=max_open_hours())
    qs = ClockRecord.objects.filter(clock_out__isnull=True).select_related("staff__user", "shift")
    return [r for r in qs.order_by("clock_in") if r.out_missing or r.clock_in < limit]


CSV_HEAD = [
    gettext_noop("工号"),
    gettext_noop("姓名"),
    gettext_noop("月份"),
    gettext_noop("排班次数"),
    gettext_noop("排班工时"),
    gettext_noop("出勤天数"),
    gettext_noop("实际工时"),
    gettext_noop("工时上限"),
    gettext_noop("超出上限工时"),
    gettext_noop("超出排班工时"),
    gettext_noop("迟到次数"),
    gettext_noop("迟到分钟"),
    gettext_noop("早退次数"),
    gettext_noop("早退分钟"),
    gettext_noop("漏打下班卡"),
    gettext_noop("缺勤(有班无卡)"),
]


def report_csv(rows: list[PersonMonth], month: date) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([_(h) for h in CSV_HEAD])
    for r in rows:
        w.writerow(
            [
                r.staff.employee_no,
                r.staff.name,
                f"{month:%Y-%m}",
                r.shifts,
                r.rostered_hours,
                r.days_worked,
                r.worked_hours,
                r.cap,
                r.over_cap_hours,
                r.beyond_roster_hours,
                r.late_count,
                r.late_minutes,
                r.early_count,
                r.early_minutes,
                r.missing_out,
                r.absent,
            ]
        )
    return out.getvalue()


def person_month_body(pm: PersonMonth) -> dict[str, object]:
    """A person's month as JSON (the API)."""
    return {
        "employee_no": pm.staff.employee_no,
        "name": pm.staff.name,
        "month": f"{pm.month:%Y-%m}",
        "shifts": pm.shifts,
        "rostered_hours": float(pm.rostered_hours),
        "days_worked": pm.days_worked,
        "worked_hours": float(pm.worked_hours),
        "cap_hours": float(pm.cap),
        "over_cap": pm.over_cap,
        "over_cap_hours": float(pm.over_cap_hours),
        "beyond_roster_hours": float(pm.beyond_roster_hours),
        "late": {"count": pm.late_count, "minutes": pm.late_minutes},
        "early_leave": {"count": pm.early_count, "minutes": pm.early_minutes},
        "missing_clock_outs": pm.missing_out,
        "absent": pm.absent,
    }
