"""Quality pages: conversation list, import, the conversation with its findings in place, review
and appeal actions, the review queue, agent scorecards and rule statistics.

Views parse input with forms, call one service or selector and render. A service's
ValidationError is shown next to the field with what the user typed kept.
"""

from __future__ import annotations

import random
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from kefu.accounts.models import User
from kefu.core.views import apply_errors, paginate, safe_next
from kefu.customers.services import phone_for

from . import selectors, services
from .forms import (
    AppealDecideForm,
    AppealForm,
    ConversationFilterForm,
    ImportForm,
    QueueFilterForm,
    ReviewForm,
    StatsForm,
    default_range,
)
from .models import Appeal, Conversation, Finding, InspectionBatch
from .permissions import may_import, may_review, sees_all

METRIC_LABELS: list[tuple[str, Any, str]] = [
    # key, label, unit: "ms" shown as seconds
    ("speech_rate_cpm", gettext_lazy("语速(字/分钟)"), ""),
    ("answer_after_ms", gettext_lazy("接听用时(秒)"), "ms"),
    ("longest_silence_ms", gettext_lazy("最长静默(秒)"), "ms"),
    ("hold_ms", gettext_lazy("保持时长(秒)"), "ms"),
    ("agent_chars", gettext_lazy("坐席字数"), ""),
    ("customer_chars", gettext_lazy("客户字数"), ""),
    ("talk_share", gettext_lazy("坐席说话占比"), "pct"),
    ("agent_turns", gettext_lazy("坐席轮次"), ""),
    ("customer_turns", gettext_lazy("客户轮次"), ""),
    ("hung_up_by", gettext_lazy("先挂机方"), "who"),
]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    user = _user(request)
    context["perms_q"] = {
        "import": may_import(user),
        "all": sees_all(user),
        "review": may_review(user),
    }
    return render(request, template, context, status=status)


def _conversation(request: HttpRequest, pk: int) -> Conversation:
    try:
        return selectors.conversation_get(_user(request), pk)
    except Conversation.DoesNotExist:
        raise Http404(_("未找到该对话")) from None


# --- list ---------------------------------------------------------------------------------------


@login_required
@require_safe
def conversation_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ConversationFilterForm(request.GET or None, show_agent=sees_all(user))
    filters = form.filters() if form.is_valid() else selectors.ConversationFilter()
    status = 200 if not form.is_bound or form.is_valid() else 400
    page = paginate(request, selectors.conversation_list(user, filters))
    context = {
        "form": form,
        "page": page,
        "sees_all": sees_all(user),
        "may_import": may_import(user),
    }
    return _render(request, "quality/list.html", context, status=status)


# --- import -------------------------------------------------------------------------------------


@login_required
def conversation_import(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_import(user):
        raise PermissionDenied(_("只有质检员、班长和经理可以导入对话"))
    results: list[tuple[str, services.ImportResult]] = []
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            agent = form.cleaned_data["agent"]
            ticket = form.cleaned_data["ticket"]
            try:
                for upload in form.cleaned_data["files"]:
                    data = upload.read()
                    result = services.conversations_import(
                        by=user, data=data, filename=upload.name, agent=agent, ticket=ticket
                    )
                    results.append((upload.name, result))
            except ValidationError as exc:
                apply_errors(exc, form)
                status = 400
        else:
            status = 400
    else:
        form = ImportForm()
    totals = {
        "created": sum(r.created for _n, r in results),
        "updated": sum(r.updated for _n, r in results),
        "problems": sum(len(r.problems) for _n, r in results),
        "inspected": sum(r.inspected for _n, r in results),
    }
    context = {"form": form, "results": results, "totals": totals, "done": bool(results)}
    return _render(request, "quality/import.html", context, status=status)


@login_required
@require_safe
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if not sees_all(user):
        raise PermissionDenied(_("只有质检员、班长和经理可以查看质检批次"))
    batch = get_object_or_404(InspectionBatch, pk=pk)
    page = paginate(
        request, batch.conversations.select_related("agent").order_by("-occurred_at", "-id")
    )
    return _render(request, "quality/batch.html", {"batch": batch, "page": page})


# --- the conversation ---------------------------------------------------------------------------


def _metrics(report: dict[str, Any]) -> list[tuple[str, str]]:
    raw = report.get("metrics") or {}
    out = []
    for key, label, unit in METRIC_LABELS:
        value = raw.get(key)
        if value is None:
            continue
        if unit == "ms":
            shown = f"{value / 1000:.1f}"
        elif unit == "pct":
            shown = f"{value * 100:.0f}%" if value <= 1 else f"{value:.0f}%"
        elif unit == "who":
            shown = str(selectors.SPEAKER_LABELS.get(str(value), value))
        else:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
        out.append((str(label), shown))
    known = {k for k, _l, _u in METRIC_LABELS}
    out.extend((k, str(v)) for k, v in raw.items() if k not in known and v is not None)
    return out


def _detail_context(
    request: HttpRequest,
    conv: Conversation,
    *,
    bound: dict[str, Any] | None = None,
) -> dict[str, Any]:
    user = _user(request)
    findings = selectors.conversation_findings(conv)
    inspection = conv.latest_inspection
    report = inspection.report if inspection is not None else {}
    bound = bound or {}
    can_review = may_review(user)
    is_agent = conv.agent_id == user.pk
    for f in findings:
        prefix = f"f{f.pk}"
        f.review_form = bound.get(("review", f.pk)) or ReviewForm(  # type: ignore[attr-defined]
            auto_id=f"{prefix}-%s"
        )
        f.appeal_form = bound.get(("appeal", f.pk)) or AppealForm(auto_id=f"{prefix}-appeal-%s")  # type: ignore[attr-defined]
        appeal = f.appeal if hasattr(f, "appeal") else None
        f.the_appeal = appeal  # type: ignore[attr-defined]
        f.decide_form = (  # type: ignore[attr-defined]
            bound.get(("decide", appeal.pk)) if appeal is not None else None
        ) or AppealDecideForm(auto_id=f"{prefix}-decide-%s")
        f.may_appeal = (  # type: ignore[attr-defined]
            is_agent and f.is_latest and f.standing and appeal is None
        )
    customer = conv.payload.get("customer") or {}
    return {
        "conv": conv,
        "inspection": inspection,
        "report": report,
        "findings": findings,
        "whole_findings": [f for f in findings if f.segment is None],
        "lines": selectors.transcript(conv, findings),
        "commitments": selectors.conversation_commitments(conv),
        "report_commitments": report.get("commitments") or [],
        "metrics": _metrics(report),
        "events": selectors.conversation_events(conv),
        "warnings": report.get("warnings") or [],
        "can_review": can_review,
        "can_reinspect": may_import(user),
        "is_agent": is_agent,
        "customer_phone": phone_for(user, str(customer.get("phone") or "")),
        "customer_name": customer.get("name") or "",
        "agent_info": conv.payload.get("agent") or {},
        "standing_count": sum(1 for f in findings if f.standing),
        "now": timezone.now(),
    }


@login_required
@require_safe
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conv = _conversation(request, pk)
    return _render(request, "quality/detail.html", _detail_context(request, conv))


def _finding(request: HttpRequest, pk: int) -> Finding:
    finding = get_object_or_404(Finding.objects.select_related("conversation"), pk=pk)
    user = _user(request)
    if not sees_all(user) and finding.conversation.agent_id != user.pk:
        raise PermissionDenied(_("您只能查看自己的质检对话"))
    return finding


def _back(request: HttpRequest, conv: Conversation, anchor: str = "") -> HttpResponse:
    default = conv.get_absolute_url() + (f"#{anchor}" if anchor else "")
    return redirect(safe_next(request, default))


def _failed(
    request: HttpRequest, conv: Conversation, key: tuple[str, int], form: Any
) -> HttpResponse:
    context = _detail_context(request, conv, bound={key: form})
    context["failed_finding"] = key[1]
    return _render(request, "quality/detail.html", context, status=400)


@login_required
@require_POST
def finding_review(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    conv = finding.conversation
    form = ReviewForm(request.POST, auto_id=f"f{finding.pk}-%s")
    if form.is_valid():
        try:
            services.finding_review(
                by=_user(request),
                finding=finding,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_errors(exc, form)
        else:
            if form.cleaned_data["decision"] == "overturn":
                messages.success(request, _("已撤销该质检问题,得分已重新计算"))
            else:
                messages.success(request, _("已确认该质检问题"))
            return _back(request, conv, f"finding-{finding.pk}")
    return _failed(request, _conversation(request, conv.pk), ("review", finding.pk), form)


@login_required
@require_POST
def finding_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    conv = finding.conversation
    form = AppealForm(request.POST, auto_id=f"f{finding.pk}-appeal-%s")
    if form.is_valid():
        try:
            services.finding_appeal(
                by=_user(request), finding=finding, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(exc, form)
        else:
            messages.success(request, _("申诉已提交,质检员处理后会通知您"))
            return _back(request, conv, f"finding-{finding.pk}")
    return _failed(request, _conversation(request, conv.pk), ("appeal", finding.pk), form)


@login_required
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(
        Appeal.objects.select_related("finding", "finding__conversation"), pk=pk
    )
    finding = appeal.finding
    form = AppealDecideForm(request.POST, auto_id=f"f{finding.pk}-decide-%s")
    if form.is_valid():
        try:
            services.appeal_decide(
                by=_user(request),
                appeal=appeal,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_errors(exc, form)
        else:
            messages.success(request, _("申诉已处理"))
            return _back(request, finding.conversation, f"finding-{finding.pk}")
    conv = _conversation(request, finding.conversation_id)
    return _failed(request, conv, ("decide", appeal.pk), form)


@login_required
@require_POST
def conversation_reinspect(request: HttpRequest, pk: int) -> HttpResponse:
    conv = _conversation(request, pk)
    try:
        services.conversation_inspect(conversation=conv, by=_user(request))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    except Exception as exc:
        if exc.__class__.__name__ != "RulebookInvalid":
            raise
        messages.error(request, services.rulebook_error_message(exc))
    else:
        messages.success(request, _("已重新质检"))
    return redirect(conv)


# --- review queue -------------------------------------------------------------------------------


@login_required
@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not sees_all(user):
        raise PermissionDenied(_("只有质检员、班长和经理可以查看复核队列"))
    data = request.GET.copy() if request.GET else QueryDict(mutable=True)
    data.setdefault("status", "open")
    form = QueueFilterForm(data)
    if not form.is_valid():
        page = paginate(request, [])
        context = {"form": form, "page": page, "can_review": may_review(user), "sampled": False}
        return _render(request, "quality/queue.html", context, status=400)
    qs = selectors.review_queue(user, form.filters())
    sample = form.cleaned_data.get("sample")
    if sample:
        seed = form.cleaned_data.get("seed")
        if seed is None:
            # a fixed seed in the address keeps the same sample across pages and reloads
            data["seed"] = str(random.randint(1, 2**31 - 1))
            data.pop("page", None)
            return redirect(f"{reverse('quality:queue')}?{data.urlencode()}")
        ids = selectors.sample_ids(qs, sample, seed)
        qs = qs.filter(id__in=ids)
    page = paginate(request, qs)
    context = {
        "form": form,
        "page": page,
        "can_review": may_review(user),
        "sampled": bool(sample),
        "pending_appeals": selectors.appeals_pending().count(),
    }
    return _render(request, "quality/queue.html", context)


# --- scorecards and rule statistics ----------------------------------------------------------


def _stats_form(request: HttpRequest, *, show_agent: bool) -> StatsForm:
    data = request.GET.copy()
    start, end = default_range()
    data.setdefault("date_from", start.isoformat())
    data.setdefault("date_to", end.isoformat())
    if not data.get("date_from"):
        data["date_from"] = start.isoformat()
    if not data.get("date_to"):
        data["date_to"] = end.isoformat()
    return StatsForm(data, show_agent=show_agent)


def _fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _fmt_num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


@login_required
@require_safe
def scorecards(request: HttpRequest) -> HttpResponse:
    from kefu.reports.views import plotly_url

    user = _user(request)
    everyone = sees_all(user)
    form = _stats_form(request, show_agent=everyone)
    if not form.is_valid():
        return _render(request, "quality/scorecards.html", {"form": form}, status=400)
    d = form.cleaned_data
    cards = selectors.scorecards(
        user,
        date_from=d["date_from"],
        date_to=d["date_to"],
        agent_id=d["agent"].pk if d.get("agent") else None,
        team_id=d["team"].pk if d.get("team") else None,
    )
    chart = {
        "weeks": [w.week.isoformat() for w in cards.weeks],
        "average": [None if w.average is None else round(w.average, 1) for w in cards.weeks],
        "pass_rate": [
            None if w.pass_rate is None else round(w.pass_rate * 100, 1) for w in cards.weeks
        ],
        "conversations": [w.conversations for w in cards.weeks],
        "labels": {
            "title": _("每周质检趋势"),
            "average": _("平均分"),
            "pass_rate": _("合格率(%)"),
            "conversations": _("对话数"),
            "week": _("周"),
        },
    }
    rows = [
        {
            "row": r,
            "average": _fmt_num(r.average),
            "pass_rate": _fmt_pct(r.pass_rate),
            "per_conv": _fmt_num(r.findings_per_conversation, 2),
        }
        for r in cards.rows
    ]
    total = cards.total
    context = {
        "form": form,
        "rows": rows,
        "total": {
            "row": total,
            "average": _fmt_num(total.average),
            "pass_rate": _fmt_pct(total.pass_rate),
            "per_conv": _fmt_num(total.findings_per_conversation, 2),
        },
        "weeks": [(w, _fmt_num(w.average), _fmt_pct(w.pass_rate)) for w in cards.weeks],
        "chart": chart,
        "has_data": bool(cards.weeks),
        "plotly_url": plotly_url(),
        "everyone": everyone,
        "query": request.GET.urlencode(),
    }
    return _render(request, "quality/scorecards.html", context)


@login_required
@require_safe
def rule_stats(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not sees_all(user):
        raise PermissionDenied(_("只有质检员、班长和经理可以查看规则统计"))
    form = _stats_form(request, show_agent=True)
    if not form.is_valid():
        return _render(request, "quality/rules.html", {"form": form}, status=400)
    d = form.cleaned_data
    stats = selectors.rule_stats(
        user,
        date_from=d["date_from"],
        date_to=d["date_to"],
        agent_id=d["agent"].pk if d.get("agent") else None,
        team_id=d["team"].pk if d.get("team") else None,
    )
    rule_page = paginate(request, stats.rules, per_page=50)
    std_page = paginate(request, stats.standards, per_page=50, param="std_page")
    context = {
        "form": form,
        "stats": stats,
        "rule_page": rule_page,
        "std_page": std_page,
        "rules": [(r, _fmt_pct(r.overturn_rate)) for r in rule_page.object_list],
        "standards": [
            (s, _fmt_pct(s.overturned / (s.hits + s.overturned) if s.hits + s.overturned else None))
            for s in std_page.object_list
        ],
        "date_from": d["date_from"],
        "date_to": d["date_to"],
    }
    return _render(request, "quality/rules.html", context)
