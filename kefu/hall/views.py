"""Service-hall pages: hall overview, kiosk and slip, display board, counter, floor walker,
statistics, opening checklist and shift handover. Views parse input, call one service or selector
and render; a service's ValidationError is shown as a message (field messages kept)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kefu.accounts.models import Role, User
from kefu.core.views import error_text, paginate

from . import selectors, services
from .models import (
    BusinessType,
    ChecklistItem,
    Counter,
    Hall,
    QueueNumber,
    ShiftHandover,
)
from .permissions import COUNTER_ROLES, HALL_STAFF, HALL_SUPERVISORS, has_role
from .seed import COUNTER_PHRASES, WAITING_PHRASES


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _need(request: HttpRequest, roles: frozenset[str]) -> None:
    if not has_role(_user(request), roles):
        raise PermissionDenied(_("您的角色无权访问该页面"))


def _brands() -> list[tuple[str, list[BusinessType]]]:
    grouped: dict[str, list[BusinessType]] = {}
    for b in BusinessType.objects.all():
        grouped.setdefault(b.brand, []).append(b)
    return list(grouped.items())


# --- overview ----------------------------------------------------------------------------------


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    halls = list(Hall.objects.all())
    if len(halls) == 1:
        return redirect("hall:hall", hall_id=halls[0].pk)
    return render(request, "hall/index.html", {"halls": halls})


@login_required
@require_safe
def hall_view(request: HttpRequest, hall_id: int) -> HttpResponse:
    hall = get_object_or_404(Hall, pk=hall_id)
    data = selectors.board(hall)
    mine = Counter.objects.filter(staff=_user(request)).first()
    return render(
        request,
        "hall/hall.html",
        {
            "hall": hall,
            "board": data,
            "checklist": selectors.checklist_today(hall),
            "long_waits": selectors.long_waits(hall),
            "mine": mine,
            "is_open": services.hall_is_open(hall, timezone.now()),
            "hours": services.hall_hours_text(hall, timezone.now()),
            "may_stats": has_role(_user(request), HALL_SUPERVISORS),
        },
    )


# --- kiosk and slip (hall devices: no login) ----------------------------------------------------


def kiosk(request: HttpRequest, hall_id: int) -> HttpResponse:
    hall = get_object_or_404(Hall, pk=hall_id)
    error = ""
    if request.method == "POST":
        business = BusinessType.objects.filter(code=request.POST.get("business", "")).first()
        if business is None:
            error = _("请选择要办理的业务")
        else:
            try:
                n = services.number_take(
                    hall=hall,
                    business=business,
                    vip=request.POST.get("vip") == "1",
                    by=_user(request) if request.user.is_authenticated else None,
                )
            except ValidationError as exc:
                error = error_text(exc)
            else:
                return redirect("hall:slip", pk=n.pk)
    return render(
        request,
        "hall/kiosk.html",
        {"hall": hall, "brands": _brands(), "error": error},
        status=400 if error else 200,
    )


@require_safe
def slip(request: HttpRequest, pk: int) -> HttpResponse:
    n = get_object_or_404(QueueNumber.objects.select_related("hall", "business"), pk=pk)
    return render(request, "hall/slip.html", {"n": n, "status": selectors.number_status(n)})


# --- display board (no login) ------------------------------------------------------------------


@require_safe
def board(request: HttpRequest, hall_id: int) -> HttpResponse:
    hall = get_object_or_404(Hall, pk=hall_id)
    template = "hall/_board.html" if request.GET.get("fragment") else "hall/board.html"
    return render(request, template, {"hall": hall, "board": selectors.board(hall)})


# --- counter -----------------------------------------------------------------------------------


@login_required
def counter_page(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, COUNTER_ROLES)
    counter = get_object_or_404(Counter.objects.select_related("hall", "staff"), pk=pk)
    current = services.counter_current(counter)
    return render(
        request,
        "hall/counter.html",
        {
            "counter": counter,
            "hall": counter.hall,
            "current": current,
            "current_status": selectors.number_status(current) if current else None,
            "next": selectors.counter_next(counter),
            "waiting": QueueNumber.objects.filter(
                hall=counter.hall, status=QueueNumber.Status.WAITING
            ).count(),
            "brands": _brands(),
            "counters": Counter.objects.filter(hall=counter.hall).exclude(pk=counter.pk),
            "phrases": COUNTER_PHRASES,
            "mine": counter.staff_id == request.user.pk,
            "counters_all": Counter.objects.filter(hall=counter.hall),
        },
    )


@login_required
@require_POST
def counter_action(request: HttpRequest, pk: int) -> HttpResponse:
    counter = get_object_or_404(Counter, pk=pk)
    by = _user(request)
    op = request.POST.get("op", "")
    number = None
    if request.POST.get("number"):
        number = get_object_or_404(QueueNumber, pk=request.POST["number"], hall=counter.hall)
    try:
        if op == "sign_in":
            services.counter_sign_in(counter=counter, by=by)
        elif op == "sign_out":
            services.counter_sign_out(counter=counter, by=by)
        elif op in {"open", "paused", "closed"}:
            services.counter_set_state(counter=counter, by=by, state=op)
        elif op == "call":
            n = services.number_call_next(counter=counter, by=by)
            if n is None:
                messages.info(request, _("暂无等候的客户"))
            else:
                messages.success(
                    request,
                    _("已叫号:请%(code)s号到%(n)s号窗口办理")
                    % {"code": n.code, "n": counter.number},
                )
        elif number is None:
            raise ValidationError(_("请先叫号"))
        elif op == "recall":
            n = services.number_recall(number=number, by=by)
            if n.status == QueueNumber.Status.NO_SHOW:
                messages.warning(request, _("%(code)s 多次呼叫未到,已记为过号") % {"code": n.code})
        elif op == "start":
            services.number_start(number=number, by=by)
        elif op == "finish":
            done = BusinessType.objects.filter(code=request.POST.get("business_done", "")).first()
            services.number_finish(number=number, by=by, business_done=done)
            messages.success(request, _("%(code)s 已办结") % {"code": number.code})
        elif op == "transfer":
            business = BusinessType.objects.filter(code=request.POST.get("business", "")).first()
            target = None
            if request.POST.get("counter"):
                target = Counter.objects.filter(pk=request.POST["counter"]).first()
            leg = services.number_transfer(number=number, by=by, business=business, counter=target)
            messages.success(
                request,
                _("%(code)s 已转办:%(business)s")
                % {"code": leg.code, "business": leg.business.name},
            )
        elif op == "return":
            services.number_return(number=number, by=by)
        elif op == "complaint":
            ticket = services.complaint_intake(
                number=number,
                by=by,
                name=request.POST.get("name", ""),
                phone=request.POST.get("phone", ""),
                description=request.POST.get("description", ""),
            )
            messages.success(request, _("已受理投诉工单 %(no)s") % {"no": ticket.number})
        else:
            raise ValidationError(_("未知的操作"))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您无权执行此操作"))
    return redirect("hall:counter", pk=counter.pk)


# --- floor walker ------------------------------------------------------------------------------


@login_required
def walker(request: HttpRequest, hall_id: int) -> HttpResponse:
    _need(request, HALL_STAFF)
    hall = get_object_or_404(Hall, pk=hall_id)
    if request.method == "POST":
        number = get_object_or_404(QueueNumber, pk=request.POST.get("number"), hall=hall)
        try:
            if request.POST.get("op") == "flag":
                services.number_flag(
                    number=number, by=_user(request), note=request.POST.get("note", "")
                )
                messages.success(request, _("已提醒班长关注 %(code)s") % {"code": number.code})
            else:
                services.number_divert(
                    number=number, by=_user(request), reason=request.POST.get("reason", "")
                )
                messages.success(request, _("%(code)s 已分流到自助区") % {"code": number.code})
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("hall:walker", hall_id=hall.pk)
    code = request.GET.get("code", "").strip()
    found = selectors.number_find(hall, code) if code else None
    rows = selectors.walker_list(hall)
    return render(
        request,
        "hall/walker.html",
        {
            "hall": hall,
            "page": paginate(request, rows, per_page=50),
            "long": sum(1 for r in rows if r.long),
            "code": code,
            "found": found,
            "found_status": selectors.number_status(found) if found else None,
            "phrases": WAITING_PHRASES,
        },
    )


# --- statistics --------------------------------------------------------------------------------


def _date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
@require_safe
def stats(request: HttpRequest, hall_id: int) -> HttpResponse:
    _need(request, HALL_SUPERVISORS)
    hall = get_object_or_404(Hall, pk=hall_id)
    today = services.local_day(timezone.now())
    start = _date(request.GET.get("start"), today)
    end = _date(request.GET.get("end"), today)
    if end < start:
        start, end = end, start
    if (end - start).days > 366:
        start = end - timedelta(days=366)
    try:
        within = max(1, min(240, int(request.GET.get("within", "15"))))
    except ValueError:
        within = 15
    data = selectors.hall_stats(hall, start, end, within_minutes=within)
    if request.GET.get("format") == "csv":
        return _csv(hall, start, end, data)
    from kefu.reports.views import plotly_url

    chart = _stats_chart(data)
    context = {
        "hall": hall,
        "start": start,
        "end": end,
        "data": data,
        "within": within,
        "chart": chart,
        "has_chart": any(chart["arrivals"]) or bool(chart["businesses"]),
        "plotly_url": plotly_url(),
    }
    return render(request, "hall/stats.html", context)


def _stats_chart(data: dict[str, Any]) -> dict[str, Any]:
    """What hall/charts.js draws; the bars and tables under the charts show the same numbers."""
    return {
        "hours": [f"{hour}:00" for hour, _count, _pct in data["hours"]],
        "arrivals": [count for _hour, count, _pct in data["hours"]],
        "businesses": [business.name for business, _row in data["businesses"]],
        "mean_wait": [row["mean_wait"] for _business, row in data["businesses"]],
        "mean_service": [row["mean_service"] for _business, row in data["businesses"]],
        "labels": {
            "arrivals_title": _("各时段到达人数"),
            "arrivals": _("到达人数"),
            "business_title": _("各业务平均等候与办理(分钟)"),
            "mean_wait": _("平均等候(分钟)"),
            "mean_service": _("平均办理(分钟)"),
        },
    }


CSV_FIELDS = [
    "issued", "served", "no_show", "diverted", "transferred", "cancelled", "waiting",
    "mean_wait", "p90_wait", "within", "mean_service",
]  # fmt: skip


def _csv(hall: Hall, start: date, end: date, data: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hall-{hall.pk}-{start}-{end}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM
    w = csv.writer(response)
    w.writerow(["group", "name", *CSV_FIELDS])
    w.writerow(["total", hall.name, *[data["total"][f] for f in CSV_FIELDS]])
    for b, row in data["businesses"]:
        w.writerow(["business", f"{b.code} {b.name}", *[row[f] for f in CSV_FIELDS]])
    for c, row in data["counters"]:
        w.writerow(["counter", str(c), *[row[f] for f in CSV_FIELDS]])
    for u, row in data["people"]:
        w.writerow(["person", str(u), *[row[f] for f in CSV_FIELDS]])
    return response


# --- opening checklist -------------------------------------------------------------------------


@login_required
def checklist(request: HttpRequest, hall_id: int) -> HttpResponse:
    _need(request, HALL_STAFF)
    hall = get_object_or_404(Hall, pk=hall_id)
    error = ""
    if request.method == "POST":
        try:
            ids = [int(i) for i in request.POST.getlist("items") if i.isdigit()]
            services.checklist_sign_off(
                hall=hall, by=_user(request), item_ids=ids, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            error = error_text(exc)
        else:
            messages.success(request, _("今日开门检查已签字"))
            return redirect("hall:checklist", hall_id=hall.pk)
    return render(
        request,
        "hall/checklist.html",
        {
            "hall": hall,
            "items": ChecklistItem.objects.filter(active=True),
            "today": selectors.checklist_today(hall),
            "error": error,
            "ticked": {int(i) for i in request.POST.getlist("items") if i.isdigit()},
        },
        status=400 if error else 200,
    )


# --- shift handover ----------------------------------------------------------------------------


@login_required
def handover(request: HttpRequest, hall_id: int) -> HttpResponse:
    _need(request, HALL_STAFF)
    hall = get_object_or_404(Hall, pk=hall_id)
    me = _user(request)
    error = ""
    if request.method == "POST":
        incoming = User.objects.filter(pk=request.POST.get("incoming") or 0).first()
        counter = Counter.objects.filter(pk=request.POST.get("counter") or 0, hall=hall).first()
        try:
            h = services.handover_create(
                hall=hall,
                by=me,
                incoming=incoming,
                counter=counter,
                post=request.POST.get("post", ""),
                notes=request.POST.get("notes", ""),
            )
        except ValidationError as exc:
            error = error_text(exc)
        else:
            messages.success(request, _("交接班记录已提交,等待 %(who)s 确认") % {"who": h.incoming})
            return redirect("hall:handover", hall_id=hall.pk)
    handovers = ShiftHandover.objects.filter(hall=hall).select_related(
        "outgoing", "incoming", "counter"
    )
    return render(
        request,
        "hall/handover.html",
        {
            "hall": hall,
            "owed": services.owed_to_customers(me),
            "mine": Counter.objects.filter(hall=hall, staff=me).first(),
            "counters": Counter.objects.filter(hall=hall),
            "people": User.objects.filter(
                is_active=True,
                role__in=[Role.COUNTER, Role.FLOOR_WALKER, Role.TEAM_LEAD, Role.DESK],
            ).exclude(pk=me.pk),
            "page": paginate(request, handovers, per_page=20),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def handover_ack(request: HttpRequest, pk: int) -> HttpResponse:
    h = get_object_or_404(ShiftHandover, pk=pk)
    try:
        services.handover_acknowledge(handover=h, by=_user(request))
        messages.success(request, _("已确认接班"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
    return redirect(reverse("hall:handover", kwargs={"hall_id": h.hall_id}))
