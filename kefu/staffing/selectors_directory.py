"""Directory and leave reads: the staff list with its filters, a person's leave and upcoming
shifts, the leave list a user may see."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from kefu.accounts.models import User

from .models import Leave, Post, Shift, StaffProfile
from .permissions import ROSTER_MANAGERS, has_role


def staff_list(
    *,
    today: date,
    q: str = "",
    post: Post | None = None,
    role: str = "",
    active: str = "1",
) -> QuerySet[StaffProfile]:
    """Profiles matching a name, account or employee number, a post, a role and whether still
    employed ("1", "0" or "" for everyone); each with `leave_now`, the approved leave of today."""
    rows = StaffProfile.objects.select_related("user", "user__team")
    if q:
        rows = rows.filter(
            Q(user__display_name__icontains=q)
            | Q(user__employee_no__icontains=q)
            | Q(user__username__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
        )
    if post is not None:
        rows = rows.filter(posts=post)
    if role:
        rows = rows.filter(user__role=role)
    if active in ("0", "1"):
        rows = rows.filter(active=active == "1")
    return rows.prefetch_related(
        "posts",
        Prefetch(
            "leaves",
            queryset=Leave.objects.filter(
                state=Leave.State.APPROVED, first_day__lte=today, last_day__gte=today
            ),
            to_attr="leave_now",
        ),
    ).distinct()


def accounts_without_profile() -> QuerySet[User]:
    return User.objects.filter(is_active=True, staff_profile__isnull=True).order_by(
        "employee_no", "username"
    )


def upcoming_shifts(profile: StaffProfile, today: date, limit: int = 31) -> list[Shift]:
    """The person's next shifts (draft and published rosters), from today on."""
    return list(
        Shift.objects.filter(staff=profile, day__gte=today)
        .select_related("post", "roster__unit")
        .order_by("day", "start")[:limit]
    )


def leaves_for(
    user: User, *, state: str = "", staff: StaffProfile | None = None
) -> QuerySet[Leave]:
    """Everyone's leave for roster managers, one's own for anyone else."""
    rows = Leave.objects.select_related("staff__user", "created_by", "decided_by").order_by(
        "-first_day", "-pk"
    )
    if not has_role(user, ROSTER_MANAGERS):
        rows = rows.filter(staff__user=user)
    elif staff is not None:
        rows = rows.filter(staff=staff)
    if state:
        rows = rows.filter(state=state)
    return rows


def pending_leave_count() -> int:
    return Leave.objects.filter(state=Leave.State.REQUESTED).count()
