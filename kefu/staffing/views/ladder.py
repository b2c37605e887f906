"""Accountability ladder pages (MALL-6): the managers' report of everyone's standing in a year
with links to each complaint, the ladder's settings, and one's own standing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kefu.core.views import paginate

from .. import selectors_ladder as sel
from ..context import nav
from ..models import LadderStep
from ..permissions import LADDER_VIEWERS
from ..services import ladder as services
from .common import error_text, need, user_of

BLANK_ROWS = 2


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return timezone.localdate().year


def _report_page(
    request: HttpRequest, *, config_error: str = "", status: int = 200
) -> HttpResponse:
    year = _year(request)
    rows = sel.ladder_report(by=user_of(request), year=year)
    steps = [(s.count, s.action, s.label) for s in LadderStep.objects.order_by("count")]
    if not steps:
        steps = [(s.count, s.action, s.label) for s in sel.ladder_config()]
    steps += [("", "", "")] * BLANK_ROWS
    return render(
        request,
        "staffing/ladder_report.html",
        nav(
            request,
            "ladder",
            year=year,
            years=sel.ladder_years(),
            page=paginate(request, rows),
            ladder=sel.ladder_config(),
            steps=steps,
            actions=LadderStep.Action.choices,
            config_error=config_error,
            termination=sum(1 for r in rows if r.termination),
        ),
        status=status,
    )


@login_required
@require_safe
def ladder_report(request: HttpRequest) -> HttpResponse:
    need(request, LADDER_VIEWERS)
    return _report_page(request)


@login_required
@require_POST
def ladder_config(request: HttpRequest) -> HttpResponse:
    need(request, LADDER_VIEWERS)
    steps = []
    for n, row in enumerate(request.POST.getlist("row"), start=1):
        count = request.POST.get(f"count_{row}", "").strip()
        action = request.POST.get(f"action_{row}", "")
        label = request.POST.get(f"label_{row}", "").strip()
        if not (count or action or label):
            continue  # a blank row
        if not count.isdigit() or int(count) < 1:
            return _report_page(
                request,
                config_error=_("第%(n)s行:次数应为正整数") % {"n": n},
                status=400,
            )
        steps.append((int(count), action, label))
    try:
        services.ladder_configure(by=user_of(request), steps=steps)
    except ValidationError as exc:
        return _report_page(request, config_error=error_text(exc), status=400)
    messages.success(request, _("已保存投诉处理阶梯"))
    return redirect("staffing:ladder_report")


@login_required
@require_safe
def my_standing(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    me = user_of(request)
    return render(
        request,
        "staffing/ladder_standing.html",
        nav(
            request,
            "standing",
            year=year,
            years=sel.ladder_years(),
            standing=sel.standing_of(by=me, person=me, year=year),
            ladder=sel.ladder_config(),
        ),
    )


urlpatterns: list[URLPattern] = [
    path("ladder/", ladder_report, name="ladder_report"),
    path("ladder/config/", ladder_config, name="ladder_config"),
    path("ladder/mine/", my_standing, name="my_standing"),
]
