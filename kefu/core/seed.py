"""Default configuration: the statutory calendar, the calendars, and the SLA policies of STANDARDS.md."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from kefu.domain import sla as engine
from kefu.domain.calendar import DayOverride
from kefu.domain.holidays import statutory_overrides, statutory_years

from .calendars import calendar_invalidate
from .models import CalendarDay, CalendarYear, WorkCalendarDef

DEFAULT_WINDOWS = {str(d): [["09:00", "12:00"], ["13:30", "17:00"]] for d in range(5)}


@transaction.atomic
def seed_calendar(*, overwrite: bool = False) -> int:
    """Loads chinese-calendar's 2004-2026 schedule; admins' edits are kept unless overwrite=True."""
    existing = set(CalendarDay.objects.values_list("day", flat=True))
    new = [
        CalendarDay(day=o.day, kind=o.kind, name=o.name, source="chinese-calendar")
        for o in statutory_overrides()
        if overwrite or o.day not in existing
    ]
    if overwrite:
        CalendarDay.objects.filter(day__in=[o.day for o in new]).delete()
    CalendarDay.objects.bulk_create(new, batch_size=500)
    known = set(CalendarYear.objects.values_list("year", flat=True))
    CalendarYear.objects.bulk_create(
        [
            CalendarYear(year=y, source="chinese-calendar")
            for y in statutory_years()
            if y not in known
        ]
    )
    for name, title, mode, windows in (
        ("clock", "自然时间(7x24)", "clock", {}),
        ("working_days", "法定工作日(全天计)", "working_days", {}),
        (
            "business_hours",
            "工作时段(周一至周五 9:00-12:00, 13:30-17:00)",
            "business_hours",
            DEFAULT_WINDOWS,
        ),
    ):
        WorkCalendarDef.objects.get_or_create(
            name=name, defaults={"title": title, "mode": mode, "windows": windows}
        )
    calendar_invalidate()
    return len(new)


@transaction.atomic
def calendar_import_year(*, year: int, overrides: list[DayOverride], source: str = "import") -> int:
    """Replaces one year's schedule (e.g. from next year's State Council notice)."""
    CalendarDay.objects.filter(day__year=year).delete()
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(day=o.day, kind=o.kind, name=o.name, source=source)
            for o in overrides
            if o.day.year == year
        ]
    )
    CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
    calendar_invalidate()
    return len(overrides)


@transaction.atomic
def seed_policies() -> int:
    from kefu.tickets.models import SlaPolicy

    created = 0
    for p in engine.default_policies():
        _, was_created = SlaPolicy.objects.get_or_create(
            code=p.code,
            defaults={
                "name": p.name,
                "standards": ",".join(p.standards),
                "kind": p.kind or "",
                "scope": p.scope or "",
                "channel": p.channel or "",
                "customer_class": p.customer_class or "",
                "complaint_category": p.complaint_category or "",
                "calendar": p.calendar,
                "first_response_hours": p.first_response_hours,
                "reply_hours": p.reply_hours,
                "resolution_hours": p.resolution_hours,
                "warn_ratio": settings.KEFU_SLA_WARN_RATIO,
                "priority_order": p.priority_order,
            },
        )
        created += was_created
    return created


def seed_all() -> None:
    seed_calendar()
    seed_policies()
