"""Reply time limits (STANDARDS SLA-1..SLA-8): which policy applies and the resulting deadlines.

Pure functions over dataclasses. Calendars are passed in (`Policy.calendar` is only a name the
caller resolves, e.g. with `kefu.domain.holidays.default_calendars()`), and so is every instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from kefu.domain.calendar import WorkCalendar

Kind = Literal["consultation", "after_sales", "complaint", "suggestion", "praise", "transaction"]
Scope = Literal["local", "cross_department", "cross_province", "special"]

KINDS: dict[str, str] = {
    "consultation": "咨询",
    "after_sales": "售后",
    "complaint": "投诉",
    "suggestion": "建议",
    "praise": "表扬",
    "transaction": "业务办理",
}
SCOPES: dict[str, str] = {
    "local": "本部门",
    "cross_department": "跨部门",
    "cross_province": "跨省",
    "special": "特殊事项",
}
CUSTOMER_CLASSES: dict[str, str] = {"normal": "普通客户", "vip": "贵宾客户"}
COMPLAINT_CATEGORIES: dict[str, str] = {
    "service_attitude": "服务态度",
    "service_error": "服务差错",
    "product_quality": "商品质量",
    "billing": "资费账务",
    "delivery": "物流配送",
    "other": "其他",
}

CALENDAR_CLOCK = "clock"
CALENDAR_WORKING_DAYS = "working_days"
CALENDAR_BUSINESS_HOURS = "business_hours"


class NoPolicyError(LookupError):
    """No policy matches a request (the message is in Chinese, for operators)."""


@dataclass(frozen=True, slots=True)
class Policy:
    """A reply time limit. A criterion left as None matches anything.

    Hours are working hours on the named calendar. ``reply_hours`` may be None only for scope
    "special" (SLA-4), where the deadline is given explicitly for each request.
    """

    code: str
    name: str
    standards: tuple[str, ...]
    kind: str | None = None
    scope: str | None = None
    channel: str | None = None
    customer_class: str | None = None
    complaint_category: str | None = None
    calendar: str = CALENDAR_CLOCK
    first_response_hours: float | None = None
    reply_hours: float | None = None
    resolution_hours: float | None = None
    warn_ratio: float = 0.75
    priority_order: int = 0  # tie-breaker: the lower value wins

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("时限规则缺少编码(code)")
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"时限规则 {self.code}:未知的工单类型 {self.kind!r}")
        if self.scope is not None and self.scope not in SCOPES:
            raise ValueError(f"时限规则 {self.code}:未知的范围 {self.scope!r}")
        if self.reply_hours is None and self.scope != "special":
            raise ValueError(f"时限规则 {self.code}:只有特殊事项(special)可以不设回复时限")
        for label, hours in (
            ("首次响应", self.first_response_hours),
            ("回复", self.reply_hours),
            ("解决", self.resolution_hours),
        ):
            if hours is not None and not hours > 0:
                raise ValueError(f"时限规则 {self.code}:{label}时限必须大于 0 小时")
        if not 0 < self.warn_ratio <= 1:
            raise ValueError(f"时限规则 {self.code}:预警比例必须在 0 到 1 之间")

    @property
    def specificity(self) -> tuple[int, int]:
        """(scope given, number of other criteria given): the first part of the match order."""
        others = (self.kind, self.channel, self.customer_class, self.complaint_category)
        return (self.scope is not None, sum(c is not None for c in others))


def match_policy(
    policies: Sequence[Policy],
    *,
    kind: str,
    scope: str = "local",
    channel: str | None = None,
    customer_class: str = "normal",
    complaint_category: str | None = None,
) -> Policy:
    """The policy for a request. Among the policies whose every given criterion equals the
    request's, the winner is the greatest by:

    1. a scope criterion at all (scope beats everything else: coordinating across departments or
       provinces, SLA-2/SLA-3, overrides the general limit and the complaint matrix);
    2. the number of other criteria given (kind, channel, customer class, complaint category);
    3. the lower ``priority_order``;
    4. the earlier position in ``policies``.
    """
    if kind not in KINDS:
        raise ValueError(f"未知的工单类型:{kind!r},应为 {'、'.join(KINDS)} 之一")
    if scope not in SCOPES:
        raise ValueError(f"未知的范围:{scope!r},应为 {'、'.join(SCOPES)} 之一")
    best: Policy | None = None
    best_key: tuple[int, int, int, int] | None = None
    for position, policy in enumerate(policies):
        if (
            (policy.kind is not None and policy.kind != kind)
            or (policy.scope is not None and policy.scope != scope)
            or (policy.channel is not None and policy.channel != channel)
            or (policy.customer_class is not None and policy.customer_class != customer_class)
            or (
                policy.complaint_category is not None
                and policy.complaint_category != complaint_category
            )
        ):
            continue
        has_scope, others = policy.specificity
        key = (has_scope, others, -policy.priority_order, -position)
        if best_key is None or key > best_key:
            best, best_key = policy, key
    if best is None:
        details = f"类型={kind},范围={scope},渠道={channel or '-'},客户类别={customer_class}"
        if complaint_category:
            details += f",投诉类别={complaint_category}"
        raise NoPolicyError(f"没有适用的时限规则({details}),请在规则库中补充")
    return best


# --------------------------------------------------------------------- defaults


def default_policies() -> list[Policy]:
    """The STANDARDS.md defaults (the ones marked **default** there are marked here too).

    - general (SLA-1): any request, 24 clock hours. **default**: clock hours, day and night.
    - cross_department (SLA-2): 48 clock hours. **default**: clock hours.
    - cross_province (SLA-3): 72 hours on the "working_days" calendar. **default**: working
      days only, statutory calendar, all 24 hours of a working day count.
    - special (SLA-4): the reply deadline is given per request (``special_due_at``).
    - complaint matrix (SLA-8), category x customer class, each cell a policy
      ``complaint.<category>.<class>``, plus ``complaint.<class>`` for a complaint without a
      category. **default** (the seeds give no numbers): VIP 12 hours in every category
      (CUS-3), normal 24 hours; service_attitude complaints also need a first response within
      1 hour (WO-8: a manager contacts the customer at once).
    - **default** for all: first response within 2 hours unless stated, resolution within 3x the
      reply hours, both on the policy's own calendar; SLA-4 has no resolution limit.
    """
    policies = [
        Policy(
            "general",
            "一般事项",
            ("SLA-1",),
            first_response_hours=2,
            reply_hours=24,
            resolution_hours=72,
        ),
        Policy(
            "cross_department",
            "跨部门协调事项",
            ("SLA-2",),
            scope="cross_department",
            first_response_hours=2,
            reply_hours=48,
            resolution_hours=144,
        ),
        Policy(
            "cross_province",
            "跨省协调事项",
            ("SLA-3",),
            scope="cross_province",
            calendar=CALENDAR_WORKING_DAYS,
            first_response_hours=2,
            reply_hours=72,
            resolution_hours=216,
        ),
        Policy(
            "special",
            "特殊事项",
            ("SLA-4",),
            scope="special",
            first_response_hours=2,
        ),
    ]
    for customer_class, class_zh in CUSTOMER_CLASSES.items():
        reply = 12.0 if customer_class == "vip" else 24.0
        class_standards = ("SLA-8", "CUS-3") if customer_class == "vip" else ("SLA-8",)
        policies.append(
            Policy(
                f"complaint.{customer_class}",
                f"投诉-{class_zh}",
                class_standards,
                kind="complaint",
                customer_class=customer_class,
                first_response_hours=2,
                reply_hours=reply,
                resolution_hours=3 * reply,
            )
        )
        for category, category_zh in COMPLAINT_CATEGORIES.items():
            attitude = category == "service_attitude"
            policies.append(
                Policy(
                    f"complaint.{category}.{customer_class}",
                    f"投诉-{category_zh}-{class_zh}",
                    class_standards + (("WO-8",) if attitude else ()),
                    kind="complaint",
                    customer_class=customer_class,
                    complaint_category=category,
                    first_response_hours=1 if attitude else 2,
                    reply_hours=reply,
                    resolution_hours=3 * reply,
                )
            )
    return policies


# --------------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class Deadlines:
    """The due and warning instants of one request, in the calendar's zone."""

    policy: Policy
    received_at: datetime
    first_response_due_at: datetime | None
    reply_due_at: datetime
    resolution_due_at: datetime | None  # None when no target, or while paused (see below)
    reply_warn_at: datetime
    first_response_warn_at: datetime | None
    resolution_warn_at: datetime | None
    missing_years: tuple[int, ...] = ()  # years without holiday data: the caller warns
    resolution_paused: bool = False  # an open pause stopped the resolution clock before its end


class _Durations:
    """A policy's targets and warning points as timedeltas, computed once per policy (building a
    timedelta from float hours costs about as much as the deadline arithmetic itself)."""

    __slots__ = ("policy", "amounts", "has_first", "has_resolution", "resolution", "warn")

    def __init__(self, policy: Policy) -> None:
        ratio = policy.warn_ratio
        self.policy = policy  # keeps the policy alive, so its id() cannot be reused
        amounts: list[timedelta] = []
        if policy.reply_hours is not None:
            amounts += [_hours(policy.reply_hours), _hours(policy.reply_hours * ratio)]
        self.has_first = policy.first_response_hours is not None
        if policy.first_response_hours is not None:
            first = policy.first_response_hours
            amounts += [_hours(first), _hours(first * ratio)]
        self.has_resolution = policy.resolution_hours is not None
        self.resolution: timedelta | None = None
        self.warn: timedelta | None = None
        if policy.resolution_hours is not None:
            self.resolution = _hours(policy.resolution_hours)
            self.warn = _hours(policy.resolution_hours * ratio)
            amounts += [self.resolution, self.warn]
        self.amounts = tuple(amounts)


_DURATIONS: dict[int, _Durations] = {}
_DURATIONS_LIMIT = 4096  # callers may build policies per request: keep the cache bounded


def _durations(policy: Policy) -> _Durations:
    found = _DURATIONS.get(id(policy))
    if found is not None and found.policy is policy:
        return found
    if len(_DURATIONS) >= _DURATIONS_LIMIT:
        _DURATIONS.clear()
    found = _DURATIONS[id(policy)] = _Durations(policy)
    return found


def _hours(hours: float) -> timedelta:
    return timedelta(hours=hours)


def compute_deadlines(
    *,
    policy: Policy,
    calendar: WorkCalendar,
    received_at: datetime,
    special_due_at: datetime | None = None,
    paused: Sequence[tuple[datetime, datetime | None]] = (),
) -> Deadlines:
    """Deadlines for a request received at ``received_at`` under ``policy`` on ``calendar``.

    - Warning instants: when ``warn_ratio`` of the target's working time has elapsed.
    - SLA-4: a policy without ``reply_hours`` (scope "special") takes ``special_due_at`` as the
      reply deadline (required, not before ``received_at``); otherwise it is ignored.
    - ``paused``: intervals spent waiting on the customer; each extends only the resolution
      deadline, by the working time it overlaps before that deadline is reached. An open pause
      (end None) that starts before then stops the clock: resolution_due_at and its warning are
      None and resolution_paused is True (the caller recomputes when the customer answers).
    """
    tz = calendar.tz
    if received_at.tzinfo is not tz:
        if received_at.tzinfo is None or received_at.utcoffset() is None:
            raise ValueError("受理时间必须带时区")
        received_at = received_at.astimezone(tz)
    plan = _durations(policy)
    results = calendar.add_many(received_at, plan.amounts)
    if policy.reply_hours is not None:
        reply_due, reply_warn = results[0], results[1]
        position = 2
    else:
        reply_due, reply_warn = _special_reply(policy, calendar, received_at, special_due_at)
        position = 0
    first_due = first_warn = None
    if plan.has_first:
        first_due, first_warn = results[position], results[position + 1]
        position += 2
    resolution_due = resolution_warn = None
    resolution_paused = False
    if plan.has_resolution:
        if paused:
            assert plan.resolution is not None and plan.warn is not None
            pauses = _normalise_pauses(paused, received_at)
            resolution_due = _add_unpaused(calendar, received_at, plan.resolution, pauses)
            resolution_warn = _add_unpaused(calendar, received_at, plan.warn, pauses)
            resolution_paused = resolution_due is None
        else:
            resolution_due, resolution_warn = results[position], results[position + 1]
    missing: tuple[int, ...] = ()
    if calendar.mode != "clock":
        latest = max(d for d in (reply_due, first_due, resolution_due) if d is not None)
        if received_at.year != latest.year or received_at.year not in calendar.known_years:
            missing = tuple(calendar.missing_years(received_at, latest))
    return _new_deadlines(
        Deadlines,
        {
            "policy": policy,
            "received_at": received_at,
            "first_response_due_at": first_due,
            "reply_due_at": reply_due,
            "resolution_due_at": resolution_due,
            "reply_warn_at": reply_warn,
            "first_response_warn_at": first_warn,
            "resolution_warn_at": resolution_warn,
            "missing_years": missing,
            "resolution_paused": resolution_paused,
        },
    )


def _new_deadlines(cls: type[Deadlines], fields: dict[str, Any]) -> Deadlines:
    """Build a Deadlines without its generated __init__.

    A frozen dataclass's __init__ sets each field through object.__setattr__ (about 1.3 us for
    ten fields, a third of a whole clock-mode computation); installing the instance dict in one
    call gives an identical object (same fields, equality, hash, repr) in about 0.5 us. The
    dict must name every field: test_sla checks it against dataclasses.fields(Deadlines).
    """
    instance = object.__new__(cls)
    object.__setattr__(instance, "__dict__", fields)
    return instance


def _special_reply(
    policy: Policy,
    calendar: WorkCalendar,
    received_at: datetime,
    special_due_at: datetime | None,
) -> tuple[datetime, datetime]:
    if special_due_at is None:
        raise ValueError(f"{policy.name}(SLA-4)须在受理时明确约定回复期限(special_due_at)")
    if special_due_at.tzinfo is None or special_due_at.utcoffset() is None:
        raise ValueError("约定的回复期限必须带时区")
    if special_due_at < received_at:
        raise ValueError("约定的回复期限不能早于受理时间")
    due = special_due_at.astimezone(calendar.tz)
    span = calendar.working_time_between(received_at, due)
    if span <= timedelta(0):
        return due, due
    # ratio <= 1 and add() returns the earliest instant, so the warning never passes the due.
    return due, calendar.add(received_at, span * policy.warn_ratio)


def _normalise_pauses(
    paused: Sequence[tuple[datetime, datetime | None]], received_at: datetime
) -> list[tuple[datetime, datetime | None]]:
    """Sorted, merged, clipped to start at received_at; an open pause swallows what follows."""
    cleaned: list[tuple[datetime, datetime | None]] = []
    for start, end in sorted(paused, key=lambda p: p[0]):
        if start.tzinfo is None or (end is not None and end.tzinfo is None):
            raise ValueError("暂停区间的时间必须带时区")
        if end is not None and end <= start:
            continue
        start = max(start, received_at)
        if end is not None and end <= start:
            continue
        if cleaned:
            last_start, last_end = cleaned[-1]
            if last_end is None:
                break
            if start <= last_end:
                cleaned[-1] = (last_start, None if end is None else max(last_end, end))
                continue
        cleaned.append((start, end))
    return cleaned


def _add_unpaused(
    calendar: WorkCalendar,
    received_at: datetime,
    amount: timedelta,
    pauses: list[tuple[datetime, datetime | None]],
) -> datetime | None:
    """The earliest instant at which ``amount`` of unpaused working time has elapsed."""
    current = received_at
    for start, end in pauses:
        available = calendar.working_time_between(current, start)
        if amount <= available:
            break
        amount -= available
        if end is None:
            return None
        current = max(current, end)
    return calendar.add(current, amount)


def pauses_from_status_history(
    events: Sequence[tuple[datetime, str]],
    pause_statuses: frozenset[str] = frozenset({"waiting_on_customer"}),
) -> list[tuple[datetime, datetime | None]]:
    """Pause intervals from a ticket's status changes (instant, new status).

    A pause starts when the status enters a pause status and ends when it leaves the set; if the
    last status is a pause status the last interval is open (end None).
    """
    pauses: list[tuple[datetime, datetime | None]] = []
    started: datetime | None = None
    for at, status in sorted(events, key=lambda e: e[0]):
        if status in pause_statuses:
            if started is None:
                started = at
        elif started is not None:
            pauses.append((started, at))
            started = None
    if started is not None:
        pauses.append((started, None))
    return pauses


def progress_callback_due(received_at: datetime, hours: float = 2) -> datetime:
    """SLA-7: an unresolved phone complaint gets a progress callback after ``hours`` clock hours.

    Elapsed time, in the zone ``received_at`` was given in.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("受理时间必须带时区")
    due = received_at.astimezone(UTC) + timedelta(hours=hours)
    return due.astimezone(received_at.tzinfo)


DueState = Literal["on_time", "warning", "overdue"]


def due_state(*, due_at: datetime, warn_at: datetime, now: datetime) -> DueState:
    """Where ``now`` stands against a deadline (a dashboard colour, an escalation trigger)."""
    if now >= due_at:
        return "overdue"
    return "warning" if now >= warn_at else "on_time"


# --------------------------------------------------------------------- output


def missing_year_warning(year: int) -> str:
    return f"{year}年的节假日安排尚未录入,已按仅周末休息计算,截止时间可能不准确;请在日历中录入{year}年的放假安排"


def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    if value is None:
        return None
    return value.astimezone(tz).isoformat(timespec="seconds")


def deadlines_as_json(d: Deadlines, calendar_name: str, tz: str | tzinfo) -> dict[str, Any]:
    """The `kefu sla deadline` object (CONTRACTS §3); ISO 8601 times with the zone's offset."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return {
        "policy": d.policy.code,
        "standards": list(d.policy.standards),
        "reply_due_at": _iso(d.reply_due_at, zone),
        "first_response_due_at": _iso(d.first_response_due_at, zone),
        "resolution_due_at": _iso(d.resolution_due_at, zone),
        "calendar": calendar_name,
        "warnings": [missing_year_warning(year) for year in d.missing_years],
    }
