"""Attendance over HTTP (`/api/staffing/attendance/...`): clock in, clock out, a month's hours.

The caller acts as the token's or the session's user. A supervisor may pass ``employee_no`` (and
``at``) to record for someone else: a manual record, with a ``note``. Errors use the shapes of
kefu/api.py: 400 with field messages, 403, 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from kefu.accounts.api_auth import api_user, local_iso, parse_instant
from kefu.accounts.models import User

from ..forms_roster import parse_month
from ..models import ClockRecord, StaffProfile
from ..selectors_attendance import (
    may_see_everyone,
    month_report,
    person_month,
    person_month_body,
    worked_seconds,
)
from ..services import attendance as services

router = Router()


class ClockIn(Schema):
    employee_no: str | None = None
    at: str | None = None  # ISO 8601; supervisors only (a manual record)
    note: str = ""


def _staff(employee_no: str | None, field: str = "employee_no") -> StaffProfile | None:
    if employee_no is None or not employee_no.strip():
        return None
    no = employee_no.strip()
    user = User.objects.filter(employee_no=no).first() or User.objects.filter(username=no).first()
    profile = (
        StaffProfile.objects.filter(user=user).select_related("user").first() if user else None
    )
    if profile is None:
        raise ValidationError({field: [_("找不到工号为 %(no)s 的员工") % {"no": no}]})
    return profile


def record_body(r: ClockRecord) -> dict[str, Any]:
    return {
        "id": r.pk,
        "employee_no": r.staff.employee_no,
        "name": r.staff.name,
        "clock_in": local_iso(r.clock_in),
        "clock_out": local_iso(r.clock_out),
        "worked_hours": round(worked_seconds(r) / 3600, 2),
        "shift": (
            {
                "id": r.shift.pk,
                "day": r.shift.day.isoformat(),
                "start": r.shift.start.strftime("%H:%M"),
                "end": r.shift.end.strftime("%H:%M"),
                "hours": float(r.shift.hours),
            }
            if r.shift
            else None
        ),
        "source": r.source,
        "out_missing": r.out_missing,
        "note": r.note,
    }


@router.post("/clock-in", response={201: dict}, summary="上班打卡")
def clock_in(request: HttpRequest, payload: ClockIn | None = None) -> Status:
    payload = payload or ClockIn()
    record = services.clock_in(
        by=api_user(request),
        staff=_staff(payload.employee_no),
        at=parse_instant(payload.at, "at"),
        source=ClockRecord.Source.API,
        note=payload.note,
    )
    return Status(201, record_body(record))


@router.post("/clock-out", response=dict, summary="下班打卡")
def clock_out(request: HttpRequest, payload: ClockIn | None = None) -> dict[str, Any]:
    payload = payload or ClockIn()
    record = services.clock_out(
        by=api_user(request),
        staff=_staff(payload.employee_no),
        at=parse_instant(payload.at, "at"),
        source=ClockRecord.Source.API,
        note=payload.note,
    )
    return record_body(record)


@router.get("/month", response=dict, summary="月度考勤:工时、加班、迟到早退")
def month(
    request: HttpRequest, month: str | None = None, employee_no: str | None = None
) -> dict[str, Any]:
    """One person's month (``employee_no``, default the caller); a supervisor without
    ``employee_no`` gets everyone."""
    by = api_user(request)
    first = timezone.localdate().replace(day=1)
    if month:
        parsed = parse_month(month)
        if parsed is None:
            raise ValidationError({"month": [_("月份格式应为 YYYY-MM,如 2026-12")]})
        first = parsed
    staff = _staff(employee_no)
    if staff is None and may_see_everyone(by):
        people = [person_month_body(pm) for pm in month_report(by=by, month=first)]
    else:
        if staff is None:
            staff = StaffProfile.objects.filter(user=by).select_related("user").first()
            if staff is None:
                raise ValidationError({"employee_no": [_("您的账号尚未建立员工档案,请指定工号")]})
        people = [person_month_body(person_month(by=by, staff=staff, month=first))]
    return {"month": f"{first:%Y-%m}", "people": people}
