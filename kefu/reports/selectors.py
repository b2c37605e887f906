"""KPI reads for the reports page (SLA-5, SLA-6, SLA-7). Counting happens in the database
(aggregate/annotate); only the first-response percentiles are computed in Python, from the
durations of the filtered tickets alone.

Definitions (the page, the CSV and the tests all use these):

- Cohort: tickets whose ``received_at`` falls on a local date (``TIME_ZONE``, Asia/Shanghai by
  default) between ``date_from`` and ``date_to`` inclusive, i.e. ``[date_from 00:00, date_to+1
  00:00)`` local time; optionally only one team (``Ticket.team``) and/or one agent
  (``Ticket.assignee``). Every ticket measure is over this cohort.
- received: tickets in the cohort.
- replied: cohort tickets with ``replied_at`` set. reply rate = replied / received (SLA-5,
  target 100%).
- replied on time: replied tickets with ``replied_at <= reply_due_at``; a replied ticket that
  never had a reply deadline (``reply_due_at`` empty) cannot be late and counts as on time.
  on-time reply rate = replied on time / replied. replied late = replied - replied on time;
  not replied = received - replied.
- first-response time: ``first_responded_at - received_at`` in minutes, over cohort tickets that
  have a first response; reported as the median (p50) and the 90th percentile (p90), both by
  linear interpolation between closest ranks: for sorted values x[0..n-1] and p in [0, 100],
  k = (n-1)·p/100 and P = x[floor k] + (x[ceil k] - x[floor k])·(k - floor k). This is
  PostgreSQL's ``percentile_cont``, Excel's ``PERCENTILE.INC`` and numpy's default.
- overdue now: cohort tickets that are open with ``next_due_at < now``. The headline also shows
  the whole backlog overdue now (any received date, same team/agent filters).
- callbacks kept on time (SLA-6, SLA-7): callbacks whose ``due_at`` falls in the same local date
  range (team filter on the callback's ticket's team, agent filter on the callback's owner).
  Denominator: those done, plus those still open whose ``due_at < now`` (overdue); cancelled
  ones and open ones not yet due are left out. Numerator: done with ``kept_on_time`` True.
- resolved: cohort tickets with ``resolved_at`` set.
- Rates and percentiles with an empty denominator are ``None`` (shown as "—"), never 0.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Team, User
from kefu.accounts.permissions import SUPERVISORS, require
from kefu.tickets.models import Callback, Ticket

MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class KpiFilter:
    date_from: date
    date_to: date
    team_id: int | None = None
    agent_id: int | None = None

    def __post_init__(self) -> None:
        if self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")

    @property
    def days(self) -> list[date]:
        n = (self.date_to - self.date_from).days + 1
        return [self.date_from + timedelta(days=i) for i in range(n)]


@dataclass(frozen=True)
class KpiRow:
    """The measures of one group (all, an agent, a team). Durations are in minutes."""

    key: int | None = None
    label: str = ""
    employee_no: str = ""
    team_name: str = ""
    received: int = 0
    replied: int = 0
    replied_on_time: int = 0
    resolved: int = 0
    overdue_now: int = 0
    first_responses: int = 0
    first_response_p50: float | None = None
    first_response_p90: float | None = None
    callbacks_due: int = 0
    callbacks_kept: int = 0

    @property
    def replied_late(self) -> int:
        return self.replied - self.replied_on_time

    @property
    def not_replied(self) -> int:
        return self.received - self.replied

    @property
    def reply_rate(self) -> float | None:
        return ratio(self.replied, self.received)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.replied_on_time, self.replied)

    @property
    def callback_rate(self) -> float | None:
        return ratio(self.callbacks_kept, self.callbacks_due)


@dataclass(frozen=True)
class KpiDay:
    day: date
    received: int = 0
    replied_on_time: int = 0
    replied_late: int = 0
    not_replied: int = 0
    first_response_p50: float | None = None
    first_response_p90: float | None = None


@dataclass(frozen=True)
class FirstResponse:
    agent_id: int | None
    team_id: int | None
    day: date
    minutes: float


@dataclass(frozen=True)
class KpiReport:
    filters: KpiFilter
    now: datetime
    total: KpiRow
    agents: list[KpiRow] = field(default_factory=list)
    teams: list[KpiRow] = field(default_factory=list)
    days: list[KpiDay] = field(default_factory=list)
    backlog_overdue_now: int = 0


# --- small pure helpers -----------------------------------------------------------------------


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


def percentile(values: Iterable[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL percentile_cont, Excel
    PERCENTILE.INC): k = (n-1)*p/100, interpolate between x[floor k] and x[ceil k]."""
    xs = sorted(values)
    if not xs:
        return None
    if not 0 <= p <= 100:
        raise ValueError("p must be between 0 and 100")
    k = (len(xs) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def local_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[date_from 00:00, date_to + 1 day 00:00) in the site's time zone, as aware datetimes."""
    tz = timezone.get_default_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


# --- querysets --------------------------------------------------------------------------------


def kpi_tickets(*, filters: KpiFilter) -> QuerySet[Ticket]:
    """The cohort: tickets received in the local date range, optionally one team / one agent."""
    start, end = local_bounds(filters.date_from, filters.date_to)
    qs = Ticket.objects.filter(received_at__gte=start, received_at__lt=end)
    if filters.team_id is not None:
        qs = qs.filter(team_id=filters.team_id)
    if filters.agent_id is not None:
        qs = qs.filter(assignee_id=filters.agent_id)
    return qs.order_by()


def kpi_callbacks(*, filters: KpiFilter) -> QuerySet[Callback]:
    """Callbacks due in the local date range; team by the ticket's team, agent by the owner."""
    start, end = local_bounds(filters.date_from, filters.date_to)
    qs = Callback.objects.filter(due_at__gte=start, due_at__lt=end)
    if filters.team_id is not None:
        qs = qs.filter(ticket__team_id=filters.team_id)
    if filters.agent_id is not None:
        qs = qs.filter(owner_id=filters.agent_id)
    return qs.order_by()


def _ticket_measures(now: datetime) -> dict[str, Any]:
    replied = Q(replied_at__isnull=False)
    return {
        "received": Count("pk"),
        "replied": Count("pk", filter=replied),
        "replied_on_time": Count(
            "pk",
            filter=replied & (Q(reply_due_at__isnull=True) | Q(replied_at__lte=F("reply_due_at"))),
        ),
        "resolved": Count("pk", filter=Q(resolved_at__isnull=False)),
        "overdue_now": Count("pk", filter=Q(is_open=True, next_due_at__lt=now)),
    }


def _callback_measures(now: datetime) -> dict[str, Any]:
    done = Q(state=Callback.State.DONE)
    return {
        "callbacks_due": Count("pk", filter=done | Q(state=Callback.State.OPEN, due_at__lt=now)),
        "callbacks_kept": Count("pk", filter=done & Q(kept_on_time=True)),
    }


def first_response_minutes(*, filters: KpiFilter) -> list[FirstResponse]:
    """One row per cohort ticket with a first response: who, which team, local day, minutes."""
    tz = timezone.get_default_timezone()
    rows = (
        kpi_tickets(filters=filters)
        .filter(first_responded_at__isnull=False)
        .annotate(
            fr=ExpressionWrapper(
                F("first_responded_at") - F("received_at"), output_field=DurationField()
            ),
            day=TruncDate("received_at", tzinfo=tz),
        )
        .values_list("assignee_id", "team_id", "day", "fr")
    )
    return [FirstResponse(a, t, d, fr.total_seconds() / 60) for a, t, d, fr in rows]


def _with_percentiles(row: KpiRow, minutes: Sequence[float]) -> KpiRow:
    return replace(
        row,
        first_responses=len(minutes),
        first_response_p50=percentile(minutes, 50),
        first_response_p90=percentile(minutes, 90),
    )


# --- measures ---------------------------------------------------------------------------------


def kpi_total(
    *, filters: KpiFilter, now: datetime, durations: list[FirstResponse] | None = None
) -> KpiRow:
    """The headline measures over the whole (filtered) cohort."""
    if durations is None:
        durations = first_response_minutes(filters=filters)
    counts = kpi_tickets(filters=filters).aggregate(**_ticket_measures(now))
    counts |= kpi_callbacks(filters=filters).aggregate(**_callback_measures(now))
    return _with_percentiles(KpiRow(label=_("合计"), **counts), [d.minutes for d in durations])


def _grouped(
    *, filters: KpiFilter, now: datetime, ticket_key: str, callback_key: str
) -> dict[int | None, dict[str, int]]:
    groups: dict[int | None, dict[str, int]] = defaultdict(dict)
    for row in kpi_tickets(filters=filters).values(ticket_key).annotate(**_ticket_measures(now)):
        groups[row.pop(ticket_key)].update(row)
    for row in (
        kpi_callbacks(filters=filters).values(callback_key).annotate(**_callback_measures(now))
    ):
        groups[row.pop(callback_key)].update(row)
    return groups


def kpi_by_agent(
    *, filters: KpiFilter, now: datetime, durations: list[FirstResponse] | None = None
) -> list[KpiRow]:
    """One row per agent (ticket assignee; callback owner) with any ticket or callback in range.
    Unassigned work is one row with key None, listed last."""
    if durations is None:
        durations = first_response_minutes(filters=filters)
    groups = _grouped(filters=filters, now=now, ticket_key="assignee_id", callback_key="owner_id")
    minutes: dict[int | None, list[float]] = defaultdict(list)
    for d in durations:
        minutes[d.agent_id].append(d.minutes)
    users = User.objects.select_related("team").in_bulk([k for k in groups if k is not None])
    rows = []
    for key, counts in groups.items():
        user = users.get(key) if key is not None else None
        row = KpiRow(
            key=key,
            label=str(user) if user else _("未分派"),
            employee_no=(user.employee_no or "") if user else "",
            team_name=user.team.name if user and user.team else "",
            **counts,
        )
        rows.append(_with_percentiles(row, minutes[key]))
    return sorted(rows, key=lambda r: (r.key is None, r.team_name, r.employee_no, r.label))


def kpi_by_team(
    *, filters: KpiFilter, now: datetime, durations: list[FirstResponse] | None = None
) -> list[KpiRow]:
    """One row per ticket team with any ticket or callback in range; no team is key None, last."""
    if durations is None:
        durations = first_response_minutes(filters=filters)
    groups = _grouped(
        filters=filters, now=now, ticket_key="team_id", callback_key="ticket__team_id"
    )
    minutes: dict[int | None, list[float]] = defaultdict(list)
    for d in durations:
        minutes[d.team_id].append(d.minutes)
    teams = Team.objects.in_bulk([k for k in groups if k is not None])
    rows = []
    for key, counts in groups.items():
        team = teams.get(key) if key is not None else None
        row = KpiRow(
            key=key,
            label=team.name if team else _("未分班组"),
            team_name=team.name if team else "",
            **counts,
        )
        rows.append(_with_percentiles(row, minutes[key]))
    return sorted(rows, key=lambda r: (r.key is None, r.label))


def kpi_daily(
    *, filters: KpiFilter, now: datetime, durations: list[FirstResponse] | None = None
) -> list[KpiDay]:
    """Every local day of the range (zeros included): received, replied on time, replied late,
    not replied, and the day's first-response p50/p90 (by received day)."""
    if durations is None:
        durations = first_response_minutes(filters=filters)
    tz = timezone.get_default_timezone()
    measures = _ticket_measures(now)
    counts = {
        row["day"]: row
        for row in kpi_tickets(filters=filters)
        .annotate(day=TruncDate("received_at", tzinfo=tz))
        .values("day")
        .annotate(
            received=measures["received"],
            replied=measures["replied"],
            on_time=measures["replied_on_time"],
        )
    }
    minutes: dict[date, list[float]] = defaultdict(list)
    for d in durations:
        minutes[d.day].append(d.minutes)
    days = []
    for day in filters.days:
        c = counts.get(day, {"received": 0, "replied": 0, "on_time": 0})
        days.append(
            KpiDay(
                day=day,
                received=c["received"],
                replied_on_time=c["on_time"],
                replied_late=c["replied"] - c["on_time"],
                not_replied=c["received"] - c["replied"],
                first_response_p50=percentile(minutes[day], 50),
                first_response_p90=percentile(minutes[day], 90),
            )
        )
    return days


def backlog_overdue_now(*, filters: KpiFilter, now: datetime) -> int:
    """Open tickets past their current deadline, whatever day they were received."""
    qs = Ticket.objects.filter(is_open=True, next_due_at__lt=now)
    if filters.team_id is not None:
        qs = qs.filter(team_id=filters.team_id)
    if filters.agent_id is not None:
        qs = qs.filter(assignee_id=filters.agent_id)
    return qs.count()


def kpi_report(*, by: User, filters: KpiFilter, now: datetime | None = None) -> KpiReport:
    """Everything the KPI page shows. Team leads, managers and admins only."""
    require(by, SUPERVISORS, _("查看指标报表"))
    if (filters.date_to - filters.date_from).days + 1 > MAX_RANGE_DAYS:
        raise ValueError(f"range longer than {MAX_RANGE_DAYS} days")
    now = now or timezone.now()
    durations = first_response_minutes(filters=filters)
    return KpiReport(
        filters=filters,
        now=now,
        total=kpi_total(filters=filters, now=now, durations=durations),
        agents=kpi_by_agent(filters=filters, now=now, durations=durations),
        teams=kpi_by_team(filters=filters, now=now, durations=durations),
        days=kpi_daily(filters=filters, now=now, durations=durations),
        backlog_overdue_now=backlog_overdue_now(filters=filters, now=now),
    )
