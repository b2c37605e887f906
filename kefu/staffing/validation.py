"""Checking a roster against its unit's rules: the Shift rows of a roster (or a roster file) as
the roster file's rows, checked by kefu/domain/roster_check.py with the unit's staff, rules,
head counts and meal breaks. Used before publishing, on every edit, and by `kefu roster check`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kefu.domain import roster as dr
from kefu.domain.roster_check import ERROR, BreakRules, Violation, check_roster
from kefu.domain.roster_file import RosterRow, format_roster

from .models import Leave, Post, Roster, RosterUnit, Shift, StaffProfile
from .rostering import month_days, unit_month


@dataclass
class UnitRules:
    """What a roster of a unit is checked against (staff keyed by employee number)."""

    unit: RosterUnit
    staff: list[dr.Staff]
    rules: dr.Rules
    requirements: list[dr.Requirement]
    patterns: list[dr.ShiftPattern]
    breaks: BreakRules


def unit_rules(unit: RosterUnit, days: list[date]) -> UnitRules:
    um = unit_month(unit, days)
    by_key = {key: sp.employee_no for key, sp in um.profiles.items()}
    # the check counts the whole month against the cap, so the full contract hours
    staff = [
        dr.Staff(
            id=by_key[s.id],
            name=s.name,
            posts=s.posts,
            skills=s.skills,
            max_hours=float(um.profiles[s.id].contract_hours),
            leave=s.leave,
            relief=s.relief,
        )
        for s in um.staff
    ]
    return UnitRules(
        unit=unit,
        staff=staff,
        rules=um.rules,
        requirements=um.requirements,
        patterns=um.domain_patterns(),
        breaks=break_rules(list(um.posts.values())),
    )


def break_rules(posts: Iterable[Post]) -> BreakRules:
    """MALL-1 meal breaks for the posts that have them (the first such post's windows)."""
    with_meals = [p for p in posts if p.has_meal_breaks]
    if not with_meals:
        return BreakRules.off()
    first = with_meals[0]
    return BreakRules(
        windows=(
            ("午休", first.lunch_start, first.lunch_end),  # type: ignore[arg-type]
            ("晚休", first.supper_start, first.supper_end),  # type: ignore[arg-type]
        ),
        length=timedelta(minutes=first.break_minutes),
        min_present=first.min_on_duty,
        posts=frozenset(p.name for p in with_meals),
    )


def shift_row(shift: Shift) -> RosterRow:
    return RosterRow(
        day=shift.day,
        employee_no=shift.staff.employee_no,
        name=shift.staff.name,
        post=shift.post.name,
        start=shift.start,
        end=shift.end,
        breaks=tuple(shift.break_times()),
        hours=float(shift.hours),
    )


def _shifts(roster: Roster) -> list[Shift]:
    return list(roster.shifts.select_related("staff__user", "post").order_by("day", "start"))


def roster_violations(
    roster: Roster,
    *,
    replace: Sequence[Shift] = (),
    remove: Collection[int] = (),
) -> tuple[list[Violation], list[Violation]]:
    """(hard, soft) violations of ``roster`` as it is, or as it would be with the ``replace``
    rows (unsaved Shift objects standing in for the rows with the same ids) and without the
    ``remove`` ids."""
    replaced = {s.pk: s for s in replace}
    shifts = [replaced.get(s.pk, s) for s in _shifts(roster) if s.pk not in remove]
    days = month_days(roster.month)
    ur = unit_rules(roster.unit, days)
    history = [
        shift_row(s)
        for s in Shift.objects.filter(
            roster__unit=roster.unit,
            day__gte=days[0] - timedelta(days=roster.unit.max_consecutive_days + 1),
            day__lt=days[0],
        ).select_related("staff__user", "post")
    ]
    found = check_roster(
        [shift_row(s) for s in shifts],
        staff=ur.staff,
        rules=ur.rules,
        requirements=ur.requirements,
        patterns=ur.patterns,
        breaks=ur.breaks,
        history=history,
    )
    hard = [v for v in found if v.severity == ERROR]
    soft = [v for v in found if v.severity != ERROR]
    return hard, soft


def roster_csv(roster: Roster) -> str:
    """The roster file (CONTRACTS columns), with a BOM so spreadsheet programs read UTF-8."""
    return "\ufeff" + format_roster([shift_row(s) for s in _shifts(roster)])


def file_violations(rows: Sequence[RosterRow]) -> list[Violation]:
    """Check a roster file's rows against the units of the posts they name; rows naming an
    unknown post are violations themselves."""
    posts = {p.name: p for p in Post.objects.select_related("unit")}
    by_code = {p.code: p for p in posts.values()}
    out: list[Violation] = []
    by_unit: dict[int, list[RosterRow]] = {}
    units: dict[int, RosterUnit] = {}
    for row in rows:
        post = posts.get(row.post) or by_code.get(row.post)
        if post is None:
            out.append(
                Violation(
                    "unknown_post",
                    f"岗位「{row.post}」不存在",
                    (row.line,) if row.line else (),
                    row.employee_no,
                    row.day,
                )
            )
            continue
        units[post.unit_id] = post.unit
        by_unit.setdefault(post.unit_id, []).append(row)
    for unit_id, unit_rows in by_unit.items():
        days = sorted({r.day for r in unit_rows})
        ur = unit_rules(units[unit_id], _whole_months(days))
        # rows covering only part of a month are checked for the days they cover
        covered = set(days)
        out += check_roster(
            unit_rows,
            staff=ur.staff + _others(ur, unit_rows),
            rules=ur.rules,
            requirements=[r for r in ur.requirements if r.day in covered],
            patterns=ur.patterns,
            breaks=ur.breaks,
        )
    return out


def _whole_months(days: list[date]) -> list[date]:
    months = sorted({d.replace(day=1) for d in days})
    return [d for m in months for d in month_days(m)]


def _others(ur: UnitRules, rows: Sequence[RosterRow]) -> list[dr.Staff]:
    """People in the directory who are not on the unit's posts: known (so the message is about
    the post they cannot work, not an unknown employee number)."""
    known = {s.id for s in ur.staff}
    wanted = {r.employee_no for r in rows} - known
    if not wanted:
        return []
    out = []
    for sp in StaffProfile.objects.filter(user__employee_no__in=wanted).select_related("user"):
        leave = {
            d
            for lv in Leave.objects.filter(staff=sp, state=Leave.State.APPROVED)
            for d in lv.days()
        }
        out.append(
            dr.Staff(
                id=sp.employee_no,
                name=sp.name,
                posts=frozenset(p.name for p in sp.posts.all()),
                max_hours=float(sp.contract_hours),
                leave=frozenset(leave),
            )
        )
    return out
