"""Finding a swap the mall's alternate-day rule allows, for tests that need one."""

from __future__ import annotations

from datetime import date, timedelta

from kefu.staffing.models import Shift


def swappable_pair(post: str) -> tuple[Shift, Shift]:
    """Two shifts at ``post`` on different days whose people can exchange them without working
    two days in a row. In a 31-day alternate-day month the manager relieves on the days a
    specialist has off in a longer gap, so those two can exchange days."""
    shifts = list(Shift.objects.filter(post__code=post).order_by("day", "pk"))
    # Every day each person works, at any post: the manager also relieves at other posts, and
    # which days depends on the solver's choice among equally good rosters.
    days: dict[int, set[date]] = {}
    for staff_id, day in Shift.objects.filter(
        staff_id__in={s.staff_id for s in shifts}
    ).values_list("staff_id", "day"):
        days.setdefault(staff_id, set()).add(day)

    def fits(staff_id: int, gives: date, takes: date) -> bool:
        after = (days[staff_id] - {gives}) | {takes}
        return all(d + timedelta(days=1) not in after for d in after)

    for a in shifts:
        for b in shifts:
            if (
                a.staff_id != b.staff_id
                and b.day not in days[a.staff_id]
                and a.day not in days[b.staff_id]
                and fits(a.staff_id, a.day, b.day)
                and fits(b.staff_id, b.day, a.day)
            ):
                return a, b
    raise AssertionError("no swappable pair")
