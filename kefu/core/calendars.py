"""The working calendar in force, read from the database and turned into domain calendars.

Calendars are cached per process and rebuilt when the calendar tables change (a cheap
max(updated_at) check at most every few seconds), so several web processes stay consistent.
"""

from __future__ import annotations

import threading
import time as _time
from datetime import time
from typing import Any

from django.conf import settings
from django.db.models import Max

from kefu.domain.calendar import DayOverride, WorkCalendar

from .models import CalendarDay, CalendarYear, WorkCalendarDef

_lock = threading.Lock()
_cache: dict[str, Any] = {"stamp": None, "checked": 0.0, "calendars": {}}
_CHECK_EVERY_SECONDS = 5.0

BUILTIN = {
    "clock": {"title": "自然时间(7x24)", "mode": "clock"},
    "working_days": {"title": "法定工作日(全天计)", "mode": "working_days"},
    "business_hours": {
        "title": "工作时段(周一至周五 9:00-12:00, 13:30-17:00)",
        "mode": "business_hours",
    },
}


def _stamp() -> tuple[Any, ...]:
    return (
        CalendarDay.objects.aggregate(m=Max("updated_at"), n=Max("id"))["m"],
        CalendarDay.objects.count(),
        CalendarYear.objects.aggregate(m=Max("updated_at"))["m"],
        CalendarYear.objects.count(),
        WorkCalendarDef.objects.aggregate(m=Max("id"))["m"],
    )


def _parse_windows(raw: dict[str, Any]) -> dict[int, list[tuple[time, time]]] | None:
    if not raw:
        return None
    windows: dict[int, list[tuple[time, time]]] = {}
    for weekday, spans in raw.items():
        windows[int(weekday)] = [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in spans]
    return windows


def _build() -> dict[str, WorkCalendar]:
    overrides = [
        DayOverride(day=d.day, kind=d.kind, name=d.name) for d in CalendarDay.objects.all()
    ]  # type: ignore[arg-type]
    years = list(CalendarYear.objects.values_list("year", flat=True))
    if not years:
        # a database not seeded yet still counts with the statutory schedule the package ships
        from kefu.domain.holidays import statutory_overrides, statutory_years

        overrides, years = statutory_overrides(), statutory_years()
    tz = settings.TIME_ZONE
    calendars: dict[str, WorkCalendar] = {}
    defs = {d.name: d for d in WorkCalendarDef.objects.all()}
    for name, spec in BUILTIN.items():
        if name not in defs:
            calendars[name] = WorkCalendar(
                mode=spec["mode"],
                tz=tz,
                overrides=overrides,
                known_years=years,
                name=name,  # type: ignore[arg-type]
            )
    for name, d in defs.items():
        calendars[name] = WorkCalendar(
            mode=d.mode,  # type: ignore[arg-type]
            tz=tz,
            overrides=overrides,
            known_years=years,
            windows=_parse_windows(d.windows),
            makeup_weekday=d.makeup_weekday,
            name=name,
        )
    return calendars


def calendar_get(name: str = "working_days") -> WorkCalendar:
    now = _time.monotonic()
    with _lock:
        if now - _cache["checked"] > _CHECK_EVERY_SECONDS or not _cache["calendars"]:
            stamp = _stamp()
            if stamp != _cache["stamp"] or not _cache["calendars"]:
                _cache["calendars"] = _build()
                _cache["stamp"] = stamp
            _cache["checked"] = now
        calendars = _cache["calendars"]
    if name not in calendars:
        raise KeyError(name)
    return calendars[name]


def calendar_names() -> list[str]:
    calendar_get()
    return sorted(_cache["calendars"])


def calendar_invalidate() -> None:
    with _lock:
        _cache["calendars"] = {}
        _cache["stamp"] = None
        _cache["checked"] = 0.0
