"""Meeting reads: which meetings a person may see (supervisors all; others those they attended,
chaired or own an action item of), search, and a person's open action items."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from kefu.accounts.models import User

from .models import ActionItem, Meeting
from .permissions import SUPERVISORS, has_role


def meetings_visible(user: User) -> QuerySet[Meeting]:
    qs = Meeting.objects.all()
    if not has_role(user, SUPERVISORS):
        qs = qs.filter(
            Q(attendees=user) | Q(chair=user) | Q(actions__owner=user) | Q(created_by=user)
        ).distinct()
    return qs


def meeting_search(user: User, *, q: str = "", kind: str = "") -> QuerySet[Meeting]:
    qs = meetings_visible(user).select_related("chair", "post")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(topics__icontains=q) | Q(decisions__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.annotate(
        open_actions=Count("actions", filter=Q(actions__done_at__isnull=True), distinct=True),
        all_actions=Count("actions", distinct=True),
    ).order_by("-held_at", "-pk")


def may_view(user: User, meeting: Meeting) -> bool:
    return meetings_visible(user).filter(pk=meeting.pk).exists()


def may_manage(user: User, meeting: Meeting) -> bool:
    return has_role(user, SUPERVISORS) or meeting.chair_id == user.pk


def open_actions(user: User) -> QuerySet[ActionItem]:
    return (
        ActionItem.objects.filter(owner=user, done_at__isnull=True)
        .select_related("meeting")
        .order_by("due_on", "pk")
    )


def done_actions(user: User) -> QuerySet[ActionItem]:
    return (
        ActionItem.objects.filter(owner=user, done_at__isnull=False)
        .select_related("meeting")
        .order_by("-done_at")
    )
