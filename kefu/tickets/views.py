"""Ticket pages: workbench, intake, detail with its actions, list, callbacks, team board.

Views parse input with forms, call one service and render. A service's ValidationError is shown
next to the fields with what the user typed kept; StaleVersion re-renders the page with the current
state and the user's text still in the form.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.models import User
from kefu.accounts.permissions import (
    MANAGERS,
    SUPERVISORS,
    TICKET_HANDLERS,
    has_role,
    may_reveal,
    require,
    sees_unmasked,
)
from kefu.core.services import StaleVersion
from kefu.core.views import apply_errors, paginate, safe_next
from kefu.customers import services as customer_services
from kefu.customers.models import Customer
from kefu.customers.selectors import customer_search
from kefu.quality.assist.selectors import opening_for_user

from . import selectors, services
from .complaints import complaint_report_save, complaint_report_verify
from .forms import (
    ActionForm,
    AssignForm,
    AttachmentForm,
    CallbackFulfilForm,
    CallbackPromiseForm,
    ComplaintReportForm,
    ComplaintVerifyForm,
    EscalateForm,
    IntakeSearchForm,
    NewCustomerForm,
    NoteForm,
    ReplyForm,
    ResolveForm,
    StatusForm,
    TicketFilterForm,
    TicketForm,
    TransferForm,
)
from .models import Attachment, Callback, ComplaintReport, Kind, Status, Ticket


def stale_message() -> str:
    return _("此工单已被他人修改,请刷新后重试")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- workbench and intake -----------------------------------------------------------------------


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    page = paginate(request, selectors.my_open_tickets(user))
    selectors.tickets_with_due_state(page.object_list, now)
    callbacks = selectors.callbacks_open(user=user)
    cb_page = paginate(request, callbacks, param="cb_page")
    selectors.callbacks_with_state(cb_page.object_list, now)
    unassigned = selectors.team_unassigned(user)
    context = {
        "page": page,
        "cb_page": cb_page,
        "unassigned": selectors.tickets_with_due_state(unassigned[:10], now),
        "unassigned_count": unassigned.count(),
        "search_form": IntakeSearchForm(),
        "is_handler": has_role(user, TICKET_HANDLERS),
        "now": now,
        "assist_opening": opening_for_user(user, at=now),
    }
    return render(request, "tickets/workbench.html", context)


def _intake_context(
    request: HttpRequest,
    *,
    phone: str,
    customer: Customer | None,
    ticket_form: TicketForm,
    new_form: NewCustomerForm | None,
    duplicates: list[Customer] | None = None,
) -> dict[str, Any]:
    user = _user(request)
    matches: list[Customer] = []
    if phone and customer is None:
        matches = list(customer_search(phone)[:20])
    for c in [*matches, *(duplicates or []), *([customer] if customer else [])]:
        c.shown_phone = customer_services.phone_for(user, c.phone)  # type: ignore[attr-defined]
        c.open_count = c.tickets.filter(is_open=True).count()  # type: ignore[attr-defined]
    return {
        "search_form": IntakeSearchForm(initial={"phone": phone}),
        "phone": phone,
        "matches": matches,
        "customer": customer,
        "ticket_form": ticket_form,
        "new_form": new_form,
        "duplicates": duplicates or [],
        "recent": customer.tickets.order_by("-received_at")[:5] if customer else [],
    }


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    """Quick intake of a phone call: number -> matching customers or a new customer -> work order."""
    user = _user(request)
    require(user, TICKET_HANDLERS, _("受理工单"))
    if request.method == "POST":
        return _intake_post(request)
    search = IntakeSearchForm(request.GET)
    phone = search.cleaned_data["phone"].strip() if search.is_valid() else ""
    customer = None
    raw_customer = request.GET.get("customer", "")
    if raw_customer.isdigit():
        customer = get_object_or_404(Customer, pk=int(raw_customer))
    initial = {
        "channel": "phone",
        "contact_phone": phone,
        "customer": customer.pk if customer else None,
    }
    ticket_form = TicketForm(initial=initial)
    new_form = None if customer else NewCustomerForm(initial={"phone": phone})
    context = _intake_context(
        request, phone=phone, customer=customer, ticket_form=ticket_form, new_form=new_form
    )
    # one key per form shown: a double submit returns the first work order instead of a second one
    context["idempotency_key"] = uuid.uuid4().hex
    # with matches on screen the agent first picks one, or says it is a new customer
    context["show_form"] = (
        customer is not None or not context["matches"] or request.GET.get("new") == "1"
    )
    return render(request, "tickets/intake.html", context)


def _intake_post(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    ticket_form = TicketForm(request.POST)
    phone = request.POST.get("search_phone", "").strip()[:40]
    key = request.POST.get("idempotency_key", "").strip()[:100] or None
    if key:
        done = selectors.ticket_for_idempotency_key(user, key)
        if done is not None:  # a double click or a resubmitted page: the first work order stands
            return redirect(done)
    raw_customer = request.POST.get("customer", "")
    customer = get_object_or_404(Customer, pk=int(raw_customer)) if raw_customer.isdigit() else None
    new_form = None if customer else NewCustomerForm(request.POST)
    duplicates: list[Customer] = []
    ticket_form.is_valid()
    if new_form is not None:
        new_form.is_valid()
    if ticket_form.is_valid() and (new_form is None or new_form.is_valid()):
        data = ticket_form.service_data()
        ticket: Ticket | None = None
        # the customer and the work order are saved together or not at all
        with transaction.atomic():
            ticket_error: ValidationError | None = None
            customer_error: ValidationError | None = None
            try:
                services.ticket_validate(data)
            except ValidationError as exc:
                ticket_error = exc
            if new_form is not None:
                cust_data = {
                    k: v for k, v in new_form.cleaned_data.items() if k != "allow_duplicate"
                }
                try:
                    customer = customer_services.customer_create(
                        by=user,
                        data=cust_data,
                        allow_duplicate=new_form.cleaned_data["allow_duplicate"],
                    )
                except customer_services.DuplicateCustomer as exc:
                    duplicates = exc.existing
                    customer_error = exc
                except ValidationError as exc:
                    customer_error = exc
            if ticket_error is None and customer_error is None and customer is not None:
                try:
                    ticket, _created = services.ticket_create(
                        by=user, customer=customer, data=data, idempotency_key=key
                    )
                except ValidationError as exc:
                    ticket_error = exc
            if ticket is None:
                transaction.set_rollback(True)
        if ticket is not None:
            messages.success(request, _("已受理工单 %(no)s") % {"no": ticket.number})
            return redirect(ticket)
        if new_form is not None:
            customer = None
            if customer_error is not None:
                apply_errors(customer_error, new_form)
        if ticket_error is not None:
            apply_errors(ticket_error, ticket_form)
    context = _intake_context(
        request,
        phone=phone,
        customer=customer,
        ticket_form=ticket_form,
        new_form=new_form,
        duplicates=duplicates,
    )
    context["idempotency_key"] = key or uuid.uuid4().hex
    context["show_form"] = True
    return render(request, "tickets/intake.html", context, status=400)


# --- detail and actions -------------------------------------------------------------------------


def _ticket_or_404(number: str) -> Ticket:
    ticket = selectors.ticket_page_get(number)
    if ticket is None:
        raise Http404(_("找不到工单 %(no)s") % {"no": number})
    return ticket


def _may_handle(user: User, ticket: Ticket) -> bool:
    """Whether the action forms are worth showing (the services check again on every action)."""
    try:
        services._may_handle(user, ticket)
    except PermissionDenied:
        return False
    return True


def _action_forms(ticket: Ticket, user: User) -> dict[str, forms.Form]:
    v = {"version": ticket.version}
    kw: dict[str, Any] = {"ticket": ticket, "user": user}
    result: dict[str, forms.Form] = {
        "reply": ReplyForm(initial=v, **kw),
        "note": NoteForm(initial=v, **kw),
        "status": StatusForm(initial=v, **kw),
        "transfer": TransferForm(initial=v, **kw),
        "escalate": EscalateForm(initial=v, **kw),
        "resolve": ResolveForm(initial=v, **kw),
        "assign": AssignForm(initial={**v, "assignee": ticket.assignee_id}, **kw),
        "callback": CallbackPromiseForm(initial=v, **kw),
        "attach": AttachmentForm(initial=v, **kw),
        "take": ActionForm(initial=v, **kw),
    }
    if ticket.kind == Kind.COMPLAINT:
        report = ComplaintReport.objects.filter(ticket=ticket).first()
        initial: dict[str, Any] = dict(v)
        if report is not None:
            initial.update(
                {
                    f: getattr(report, f)
                    for f in (
                        "facts",
                        "evidence",
                        "cause",
                        "responsibility",
                        "merchant",
                        "measures",
                        "explanation",
                        "apologised",
                        "major",
                    )
                }
            )
            initial["responsible_staff"] = report.responsible_staff_id
            result["verify"] = ComplaintVerifyForm(
                initial={**v, "verified": "0" if report.verified_at else "1"}, **kw
            )
        result["complaint"] = ComplaintReportForm(initial=initial, **kw)
    return result


def _detail_context(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: dict[str, forms.Form] | None = None,
    bound_fulfil: tuple[int, CallbackFulfilForm] | None = None,
) -> dict[str, Any]:
    user = _user(request)
    now = timezone.now()
    action_forms = _action_forms(ticket, user)
    action_forms.update(bound or {})
    callbacks = list(ticket.callbacks.select_related("owner").order_by("state", "due_at"))
    selectors.callbacks_with_state(callbacks, now)
    for cb in callbacks:
        if bound_fulfil and bound_fulfil[0] == cb.pk:
            cb.form = bound_fulfil[1]  # type: ignore[attr-defined]
        else:
            cb.form = CallbackFulfilForm(
                callback_id=cb.pk, initial={"next": ticket.get_absolute_url()}
            )  # type: ignore[attr-defined]
        cb.shown_phone = customer_services.phone_for(user, cb.phone)  # type: ignore[attr-defined]
    customer = ticket.customer
    report = (
        ComplaintReport.objects.filter(ticket=ticket)
        .select_related("responsible_staff", "verified_by", "written_by")
        .first()
    )
    standards = (
        [s.strip() for s in ticket.policy.standards.split(",") if s.strip()]
        if ticket.policy
        else []
    )
    unmasked = sees_unmasked(user)
    return {
        "ticket": ticket,
        "clocks": selectors.ticket_clocks(ticket, now),
        "standards": standards,
        "calendar_title": selectors.calendar_title(ticket.sla_calendar),
        "timeline": selectors.ticket_timeline(ticket, masked=not unmasked),
        "customer": customer,
        "customer_phone": customer_services.phone_for(user, customer.phone),
        "contact_phone": customer_services.phone_for(user, ticket.contact_phone),
        "can_reveal": may_reveal(user) and not unmasked,
        "callbacks": callbacks,
        "attachments": ticket.attachments.select_related("uploaded_by").order_by("uploaded_at"),
        "report": report,
        "forms": action_forms,
        "can_handle": _may_handle(user, ticket),
        "can_assign": has_role(user, SUPERVISORS),
        "can_take": ticket.assignee_id is None
        and ticket.is_open
        and has_role(user, TICKET_HANDLERS),
        "can_verify": has_role(user, MANAGERS),
        "is_complaint": ticket.kind == Kind.COMPLAINT,
        "now": now,
        "closed": ticket.status in (Status.RESOLVED, Status.CLOSED),
    }


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket_or_404(number)
    return render(request, "tickets/detail.html", _detail_context(request, ticket))


Runner = Callable[[User, Ticket, Any], str]


def _run_reply(user: User, t: Ticket, f: Any) -> str:
    services.ticket_reply(
        by=user, ticket=t, body=f.cleaned_data["body"], expected_version=f.cleaned_data["version"]
    )
    return _("已回复客户")


def _run_note(user: User, t: Ticket, f: Any) -> str:
    services.ticket_note(
        by=user, ticket=t, body=f.cleaned_data["body"], expected_version=f.cleaned_data["version"]
    )
    return _("已添加内部备注")


def _run_status(user: User, t: Ticket, f: Any) -> str:
    status = f.cleaned_data["status"]
    if not status:
        raise ValidationError({"status": [_("请选择新状态")]})
    services.ticket_set_status(
        by=user,
        ticket=t,
        status=status,
        note=f.cleaned_data["note"],
        expected_version=f.cleaned_data["version"],
    )
    return _("状态已改为“%(s)s”") % {"s": Status(status).label}


def _run_transfer(user: User, t: Ticket, f: Any) -> str:
    department = f.cleaned_data["department"]
    if department is None:
        raise ValidationError({"department": [_("请选择转交部门")]})
    services.ticket_transfer(
        by=user,
        ticket=t,
        department=department,
        scope=f.cleaned_data["scope"] or None,
        note=f.cleaned_data["note"],
        expected_version=f.cleaned_data["version"],
    )
    return _("已转交%(d)s") % {"d": department.name}


def _run_escalate(user: User, t: Ticket, f: Any) -> str:
    updated = services.ticket_escalate(
        by=user,
        ticket=t,
        reason=f.cleaned_data["reason"],
        to=f.cleaned_data["to"],
        expected_version=f.cleaned_data["version"],
    )
    return _("已升级给 %(who)s,请告知客户") % {"who": updated.escalated_to}


def _run_resolve(user: User, t: Ticket, f: Any) -> str:
    services.ticket_resolve(
        by=user,
        ticket=t,
        summary=f.cleaned_data["summary"],
        expected_version=f.cleaned_data["version"],
    )
    return _("工单已标记为已解决")


def _run_assign(user: User, t: Ticket, f: Any) -> str:
    assignee = f.cleaned_data["assignee"]
    services.ticket_assign(
        by=user, ticket=t, assignee=assignee, expected_version=f.cleaned_data["version"]
    )
    if assignee is None:
        return _("已取消分派")
    return _("已分派给 %(who)s") % {"who": assignee}


def _run_take(user: User, t: Ticket, f: Any) -> str:
    services.ticket_assign(
        by=user, ticket=t, assignee=user, expected_version=f.cleaned_data["version"]
    )
    return _("已领取工单 %(no)s") % {"no": t.number}


def _check_version(t: Ticket, f: Any) -> None:
    """For services that take no expected version: refuse an edit based on an older page."""
    current = Ticket.objects.filter(pk=t.pk).values_list("version", flat=True).first()
    if current is not None and current != f.cleaned_data["version"]:
        raise StaleVersion(current)


def _run_callback(user: User, t: Ticket, f: Any) -> str:
    d = f.cleaned_data
    cb = services.callback_promise(
        by=user,
        ticket=t,
        hours=float(d["hours"]) if d["hours"] is not None else None,
        due_at=d["due_at"],
        reason=d["reason"] or Callback.Reason.PROMISED,
        phone=d["phone"],
        promise_text=d["promise_text"],
    )
    return _("已登记回电承诺,须在 %(t)s 前回电") % {
        "t": f"{timezone.localtime(cb.due_at):%m-%d %H:%M}"
    }


def _run_complaint(user: User, t: Ticket, f: Any) -> str:
    _check_version(t, f)
    data = {k: v for k, v in f.cleaned_data.items() if k not in ("version", "next")}
    complaint_report_save(by=user, ticket=t, data=data)
    return _("投诉报告已保存")


def _run_verify(user: User, t: Ticket, f: Any) -> str:
    report = ComplaintReport.objects.filter(ticket=t).first()
    if report is None:
        raise ValidationError({"verified": [_("请先填写投诉报告")]})
    _check_version(t, f)
    complaint_report_verify(
        by=user, report=report, verified=f.cleaned_data["verified"], note=f.cleaned_data["note"]
    )
    return _("投诉报告已核实") if f.cleaned_data["verified"] else _("已撤销投诉报告的核实")


def _run_attach(user: User, t: Ticket, f: Any) -> str:
    att = services.attachment_add(by=user, ticket=t, upload=f.cleaned_data["file"])
    return _("已上传附件 %(name)s") % {"name": att.name}


ACTIONS: dict[str, tuple[type[ActionForm], Runner]] = {
    "reply": (ReplyForm, _run_reply),
    "note": (NoteForm, _run_note),
    "status": (StatusForm, _run_status),
    "transfer": (TransferForm, _run_transfer),
    "escalate": (EscalateForm, _run_escalate),
    "resolve": (ResolveForm, _run_resolve),
    "assign": (AssignForm, _run_assign),
    "take": (ActionForm, _run_take),
    "callback": (CallbackPromiseForm, _run_callback),
    "complaint": (ComplaintReportForm, _run_complaint),
    "verify": (ComplaintVerifyForm, _run_verify),
    "attach": (AttachmentForm, _run_attach),
}


@login_required
@require_POST
def ticket_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One POST form of the detail page. Errors re-render the page with that form as typed."""
    if action not in ACTIONS:
        raise Http404
    user = _user(request)
    ticket = _ticket_or_404(number)
    form_class, run = ACTIONS[action]
    form = form_class(request.POST, request.FILES, ticket=ticket, user=user)
    status = 400
    if form.is_valid():
        try:
            message = run(user, ticket, form)
        except StaleVersion as exc:
            ticket = _ticket_or_404(number)
            data = request.POST.copy()
            data["version"] = str(exc.current_version)
            form = form_class(data, request.FILES, ticket=ticket, user=user)
            form.is_valid()
            form.add_error(None, stale_message())
            status = 409
        except ValidationError as exc:
            apply_errors(exc, form)
            ticket = _ticket_or_404(number)
        else:
            messages.success(request, message)
            return redirect(safe_next(request, ticket.get_absolute_url()))
    context = _detail_context(request, ticket, bound={action: form})
    context["failed_action"] = action
    return render(request, "tickets/detail.html", context, status=status)


@login_required
@require_POST
def callback_fulfil(request: HttpRequest, pk: int) -> HttpResponse:
    """Records a callback made (answered / progress only / unreachable + note)."""
    user = _user(request)
    cb = get_object_or_404(Callback.objects.select_related("ticket"), pk=pk)
    form = CallbackFulfilForm(request.POST, callback_id=cb.pk)
    if form.is_valid():
        try:
            done = services.callback_fulfil(
                by=user,
                callback=cb,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_errors(exc, form)
        else:
            if done.state == Callback.State.OPEN:
                messages.warning(
                    request,
                    _("未联系上客户,已安排 %(t)s 再次回电")
                    % {"t": f"{timezone.localtime(done.due_at):%H:%M}"},
                )
            else:
                messages.success(
                    request, _("回电已登记:%(o)s") % {"o": Callback.Outcome(done.outcome).label}
                )
            return redirect(safe_next(request, cb.ticket.get_absolute_url()))
    callbacks_url = reverse("tickets:callbacks")
    if (form.data.get("next") or "").startswith(callbacks_url):
        return _callbacks_render(request, bound=(cb.pk, form), status=400)
    ticket = _ticket_or_404(cb.ticket.number)
    context = _detail_context(request, ticket, bound_fulfil=(cb.pk, form))
    context["failed_action"] = "fulfil"
    return render(request, "tickets/detail.html", context, status=400)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    att = get_object_or_404(Attachment, pk=pk)
    try:
        handle = att.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("附件文件已不存在")) from exc
    return FileResponse(handle, as_attachment=True, filename=att.name)


# --- lists --------------------------------------------------------------------------------------


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    form = TicketFilterForm(request.GET or None)
    now = timezone.now()
    qs = selectors.ticket_search(form.filters(), now)
    page = paginate(request, qs)
    selectors.tickets_with_due_state(page.object_list, now)
    return render(request, "tickets/list.html", {"form": form, "page": page, "now": now})


def _callbacks_render(
    request: HttpRequest, *, bound: tuple[int, CallbackFulfilForm] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    supervisor = has_role(user, SUPERVISORS)
    scope = request.GET.get("scope") or ("all" if supervisor else "mine")
    everyone = supervisor and scope == "all"
    now = timezone.now()
    qs = selectors.callbacks_open(user=user, everyone=everyone)
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        qs = qs.filter(due_at__lt=now)
    page = paginate(request, qs)
    selectors.callbacks_with_state(page.object_list, now)
    here = request.get_full_path() if request.method == "GET" else reverse("tickets:callbacks")
    for cb in page.object_list:
        if bound and bound[0] == cb.pk:
            cb.form = bound[1]
        else:
            cb.form = CallbackFulfilForm(callback_id=cb.pk, initial={"next": here})
        cb.shown_phone = customer_services.phone_for(user, cb.phone)
    context = {
        "page": page,
        "supervisor": supervisor,
        "scope": "all" if everyone else "mine",
        "only_overdue": only_overdue,
        "overdue_count": selectors.callbacks_open(user=user, everyone=everyone)
        .filter(due_at__lt=now)
        .count(),
        "now": now,
    }
    return render(request, "tickets/callbacks.html", context, status=status)


@login_required
def callbacks(request: HttpRequest) -> HttpResponse:
    return _callbacks_render(request)


@login_required
def team(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, SUPERVISORS, _("查看班组看板"))
    teams = list(selectors.supervised_teams(user))
    chosen = None
    raw = request.GET.get("team", "")
    if raw.isdigit():
        chosen = next((t for t in teams if t.pk == int(raw)), None)
    shown = [chosen] if chosen else teams
    now = timezone.now()
    page = paginate(request, selectors.team_open_tickets(shown))
    selectors.tickets_with_due_state(page.object_list, now)
    here = request.get_full_path()
    for t in page.object_list:
        t.assign_form = AssignForm(
            initial={"version": t.version, "assignee": t.assignee_id, "next": here},
            ticket=t,
            user=user,
            team=t.team,
            auto_id=f"assign-{t.number}-%s",
        )
    agents = list(selectors.team_agents(shown, now))
    context = {
        "teams": teams,
        "chosen": chosen,
        "page": page,
        "agents": agents,
        "open_total": selectors.team_open_tickets(shown).count(),
        "overdue_total": selectors.team_open_tickets(shown).filter(next_due_at__lt=now).count(),
        "now": now,
    }
    return render(request, "tickets/team.html", context)
