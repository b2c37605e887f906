"""Accountability ladder reads (MALL-6): each person's standing in a calendar year, recomputed
from the complaint reports verified now (kefu/domain/ladder.py does the counting), so reversing a
verification reverses its step. A complaint counts in the local (Asia/Shanghai) year in which it
was verified, when its report names a staff member as responsible."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.domain import ladder as dl
from kefu.tickets.models import ComplaintReport

from .models import LadderStep, StaffProfile
from .permissions import LADDER_VIEWERS, require


def ladder_config() -> tuple[dl.LadderStep, ...]:
    """The site's ladder (LadderStep rows), or the default of seed 003 when none is set."""
    rows = list(LadderStep.objects.order_by("count"))
    if not rows:
        return dl.DEFAULT_LADDER
    return tuple(dl.LadderStep(r.count, r.action, r.label) for r in rows)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(date(year, 1, 1), time(0), tzinfo=zone),
        datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=zone),
    )


@dataclass
class ConsequenceRow:
    report: ComplaintReport
    verified_on: date
    step: dl.LadderStep
    n: int  # the n-th verified complaint of the year

    @property
    def ticket_number(self) -> str:
        return self.report.ticket.number

    @property
    def detail(self) -> str:
        """What the step means for this complaint (which month's or year's bonus)."""
        if self.step.action == LadderStep.Action.MONTH_BONUS:
            return _("%(y)s年%(m)s月") % {"y": self.verified_on.year, "m": self.verified_on.month}
        if self.step.action == LadderStep.Action.YEAR_BONUS:
            return _("%(y)s年度") % {"y": self.verified_on.year}
        return ""


@dataclass
class StandingRow:
    person: User
    year: int
    count: int = 0
    step: dl.LadderStep | None = None
    consequences: list[ConsequenceRow] = field(default_factory=list)
    rank: int = 0  # position of the step in the ladder (1 = first step), 0 before any

    @property
    def termination(self) -> bool:
        return self.step is not None and self.step.action == LadderStep.Action.TERMINATION

    @property
    def name(self) -> str:
        return self.person.display_name or self.person.get_full_name() or self.person.username


def _key(report: ComplaintReport) -> str:
    # the domain breaks ties of the same day by str(complaint): the exact time, then the id
    assert report.verified_at is not None
    return f"{report.verified_at.astimezone(UTC).isoformat()}|{report.pk:012d}"


def _reports(year: int, person: User | None = None) -> list[ComplaintReport]:
    start, end = year_bounds(year)
    qs = ComplaintReport.objects.filter(
        responsibility=ComplaintReport.Responsibility.STAFF,
        responsible_staff__isnull=False,
        verified_at__gte=start,
        verified_at__lt=end,
    ).select_related("ticket", "responsible_staff")
    if person is not None:
        qs = qs.filter(responsible_staff=person)
    return list(qs)


def _standings(year: int, person: User | None = None) -> list[StandingRow]:
    ladder = ladder_config()
    reports = _reports(year, person)
    by_key = {_key(r): r for r in reports}
    people = {r.responsible_staff_id: r.responsible_staff for r in reports}
    complaints = [
        dl.VerifiedComplaint(
            complaint=_key(r),
            staff=r.responsible_staff_id,
            verified_on=timezone.localdate(r.verified_at),  # type: ignore[arg-type]
        )
        for r in reports
    ]
    rows = []
    for staff_id, standing in dl.standings(complaints, year=year, ladder=ladder).items():
        counted = sorted(
            (c for c in complaints if c.staff == staff_id),
            key=lambda c: (c.verified_on, str(c.complaint)),
        )
        position = {c.complaint: n for n, c in enumerate(counted, start=1)}
        rows.append(
            StandingRow(
                person=people[staff_id],  # type: ignore[index]
                year=year,
                count=standing.count,
                step=standing.step,
                rank=ladder.index(standing.step) + 1 if standing.step else 0,
                consequences=[
                    ConsequenceRow(
                        report=by_key[str(c.complaint)],
                        verified_on=c.verified_on,
                        step=c.step,
                        n=position[c.complaint],
                    )
                    for c in standing.consequences
                ],
            )
        )
    return rows


def ladder_report(*, by: User, year: int) -> list[StandingRow]:
    """Everyone with verified staff-caused complaints in ``year``, the worst first."""
    require(by, LADDER_VIEWERS, _("查看投诉处理阶梯"))
    rows = _standings(year)

    def latest(row: StandingRow) -> str:
        return max((_key(c.report) for c in row.consequences), default="")

    rows.sort(key=latest, reverse=True)
    rows.sort(key=lambda r: (r.rank, r.count), reverse=True)
    return rows


def standing_of(*, by: User, person: User, year: int) -> StandingRow:
    """One person's standing: their own, or anyone's for a ladder viewer."""
    if person.pk != by.pk:
        require(by, LADDER_VIEWERS, _("查看他人的投诉记录"))
    rows = _standings(year, person)
    return rows[0] if rows else StandingRow(person=person, year=year)


def ladder_years() -> list[int]:
    """Years to choose from: each year with a verified staff-caused complaint, and this year."""
    years = {timezone.localdate().year}
    for at in ComplaintReport.objects.filter(
        responsibility=ComplaintReport.Responsibility.STAFF, verified_at__isnull=False
    ).values_list("verified_at", flat=True):
        years.add(timezone.localtime(at).year)
    return sorted(years, reverse=True)


def profiles_by_user(users: list[User]) -> dict[int, StaffProfile]:
    return {
        p.user_id: p for p in StaffProfile.objects.filter(user__in=users).prefetch_related("posts")
    }
