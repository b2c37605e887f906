"""Roster pages: staffing home, roster list and generation, the month grid with publish, swap,
reassign and remove, the roster file, the printable roster with breaks, one's own shifts and
their iCal feed."""

from __future__ import annotations

import calendar as _calendar
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kefu.core.views import paginate

from .. import selectors_roster as sel
from ..context import nav
from ..forms_roster import (
    GenerateForm,
    PreferenceForm,
    ReassignForm,
    RemoveForm,
    ResolveForm,
    SwapForm,
    parse_month,
)
from ..models import ActionItem, ClockRecord, Roster, RosterUnit, ShiftPreference, StaffProfile
from ..permissions import ROSTER_MANAGERS, has_role
from ..services import roster as services
from ..validation import roster_csv, roster_violations
from .common import need, profile_of, user_of


def _month_arg(request: HttpRequest) -> date:
    return parse_month(request.GET.get("month", "")) or timezone.localdate().replace(day=1)


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    profile = profile_of(request)
    today = timezone.localdate()
    upcoming = sel.shifts_of(profile, today, today + timedelta(days=13)) if profile else []
    open_clock = (
        ClockRecord.objects.filter(staff=profile, clock_out__isnull=True, out_missing=False).first()
        if profile
        else None
    )
    actions = ActionItem.objects.filter(owner=user_of(request), done_at__isnull=True).count()
    units = []
    if has_role(user_of(request), ROSTER_MANAGERS):
        this_month = today.replace(day=1)
        next_month = (this_month + timedelta(days=32)).replace(day=1)
        for unit in RosterUnit.objects.all():
            rosters = {r.month: r for r in unit.rosters.filter(month__in=[this_month, next_month])}
            units.append((unit, [(m, rosters.get(m)) for m in (this_month, next_month)]))
    return render(
        request,
        "staffing/index.html",
        nav(
            request,
            "index",
            profile=profile,
            upcoming=upcoming,
            open_clock=open_clock,
            open_actions=actions,
            units=units,
        ),
    )


@login_required
def rosters(request: HttpRequest) -> HttpResponse:
    need(request, ROSTER_MANAGERS)
    form = GenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit, month = form.cleaned_data["unit"], form.cleaned_data["month"]
        try:
            roster = services.roster_generate(by=user_of(request), unit=unit, month=month)
        except ValidationError as exc:
            return render(
                request,
                "staffing/rosters.html",
                nav(
                    request,
                    "rosters",
                    form=form,
                    page=paginate(request, Roster.objects.select_related("unit")),
                    problems=exc.messages,
                ),
                status=400,
            )
        messages.success(
            request,
            _("已生成 %(roster)s,用时 %(s).1f 秒(%(status)s)")
            % {"roster": roster, "s": roster.solve_seconds, "status": roster.solver_status},
        )
        return redirect("staffing:roster", roster.pk)
    return render(
        request,
        "staffing/rosters.html",
        nav(
            request,
            "rosters",
            form=form,
            page=paginate(request, Roster.objects.select_related("unit", "published_by")),
        ),
        status=400 if form.errors else 200,
    )


def _roster_page(request: HttpRequest, roster: Roster, *, status: int = 200, **forms: object):
    heads, rows = sel.roster_grid(roster)
    hard, soft = roster_violations(roster)
    context = nav(
        request,
        "rosters",
        roster=roster,
        heads=heads,
        rows=rows,
        hard=hard,
        soft=soft,
        events=roster.events.select_related("actor").order_by("-at")[:30],
        swap_form=forms.get("swap_form") or SwapForm(roster=roster, prefix="swap"),
        reassign_form=forms.get("reassign_form") or ReassignForm(roster=roster, prefix="reassign"),
        remove_form=forms.get("remove_form") or RemoveForm(roster=roster, prefix="remove"),
        resolve_form=forms.get("resolve_form")
        or ResolveForm(
            prefix="resolve", initial={"from_day": timezone.localdate() + timedelta(days=1)}
        ),
        problems=forms.get("problems") or [],
    )
    return render(request, "staffing/roster.html", context, status=status)


@login_required
@require_safe
def roster_view(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, ROSTER_MANAGERS)
    roster = get_object_or_404(Roster.objects.select_related("unit"), pk=pk)
    return _roster_page(request, roster)


@login_required
@require_POST
def roster_action(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, ROSTER_MANAGERS)
    roster = get_object_or_404(Roster.objects.select_related("unit"), pk=pk)
    action = request.POST.get("action", "")
    by = user_of(request)
    try:
        if action == "publish":
            services.roster_publish(by=by, roster=roster)
            messages.success(request, _("排班表已发布,员工可以看到自己的班次"))
        elif action == "unpublish":
            services.roster_unpublish(by=by, roster=roster, reason=request.POST.get("reason", ""))
            messages.success(request, _("排班表已撤回为草稿"))
        elif action == "generate":
            services.roster_generate(by=by, unit=roster.unit, month=roster.month)
            messages.success(request, _("已重新生成排班表"))
        elif action == "resolve":
            form = ResolveForm(request.POST, prefix="resolve")
            if not form.is_valid():
                return _roster_page(request, roster, status=400, resolve_form=form)
            services.roster_generate(
                by=by, unit=roster.unit, month=roster.month, from_day=form.cleaned_data["from_day"]
            )
            messages.success(request, _("已重新安排所选日期之后的班次,之前的班次保持不变"))
        elif action == "swap":
            form = SwapForm(request.POST, roster=roster, prefix="swap")
            if not form.is_valid():
                return _roster_page(request, roster, status=400, swap_form=form)
            warnings = services.shift_swap(
                by=by, first=form.first, second=form.second, note=form.cleaned_data["note"]
            )
            _done(request, _("已调班"), warnings)
        elif action == "reassign":
            form = ReassignForm(request.POST, roster=roster, prefix="reassign")
            if not form.is_valid():
                return _roster_page(request, roster, status=400, reassign_form=form)
            warnings = services.shift_reassign(
                by=by,
                shift=form.shift,
                staff=form.cleaned_data["to_staff"],
                note=form.cleaned_data["note"],
            )
            _done(request, _("已改派"), warnings)
        elif action == "remove":
            form = RemoveForm(request.POST, roster=roster, prefix="remove")
            if not form.is_valid():
                return _roster_page(request, roster, status=400, remove_form=form)
            warnings = services.shift_remove(
                by=by, shift=form.shift, reason=form.cleaned_data["reason"]
            )
            _done(request, _("已取消该班次"), warnings)
        else:
            raise Http404
    except ValidationError as exc:
        return _roster_page(request, roster, status=400, problems=exc.messages)
    return redirect("staffing:roster", roster.pk)


def _done(request: HttpRequest, text: str, warnings: list[str]) -> None:
    if warnings:
        messages.warning(request, text + _(",已记录提示:") + ";".join(warnings))
    else:
        messages.success(request, text)


@login_required
@require_safe
def roster_file(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, ROSTER_MANAGERS)
    roster = get_object_or_404(Roster.objects.select_related("unit"), pk=pk)
    response = HttpResponse(roster_csv(roster), content_type="text/csv; charset=utf-8")
    name = f"roster-{roster.unit.code}-{roster.month:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_safe
def roster_print(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, ROSTER_MANAGERS)
    roster = get_object_or_404(Roster.objects.select_related("unit"), pk=pk)
    heads, rows = sel.roster_grid(roster)
    by_day = []
    shifts = list(roster.shifts.select_related("staff__user", "post").order_by("day", "post"))
    for head in heads:
        by_day.append((head, [s for s in shifts if s.day == head.day]))
    return render(
        request,
        "staffing/roster_print.html",
        {"roster": roster, "heads": heads, "rows": rows, "by_day": by_day},
    )


@login_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    profile = profile_of(request)
    form = PreferenceForm(request.POST or None, prefix="wish")
    if request.method == "POST":
        if profile is None:
            raise Http404
        if "clear" in request.POST:
            wish = get_object_or_404(ShiftPreference, pk=request.POST["clear"], staff=profile)
            services.shift_preference_clear(by=user_of(request), wish=wish)
            messages.success(request, _("已删除该排班意愿"))
            return redirect(request.get_full_path())
        if form.is_valid():
            try:
                services.shift_preference_set(
                    by=user_of(request), staff=profile, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("已登记排班意愿,下次排班时会尽量满足"))
                return redirect(request.get_full_path())
    month = _month_arg(request)
    last = month.replace(day=_calendar.monthrange(month.year, month.month)[1])
    shifts = sel.shifts_of(profile, month, last) if profile else []
    feed = ""
    if profile is not None:
        user = user_of(request)
        feed = request.build_absolute_uri(
            reverse("staffing:ical", args=[user.pk, sel.calendar_token(user)])
        )
    wishes = (
        profile.preferences.filter(day__gt=timezone.localdate()).order_by("day") if profile else []
    )
    return render(
        request,
        "staffing/my_shifts.html",
        nav(
            request,
            "mine",
            form=form,
            wishes=wishes,
            profile=profile,
            month=month,
            previous=(month - timedelta(days=1)).replace(day=1),
            following=last + timedelta(days=1),
            shifts=shifts,
            hours=sum((s.hours for s in shifts), start=0),
            feed=feed,
        ),
        status=400 if form.errors else 200,
    )


@require_safe
def ical(request: HttpRequest, user_id: int, token: str) -> HttpResponse:
    user = sel.calendar_user(user_id, token)
    profile = StaffProfile.objects.filter(user=user).first() if user else None
    if profile is None:
        raise Http404
    today = timezone.localdate()
    shifts = sel.shifts_of(profile, today - timedelta(days=31), today + timedelta(days=92))
    body = sel.shifts_ical(profile, shifts, host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="shifts.ics"'
    return response


urlpatterns: list[URLPattern] = [
    path("rosters/", rosters, name="rosters"),
    path("rosters/<int:pk>/", roster_view, name="roster"),
    path("rosters/<int:pk>/action/", roster_action, name="roster_action"),
    path("rosters/<int:pk>/roster.csv", roster_file, name="roster_file"),
    path("rosters/<int:pk>/print/", roster_print, name="roster_print"),
    path("my-shifts/", my_shifts, name="my_shifts"),
    path("ical/<int:user_id>/<str:token>.ics", ical, name="ical"),
]
