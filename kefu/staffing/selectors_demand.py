"""Demand reads: the service targets of a post (with what-if changes), the forecast of some days,
the people scheduled per interval and the agents Erlang C asks for (issue 5, item 2).

Forecast days and interval starts are local (Asia/Shanghai) like the roster's shifts.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kefu.domain import erlang
from kefu.domain.forecast import interval_starts

from .models import DemandInterval, Post, Shift

# posts whose demand comes from calls or chats (a hall or the mall desk has fixed head counts)
DEMAND_KINDS = (Post.Kind.HOTLINE, Post.Kind.ONLINE)
MAX_DAYS = 31


@dataclass(frozen=True)
class Targets:
    """A post's service target, as stored or changed on the page for a what-if."""

    level: float  # share answered within `seconds`, 0.8
    seconds: float
    aht: float  # seconds, for intervals without their own AHT
    shrinkage: float
    max_occupancy: float
    interval_minutes: int

    @classmethod
    def of_post(cls, post: Post) -> Targets:
        return cls(
            level=float(post.target_level),
            seconds=float(post.target_seconds),
            aht=float(post.default_aht_seconds),
            shrinkage=float(post.shrinkage),
            max_occupancy=float(post.max_occupancy),
            interval_minutes=int(post.interval_minutes),
        )

    def changed(self, **values: float | None) -> Targets:
        """These targets with the given values replaced (None keeps a value)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.interval_minutes)

    def as_percent(self) -> dict[str, float]:
        """The values as the page's fields show them (per cent for the shares)."""
        return {
            "target_level": round(self.level * 100, 1),
            "target_seconds": self.seconds,
            "aht": self.aht,
            "shrinkage": round(self.shrinkage * 100, 1),
            "max_occupancy": round(self.max_occupancy * 100, 1),
        }


# form field -> the targets that field sets; the domain's message explains what is wrong
TARGET_FIELDS = ("target_level", "target_seconds", "aht", "shrinkage", "max_occupancy")


def targets_check(targets: Targets) -> None:
    """Raises ValidationError naming each field whose target Erlang C cannot work with (SL 100%,
    a zero AHT, shrinkage 100% ...), with the domain's Chinese message."""
    errors: dict[str, list[str]] = {}
    try:
        interval_starts(targets.interval_minutes)
    except ValueError as exc:
        errors["interval_minutes"] = [str(exc)]
        return _raise(errors)
    probes: dict[str, dict[str, Any]] = {
        "target_level": {"target_level": targets.level},
        "target_seconds": {"target_time": targets.seconds},
        "aht": {"aht": targets.aht},
        "shrinkage": {"shrinkage": targets.shrinkage},
        "max_occupancy": {"max_occupancy": targets.max_occupancy},
    }
    for name, probe in probes.items():
        try:
            erlang.required_agents(
                **({"calls": 1, "aht": 1.0, "interval": targets.interval} | probe)
            )
        except ValueError as exc:
            errors[name] = [str(exc)]
    _raise(errors)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def demand_posts() -> list[Post]:
    return list(Post.objects.filter(kind__in=DEMAND_KINDS, active=True).select_related("unit"))


def span_days(day: date, span: str) -> list[date]:
    """The chosen day, or the Monday-to-Sunday week it falls in."""
    if span == "week":
        monday = day - timedelta(days=day.weekday())
        return [monday + timedelta(days=i) for i in range(7)]
    return [day]


def forecast_of(post: Post, days: list[date]) -> dict[tuple[date, time], DemandInterval]:
    rows = DemandInterval.objects.filter(post=post, day__in=days)
    return {(r.day, r.start): r for r in rows}


def scheduled_per_interval(
    post: Post, days: list[date], interval_minutes: int
) -> Counter[tuple[date, time]]:
    """People on the roster of the post whose shift's clock span covers each interval start
    (draft and published rosters; a shift past midnight counts on the next day)."""
    wanted = set(days)
    step = timedelta(minutes=interval_minutes)
    counts: Counter[tuple[date, time]] = Counter()
    if not days:
        return counts
    shifts = Shift.objects.filter(
        post=post, day__gte=min(days) - timedelta(days=1), day__lte=max(days)
    ).only("day", "start", "end")
    for shift in shifts:
        start, end = shift.span()
        # the first interval start at or after the shift's start
        midnight = datetime.combine(start.date(), time.min)
        k = math.ceil((start - midnight) / step)
        t = midnight + k * step
        while t < end:
            if t.date() in wanted:
                counts[(t.date(), t.time())] += 1
            t += step
    return counts


@dataclass(frozen=True)
class PlanRow:
    day: date
    start: time
    calls: float | None
    aht: float
    source: str
    need: erlang.Staffing | None
    scheduled: int
    # service level the scheduled people reach once shrinkage is taken off
    reached: float | None

    @property
    def needed(self) -> int:
        return self.need.scheduled if self.need else 0

    @property
    def agents(self) -> int:
        return self.need.agents if self.need else 0

    @property
    def gap(self) -> int:
        """Scheduled minus needed: negative is a shortfall."""
        return self.scheduled - self.needed

    @property
    def service_level_pct(self) -> float | None:
        return None if self.need is None else self.need.service_level * 100

    @property
    def reached_pct(self) -> float | None:
        return None if self.reached is None else self.reached * 100


@dataclass(frozen=True)
class DemandPlan:
    post: Post
    days: list[date]
    targets: Targets
    rows: list[PlanRow]

    @property
    def total_calls(self) -> float:
        return sum(r.calls or 0 for r in self.rows)

    @property
    def short_intervals(self) -> int:
        return sum(1 for r in self.rows if r.gap < 0)

    @property
    def peak_needed(self) -> int:
        return max((r.needed for r in self.rows), default=0)

    @property
    def peak_scheduled(self) -> int:
        return max((r.scheduled for r in self.rows), default=0)

    @property
    def has_forecast(self) -> bool:
        return any(r.calls is not None for r in self.rows)


@dataclass(frozen=True)
class DaySummary:
    """One day of a week's plan: what the week view lists (the day view has every interval)."""

    day: date
    calls: float
    intervals: int
    peak_needed: int
    peak_scheduled: int
    short: int


def day_summaries(plan: DemandPlan) -> list[DaySummary]:
    out = []
    for day in plan.days:
        rows = [r for r in plan.rows if r.day == day]
        out.append(
            DaySummary(
                day=day,
                calls=sum(r.calls or 0 for r in rows),
                intervals=sum(1 for r in rows if r.calls is not None),
                peak_needed=max((r.needed for r in rows), default=0),
                peak_scheduled=max((r.scheduled for r in rows), default=0),
                short=sum(1 for r in rows if r.gap < 0),
            )
        )
    return out


def demand_plan(post: Post, days: list[date], targets: Targets) -> DemandPlan:
    """Each interval of the days with a forecast or someone scheduled: calls, the agents Erlang C
    needs on the phones and on the roster, the people scheduled and the service level they reach.

    The targets must have passed `targets_check`.
    """
    forecast = forecast_of(post, days)
    scheduled = scheduled_per_interval(post, days, targets.interval_minutes)
    keys = sorted(set(forecast) | set(scheduled))
    rows: list[PlanRow] = []
    for day, start in keys:
        entry = forecast.get((day, start))
        count = scheduled.get((day, start), 0)
        aht = float(entry.aht_seconds) if entry and entry.aht_seconds else targets.aht
        need = reached = None
        if entry is not None:
            calls = float(entry.calls)
            need = erlang.required_agents(
                calls=calls,
                aht=aht,
                interval=targets.interval,
                target_level=targets.level,
                target_time=targets.seconds,
                max_occupancy=targets.max_occupancy,
                shrinkage=targets.shrinkage,
            )
            on_phones = math.floor(count * (1 - targets.shrinkage) + 1e-9)
            reached = erlang.evaluate(
                calls=calls,
                aht=aht,
                agents=on_phones,
                interval=targets.interval,
                target_time=targets.seconds,
                shrinkage=targets.shrinkage,
            ).service_level
        rows.append(
            PlanRow(
                day=day,
                start=start,
                calls=float(entry.calls) if entry else None,
                aht=aht,
                source=entry.get_source_display() if entry else "",
                need=need,
                scheduled=count,
                reached=reached,
            )
        )
    return DemandPlan(post=post, days=days, targets=targets, rows=rows)


def chart_data(plan: DemandPlan) -> dict[str, Any]:
    """What staffing/demand.js draws: bars needed / scheduled, a line of forecast calls."""
    several = len(plan.days) > 1
    return {
        "x": [
            f"{r.day:%m-%d} {r.start:%H:%M}" if several else f"{r.start:%H:%M}" for r in plan.rows
        ],
        "needed": [r.needed for r in plan.rows],
        "agents": [r.agents for r in plan.rows],
        "scheduled": [r.scheduled for r in plan.rows],
        "calls": [r.calls for r in plan.rows],
        "labels": {
            "title": _("每个时段需要与已排班人数"),
            "needed": _("需排班人数"),
            "agents": _("需在线坐席"),
            "scheduled": _("已排班人数"),
            "calls": _("预测来电量"),
            "people": _("人数"),
            "interval": _("时段"),
        },
    }


CSV_HEADER = [
    "date",
    "interval_start",
    "calls",
    "aht",
    "traffic",
    "agents",
    "needed",
    "scheduled",
    "gap",
    "service_level",
    "asa_seconds",
    "occupancy",
    "service_level_scheduled",
]


def plan_csv_rows(plan: DemandPlan) -> list[list[str]]:
    """The plan as CSV rows; the first four columns are the import format, so an exported file
    can be edited and imported again."""

    def pct(value: float | None) -> str:
        return "" if value is None else f"{value:.4f}"

    out: list[list[str]] = []
    for r in plan.rows:
        s = r.need
        asa = "" if s is None or s.asa == timedelta.max else f"{s.asa_seconds:.1f}"
        out.append(
            [
                r.day.isoformat(),
                r.start.strftime("%H:%M"),
                "" if r.calls is None else f"{r.calls:g}",
                f"{r.aht:g}",
                "" if s is None else f"{s.traffic:.3f}",
                "" if s is None else str(s.agents),
                "" if s is None else str(s.scheduled),
                str(r.scheduled),
                "" if s is None else str(r.gap),
                pct(s.service_level if s else None),
                asa,
                pct(s.occupancy if s else None),
                pct(r.reached),
            ]
        )
    return out
