"""Attendance pages: one's own clock in and out with this month's hours against the cap; the
supervisors' month report (CSV too), a person's month, manual records and missing clock-outs."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kefu.core.views import apply_errors, paginate

from .. import selectors_attendance as sel
from ..context import nav
from ..forms_records import ClockForm, CloseRecordForm, ManualRecordForm
from ..forms_roster import parse_month
from ..models import ClockRecord, StaffProfile
from ..permissions import SUPERVISORS
from ..services import attendance as services
from .common import error_text, need, profile_of, user_of


def _month_arg(request: HttpRequest) -> date:
    return parse_month(request.GET.get("month", "")) or timezone.localdate().replace(day=1)


def _around(month: date) -> dict[str, date]:
    return {
        "month": month,
        "previous": (month - timedelta(days=1)).replace(day=1),
        "following": (month + timedelta(days=32)).replace(day=1),
    }


def _clock_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    profile = profile_of(request)
    context: dict[str, object] = {"profile": profile, "error": error}
    if profile is not None:
        now = timezone.now()
        today = timezone.localdate(now)
        current = services.open_record(profile)
        pm = sel.person_month(by=user_of(request), staff=profile, month=today.replace(day=1))
        running = sel.worked_seconds(current, until=now) / 3600 if current else 0.0
        context.update(
            {
                "today": today,
                "shift": services.shift_for(profile, now),
                "current": current,
                "current_stale": bool(current and services.is_stale(current, now)),
                "running_hours": running,
                "today_records": [r for r in pm.records if timezone.localdate(r.clock_in) == today],
                "pm": pm,
                "month_total": float(pm.worked_hours) + running,
                "missing": ClockRecord.objects.filter(
                    staff=profile, out_missing=True, clock_out__isnull=True
                ).order_by("-clock_in")[:10],
            }
        )
    return render(request, "staffing/clock.html", nav(request, "clock", **context), status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def clock(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _clock_page(request)
    form = ClockForm(request.POST)
    if not form.is_valid():
        return _clock_page(request, error=_("请选择上班打卡或下班打卡"), status=400)
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["action"] == "in":
            record = services.clock_in(by=user_of(request), note=note)
            messages.success(
                request,
                _("上班打卡成功:%(t)s")
                % {"t": timezone.localtime(record.clock_in).strftime("%H:%M")},
            )
        else:
            record = services.clock_out(by=user_of(request), note=note)
            hours = sel.worked_seconds(record) / 3600
            messages.success(
                request,
                _("下班打卡成功:%(t)s,本次计 %(h).2f 小时")
                % {"t": timezone.localtime(record.clock_out).strftime("%H:%M"), "h": hours},
            )
    except ValidationError as exc:
        return _clock_page(request, error=error_text(exc), status=400)
    return redirect("staffing:clock")


def _report_page(
    request: HttpRequest,
    month: date,
    *,
    manual_form: ManualRecordForm | None = None,
    close_form: CloseRecordForm | None = None,
    status: int = 200,
) -> HttpResponse:
    by = user_of(request)
    rows = sel.month_report(by=by, month=month)
    context = nav(
        request,
        "attendance",
        **_around(month),
        page=paginate(request, rows),
        over=[r for r in rows if r.over_cap],
        totals={
            "worked": sum((r.worked_hours for r in rows), start=0),
            "late": sum(r.late_count for r in rows),
            "early": sum(r.early_count for r in rows),
            "missing": sum(r.missing_out for r in rows),
            "absent": sum(r.absent for r in rows),
        },
        grace=int(sel.late_grace().total_seconds() // 60),
        stale=sel.stale_open_records(by=by),
        manual_form=manual_form or ManualRecordForm(initial={"day": timezone.localdate()}),
        close_form=close_form or CloseRecordForm(),
    )
    return render(request, "staffing/attendance_report.html", context, status=status)


@login_required
@require_safe
def attendance_report(request: HttpRequest) -> HttpResponse:
    need(request, SUPERVISORS)
    month = _month_arg(request)
    if request.GET.get("format") == "csv":
        rows = sel.month_report(by=user_of(request), month=month)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="attendance-{month:%Y-%m}.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 with a BOM
        response.write(sel.report_csv(rows, month))
        return response
    return _report_page(request, month)


@login_required
@require_POST
def attendance_manual(request: HttpRequest) -> HttpResponse:
    need(request, SUPERVISORS)
    month = _month_arg(request)
    form = ManualRecordForm(request.POST)
    if not form.is_valid():
        return _report_page(request, month, manual_form=form, status=400)
    start, end = form.instants()
    try:
        record = services.clock_record_add(
            by=user_of(request),
            staff=form.cleaned_data["staff"],
            clock_in_at=start,
            clock_out_at=end,
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        apply_errors(exc, form)
        return _report_page(request, month, manual_form=form, status=400)
    messages.success(request, _("已补录 %(name)s 的考勤") % {"name": record.staff.name})
    return redirect(reverse("staffing:attendance_report") + f"?month={start:%Y-%m}")


@login_required
@require_POST
def attendance_close(request: HttpRequest) -> HttpResponse:
    need(request, SUPERVISORS)
    month = _month_arg(request)
    form = CloseRecordForm(request.POST)
    if not form.is_valid():
        return _report_page(request, month, close_form=form, status=400)
    try:
        record = services.clock_record_close(
            by=user_of(request),
            record=form.cleaned_data["record"],
            at=form.cleaned_data["clock_out"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        apply_errors(exc, form)
        return _report_page(request, month, close_form=form, status=400)
    messages.success(request, _("已补录 %(name)s 的下班时间") % {"name": record.staff.name})
    return redirect("staffing:attendance_report")


@login_required
@require_safe
def attendance_person(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff = get_object_or_404(StaffProfile.objects.select_related("user"), pk=staff_id)
    if staff.user_id != request.user.pk:
        need(request, SUPERVISORS)
    month = _month_arg(request)
    pm = sel.person_month(by=user_of(request), staff=staff, month=month)
    return render(
        request,
        "staffing/attendance_person.html",
        nav(
            request,
            "attendance",
            **_around(month),
            pm=pm,
            page=paginate(request, pm.records[::-1]),
            grace=int(sel.late_grace().total_seconds() // 60),
        ),
    )


urlpatterns: list[URLPattern] = [
    path("clock/", clock, name="clock"),
    path("attendance/", attendance_report, name="attendance_report"),
    path("attendance/manual/", attendance_manual, name="attendance_manual"),
    path("attendance/close/", attendance_close, name="attendance_close"),
    path("attendance/<int:staff_id>/", attendance_person, name="attendance_person"),
]
