"""The KPI page, its CSV export, and plotly.js served from the installed `plotly` package.

Views parse the filter form, call the selectors and format numbers; the measures themselves are
defined in `selectors.py`.
"""

from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import io
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from kefu.accounts.models import Team, User
from kefu.accounts.permissions import SUPERVISORS, TICKET_HANDLERS, require

from . import selectors
from .selectors import MAX_RANGE_DAYS, KpiDay, KpiFilter, KpiReport, KpiRow

DEFAULT_DAYS = 30
DASH = "—"

# --- filter form ------------------------------------------------------------------------------


class KpiForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("班组"),
        queryset=Team.objects.all(),
        required=False,
        empty_label=gettext_lazy("全部班组"),
    )
    agent = forms.ModelChoiceField(
        label=gettext_lazy("坐席"),
        queryset=User.objects.filter(role__in=TICKET_HANDLERS).order_by(
            "team__name", "employee_no", "username"
        ),
        required=False,
        empty_label=gettext_lazy("全部坐席"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("结束日期不能早于开始日期"))
            elif (end - start).days + 1 > MAX_RANGE_DAYS:
                self.add_error("date_to", _("日期范围不能超过 %(n)s 天") % {"n": MAX_RANGE_DAYS})
        return data

    def filters(self) -> KpiFilter:
        data = self.cleaned_data
        return KpiFilter(
            date_from=data["date_from"],
            date_to=data["date_to"],
            team_id=data["team"].pk if data.get("team") else None,
            agent_id=data["agent"].pk if data.get("agent") else None,
        )


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last 30 local days, today included."""
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def _form(request: HttpRequest) -> KpiForm:
    data: QueryDict = request.GET.copy()
    start, end = default_range()
    if not data.get("date_from"):
        data["date_from"] = start.isoformat()
    if not data.get("date_to"):
        data["date_to"] = end.isoformat()
    return KpiForm(data)


# --- formatting (shared by the page and the CSV) ----------------------------------------------


def fmt_pct(value: float | None, empty: str = DASH) -> str:
    return empty if value is None else f"{value * 100:.1f}%"


def fmt_minutes(value: float | None, empty: str = DASH) -> str:
    return empty if value is None else f"{value:.1f}"


@dataclass(frozen=True)
class Cells:
    """A row's measures as display strings."""

    reply_rate: str
    on_time_rate: str
    callback_rate: str
    p50: str
    p90: str


def cells(row: KpiRow, empty: str = DASH) -> Cells:
    return Cells(
        reply_rate=fmt_pct(row.reply_rate, empty),
        on_time_rate=fmt_pct(row.on_time_rate, empty),
        callback_rate=fmt_pct(row.callback_rate, empty),
        p50=fmt_minutes(row.first_response_p50, empty),
        p90=fmt_minutes(row.first_response_p90, empty),
    )


def _hours_hint(minutes: float | None) -> str:
    if minutes is None or minutes < 60:
        return ""
    return _("约 %(h)s 小时") % {"h": f"{minutes / 60:.1f}"}


def _chart_data(days: list[KpiDay]) -> dict[str, Any]:
    # both charts share one x range: half a day either side of the first and last bars
    x_range = (
        [f"{days[0].day - timedelta(days=1)} 12:00", f"{days[-1].day} 12:00"] if days else None
    )
    return {
        "days": [d.day.isoformat() for d in days],
        "x_range": x_range,
        "on_time": [d.replied_on_time for d in days],
        "late": [d.replied_late for d in days],
        "not_replied": [d.not_replied for d in days],
        "p50": [
            None if d.first_response_p50 is None else round(d.first_response_p50, 1) for d in days
        ],
        "p90": [
            None if d.first_response_p90 is None else round(d.first_response_p90, 1) for d in days
        ],
        "labels": {
            "on_time": _("按时回复"),
            "late": _("超时回复"),
            "not_replied": _("未回复"),
            "p50": _("首次响应中位数"),
            "p90": _("首次响应 P90"),
            "tickets": _("工单数"),
            "minutes": _("分钟"),
            "daily_title": _("每日受理与回复"),
            "fr_title": _("每日首次响应时间(按受理日)"),
        },
    }


def _query_without(request: HttpRequest, *names: str) -> str:
    q = request.GET.copy()
    for name in (*names, "page"):
        q.pop(name, None)
    return q.urlencode()


# --- pages ------------------------------------------------------------------------------------


@login_required
@require_safe
def kpi(request: HttpRequest) -> HttpResponse:
    require(request.user, SUPERVISORS, _("查看指标报表"))  # type: ignore[arg-type]
    form = _form(request)
    report: KpiReport | None = None
    if form.is_valid():
        report = selectors.kpi_report(by=request.user, filters=form.filters())  # type: ignore[arg-type]
    context: dict[str, Any] = {"form": form, "report": report, "plotly_url": plotly_url()}
    if report is not None:
        total = report.total
        context |= {
            "total": total,
            "total_cells": cells(total),
            "p50_hint": _hours_hint(total.first_response_p50),
            "p90_hint": _hours_hint(total.first_response_p90),
            "agents": [(r, cells(r)) for r in report.agents],
            "teams": [(r, cells(r)) for r in report.teams],
            "days": [
                (d, fmt_minutes(d.first_response_p50), fmt_minutes(d.first_response_p90))
                for d in report.days
            ],
            "chart": _chart_data(report.days),
            "team_name": form.cleaned_data["team"].name if form.cleaned_data.get("team") else "",
            "agent_name": str(form.cleaned_data["agent"]) if form.cleaned_data.get("agent") else "",
            "csv_query": request.GET.urlencode(),
            "agent_link_query": _query_without(request, "agent"),
            "team_link_query": _query_without(request, "team", "agent"),
            "has_data": bool(total.received or total.callbacks_due),
        }
    status = 200 if report is not None else 400
    return render(request, "reports/kpi.html", context, status=status)


CSV_HEADER = [
    "坐席",
    "工号",
    "班组",
    "受理量",
    "已回复",
    "回复率",
    "按时回复",
    "超时回复",
    "按时回复率",
    "未回复",
    "首次响应样本数",
    "首次响应中位数(分钟)",
    "首次响应P90(分钟)",
    "当前超时",
    "应回电(到期)",
    "按时回电",
    "回电按时率",
    "已解决",
]


def _csv_safe(value: str) -> str:
    """Names typed by people must not run as spreadsheet formulas."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_row(row: KpiRow) -> list[str | int]:
    c = cells(row, empty="")
    return [
        _csv_safe(row.label),
        _csv_safe(row.employee_no),
        _csv_safe(row.team_name),
        row.received,
        row.replied,
        c.reply_rate,
        row.replied_on_time,
        row.replied_late,
        c.on_time_rate,
        row.not_replied,
        row.first_responses,
        c.p50,
        c.p90,
        row.overdue_now,
        row.callbacks_due,
        row.callbacks_kept,
        c.callback_rate,
        row.resolved,
    ]


@login_required
@require_safe
def kpi_csv(request: HttpRequest) -> HttpResponse:
    """Per-agent rows and a total row; UTF-8 with a BOM so Excel reads the Chinese."""
    require(request.user, SUPERVISORS, _("导出指标报表"))  # type: ignore[arg-type]
    form = _form(request)
    if not form.is_valid():
        messages = [f"{name}: {', '.join(errs)}" for name, errs in form.errors.items()]
        return HttpResponse(
            "\n".join(messages), status=400, content_type="text/plain; charset=utf-8"
        )
    report = selectors.kpi_report(by=request.user, filters=form.filters())  # type: ignore[arg-type]
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in report.agents:
        writer.writerow(_csv_row(row))
    writer.writerow(_csv_row(report.total))
    f = report.filters
    name = f"kpi-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}.csv"
    response = HttpResponse(buf.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- plotly.js, straight from the installed python package (no CDN, no collectstatic) ---------


def _plotly_path() -> Path:
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


@functools.cache
def _plotly_digest() -> str:
    return hashlib.sha256(_plotly_path().read_bytes()).hexdigest()[:16]


@functools.cache
def _plotly_gzip() -> bytes:
    return gzip.compress(_plotly_path().read_bytes(), compresslevel=6, mtime=0)


def plotly_url() -> str:
    """Versioned by content hash, so the file can be cached for a year."""
    return reverse("reports:plotly_js", args=[_plotly_digest()])


@require_safe
def plotly_js(request: HttpRequest, digest: str) -> HttpResponse:
    current = _plotly_digest()
    if digest != current:  # a page rendered before an upgrade of the plotly package
        return redirect(plotly_url())
    etag = f'"{current}"'
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(_plotly_gzip(), content_type="text/javascript; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = FileResponse(
            _plotly_path().open("rb"), content_type="text/javascript; charset=utf-8"
        )
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Vary"] = "Accept-Encoding"
    return response
