"""Demo demand: two weeks of hotline forecast (1-14 December 2026, the demo roster's month) from a
typical intraday curve of a service hotline, so the demand page has something to show."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from .models import DemandInterval, Post
from .seed import HOTLINE_POST

FIRST_DAY = date(2026, 12, 1)
DAYS = 14

# calls per 30 minutes on an ordinary Tuesday, 08:00-22:00: a morning peak at 10:00, a dip at
# lunch, an afternoon peak at 14:30, a long evening tail
CURVE = [
    8, 12, 18, 22, 25, 24, 22, 18, 14, 13, 15, 18, 21, 22,
    21, 19, 17, 15, 13, 11, 10, 9, 9, 8, 7, 6, 5, 3,
]  # fmt: skip
OPEN = time(8, 0)
# Monday is the busiest day of a hotline, the weekend the quietest
WEEKDAY_FACTOR = [1.15, 1.0, 0.95, 0.95, 1.0, 0.75, 0.7]


def demand_curve(day: date) -> list[tuple[time, Decimal]]:
    """The day's (interval start, calls): the curve scaled by the weekday, with a small
    repeatable wobble so that no two days are identical."""
    out = []
    for i, calls in enumerate(CURVE):
        wobble = 1 + 0.04 * (((day.toordinal() * 7 + i * 3) % 5) - 2)
        minutes = OPEN.hour * 60 + OPEN.minute + 30 * i
        value = Decimal(str(round(calls * WEEKDAY_FACTOR[day.weekday()] * wobble, 1)))
        out.append((time(minutes // 60, minutes % 60), value))
    return out


def demo_demand_load() -> int:
    """Creates (once) the hotline forecast of 1-14 December 2026; returns the intervals added."""
    post = Post.objects.filter(code=HOTLINE_POST).first()
    if post is None:
        return 0
    days = [FIRST_DAY + timedelta(days=i) for i in range(DAYS)]
    have = set(DemandInterval.objects.filter(post=post, day__in=days).values_list("day", flat=True))
    rows = [
        DemandInterval(
            post=post, day=day, start=start, calls=calls, source=DemandInterval.Source.IMPORT
        )
        for day in days
        if day not in have
        for start, calls in demand_curve(day)
    ]
    DemandInterval.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
