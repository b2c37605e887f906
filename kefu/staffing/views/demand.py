"""Staffing pages: demand. The forecast of calls per interval of a post (entered, imported from a
CSV file or taken from history), the agents Erlang C asks for with the post's targets or a
what-if, next to the people scheduled, as a chart and a table; the same as a CSV file."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kefu.core.views import apply_errors

from .. import selectors_demand as sel
from ..context import nav
from ..forms_demand import DemandQueryForm, ForecastDayForm, HistoryForm, ImportForm
from ..models import Post
from ..permissions import ROSTER_MANAGERS
from ..services import demand as services
from .common import error_text, need, user_of

QUERY_FIELDS = ("post", "day", "span")


def _query(post: Post, day: date, span: str) -> str:
    return urlencode({"post": post.code, "day": day.isoformat(), "span": span})


def _page_url(post: Post, day: date, span: str) -> str:
    return reverse("staffing:demand") + "?" + _query(post, day, span)


def _render(
    request: HttpRequest,
    data: QueryDict,
    *,
    edit_form: ForecastDayForm | None = None,
    import_form: ImportForm | None = None,
    history_form: HistoryForm | None = None,
    status: int = 200,
) -> HttpResponse:
    from kefu.reports.views import plotly_url

    query = DemandQueryForm(data)
    context: dict[str, Any] = {"query": query, "plotly_url": plotly_url()}
    post = None
    if query.is_valid():
        post = query.chosen_post()
    if post is None:
        context["no_post"] = query.is_valid()
        return render(
            request,
            "staffing/demand.html",
            nav(request, "demand", **context),
            status=status if query.is_valid() else 400,
        )
    day: date = query.cleaned_data["day"]
    span: str = query.cleaned_data["span"]
    days = sel.span_days(day, span)
    targets = query.targets(post)
    for name, value in sel.Targets.of_post(post).as_percent().items():
        query.fields[name].widget.attrs["placeholder"] = f"{value:g}"
    try:
        sel.targets_check(targets)
    except ValidationError as exc:
        apply_errors(exc, query)
        status = 400
        plan = None
        context["targets_invalid"] = True
    else:
        plan = sel.demand_plan(post, days, targets)
    existing = {r.start: r for r in sel.forecast_of(post, [day]).values()}
    context.update(
        post=post,
        day=day,
        span=span,
        days=days,
        targets=targets,
        what_if=query.what_if,
        plan=plan,
        chart=sel.chart_data(plan) if plan and plan.rows else None,
        summaries=_summaries(plan, data) if plan and len(days) > 1 else None,
        hidden=[("post", post.code), ("day", day.isoformat()), ("span", span)],
        page_query=_query(post, day, span),
        export_query=request.GET.urlencode()
        if request.method == "GET"
        else _query(post, day, span),
        edit_form=edit_form or ForecastDayForm(post=post, existing=existing, prefix="f"),
        import_form=import_form or ImportForm(initial={"day": day}, prefix="imp"),
        history_form=history_form or HistoryForm(prefix="hist"),
    )
    return render(request, "staffing/demand.html", nav(request, "demand", **context), status=status)


def _summaries(plan: sel.DemandPlan, data: QueryDict) -> list[tuple[sel.DaySummary, str]]:
    """Each day of the week with the query of its day view (what-if targets kept)."""
    out = []
    for summary in sel.day_summaries(plan):
        query = data.copy()
        query.pop("csrfmiddlewaretoken", None)
        query["post"] = plan.post.code
        query["day"] = summary.day.isoformat()
        query["span"] = "day"
        out.append((summary, query.urlencode()))
    return out


@login_required
@require_safe
def demand(request: HttpRequest) -> HttpResponse:
    need(request, ROSTER_MANAGERS)
    return _render(request, request.GET)


def _chosen(request: HttpRequest) -> tuple[Post, date, str] | None:
    """The post, day and span a POST form carries in its hidden fields."""
    query = DemandQueryForm({k: request.POST.get(k, "") for k in QUERY_FIELDS})
    if not query.is_valid() or query.cleaned_data.get("post") is None:
        return None
    return query.cleaned_data["post"], query.cleaned_data["day"], query.cleaned_data["span"]


def _for_choice(
    view: Callable[[HttpRequest, Post, date, str], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """A manager's POST about the post, day and span in its hidden fields; without them, back
    to the demand page with a message."""

    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        need(request, ROSTER_MANAGERS)
        chosen = _chosen(request)
        if chosen is None:
            messages.error(request, _("请选择岗位和日期"))
            return redirect("staffing:demand")
        return view(request, *chosen)

    return wrapped


def _post_data(request: HttpRequest) -> QueryDict:
    data = QueryDict(mutable=True)
    for k in QUERY_FIELDS:
        data[k] = request.POST.get(k, "")
    return data


@login_required
@require_POST
@_for_choice
def demand_edit(request: HttpRequest, post: Post, day: date, span: str) -> HttpResponse:
    existing = {r.start: r for r in sel.forecast_of(post, [day]).values()}
    form = ForecastDayForm(request.POST, post=post, existing=existing, prefix="f")
    if form.is_valid():
        try:
            changed = services.forecast_save(
                by=user_of(request),
                post=post,
                day=day,
                entries=[services.Entry(s, c, a) for s, c, a in form.entries()],
            )
        except ValidationError as exc:
            apply_errors(exc, form)
        else:
            messages.success(
                request,
                _("%(day)s 的话务预测已保存(%(n)s 个时段有变动)")
                % {"day": day.isoformat(), "n": changed},
            )
            return redirect(_page_url(post, day, span))
    return _render(request, _post_data(request), edit_form=form, status=400)


@login_required
@require_POST
@_for_choice
def demand_import(request: HttpRequest, post: Post, day: date, span: str) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES, prefix="imp")
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.forecast_import(
                by=user_of(request),
                post=post,
                content=upload.read(),
                day=form.cleaned_data["day"],
                filename=upload.name or "",
            )
        except ValidationError as exc:
            apply_errors(exc, form)
        else:
            first = result.days[0] if result.days else day
            messages.success(
                request,
                _("已导入 %(n)s 个时段的话务预测(%(first)s 至 %(last)s)")
                % {
                    "n": result.intervals,
                    "first": first.isoformat(),
                    "last": (result.days[-1] if result.days else day).isoformat(),
                },
            )
            shown = span if len(result.days) <= 1 else "week"
            return redirect(_page_url(post, first, shown))
    return _render(request, _post_data(request), import_form=form, status=400)


@login_required
@require_POST
@_for_choice
def demand_history(request: HttpRequest, post: Post, day: date, span: str) -> HttpResponse:
    form = HistoryForm(request.POST, prefix="hist")
    if form.is_valid():
        d = form.cleaned_data
        try:
            result = services.forecast_from_history(
                by=user_of(request),
                post=post,
                days=sel.span_days(day, span),
                weeks=d["weeks"],
                tickets=d["tickets"],
                conversations=d["conversations"],
            )
        except ValidationError as exc:
            apply_errors(exc, form)
        else:
            messages.success(
                request,
                _("已按 %(first)s 至 %(last)s 的 %(events)s 条记录生成 %(n)s 个时段的话务预测")
                % {
                    "first": result.first_day.isoformat(),
                    "last": result.last_day.isoformat(),
                    "events": result.events,
                    "n": result.intervals,
                },
            )
            return redirect(_page_url(post, day, span))
    return _render(request, _post_data(request), history_form=form, status=400)


@login_required
@require_POST
def demand_targets(request: HttpRequest) -> HttpResponse:
    """Saves the what-if targets as the post's own."""
    need(request, ROSTER_MANAGERS)
    query = DemandQueryForm(request.POST)
    if not query.is_valid() or query.cleaned_data.get("post") is None:
        return _render(request, request.POST, status=400)
    post = query.cleaned_data["post"]
    try:
        services.post_targets_save(by=user_of(request), post=post, targets=query.targets(post))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        data = request.POST.copy()
        data.pop("csrfmiddlewaretoken", None)
        return _render(request, data, status=400)
    messages.success(request, _("已保存为「%(post)s」的服务水平目标") % {"post": post.name})
    return redirect(_page_url(post, query.cleaned_data["day"], query.cleaned_data["span"]))


@login_required
@require_safe
def demand_csv(request: HttpRequest) -> HttpResponse:
    need(request, ROSTER_MANAGERS)
    query = DemandQueryForm(request.GET)
    post = query.chosen_post() if query.is_valid() else None
    if post is None:
        return _render(request, request.GET, status=400)
    targets = query.targets(post)
    try:
        sel.targets_check(targets)
    except ValidationError:
        return _render(request, request.GET, status=400)
    days = sel.span_days(query.cleaned_data["day"], query.cleaned_data["span"])
    plan = sel.demand_plan(post, days, targets)
    name = f"demand-{post.code}-{days[0].isoformat()}" + (
        f"-{days[-1].isoformat()}" if len(days) > 1 else ""
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM
    writer = csv.writer(response)
    writer.writerow(sel.CSV_HEADER)
    writer.writerows(sel.plan_csv_rows(plan))
    return response


urlpatterns: list[URLPattern] = [
    path("demand/", demand, name="demand"),
    path("demand/edit/", demand_edit, name="demand_edit"),
    path("demand/import/", demand_import, name="demand_import"),
    path("demand/history/", demand_history, name="demand_history"),
    path("demand/targets/", demand_targets, name="demand_targets"),
    path("demand/export.csv", demand_csv, name="demand_csv"),
]
