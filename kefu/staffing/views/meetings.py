"""Meeting pages (例会, QA-3): the list with search, a new meeting with its action items, a
meeting's record with more action items, editing, and one's own open action items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kefu.core.views import apply_errors, paginate, safe_next

from .. import selectors_meetings as sel
from ..context import nav
from ..forms_records import ActionDoneForm, ActionItemForm, MeetingForm, MeetingSearchForm
from ..models import ActionItem, Meeting
from ..permissions import SUPERVISORS, has_role
from ..services import meetings as services
from .common import error_text, need, user_of


@login_required
@require_safe
def meetings(request: HttpRequest) -> HttpResponse:
    form = MeetingSearchForm(request.GET or None)
    q = kind = ""
    if form.is_valid():
        q, kind = form.cleaned_data["q"].strip(), form.cleaned_data["kind"]
    return render(
        request,
        "staffing/meetings.html",
        nav(
            request,
            "meetings",
            form=form,
            q=q,
            page=paginate(request, sel.meeting_search(user_of(request), q=q, kind=kind)),
            may_record=has_role(user_of(request), SUPERVISORS),
        ),
    )


def _summary(form: MeetingForm) -> list[str]:
    """Every error of the form, each naming its field (a service's action-item messages already
    name their row)."""
    lines = [str(e) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name not in form.fields:
            continue
        label = str(form.fields[name].label or "")
        separator = pgettext("label separator", ":")
        for e in errors:
            named = label in e or (name.startswith("actions.") and e.startswith(_("第")))
            lines.append(e if named else f"{label}{separator}{e}")
    return lines


def _form_page(
    request: HttpRequest, form: MeetingForm, *, meeting: Meeting | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "staffing/meeting_form.html",
        nav(request, "meetings", form=form, meeting=meeting, summary=_summary(form)),
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    need(request, SUPERVISORS)
    by = user_of(request)
    if request.method != "POST":
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = MeetingForm(initial={"held_at": now, "chair": by, "kind": Meeting.Kind.WEEKLY})
        return _form_page(request, form)
    form = MeetingForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    try:
        meeting = services.meeting_record(by=by, **form.meeting_data(), actions=form.actions_data())
    except ValidationError as exc:
        apply_errors(exc, form)
        return _form_page(request, form, status=400)
    messages.success(request, _("已保存会议记录"))
    return redirect("staffing:meeting", meeting.pk)


def _meeting_or_404(request: HttpRequest, pk: int) -> Meeting:
    meeting = get_object_or_404(
        Meeting.objects.select_related("chair", "post", "created_by"), pk=pk
    )
    if not sel.may_view(user_of(request), meeting):
        raise Http404(_("没有该会议记录"))
    return meeting


def _detail_page(
    request: HttpRequest,
    meeting: Meeting,
    *,
    action_form: ActionItemForm | None = None,
    done_error: tuple[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    me = user_of(request)
    return render(
        request,
        "staffing/meeting_detail.html",
        nav(
            request,
            "meetings",
            meeting=meeting,
            attendees=meeting.attendees.order_by("employee_no", "username"),
            actions=meeting.actions.select_related("owner").order_by("done_at", "due_on", "pk"),
            may_manage=sel.may_manage(me, meeting),
            may_edit=has_role(me, SUPERVISORS),
            action_form=action_form or ActionItemForm(),
            done_error=done_error,
            today=timezone.localdate(),
        ),
        status=status,
    )


@login_required
@require_safe
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _meeting_or_404(request, pk))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, SUPERVISORS)
    m = _meeting_or_404(request, pk)
    if request.method != "POST":
        form = MeetingForm(
            with_actions=False,
            initial={
                "held_at": timezone.localtime(m.held_at).replace(tzinfo=None),
                "kind": m.kind,
                "title": m.title,
                "post": m.post,
                "chair": m.chair,
                "attendees": list(m.attendees.all()),
                "topics": m.topics,
                "decisions": m.decisions,
            },
        )
        return _form_page(request, form, meeting=m)
    form = MeetingForm(request.POST, with_actions=False)
    if not form.is_valid():
        return _form_page(request, form, meeting=m, status=400)
    try:
        services.meeting_update(by=user_of(request), meeting=m, **form.meeting_data())
    except ValidationError as exc:
        apply_errors(exc, form)
        return _form_page(request, form, meeting=m, status=400)
    messages.success(request, _("已修改会议记录"))
    return redirect("staffing:meeting", m.pk)


@login_required
@require_POST
def meeting_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting_or_404(request, pk)
    form = ActionItemForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, m, action_form=form, status=400)
    try:
        services.action_item_add(
            by=user_of(request),
            meeting=m,
            text=form.cleaned_data["text"],
            owner=form.cleaned_data["owner"],
            due_on=form.cleaned_data["due_on"],
        )
    except ValidationError as exc:
        apply_errors(exc, form)
        return _detail_page(request, m, action_form=form, status=400)
    messages.success(request, _("已添加待办事项"))
    return redirect("staffing:meeting", m.pk)


def _actions_page(
    request: HttpRequest, *, done_error: tuple[int, str] | None = None, status: int = 200
) -> HttpResponse:
    me = user_of(request)
    return render(
        request,
        "staffing/actions_mine.html",
        nav(
            request,
            "actions",
            page=paginate(request, sel.open_actions(me)),
            done_page=paginate(request, sel.done_actions(me), param="done_page"),
            done_error=done_error,
            today=timezone.localdate(),
        ),
        status=status,
    )


@login_required
@require_safe
def my_actions(request: HttpRequest) -> HttpResponse:
    return _actions_page(request)


@login_required
@require_POST
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ActionItem.objects.select_related("meeting"), pk=pk)
    form = ActionDoneForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    back = safe_next(request, reverse("staffing:my_actions"))
    try:
        services.action_item_done(by=user_of(request), item=item, note=note)
    except ValidationError as exc:
        error = (item.pk, error_text(exc))
        if back.startswith(reverse("staffing:meeting", args=[item.meeting_id])):
            return _detail_page(request, item.meeting, done_error=error, status=400)
        return _actions_page(request, done_error=error, status=400)
    messages.success(request, _("已完成:%(text)s") % {"text": item.text})
    return redirect(back)


urlpatterns: list[URLPattern] = [
    path("meetings/", meetings, name="meetings"),
    path("meetings/new/", meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meeting, name="meeting"),
    path("meetings/<int:pk>/edit/", meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/actions/", meeting_action_add, name="meeting_action_add"),
    path("actions/", my_actions, name="my_actions"),
    path("actions/<int:pk>/done/", action_done, name="action_done"),
]
