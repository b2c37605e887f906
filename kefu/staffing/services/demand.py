"""Demand writes: the forecast of calls per interval, entered by hand, imported from a CSV file or
taken from the history of work orders and conversations; a post's service targets.

Each service checks the caller is a roster manager, runs in one transaction and writes an audit
entry. A file with any bad row is refused as a whole, with every problem named by line and field
(nothing saved partially).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.core.services import audit_record
from kefu.domain.forecast import (
    MAX_AHT,
    MAX_CALLS,
    ForecastFileError,
    average_by_weekday,
    check_forecast,
    decode_forecast,
    forecast_for_days,
    history_window,
    parse_forecast_csv,
)

from ..models import DemandInterval, Post
from ..permissions import ROSTER_MANAGERS, require
from ..selectors_demand import DEMAND_KINDS, MAX_DAYS, Targets, targets_check

MAX_PROBLEMS = 100  # listed on the page; the rest are counted
MAX_ROWS = 20_000
MAX_WEEKS = 26
TENTH = Decimal("0.1")


def _calls(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(TENTH, rounding=ROUND_HALF_UP)


def _demand_post(post: Post) -> None:
    if post.kind not in DEMAND_KINDS:
        raise ValidationError(
            {
                "post": [
                    _("「%(post)s」不按来电量排班,只有热线和在线客服岗位有话务预测")
                    % {"post": post}
                ]
            }
        )


def _span(days: Sequence[date]) -> dict[str, str]:
    return {"first_day": min(days).isoformat(), "last_day": max(days).isoformat()} if days else {}


# --- entered by hand ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One interval of the day-entry form: calls None removes the interval's forecast."""

    start: time
    calls: Decimal | float | None
    aht: int | None = None


def field_key(name: str, start: time) -> str:
    """The form field of one interval: calls_0930, aht_0930."""
    return f"{name}_{start:%H%M}"


@transaction.atomic
def forecast_save(*, by: User, post: Post, day: date, entries: Sequence[Entry]) -> int:
    """Stores the calls (and own AHT) typed for the intervals of one day; returns how many
    intervals changed. Every bad value is reported against its field; nothing is saved then."""
    require(by, ROSTER_MANAGERS, _("录入话务预测"))
    _demand_post(post)
    errors: dict[str, list[str]] = {}
    step = int(post.interval_minutes)
    for e in entries:
        if e.start.second or (e.start.hour * 60 + e.start.minute) % step:
            errors.setdefault(field_key("calls", e.start), []).append(
                _("%(t)s 不是 %(n)s 分钟时段的起点") % {"t": f"{e.start:%H:%M}", "n": step}
            )
        if e.calls is not None and not 0 <= float(e.calls) <= MAX_CALLS:
            errors.setdefault(field_key("calls", e.start), []).append(
                _("%(t)s 的来电量必须在 0 到 %(max)s 之间")
                % {"t": f"{e.start:%H:%M}", "max": MAX_CALLS}
            )
        if e.aht is not None and not 0 < e.aht <= MAX_AHT:
            errors.setdefault(field_key("aht", e.start), []).append(
                _("%(t)s 的平均处理时长必须大于 0 且不超过 %(max)s 秒")
                % {"t": f"{e.start:%H:%M}", "max": MAX_AHT}
            )
    if errors:
        raise ValidationError(errors)
    existing = {r.start: r for r in DemandInterval.objects.filter(post=post, day=day)}
    changes: list[dict[str, object]] = []
    for e in entries:
        row = existing.get(e.start)
        if e.calls is None:
            if row is not None:
                changes.append(
                    {"start": f"{e.start:%H:%M}", "before": str(row.calls), "after": None}
                )
                row.delete()
            continue
        calls = _calls(e.calls)
        if row is not None and row.calls == calls and row.aht_seconds == e.aht:
            continue
        changes.append(
            {
                "start": f"{e.start:%H:%M}",
                "before": str(row.calls) if row else None,
                "after": str(calls),
            }
        )
        DemandInterval.objects.update_or_create(
            post=post,
            day=day,
            start=e.start,
            defaults={"calls": calls, "aht_seconds": e.aht, "source": DemandInterval.Source.MANUAL},
        )
    if changes:
        audit_record(
            actor=by,
            action="forecast_save",
            obj=post,
            detail={"day": day.isoformat(), "changes": changes[:200], "count": len(changes)},
        )
    return len(changes)


# --- imported ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    intervals: int
    days: list[date]


def _problem_list(messages: list[str]) -> list[str]:
    if len(messages) <= MAX_PROBLEMS:
        return messages
    rest = len(messages) - MAX_PROBLEMS
    return [*messages[:MAX_PROBLEMS], _("……另有 %(n)s 处问题未列出") % {"n": rest}]


@transaction.atomic
def forecast_import(
    *, by: User, post: Post, content: bytes | str, day: date | None = None, filename: str = ""
) -> ImportResult:
    """Stores a forecast file (``date,interval_start,calls[,aht]`` or ``interval_start,calls[,aht]``
    for `day`). Intervals in the file replace those stored; others are kept.

    Any bad row refuses the whole file: ValidationError({"file": [每个问题:第N行:字段 …]}).
    """
    require(by, ROSTER_MANAGERS, _("导入话务预测"))
    _demand_post(post)
    try:
        text = decode_forecast(content) if isinstance(content, bytes) else content
        parsed = parse_forecast_csv(text, default_day=day)
    except ForecastFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    problems = parsed.problems + check_forecast(parsed.rows, interval_minutes=post.interval_minutes)
    if problems:
        ordered = sorted(problems, key=lambda p: p.line)
        raise ValidationError(
            {
                "file": _problem_list(
                    [
                        _("第%(line)s行:%(message)s") % {"line": p.line, "message": p.message}
                        for p in ordered
                    ]
                )
            }
        )
    if not parsed.rows:
        raise ValidationError({"file": [_("预测文件没有数据行")]})
    if len(parsed.rows) > MAX_ROWS:
        raise ValidationError(
            {
                "file": [
                    _("预测文件行数过多(%(n)s 行,最多 %(max)s 行)")
                    % {"n": len(parsed.rows), "max": MAX_ROWS}
                ]
            }
        )
    rows = [
        DemandInterval(
            post=post,
            day=r.day,
            start=r.start,
            calls=_calls(r.calls),
            aht_seconds=round(r.aht) if r.aht is not None else None,
            source=DemandInterval.Source.IMPORT,
        )
        for r in parsed.rows
    ]
    DemandInterval.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["post", "day", "start"],
        update_fields=["calls", "aht_seconds", "source", "updated_at"],
    )
    days = sorted({r.day for r in parsed.rows if r.day is not None})
    audit_record(
        actor=by,
        action="forecast_import",
        obj=post,
        detail={"file": filename[:100], "intervals": len(rows), **_span(days)},
    )
    return ImportResult(intervals=len(rows), days=days)


# --- from history --------------------------------------------------------------------------------

# which work orders and conversations are the traffic of a post of each kind
TICKET_CHANNELS = {Post.Kind.HOTLINE: ("phone",), Post.Kind.ONLINE: ("chat", "social")}
CONVERSATION_CHANNELS = {Post.Kind.HOTLINE: ("phone",), Post.Kind.ONLINE: ("chat",)}


@dataclass(frozen=True)
class HistoryResult:
    intervals: int
    events: int
    first_day: date
    last_day: date  # inclusive


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(tzinfo=None)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@transaction.atomic
def forecast_from_history(
    *,
    by: User,
    post: Post,
    days: Sequence[date],
    weeks: int = 4,
    tickets: bool = True,
    conversations: bool = True,
    today: date | None = None,
) -> HistoryResult:
    """Replaces the forecast of `days` by the average, per weekday and interval, of the work
    orders (by the time they were received) and the conversations (by the time they started) of
    the post's channel over the `weeks` whole weeks before today. With no such record in those
    weeks nothing is changed."""
    from kefu.quality.models import Conversation
    from kefu.tickets.models import Ticket

    require(by, ROSTER_MANAGERS, _("按历史预测话务"))
    _demand_post(post)
    errors: dict[str, list[str]] = {}
    if not 1 <= weeks <= MAX_WEEKS:
        errors["weeks"] = [_("历史周数必须在 1 到 %(max)s 之间") % {"max": MAX_WEEKS}]
    if not tickets and not conversations:
        errors["tickets"] = [_("请至少选择一种历史数据:工单或对话记录")]
    if not days:
        errors["day"] = [_("请选择要预测的日期")]
    elif len(set(days)) > MAX_DAYS:
        errors["day"] = [_("一次最多预测 %(n)s 天") % {"n": MAX_DAYS}]
    if errors:
        raise ValidationError(errors)
    today = today or timezone.localdate()
    first, end = history_window(today, weeks)
    since, until = _aware(first), _aware(end)
    moments: list[datetime] = []
    if tickets:
        moments += [
            _local(t)
            # received_at: when the customer called, even if the work order was typed in later
            for t in Ticket.objects.filter(
                channel__in=TICKET_CHANNELS[post.kind],
                received_at__gte=since,
                received_at__lt=until,
            ).values_list("received_at", flat=True)
        ]
    if conversations:
        moments += [
            _local(t)
            for t in Conversation.objects.filter(
                channel__in=CONVERSATION_CHANNELS[post.kind],
                started_at__gte=since,
                started_at__lt=until,
            ).values_list("started_at", flat=True)
        ]
    if not moments:
        raise ValidationError(
            {
                "weeks": [
                    _("%(first)s 至 %(last)s 没有该岗位渠道的工单或对话记录,无法按历史预测")
                    % {"first": first, "last": end - timedelta(days=1)}
                ]
            }
        )
    averages = average_by_weekday(
        moments, first_day=first, weeks=weeks, interval_minutes=post.interval_minutes
    )
    rows = [
        DemandInterval(
            post=post, day=d, start=s, calls=_calls(c), source=DemandInterval.Source.HISTORY
        )
        for d, s, c in forecast_for_days(averages, days)
        if _calls(c) > 0
    ]
    if not rows:
        raise ValidationError(
            {
                "weeks": [
                    _("%(first)s 至 %(last)s 在所选日期对应的星期没有记录,未生成预测")
                    % {"first": first, "last": end - timedelta(days=1)}
                ]
            }
        )
    DemandInterval.objects.filter(post=post, day__in=list(days)).delete()
    DemandInterval.objects.bulk_create(rows)
    last = end - timedelta(days=1)
    audit_record(
        actor=by,
        action="forecast_history",
        obj=post,
        detail={
            "weeks": weeks,
            "history": [first.isoformat(), last.isoformat()],
            "events": len(moments),
            "intervals": len(rows),
            "tickets": tickets,
            "conversations": conversations,
            **_span(list(days)),
        },
    )
    return HistoryResult(intervals=len(rows), events=len(moments), first_day=first, last_day=last)


# --- targets --------------------------------------------------------------------------------------


@transaction.atomic
def post_targets_save(*, by: User, post: Post, targets: Targets) -> Post:
    """Makes a what-if the post's service target (level, answer time, AHT, shrinkage, occupancy)."""
    require(by, ROSTER_MANAGERS, _("修改服务水平目标"))
    _demand_post(post)
    targets_check(targets)
    post = Post.objects.select_for_update().get(pk=post.pk)
    before = Targets.of_post(post)
    post.target_level = Decimal(str(round(targets.level, 3)))
    post.target_seconds = round(targets.seconds)
    post.default_aht_seconds = round(targets.aht)
    post.shrinkage = Decimal(str(round(targets.shrinkage, 3)))
    post.max_occupancy = Decimal(str(round(targets.max_occupancy, 3)))
    post.full_clean(exclude=["unit"])
    post.save(
        update_fields=[
            "target_level",
            "target_seconds",
            "default_aht_seconds",
            "shrinkage",
            "max_occupancy",
        ]
    )
    audit_record(
        actor=by,
        action="post_targets_save",
        obj=post,
        detail={"before": asdict(before), "after": asdict(Targets.of_post(post))},
    )
    return post
