"""Rosters over HTTP (`/api/staffing/rosters/...`): list, read a month with its shifts, generate,
publish, swap, and one's own shifts. Handlers parse input and call kefu.staffing.services.roster
(permissions and rules are checked there); errors use the shapes of kefu/api.py."""

from __future__ import annotations

import calendar as _calendar
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kefu.accounts.api_auth import api_user, local_iso

from ..forms_roster import parse_month
from ..models import Roster, RosterUnit, Shift, StaffProfile
from ..permissions import ROSTER_MANAGERS, require
from ..selectors_roster import shifts_of
from ..services import roster as services
from ..validation import roster_violations

router = Router()


class GenerateIn(Schema):
    unit: str  # roster unit code, e.g. "mall"
    month: str  # YYYY-MM
    from_day: date | None = None


class SwapIn(Schema):
    first: int  # shift ids
    second: int
    note: str = ""


def _month(value: str, field: str = "month") -> date:
    month = parse_month(value or "")
    if month is None:
        raise ValidationError({field: [_("月份格式应为 YYYY-MM,如 2026-12")]})
    return month


def shift_body(s: Shift) -> dict[str, Any]:
    return {
        "id": s.pk,
        "date": s.day.isoformat(),
        "employee_no": s.staff.employee_no,
        "name": s.staff.name,
        "post": s.post.name,
        "start": s.start.strftime("%H:%M"),
        "end": s.end.strftime("%H:%M"),
        "breaks": s.breaks,
        "hours": float(s.hours),
        "pay_multiplier": float(s.pay_multiplier),
        "holiday": s.holiday_name,
        "locked": s.locked,
    }


def roster_body(r: Roster, *, shifts: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": r.pk,
        "unit": r.unit.code,
        "unit_name": r.unit.name,
        "month": f"{r.month:%Y-%m}",
        "status": r.status,
        "version": r.version,
        "generated_at": local_iso(r.generated_at),
        "published_at": local_iso(r.published_at),
        "solver": {"status": r.solver_status, "gap": r.gap, "seconds": r.solve_seconds},
        "warnings": r.warnings,
    }
    if shifts:
        rows = r.shifts.select_related("staff__user", "post").order_by("day", "start", "staff")
        body["shifts"] = [shift_body(s) for s in rows]
        hard, soft = roster_violations(r)
        body["violations"] = [str(v) for v in hard]
        body["notices"] = [str(v) for v in soft]
    return body


def _roster(request: HttpRequest, pk: int) -> Roster:
    require(api_user(request), ROSTER_MANAGERS, _("查看排班表"))
    return get_object_or_404(Roster.objects.select_related("unit"), pk=pk)


@router.get("")
def roster_list(request: HttpRequest, unit: str = "", month: str = "") -> dict[str, Any]:
    require(api_user(request), ROSTER_MANAGERS, _("查看排班表"))
    rows = Roster.objects.select_related("unit")
    if unit:
        rows = rows.filter(unit__code=unit)
    if month:
        rows = rows.filter(month=_month(month))
    return {"items": [roster_body(r, shifts=False) for r in rows[:200]]}


@router.get("/mine")
def my_shifts(request: HttpRequest, month: str = "") -> dict[str, Any]:
    """The caller's shifts on published rosters in a month (default this month)."""
    user = api_user(request)
    first = _month(month) if month else timezone.localdate().replace(day=1)
    last = first.replace(day=_calendar.monthrange(first.year, first.month)[1])
    profile = StaffProfile.objects.filter(user=user).first()
    shifts = shifts_of(profile, first, last) if profile else []
    return {
        "month": f"{first:%Y-%m}",
        "shifts": [shift_body(s) for s in shifts],
        "hours": float(sum(s.hours for s in shifts)),
        "cap": float(profile.contract_hours) if profile else None,
    }


@router.get("/{int:pk}")
def roster_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return roster_body(_roster(request, pk))


@router.post("/generate")
def roster_generate(request: HttpRequest, payload: GenerateIn) -> dict[str, Any]:
    unit = RosterUnit.objects.filter(code=payload.unit).first()
    if unit is None:
        raise ValidationError(
            {"unit": [_("没有代码为 %(code)s 的排班单元") % {"code": payload.unit}]}
        )
    roster = services.roster_generate(
        by=api_user(request), unit=unit, month=_month(payload.month), from_day=payload.from_day
    )
    return roster_body(roster)


@router.post("/{int:pk}/publish")
def roster_publish(request: HttpRequest, pk: int) -> dict[str, Any]:
    roster = services.roster_publish(by=api_user(request), roster=_roster(request, pk))
    return roster_body(roster, shifts=False)


@router.post("/{int:pk}/swap")
def shift_swap(request: HttpRequest, pk: int, payload: SwapIn) -> dict[str, Any]:
    roster = _roster(request, pk)
    first = Shift.objects.filter(roster=roster, pk=payload.first).first()
    second = Shift.objects.filter(roster=roster, pk=payload.second).first()
    errors: dict[str, list[str]] = {}
    if first is None:
        errors["first"] = [_("该排班表中没有这个班次")]
    if second is None:
        errors["second"] = [_("该排班表中没有这个班次")]
    if errors:
        raise ValidationError(errors)
    warnings = services.shift_swap(
        by=api_user(request), first=first, second=second, note=payload.note
    )
    return {
        "warnings": warnings,
        "shifts": [shift_body(Shift.objects.get(pk=s.pk)) for s in (first, second)],
    }  # type: ignore[union-attr]
