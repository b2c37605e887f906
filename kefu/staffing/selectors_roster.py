"""Roster reads: the month grid, people's hours, a person's own shifts and the iCal feed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import pgettext_lazy

from kefu.accounts.models import User

from .models import Roster, Shift, StaffProfile
from .rostering import holiday_infos, month_days

# one character per weekday in the roster grid's head (Monday first)
WEEKDAY_HEADS = [
    pgettext_lazy("weekday, one character", "一"),
    pgettext_lazy("weekday, one character", "二"),
    pgettext_lazy("weekday, one character", "三"),
    pgettext_lazy("weekday, one character", "四"),
    pgettext_lazy("weekday, one character", "五"),
    pgettext_lazy("weekday, one character", "六"),
    pgettext_lazy("weekday, one character", "日"),
]


@dataclass
class GridRow:
    staff: StaffProfile
    cells: list[Shift | None]
    hours: Decimal = Decimal(0)
    days: int = 0
    holiday_days: int = 0

    @property
    def over_cap(self) -> bool:
        return self.hours > self.staff.contract_hours


@dataclass
class DayHead:
    day: date
    weekday: str
    weekend: bool
    holiday: str = ""
    multiplier: float = 1.0
    counts: dict[str, int] = field(default_factory=dict)


def roster_grid(roster: Roster) -> tuple[list[DayHead], list[GridRow]]:
    """Days across, people down (everyone who may work the unit's posts, then anyone else on
    the roster), with each person's counted hours for the month."""
    days = month_days(roster.month)
    marks = holiday_infos(days)
    heads = [
        DayHead(
            day=d,
            weekday=str(WEEKDAY_HEADS[d.weekday()]),
            weekend=d.weekday() >= 5,
            holiday=marks[d].name if d in marks else "",
            multiplier=marks[d].multiplier if d in marks else 1.0,
        )
        for d in days
    ]
    index = {d: i for i, d in enumerate(days)}
    shifts = list(roster.shifts.select_related("staff__user", "post", "pattern"))
    people = {
        sp.pk: sp
        for sp in StaffProfile.objects.filter(posts__unit=roster.unit, active=True)
        .select_related("user")
        .distinct()
    }
    for s in shifts:
        people.setdefault(s.staff_id, s.staff)
    rows = {pk: GridRow(staff=sp, cells=[None] * len(days)) for pk, sp in people.items()}
    for s in shifts:
        row = rows[s.staff_id]
        row.cells[index[s.day]] = s
        row.hours += s.hours
        row.days += 1
        if s.pay_multiplier > 1:
            row.holiday_days += 1
        counts = heads[index[s.day]].counts
        counts[s.post.name] = counts.get(s.post.name, 0) + 1
    ordered = sorted(rows.values(), key=lambda r: (r.staff.relief, r.staff.employee_no))
    return heads, ordered


def shifts_of(profile: StaffProfile, first: date, last: date) -> list[Shift]:
    """A person's shifts on published rosters between two days."""
    return list(
        Shift.objects.filter(
            staff=profile,
            day__gte=first,
            day__lte=last,
            roster__status=Roster.Status.PUBLISHED,
        )
        .select_related("post", "roster__unit")
        .order_by("day", "start")
    )


def hours_by_staff(shifts: list[Shift]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for s in shifts:
        totals[s.staff_id] += s.hours
    return dict(totals)


# -- iCal -------------------------------------------------------------------------------------
# Calendar apps cannot log in, so the feed URL carries a token derived from the account; a new
# password gives a new token (and kills the old URL).


def calendar_token(user: User) -> str:
    return salted_hmac("kefu.staffing.ical", f"{user.pk}:{user.password}").hexdigest()[:32]


def calendar_user(user_id: int, token: str) -> User | None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(calendar_token(user), token):
        return None
    return user


def shifts_ical(profile: StaffProfile, shifts: list[Shift], *, host: str) -> bytes:
    from icalendar import Alarm, Calendar, Event

    tz = ZoneInfo(settings.TIME_ZONE)
    cal = Calendar()
    cal.add("prodid", "-//kefu//staffing//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{profile.name} 排班")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for s in shifts:
        start, end = s.span()
        event = Event()
        event.add("uid", f"shift-{s.pk}@{host}")
        event.add("dtstamp", datetime.now(tz))
        event.add("dtstart", start.replace(tzinfo=tz))
        event.add("dtend", end.replace(tzinfo=tz))
        summary = f"{s.post.name} 上班"
        if s.holiday_name:
            summary += f"({s.holiday_name} ×{s.pay_multiplier:g})"
        event.add("summary", summary)
        lines = [f"{s.roster.unit.name} · {s.post.name}", f"计算工时 {s.hours:g} 小时"]
        for a, b in s.breaks:
            lines.append(f"用餐休息 {a}-{b}")
        event.add("description", "\n".join(lines))
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(hours=-1))
        event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
