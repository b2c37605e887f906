"""Agent assist pages: the phrase library, the draft check page (and its htmx warnings box), the
workbench's opening box. Views parse input, call a selector and render; nothing is stored."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from kefu.core.views import paginate

from . import selectors
from .forms import DraftCheckForm, PhraseSearchForm

SCENARIOS_PER_PAGE = 20


@login_required
@require_GET
def phrase_library(request: HttpRequest) -> HttpResponse:
    form = PhraseSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    library = selectors.phrase_library(selectors.assist_rulebook(), q=q)
    page = paginate(request, library.scenarios, per_page=SCENARIOS_PER_PAGE)
    context = {"form": form, "library": library, "page": page, "q": q}
    return render(request, "assist/phrases.html", context)


def _check(form: DraftCheckForm) -> dict[str, Any]:
    text = form.cleaned_data["text"]
    findings = selectors.draft_findings(text=text, channel=form.cleaned_data["channel"])
    return {
        "findings": findings,
        "pieces": selectors.draft_pieces(text, findings),
        "checked": True,
    }


def _warnings_box(request: HttpRequest) -> HttpResponse:
    """The warnings box alone, for the live check (htmx): an empty draft clears it; a draft that
    cannot be checked (too long, unknown channel) says why instead of warnings."""
    form = DraftCheckForm(request.POST)
    context: dict[str, Any] = {"findings": [], "checked": False, "errors": []}
    if not (form.data.get("text") or "").strip():
        pass
    elif form.is_valid():
        context.update(_check(form))
    else:
        context["errors"] = [e for errors in form.errors.values() for e in errors]
    return render(request, "assist/_warnings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def draft_check_page(request: HttpRequest) -> HttpResponse:
    """A textarea and a channel; without JavaScript the draft is checked on submit, with it as
    the agent types (the box under the textarea)."""
    if request.method == "POST" and getattr(request, "htmx", False):
        return _warnings_box(request)
    context: dict[str, Any] = {"findings": [], "checked": False}
    status = 200
    if request.method == "POST":
        form = DraftCheckForm(request.POST)
        if form.is_valid():
            context.update(_check(form))
        else:
            status = 400
    else:
        channel = request.GET.get("channel", "chat")
        form = DraftCheckForm(
            initial={"channel": selectors.draft_channel(channel)},
        )
    context["form"] = form
    context["max_chars"] = selectors.MAX_DRAFT_CHARS
    return render(request, "assist/check.html", context, status=status)


@login_required
@require_GET
def opening_partial(request: HttpRequest) -> HttpResponse:
    """The workbench's opening box, which asks for itself again every few minutes."""
    opening = selectors.opening_for_user(request.user, at=timezone.now())  # type: ignore[arg-type]
    return render(request, "assist/_opening.html", {"assist_opening": opening})
