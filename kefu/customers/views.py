"""Customer pages (CUS-1..3): search, profile with every work order, create/edit, audited reveal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.permissions import may_reveal, sees_unmasked
from kefu.core.services import StaleVersion
from kefu.core.views import apply_errors, paginate

from . import services
from .forms import (
    SENSITIVE_FIELDS,
    CustomerCreateForm,
    CustomerEditForm,
    CustomerSearchForm,
    RevealForm,
)
from .models import Customer
from .selectors import customer_search


def _masked(user: Any, customer: Customer) -> dict[str, str]:
    return {
        "phone": services.phone_for(user, customer.phone),
        "phone2": services.phone_for(user, customer.phone2),
        "id_number": services.id_number_for(user, customer.id_number),
    }


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    qs = customer_search(query).annotate(ticket_count=Count("tickets"))
    page = paginate(request, qs)
    for c in page.object_list:
        c.shown_phone = services.phone_for(request.user, c.phone)  # type: ignore[attr-defined,arg-type]
    return render(request, "customers/list.html", {"form": form, "page": page, "query": query})


def _detail_context(
    request: HttpRequest, customer: Customer, revealed: dict[str, str] | None = None
) -> dict[str, Any]:
    from kefu.tickets.selectors import tickets_with_due_state

    tickets = customer.tickets.select_related("assignee", "team").order_by("-received_at")
    page = paginate(request, tickets)
    tickets_with_due_state(page.object_list)
    shown = _masked(request.user, customer)
    shown.update(revealed or {})
    unmasked = sees_unmasked(request.user)  # type: ignore[arg-type]
    return {
        "customer": customer,
        "shown": shown,
        "revealed": revealed or {},
        "can_reveal": may_reveal(request.user) and not unmasked,  # type: ignore[arg-type]
        "page": page,
        "open_count": customer.tickets.filter(is_open=True).count(),
        "now": timezone.now(),
    }


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    return render(request, "customers/detail.html", _detail_context(request, customer))


@login_required
@require_POST
def customer_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows one full number on the profile page; the service writes who saw it (CUS-2).

    The page is rendered in the POST response, so the number never sits in a URL or the history.
    """
    customer = get_object_or_404(Customer, pk=pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要查看的号码"))
        return redirect("customers:detail", pk=pk)
    field = form.cleaned_data["field"]
    value = services.customer_reveal(
        by=request.user, customer=customer, field=field, reason=form.cleaned_data["reason"]
    )  # type: ignore[arg-type]
    context = _detail_context(request, customer, revealed={field: value})
    return render(request, "customers/detail.html", context)


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    duplicates: list[Customer] = []
    if request.method == "POST":
        form = CustomerCreateForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "allow_duplicate"}
            try:
                customer = services.customer_create(
                    by=request.user,  # type: ignore[arg-type]
                    data=data,
                    allow_duplicate=form.cleaned_data["allow_duplicate"],
                )
            except services.DuplicateCustomer as exc:
                duplicates = exc.existing
                apply_errors(exc, form)
            except ValidationError as exc:
                apply_errors(exc, form)
            else:
                messages.success(request, _("已新建客户 %(name)s") % {"name": customer.name})
                return redirect("customers:detail", pk=customer.pk)
        status = 400
    else:
        form = CustomerCreateForm(initial={"phone": request.GET.get("phone", "")[:40]})
        status = 200
    for c in duplicates:
        c.shown_phone = services.phone_for(request.user, c.phone)  # type: ignore[attr-defined,arg-type]
    return render(
        request,
        "customers/form.html",
        {"form": form, "duplicates": duplicates, "creating": True},
        status=status,
    )


@login_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    blind = not sees_unmasked(request.user)  # type: ignore[arg-type]
    masked = _masked(request.user, customer) if blind else None
    status = 200
    if request.method == "POST":
        form = CustomerEditForm(request.POST, masked=masked)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            if blind:
                for field in SENSITIVE_FIELDS:
                    if not data.get(field):
                        data.pop(field, None)
            try:
                services.customer_update(
                    by=request.user,  # type: ignore[arg-type]
                    customer=customer,
                    data=data,
                    expected_version=form.cleaned_data["version"],
                )
            except StaleVersion as exc:
                fresh = request.POST.copy()
                fresh["version"] = str(exc.current_version)
                form = CustomerEditForm(fresh, masked=masked)
                form.is_valid()
                form.add_error(None, _("此客户资料已被他人修改,请刷新后重试"))
                customer.refresh_from_db()
                status = 409
            except ValidationError as exc:
                apply_errors(exc, form)
                status = 400
            else:
                messages.success(request, _("客户资料已保存"))
                return redirect("customers:detail", pk=customer.pk)
        else:
            status = 400
    else:
        initial = {f: getattr(customer, f) for f in services.EDITABLE_FIELDS}
        if blind:
            for field in SENSITIVE_FIELDS:
                initial[field] = ""
        initial["version"] = customer.version
        form = CustomerEditForm(initial=initial, masked=masked)
    return render(
        request,
        "customers/form.html",
        {"form": form, "customer": customer, "creating": False},
        status=status,
    )
