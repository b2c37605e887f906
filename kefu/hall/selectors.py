"""Service-hall reads: a number's place and estimated wait (HALL-4), the display board, the floor
walker's list, a counter's next customer (HALL-5) and the statistics."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kefu.domain.queueing import (
    WaitingNumber,
    call_order,
    estimate_wait,
    people_ahead,
)

from .models import (
    ACTIVE_STATUSES,
    BusinessType,
    ChecklistSignOff,
    Counter,
    CounterBusiness,
    Hall,
    QueueNumber,
)
from .services import local_day

S = QueueNumber.Status


def _waiting(hall: Hall, codes: list[str] | None = None) -> list[WaitingNumber]:
    qs = QueueNumber.objects.filter(hall=hall, status=S.WAITING, target_counter__isnull=True)
    if codes is not None:
        qs = qs.filter(business__code__in=codes)
    return [
        WaitingNumber(*row) for row in qs.values_list("id", "business__code", "queued_at", "vip")
    ]


def servers_for(hall: Hall, business: BusinessType) -> int:
    """Open counters with someone signed in that serve the business."""
    return (
        Counter.objects.filter(
            hall=hall, state=Counter.State.OPEN, staff__isnull=False, services__business=business
        )
        .distinct()
        .count()
    )


def idle_servers_for(hall: Hall, business: BusinessType) -> int:
    """Open, staffed counters serving the business that have nobody called or being served."""
    return (
        Counter.objects.filter(
            hall=hall, state=Counter.State.OPEN, staff__isnull=False, services__business=business
        )
        .exclude(numbers__status__in=ACTIVE_STATUSES)
        .distinct()
        .count()
    )


@dataclass
class NumberStatus:
    number: QueueNumber
    ahead: int
    servers: int
    estimate: timedelta | None

    @property
    def estimate_minutes(self) -> int | None:
        if self.estimate is None:
            return None
        if not self.estimate:
            return 0
        return max(1, math.ceil(self.estimate.total_seconds() / 60))


def number_status(number: QueueNumber) -> NumberStatus:
    """People ahead and estimated wait = (ahead + 1) x mean service / open counters (HALL-4)."""
    n = number
    servers = servers_for(n.hall, n.business)
    if n.status != S.WAITING:
        return NumberStatus(n, 0, servers, None if n.status not in ACTIVE_STATUSES else timedelta())
    me = WaitingNumber(n.pk, n.business.code, n.queued_at, n.vip)
    ahead = people_ahead(_waiting(n.hall, [n.business.code]), me, vip_cap=n.hall.vip_cap)
    estimate = estimate_wait(ahead=ahead, servers=servers, mean_service=n.business.mean_service)
    if ahead == 0 and estimate is not None and idle_servers_for(n.hall, n.business):
        # a counter is free now: the customer is called at once (bench.hall_simulation: showing
        # 0 here lowers the estimate's mean absolute error by 10-25%)
        estimate = timedelta()
    return NumberStatus(n, ahead, servers, estimate)


def number_find(hall: Hall, code: str, day: date | None = None) -> QueueNumber | None:
    """Today's latest leg of a printed number (a queue-jumper check: "请问您取号了吗?")."""
    day = day or local_day(timezone.now())
    return (
        QueueNumber.objects.filter(hall=hall, day=day, code=code.strip().upper())
        .select_related("business", "counter")
        .order_by("-id")
        .first()
    )


def counter_order(counter: Counter) -> list[str]:
    return list(
        CounterBusiness.objects.filter(counter=counter)
        .order_by("priority", "business__code")
        .values_list("business__code", flat=True)
    )


def counter_next(counter: Counter, limit: int = 3) -> list[QueueNumber]:
    """The customers this counter would call next, in order (HALL-5)."""
    targeted = list(
        QueueNumber.objects.filter(status=S.WAITING, target_counter=counter)
        .select_related("business")
        .order_by("queued_at", "id")[:limit]
    )
    if len(targeted) >= limit:
        return targeted
    order = counter_order(counter)
    seq = call_order(
        _waiting(counter.hall, order),
        business_order=order,
        vip_streak=counter.vip_streak,
        vip_cap=counter.hall.vip_cap,
    )[: limit - len(targeted)]
    by_id = QueueNumber.objects.select_related("business").in_bulk([w.id for w in seq])
    return targeted + [by_id[w.id] for w in seq if w.id in by_id]


def board(hall: Hall) -> dict[str, Any]:
    """The display board: the call in progress per counter, the last calls, queue lengths."""
    counters = list(Counter.objects.filter(hall=hall).select_related("staff").order_by("number"))
    active = {
        n.counter_id: n
        for n in QueueNumber.objects.filter(hall=hall, status__in=ACTIVE_STATUSES).select_related(
            "business"
        )
    }
    recent = list(
        QueueNumber.objects.filter(hall=hall, last_called_at__isnull=False)
        .select_related("counter", "business")
        .order_by("-last_called_at", "-id")[: hall.board_recent]
    )
    lengths = (
        QueueNumber.objects.filter(hall=hall, status=S.WAITING)
        .values("business__brand", "prefix")
        .annotate(waiting=Count("id"))
        .order_by("prefix")
    )
    return {
        "counters": [(c, active.get(c.pk)) for c in counters],
        "recent": recent,
        "lengths": list(lengths),
        "waiting_total": sum(row["waiting"] for row in lengths),
    }


@dataclass
class WaitingRow:
    number: QueueNumber
    waited: timedelta
    ahead: int
    estimate: timedelta | None
    long: bool

    @property
    def waited_minutes(self) -> int:
        return int(self.waited.total_seconds() // 60)

    @property
    def estimate_minutes(self) -> int | None:
        if self.estimate is None:
            return None
        return max(1, math.ceil(self.estimate.total_seconds() / 60))


def walker_list(hall: Hall, now: datetime | None = None) -> list[WaitingRow]:
    """Waiting customers, longest first, flagged past the hall's threshold (HALL-4)."""
    now = now or timezone.now()
    numbers = list(
        QueueNumber.objects.filter(hall=hall, status=S.WAITING)
        .select_related("business", "target_counter")
        .order_by("arrived_at", "id")
    )
    waiting = _waiting(hall)
    servers: dict[int, int] = {}
    rows = []
    threshold = timedelta(minutes=hall.long_wait_minutes)
    for n in numbers:
        if n.business_id not in servers:
            servers[n.business_id] = servers_for(hall, n.business)
        me = WaitingNumber(n.pk, n.business.code, n.queued_at, n.vip)
        ahead = people_ahead(waiting, me, vip_cap=hall.vip_cap)
        est = estimate_wait(
            ahead=ahead, servers=servers[n.business_id], mean_service=n.business.mean_service
        )
        waited = now - n.arrived_at
        rows.append(WaitingRow(n, waited, ahead, est, waited >= threshold))
    return rows


def checklist_today(hall: Hall) -> ChecklistSignOff | None:
    return ChecklistSignOff.objects.filter(hall=hall, day=local_day(timezone.now())).first()


# --- statistics ------------------------------------------------------------------------------------


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, math.ceil(p * len(ordered)) - 1)
    return ordered[k]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def numbers_between(hall: Hall, start: date, end: date) -> QuerySet[QueueNumber]:
    return QueueNumber.objects.filter(hall=hall, day__gte=start, day__lte=end)


def _group_stats(legs: list[QueueNumber], within: timedelta) -> dict[str, Any]:
    waits = [
        (n.called_at - n.taken_at).total_seconds()
        for n in legs
        if n.called_at is not None and n.called_at >= n.taken_at
    ]
    services = [
        (n.service_ended_at - n.service_started_at).total_seconds()
        for n in legs
        if n.service_started_at and n.service_ended_at
    ]
    return {
        "issued": sum(1 for n in legs if n.parent_id is None),
        "legs": len(legs),
        "served": sum(1 for n in legs if n.status == S.DONE),
        "no_show": sum(1 for n in legs if n.status == S.NO_SHOW),
        "diverted": sum(1 for n in legs if n.status == S.DIVERTED),
        "transferred": sum(1 for n in legs if n.status == S.TRANSFERRED),
        "cancelled": sum(1 for n in legs if n.status == S.CANCELLED),
        "waiting": sum(1 for n in legs if n.status == S.WAITING),
        "mean_wait": _minutes(_mean(waits)),
        "p90_wait": _minutes(_percentile(waits, 0.9)),
        "within": round(100 * sum(1 for w in waits if w <= within.total_seconds()) / len(waits), 1)
        if waits
        else None,
        "mean_service": _minutes(_mean(services)),
        "busy_seconds": sum(services),
    }


def hall_stats(hall: Hall, start: date, end: date, *, within_minutes: int = 15) -> dict[str, Any]:
    """Numbers issued, served, no-show, diverted, transferred; mean and 90th-percentile wait; the
    share called within X minutes; mean service time by business, counter and person; arrivals per
    hour; counter utilisation (service time / signed-in span of the day's events)."""
    legs = list(
        numbers_between(hall, start, end).select_related("business", "counter", "served_by")
    )
    within = timedelta(minutes=within_minutes)
    by_business: dict[Any, list[QueueNumber]] = defaultdict(list)
    by_counter: dict[Any, list[QueueNumber]] = defaultdict(list)
    by_person: dict[Any, list[QueueNumber]] = defaultdict(list)
    hours: dict[int, int] = defaultdict(int)
    for n in legs:
        by_business[n.business].append(n)
        if n.counter is not None:
            by_counter[n.counter].append(n)
        if n.served_by is not None:
            by_person[n.served_by].append(n)
        if n.parent_id is None:
            hours[timezone.localtime(n.arrived_at).hour] += 1
    days = (end - start).days + 1
    counters = []
    for c, items in sorted(by_counter.items(), key=lambda kv: kv[0].number):
        row = _group_stats(items, within)
        span = _open_seconds(hall, days)
        row["utilisation"] = round(100 * row["busy_seconds"] / span, 1) if span else None
        counters.append((c, row))
    hour_rows = [(h, hours.get(h, 0)) for h in range(24) if hours.get(h) or 8 <= h <= 18]
    peak = max((v for _h, v in hour_rows), default=0)
    return {
        "total": _group_stats(legs, within),
        "businesses": sorted(
            ((b, _group_stats(items, within)) for b, items in by_business.items()),
            key=lambda kv: (kv[0].brand, kv[0].sort_order, kv[0].code),
        ),
        "counters": counters,
        "people": sorted(
            ((u, _group_stats(items, within)) for u, items in by_person.items()),
            key=lambda kv: str(kv[0]),
        ),
        "hours": [(h, v, round(100 * v / peak) if peak else 0) for h, v in hour_rows],
        "within_minutes": within_minutes,
    }


def _open_seconds(hall: Hall, days: int) -> float:
    """Opening time of an average day times the number of days (for utilisation)."""
    total = 0.0
    hours = hall.opening_hours or {}
    for windows in hours.values():
        for w in windows or []:
            try:
                h1, m1 = (int(x) for x in str(w[0]).split(":")[:2])
                h2, m2 = (int(x) for x in str(w[1]).split(":")[:2])
            except (ValueError, IndexError, TypeError):
                continue
            total += max(0, (h2 * 60 + m2) - (h1 * 60 + m1)) * 60
    return total / 7 * days if hours else 0.0


def long_waits(hall: Hall) -> int:
    threshold = timezone.now() - timedelta(minutes=hall.long_wait_minutes)
    return QueueNumber.objects.filter(
        Q(hall=hall) & Q(status=S.WAITING) & Q(arrived_at__lte=threshold)
    ).count()
