"""Notifications page, plus small helpers the other apps' views share (pagination, error mapping)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

PER_PAGE = 25


def paginate(
    request: HttpRequest,
    items: QuerySet[Any] | list[Any],
    per_page: int = PER_PAGE,
    param: str = "page",
) -> Page:
    """The requested page (`?page=`, or `param` when a page has two lists); a bad or too-high
    page number gives the nearest real page."""
    return Paginator(items, per_page).get_page(request.GET.get(param))


def apply_errors(exc: ValidationError, *form_list: forms.Form) -> None:
    """Puts a service's field -> messages next to the matching field of the first form that has it;
    messages for fields no form shows go to the first form's top (non-field) errors."""
    if not form_list:
        return
    first = form_list[0]
    if not hasattr(exc, "error_dict"):
        first.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        target = next((f for f in form_list if field in f.fields), None)
        if target is None or field == NON_FIELD_ERRORS:
            first.add_error(None, errors)
        else:
            target.add_error(field, errors)


def error_text(exc: ValidationError) -> str:
    """A service's ValidationError as one line for a message banner, field messages in order."""
    sep = pgettext("sentence separator", ";")
    if hasattr(exc, "error_dict"):
        return sep.join(m for msgs in exc.message_dict.values() for m in msgs)
    return sep.join(exc.messages)


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` value of the request if it points into this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    qs = request.user.notifications.all().order_by("read_at", "-created_at")  # type: ignore[union-attr]
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    return render(
        request,
        "core/notifications.html",
        {"page": paginate(request, qs), "only_unread": only_unread},
    )


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Marks one notification (id) or all of the user's unread notifications as read.

    Only the user's own rows are touched; a notification is the user's private inbox, not domain
    state, so there is no event or audit entry for reading it.
    """
    mine = request.user.notifications.filter(read_at__isnull=True)  # type: ignore[union-attr]
    raw_id = request.POST.get("id", "")
    if raw_id:
        if not raw_id.isdigit():
            return redirect("notifications")
        mine = mine.filter(pk=int(raw_id))
    count = mine.update(read_at=timezone.now())
    if not raw_id:
        messages.success(request, _("已将 %(n)s 条通知标为已读") % {"n": count})
    return redirect(safe_next(request, reverse("notifications")))
