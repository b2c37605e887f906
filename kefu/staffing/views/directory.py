"""Staffing pages: the staff directory, one person's profile, adding an account to the directory,
and leave (requests, records, decisions, cancellation)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kefu.core.views import apply_errors, paginate, safe_next

from .. import selectors_directory as sel
from ..context import nav
from ..forms_directory import (
    DecideForm,
    LeaveFilterForm,
    LeaveForm,
    LeaveRecordForm,
    StaffCreateForm,
    StaffFilterForm,
    StaffProfileForm,
)
from ..models import Leave, StaffProfile
from ..permissions import ROSTER_MANAGERS, has_role
from ..services import directory as services
from .common import error_text, need, profile_of, user_of

# --- directory -----------------------------------------------------------------------------------


@login_required
@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    need(request, ROSTER_MANAGERS)
    data = request.GET.copy()
    data.setdefault("active", "1")
    form = StaffFilterForm(data)
    d = form.cleaned_data if form.is_valid() else {"active": "1"}
    rows = sel.staff_list(
        today=timezone.localdate(),
        q=(d.get("q") or "").strip(),
        post=d.get("post"),
        role=d.get("role") or "",
        active=d.get("active", "1"),
    )
    return render(
        request,
        "staffing/directory.html",
        nav(
            request,
            "directory",
            form=form,
            page=paginate(request, rows, per_page=50),
            without_profile=sel.accounts_without_profile().count(),
        ),
        status=200 if form.is_valid() else 400,
    )


@login_required
def staff_create(request: HttpRequest) -> HttpResponse:
    need(request, ROSTER_MANAGERS)
    form = StaffCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                profile = services.staff_profile_create(
                    by=user_of(request),
                    user=d["user"],
                    title=d["title"],
                    posts=d["posts"],
                    skills=d["skills"],
                    contract_hours=d["contract_hours"],
                    relief=d["relief"],
                    hired_on=d["hired_on"],
                    phone=d["phone"],
                )
            except ValidationError as exc:
                apply_errors(exc, form)
            else:
                messages.success(request, _("已建立 %(who)s 的员工档案") % {"who": profile.name})
                return redirect("staffing:staff_detail", pk=profile.pk)
        status = 400
    return render(
        request, "staffing/staff_create.html", nav(request, "directory", form=form), status=status
    )


@login_required
@require_safe
def staff_me(request: HttpRequest) -> HttpResponse:
    profile = profile_of(request)
    if profile is None:
        messages.info(request, _("您还没有员工档案,请联系班长登记"))
        return redirect("staffing:leave_list")
    return redirect("staffing:staff_detail", pk=profile.pk)


@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(StaffProfile.objects.select_related("user", "user__team"), pk=pk)
    me = user_of(request)
    manager = has_role(me, ROSTER_MANAGERS)
    if not manager and profile.user_id != me.pk:
        raise PermissionDenied(_("只能查看自己的员工档案"))
    form = StaffProfileForm.for_profile(profile, request.POST or None) if manager else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("您的角色无权修改员工档案"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.staff_profile_save(
                    by=me,
                    profile=profile,
                    title=d["title"],
                    posts=d["posts"],
                    skills=d["skills"],
                    contract_hours=d["contract_hours"],
                    relief=d["relief"],
                    active=d["active"],
                    hired_on=d["hired_on"],
                    phone=d["phone"],
                )
            except ValidationError as exc:
                apply_errors(exc, form)
            else:
                messages.success(request, _("员工档案已保存"))
                return redirect("staffing:staff_detail", pk=profile.pk)
        status = 400
    today = timezone.localdate()
    leaves = profile.leaves.select_related("created_by", "decided_by").order_by("-first_day", "-pk")
    return render(
        request,
        "staffing/staff_detail.html",
        nav(
            request,
            "directory" if manager else "",
            profile=profile,
            form=form,
            is_self=profile.user_id == me.pk,
            leaves=paginate(request, leaves, per_page=10, param="leave_page"),
            shifts=sel.upcoming_shifts(profile, today),
            today=today,
        ),
        status=status,
    )


# --- leave ---------------------------------------------------------------------------------------


def _leave_page(
    request: HttpRequest,
    *,
    request_form: LeaveForm | None = None,
    record_form: LeaveRecordForm | None = None,
    status: int = 200,
) -> HttpResponse:
    me = user_of(request)
    manager = has_role(me, ROSTER_MANAGERS)
    mine = profile_of(request)
    filters = LeaveFilterForm(request.GET)
    d = filters.cleaned_data if filters.is_valid() else {}
    rows = sel.leaves_for(me, state=d.get("state") or "", staff=d.get("staff"))
    page = paginate(request, rows, per_page=25)
    today = timezone.localdate()
    for leave in page:
        leave.may_cancel = services.may_cancel(me, leave, today)  # type: ignore[attr-defined]
        leave.may_decide = services.may_decide(me, leave)  # type: ignore[attr-defined]
    return render(
        request,
        "staffing/leave_list.html",
        nav(
            request,
            "leave",
            page=page,
            filters=filters,
            manager=manager,
            mine=mine,
            request_form=request_form or (LeaveForm(prefix="req") if mine else None),
            record_form=record_form or (LeaveRecordForm(prefix="rec") if manager else None),
            pending=sel.pending_leave_count() if manager else 0,
        ),
        status=status,
    )


@login_required
@require_safe
def leave_list(request: HttpRequest) -> HttpResponse:
    return _leave_page(request)


@login_required
@require_POST
def leave_request(request: HttpRequest) -> HttpResponse:
    form = LeaveForm(request.POST, prefix="req")
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.leave_request(
                by=user_of(request),
                kind=d["kind"],
                first_day=d["first_day"],
                last_day=d["last_day"],
                reason=d["reason"],
            )
        except ValidationError as exc:
            apply_errors(exc, form)
        else:
            messages.success(request, _("请假申请已提交,等待班长审批"))
            return redirect("staffing:leave_list")
    return _leave_page(request, request_form=form, status=400)


@login_required
@require_POST
def leave_record(request: HttpRequest) -> HttpResponse:
    need(request, ROSTER_MANAGERS)
    form = LeaveRecordForm(request.POST, prefix="rec")
    if form.is_valid():
        d = form.cleaned_data
        try:
            leave = services.leave_record(
                by=user_of(request),
                staff=d["staff"],
                kind=d["kind"],
                first_day=d["first_day"],
                last_day=d["last_day"],
                reason=d["reason"],
            )
        except ValidationError as exc:
            apply_errors(exc, form)
        else:
            messages.success(
                request,
                _("已登记 %(who)s 的%(kind)s")
                % {"who": leave.staff.name, "kind": leave.get_kind_display()},
            )
            _warn_shifts(request, leave)
            return redirect("staffing:leave_list")
    return _leave_page(request, record_form=form, status=400)


def _warn_shifts(request: HttpRequest, leave: Leave) -> None:
    shifts = services.leave_conflicts(leave)
    if shifts:
        days = "、".join(f"{s.day:%m-%d}" for s in shifts[:10])
        messages.warning(
            request,
            _("%(who)s 在请假期间已排 %(n)s 个班次(%(days)s),请到排班表调整")
            % {"who": leave.staff.name, "n": len(shifts), "days": days},
        )


@login_required
@require_POST
def leave_decide(request: HttpRequest, pk: int) -> HttpResponse:
    leave = get_object_or_404(Leave, pk=pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择批准或驳回"))
        return redirect("staffing:leave_list")
    approve = form.cleaned_data["op"] == "approve"
    try:
        leave = services.leave_decide(
            by=user_of(request), leave=leave, approve=approve, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        if approve:
            messages.success(request, _("已批准 %(who)s 的请假") % {"who": leave.staff.name})
            _warn_shifts(request, leave)
        else:
            messages.success(request, _("已驳回 %(who)s 的请假") % {"who": leave.staff.name})
    return redirect(_back(request))


@login_required
@require_POST
def leave_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    leave = get_object_or_404(Leave, pk=pk)
    try:
        services.leave_cancel(by=user_of(request), leave=leave, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("请假已撤销"))
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    return safe_next(request, reverse("staffing:leave_list"))


urlpatterns: list[URLPattern] = [
    path("directory/", directory, name="directory"),
    path("directory/new/", staff_create, name="staff_create"),
    path("directory/me/", staff_me, name="staff_me"),
    path("directory/<int:pk>/", staff_detail, name="staff_detail"),
    path("leave/", leave_list, name="leave_list"),
    path("leave/request/", leave_request, name="leave_request"),
    path("leave/record/", leave_record, name="leave_record"),
    path("leave/<int:pk>/decide/", leave_decide, name="leave_decide"),
    path("leave/<int:pk>/cancel/", leave_cancel, name="leave_cancel"),
]
