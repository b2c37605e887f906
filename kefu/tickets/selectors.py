"""Reads for the ticket pages: work lists by nearest deadline, clocks, the readable timeline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kefu.accounts.models import Team, User
from kefu.accounts.permissions import SUPERVISORS, TICKET_HANDLERS, has_role
from kefu.customers.masking import mask_phone
from kefu.customers.services import normalize_phone

from .models import (
    Callback,
    Channel,
    ComplaintCategory,
    ComplaintReport,
    IdempotencyKey,
    Kind,
    Priority,
    Scope,
    SlaAlert,
    SlaPolicy,
    Status,
    Ticket,
    TicketEvent,
)

BY_DEADLINE = (F("next_due_at").asc(nulls_last=True), "priority_rank", "received_at")


# --- deadline state -----------------------------------------------------------------------------


def due_state(due_at: datetime | None, warn_at: datetime | None, now: datetime) -> str:
    """ok (green), warn (amber, from the warning time), overdue (red), none (no deadline)."""
    if due_at is None:
        return "none"
    if now >= due_at:
        return "overdue"
    if warn_at is not None and now >= warn_at:
        return "warn"
    return "ok"


def next_warn_at(ticket: Ticket) -> datetime | None:
    """The warning time that belongs to `next_due_at` (see kefu.tickets.sla.next_due)."""
    if ticket.next_due_at is None:
        return None
    pairs = [
        (ticket.reply_due_at, ticket.reply_warn_at),
        (ticket.first_response_due_at, ticket.first_response_warn_at),
        (ticket.resolution_due_at, ticket.resolution_warn_at),
    ]
    if ticket.replied_at is not None:
        pairs = [pairs[2]]
    for due, warn in pairs:
        if due == ticket.next_due_at:
            return warn
    return None


def tickets_with_due_state(tickets: Iterable[Ticket], now: datetime | None = None) -> list[Ticket]:
    """Sets `due_warn_at` and `due_state` on each ticket for the deadline badges."""
    now = now or timezone.now()
    out = []
    for t in tickets:
        t.due_warn_at = next_warn_at(t)  # type: ignore[attr-defined]
        t.due_state = due_state(t.next_due_at, t.due_warn_at, now) if t.is_open else "none"  # type: ignore[attr-defined]
        out.append(t)
    return out


@dataclass
class Clock:
    key: str
    label: str
    due_at: datetime | None
    warn_at: datetime | None
    done_at: datetime | None
    running: bool
    state: str  # ok | warn | overdue | met | late | paused | none


def ticket_clocks(ticket: Ticket, now: datetime | None = None) -> list[Clock]:
    """The three due times of a work order (first response, reply, resolution) and where each stands."""
    now = now or timezone.now()
    open_ = ticket.is_open
    rows = [
        (
            "first_response",
            _("首次响应"),
            ticket.first_response_due_at,
            ticket.first_response_warn_at,
            ticket.first_responded_at or ticket.replied_at,
        ),
        ("reply", _("回复客户"), ticket.reply_due_at, ticket.reply_warn_at, ticket.replied_at),
        (
            "resolution",
            _("解决"),
            ticket.resolution_due_at,
            ticket.resolution_warn_at,
            ticket.resolved_at,
        ),
    ]
    clocks = []
    for key, label, due, warn, done in rows:
        running = open_ and done is None
        if due is None:
            state = "none"
        elif done is not None:
            state = "met" if done <= due else "late"
        elif not open_:
            state = "paused"
        elif key == "resolution" and ticket.status == Status.WAITING:
            state = "paused"
            running = False
        else:
            state = due_state(due, warn, now)
        clocks.append(
            Clock(
                key=key,
                label=label,
                due_at=due,
                warn_at=warn,
                done_at=done,
                running=running,
                state=state,
            )
        )
    return clocks


def calendar_title(name: str) -> str:
    """The readable name of an SLA calendar ("自然时间(7x24)"), or its code if it has none."""
    from kefu.core.models import WorkCalendarDef

    if not name:
        return ""
    return WorkCalendarDef.objects.filter(name=name).values_list("title", flat=True).first() or name


# --- work lists ---------------------------------------------------------------------------------


def ticket_page_get(number: str) -> Ticket | None:
    return (
        Ticket.objects.select_related(
            "customer", "assignee", "team", "department", "policy", "escalated_to", "created_by"
        )
        .filter(number=number)
        .first()
    )


def ticket_for_idempotency_key(user: User, key: str) -> Ticket | None:
    """The work order an earlier submit of the same intake form created, if any."""
    row = IdempotencyKey.objects.filter(owner=user, key=key).select_related("ticket").first()
    return row.ticket if row is not None else None


def my_open_tickets(user: User) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(assignee=user, is_open=True)
        .select_related("customer", "team")
        .order_by(*BY_DEADLINE)
    )


def team_unassigned(user: User) -> QuerySet[Ticket]:
    """Open work of the user's team nobody has taken yet."""
    if not user.team_id:
        return Ticket.objects.none()
    return (
        Ticket.objects.filter(team_id=user.team_id, is_open=True, assignee__isnull=True)
        .select_related("customer")
        .order_by(*BY_DEADLINE)
    )


def callbacks_open(*, user: User, everyone: bool = False) -> QuerySet[Callback]:
    """Open callback promises by due time: the user's own, or all of them for supervisors."""
    qs = Callback.objects.filter(state=Callback.State.OPEN).select_related(
        "ticket", "ticket__customer", "owner"
    )
    if not everyone:
        qs = qs.filter(owner=user)
    return qs.order_by("due_at", "pk")


def callbacks_with_state(
    callbacks: Iterable[Callback], now: datetime | None = None
) -> list[Callback]:
    """Sets `warn_at` (at the usual warning ratio of the promised period) and `due_state`."""
    now = now or timezone.now()
    out = []
    for cb in callbacks:
        warn = (
            cb.created_at + (cb.due_at - cb.created_at) * settings.KEFU_SLA_WARN_RATIO
            if cb.created_at
            else None
        )
        cb.warn_at = warn  # type: ignore[attr-defined]
        cb.due_state = due_state(cb.due_at, warn, now)  # type: ignore[attr-defined]
        out.append(cb)
    return out


@dataclass
class TicketFilters:
    status: str = ""
    kind: str = ""
    channel: str = ""
    team: Team | None = None
    assignee: User | None = None
    overdue: bool = False
    q: str = ""


def ticket_search(filters: TicketFilters, now: datetime | None = None) -> QuerySet[Ticket]:
    now = now or timezone.now()
    qs = Ticket.objects.select_related("customer", "assignee", "team", "department")
    if filters.status == "open":
        qs = qs.filter(is_open=True)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.team is not None:
        qs = qs.filter(Q(team=filters.team) | Q(department=filters.team))
    if filters.assignee is not None:
        qs = qs.filter(assignee=filters.assignee)
    if filters.overdue:
        qs = qs.filter(is_open=True, next_due_at__lt=now)
    text = filters.q.strip()
    if text:
        cond = (
            Q(number__icontains=text)
            | Q(subject__icontains=text)
            | Q(customer__name__icontains=text)
            | Q(order_no=text)
        )
        digits = normalize_phone(text)
        if digits.isdigit() and len(digits) >= 7:
            cond |= Q(customer__phone=digits) | Q(customer__phone2=digits) | Q(contact_phone=digits)
        qs = qs.filter(cond)
    if filters.overdue:
        return qs.order_by(*BY_DEADLINE)
    return qs.order_by("-received_at", "-pk")


def assignable_users(team: Team | None = None, *, include: int | None = None) -> QuerySet[User]:
    """Active users who may handle work orders: of one team if given, plus `include` (the current
    assignee, so that a reassign select never silently shows "nobody")."""
    qs = User.objects.filter(is_active=True).filter(
        Q(role__in=list(TICKET_HANDLERS)) | Q(is_superuser=True)
    )
    if team is not None:
        qs = qs.filter(Q(team=team) | Q(pk=include or 0))
    return qs.select_related("team").order_by("team__name", "employee_no", "username")


def supervisors() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=list(SUPERVISORS)).order_by(
        "role", "employee_no"
    )


def departments() -> QuerySet[Team]:
    return Team.objects.filter(kind=Team.Kind.DEPARTMENT).order_by("name")


def supervised_teams(user: User) -> QuerySet[Team]:
    """Teams a team lead leads (or belongs to); every team for managers and admins."""
    teams = Team.objects.filter(kind=Team.Kind.TEAM)
    if has_role(user, frozenset({"manager", "admin"})):
        return teams.order_by("name")
    return teams.filter(Q(lead=user) | Q(pk=user.team_id or 0)).distinct().order_by("name")


def team_open_tickets(teams: Sequence[Team] | QuerySet[Team]) -> QuerySet[Ticket]:
    """Open work of these teams, nearest deadline first (overdue ones have the earliest)."""
    return (
        Ticket.objects.filter(team__in=teams, is_open=True)
        .select_related("customer", "assignee", "team")
        .order_by(*BY_DEADLINE)
    )


def team_agents(
    teams: Sequence[Team] | QuerySet[Team], now: datetime | None = None
) -> QuerySet[User]:
    """Members with their open and overdue work counts and duty state."""
    now = now or timezone.now()
    return (
        User.objects.filter(team__in=teams, is_active=True)
        .annotate(
            open_count=Count(
                "assigned_tickets", filter=Q(assigned_tickets__is_open=True), distinct=True
            ),
            overdue_count=Count(
                "assigned_tickets",
                filter=Q(assigned_tickets__is_open=True, assigned_tickets__next_due_at__lt=now),
                distinct=True,
            ),
            callbacks_open=Count(
                "callbacks", filter=Q(callbacks__state=Callback.State.OPEN), distinct=True
            ),
        )
        .select_related("team")
        .order_by("team__name", "-on_duty", "employee_no", "username")
    )


# --- timeline -----------------------------------------------------------------------------------

ACTION_LABELS = {
    "created": pgettext_lazy("timeline", "受理工单"),
    "assigned": pgettext_lazy("timeline", "分派"),
    "status": pgettext_lazy("timeline", "状态变更"),
    "updated": pgettext_lazy("timeline", "修改工单"),
    "deadlines": pgettext_lazy("timeline", "时限重新计算"),
    "transferred": pgettext_lazy("timeline", "转交部门"),
    "reply": pgettext_lazy("timeline", "回复客户"),
    "note": pgettext_lazy("timeline", "内部备注"),
    "escalated": pgettext_lazy("timeline", "升级"),
    "attachment": pgettext_lazy("timeline", "上传附件"),
    "callback_promised": pgettext_lazy("timeline", "承诺回电"),
    "callback_attempt": pgettext_lazy("timeline", "回电未接通"),
    "callback_done": pgettext_lazy("timeline", "完成回电"),
    "callback_cancelled": pgettext_lazy("timeline", "取消回电"),
    "callback_overdue": pgettext_lazy("timeline", "回电逾期"),
    "sla_warning": pgettext_lazy("timeline", "时限预警"),
    "sla_breach": pgettext_lazy("timeline", "时限超时"),
    "complaint_report": pgettext_lazy("timeline", "填写投诉报告"),
    "complaint_verified": pgettext_lazy("timeline", "经理核实投诉报告"),
    "complaint_unverified": pgettext_lazy("timeline", "撤销投诉报告核实"),
}

FIELD_LABELS = {
    "status": gettext_lazy("状态"),
    "kind": gettext_lazy("类型"),
    "channel": gettext_lazy("渠道"),
    "priority": gettext_lazy("优先级"),
    "scope": gettext_lazy("协调范围"),
    "complaint_category": gettext_lazy("投诉类别"),
    "policy": gettext_lazy("时限策略"),
    "first_response_due_at": gettext_lazy("首次响应截止"),
    "reply_due_at": gettext_lazy("回复截止"),
    "resolution_due_at": gettext_lazy("解决截止"),
    "special_due_at": gettext_lazy("指定回复时间"),
    "received_at": gettext_lazy("受理时间"),
    "subject": gettext_lazy("摘要"),
    "description": gettext_lazy("详细描述"),
    "order_no": gettext_lazy("订单号"),
    "product_model": gettext_lazy("产品型号"),
    "contact_phone": gettext_lazy("联系电话"),
    "assignee": gettext_lazy("处理人"),
    "escalated_to": gettext_lazy("升级至"),
    "department_name": gettext_lazy("协办部门"),
    "due_at": gettext_lazy("截止时间"),
    "retry_at": gettext_lazy("下次重试"),
    "outcome": gettext_lazy("回电结果"),
    "reason": gettext_lazy("回电原因"),
    "clock": gettext_lazy("时限"),
    "responsibility": gettext_lazy("责任归属"),
    "responsible_staff": gettext_lazy("责任员工"),
    "major": gettext_lazy("重大投诉"),
    "apologised": gettext_lazy("已致歉"),
    "verified": gettext_lazy("已核实"),
    "name": gettext_lazy("文件名"),
    "size": gettext_lazy("大小"),
}
# ids shown through another key, or internal
SKIP_KEYS = frozenset(
    {
        "number",
        "department",
        "callback",
        "attachment",
        "first_response_warn_at",
        "reply_warn_at",
        "resolution_warn_at",
    }
)
USER_KEYS = frozenset({"assignee", "escalated_to", "responsible_staff"})
CHOICES: dict[str, Any] = {
    "status": Status,
    "kind": Kind,
    "channel": Channel,
    "priority": Priority,
    "scope": Scope,
    "complaint_category": ComplaintCategory,
    "outcome": Callback.Outcome,
    "reason": Callback.Reason,
    "clock": SlaAlert.Clock,
    "responsibility": ComplaintReport.Responsibility,
}
TIME_KEYS = frozenset(
    {
        "first_response_due_at",
        "reply_due_at",
        "resolution_due_at",
        "special_due_at",
        "received_at",
        "due_at",
        "retry_at",
    }
)


@dataclass
class Change:
    label: str
    before: str
    after: str
    had_before: bool


@dataclass
class TimelineEntry:
    at: datetime
    who: str
    action: str
    label: str
    changes: list[Change] = field(default_factory=list)
    body: str = ""
    public: bool = False


def _fmt_time(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return str(value)


class _Formatter:
    def __init__(self, events: Sequence[TicketEvent], masked: bool) -> None:
        ids: set[int] = set()
        codes: set[str] = set()
        for ev in events:
            for side in (ev.before, ev.after):
                if not isinstance(side, dict):
                    continue
                for key in USER_KEYS:
                    if isinstance(side.get(key), int):
                        ids.add(side[key])
                if isinstance(side.get("policy"), str):
                    codes.add(side["policy"])
        self.users = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)} if ids else {}
        self.policies = (
            dict(SlaPolicy.objects.filter(code__in=codes).values_list("code", "name"))
            if codes
            else {}
        )
        self.masked = masked

    def value(self, key: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if key in USER_KEYS:
            return self.users.get(value, f"#{value}") if isinstance(value, int) else str(value)
        if key in CHOICES:
            try:
                return str(CHOICES[key](value).label)
            except ValueError:
                return str(value)
        if key in TIME_KEYS:
            return _fmt_time(value)
        if key == "policy":
            return self.policies.get(value, value)
        if key == "size" and isinstance(value, int):
            return str(filesizeformat(value))
        if key == "contact_phone" and self.masked:
            return mask_phone(str(value))
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return str(value)

    def changes(self, ev: TicketEvent) -> list[Change]:
        before = ev.before if isinstance(ev.before, dict) else {}
        after = ev.after if isinstance(ev.after, dict) else {}
        # the assignee / escalation target carries its display name beside the id
        names = {}
        if ev.action in {"assigned", "escalated"}:
            person_key = "assignee" if ev.action == "assigned" else "escalated_to"
            names = {"before": before.get("name"), "after": after.get("name")}
            before = {k: v for k, v in before.items() if k != "name"}
            after = {k: v for k, v in after.items() if k != "name"}
        else:
            person_key = ""
        out = []
        keys = list(dict.fromkeys([*after.keys(), *before.keys()]))
        for key in keys:
            if key in SKIP_KEYS:
                continue
            if ev.action == "attachment" and key not in {"name", "size"}:
                continue
            b, a = before.get(key), after.get(key)
            if key in before and b == a:
                continue
            b_text = self.value(key, b)
            a_text = self.value(key, a)
            if key == person_key:
                b_text = names.get("before") or b_text
                a_text = names.get("after") or a_text
                if a is None:
                    a_text = _("未分派") if key == "assignee" else "—"
                if key in before and b is None:
                    b_text = _("未分派") if key == "assignee" else "—"
            label = str(FIELD_LABELS.get(key, key))
            out.append(Change(label=label, before=b_text, after=a_text, had_before=key in before))
        return out


def ticket_timeline(ticket: Ticket, *, masked: bool = True) -> list[TimelineEntry]:
    """Every event of the work order, oldest first, with before -> after in readable words."""
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "id"))
    fmt = _Formatter(events, masked)
    return [
        TimelineEntry(
            at=ev.at,
            who=ev.actor_text or _("系统"),
            action=ev.action,
            label=str(ACTION_LABELS.get(ev.action, ev.action)),
            changes=fmt.changes(ev),
            body=ev.text,  # what kefu wrote itself in the reader's language
            public=ev.public,
        )
        for ev in events
    ]
