"""Roster services on the database: the mall of seed 003 (MALL-1) for December 2026, publishing,
swaps (refused with the reason when they break a hard rule), reassigning, removing and re-solving
the rest of the month after leave."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kefu.accounts.models import Role, User
from kefu.staffing.models import Leave, Roster, RosterEvent, RosterUnit, Shift, StaffProfile
from kefu.staffing.services import roster as services
from tests.staffing.swaps import swappable_pair

DECEMBER = date(2026, 12, 1)


@pytest.fixture
def mall(db):  # noqa: ANN001
    from kefu.staffing.demo import demo_staffing_load

    demo_staffing_load(records=False)
    return RosterUnit.objects.get(code="mall")


@pytest.fixture
def boss(mall) -> User:  # noqa: ANN001
    return User.objects.get(username="mallmgr")


def profile(username: str) -> StaffProfile:
    return StaffProfile.objects.get(user__username=username)


def generate(boss: User, mall: RosterUnit) -> Roster:
    return services.roster_generate(by=boss, unit=mall, month=DECEMBER)


def test_mall_december_roster_keeps_two_per_centre_alternate_days_and_the_cap(boss, mall) -> None:
    roster = generate(boss, mall)
    shifts = list(roster.shifts.select_related("post", "staff__user"))
    per_day_post = Counter((s.day, s.post.code) for s in shifts)
    for i in range(31):
        d = DECEMBER + timedelta(days=i)
        assert per_day_post[(d, "mall-1f")] == 2
        assert per_day_post[(d, "mall-4f")] == 2
    by_staff: dict[int, list[Shift]] = {}
    for s in shifts:
        by_staff.setdefault(s.staff_id, []).append(s)
    for staff_shifts in by_staff.values():
        days = sorted(s.day for s in staff_shifts)
        assert all((b - a).days >= 2 for a, b in zip(days, days[1:], strict=False))  # 隔日勤
        assert sum(s.hours for s in staff_shifts) <= Decimal(174)
    # 31 days x 2 x 2 = 124 shifts; 8 specialists give 15 each = 120, the manager relieves 4
    assert sum(1 for s in shifts if s.staff.relief) == 4
    assert roster.solver_status == "OPTIMAL"
    assert RosterEvent.objects.filter(roster=roster, action="generated").count() == 1


def test_each_centre_staggers_lunch_and_supper_so_one_stays_at_the_desk(boss, mall) -> None:
    roster = generate(boss, mall)
    for (d, post), pair in _pairs(roster).items():
        lunches = sorted(s.breaks[0][0] for s in pair)
        suppers = sorted(s.breaks[1][0] for s in pair)
        assert lunches == ["11:30", "12:30"], (d, post)
        assert suppers == ["17:00", "18:00"], (d, post)


def _pairs(roster: Roster) -> dict[tuple[date, str], list[Shift]]:
    out: dict[tuple[date, str], list[Shift]] = {}
    for s in roster.shifts.select_related("post"):
        out.setdefault((s.day, s.post.code), []).append(s)
    return out


def test_publish_lets_staff_see_their_shifts_and_notifies_them(boss, mall) -> None:
    from kefu.core.models import Notification
    from kefu.staffing.selectors_roster import shifts_of

    roster = generate(boss, mall)
    svc1 = profile("svc1")
    assert shifts_of(svc1, DECEMBER, date(2026, 12, 31)) == []
    services.roster_publish(by=boss, roster=roster)
    roster.refresh_from_db()
    assert roster.status == Roster.Status.PUBLISHED and roster.version == 1
    assert len(shifts_of(svc1, DECEMBER, date(2026, 12, 31))) == 15
    assert Notification.objects.filter(user=svc1.user, message__contains="已发布").exists()


def test_an_agent_may_not_generate_or_publish(mall) -> None:
    agent = User.objects.create_user("a", password="x", role=Role.AGENT)
    with pytest.raises(PermissionDenied):
        services.roster_generate(by=agent, unit=mall, month=DECEMBER)


def test_impossible_month_names_the_day_and_post_and_keeps_the_old_roster(boss, mall) -> None:
    roster = generate(boss, mall)
    before = set(roster.shifts.values_list("staff_id", "day"))
    for username in ("svc1", "svc2", "svc3"):
        Leave.objects.create(
            staff=profile(username),
            kind=Leave.Kind.ANNUAL,
            first_day=date(2026, 12, 24),
            last_day=date(2026, 12, 24),
            state=Leave.State.APPROVED,
        )
    # the manager is on leave that day too: nobody left for the second place at 1F
    Leave.objects.create(
        staff=profile("mallmgr"),
        kind=Leave.Kind.ANNUAL,
        first_day=date(2026, 12, 24),
        last_day=date(2026, 12, 24),
        state=Leave.State.APPROVED,
    )
    with pytest.raises(ValidationError) as caught:
        services.roster_generate(by=boss, unit=mall, month=DECEMBER)
    text = "\n".join(caught.value.messages)
    assert "12月24日" in text and "1F服务中心" in text and "需要 2 人" in text
    assert set(roster.shifts.values_list("staff_id", "day")) == before


def test_swap_on_different_days_exchanges_the_people(boss, mall) -> None:
    roster = generate(boss, mall)
    a, b = swappable_pair("mall-1f")
    first_staff, second_staff = a.staff, b.staff
    services.shift_swap(by=boss, first=a, second=b)
    assert Shift.objects.get(pk=a.pk).staff == second_staff
    assert Shift.objects.get(pk=b.pk).staff == first_staff
    assert Shift.objects.get(pk=a.pk).locked
    event = RosterEvent.objects.filter(roster=roster, action="swapped").get()
    assert event.actor == boss and event.before["shifts"][0]["staff"] == first_staff.employee_no


def test_swap_that_breaks_alternate_days_is_refused_with_the_reason(boss, mall) -> None:
    roster = generate(boss, mall)
    svc1 = profile("svc1")
    a = roster.shifts.filter(staff=svc1).order_by("day").first()
    # a colleague at 1F on the day after: svc1 would work two days running
    b = roster.shifts.filter(post__code="mall-1f", day=a.day + timedelta(days=1)).first()
    with pytest.raises(ValidationError) as caught:
        services.shift_swap(by=boss, first=a, second=b)
    assert any("连续" in m for m in caught.value.messages), caught.value.messages
    assert Shift.objects.get(pk=a.pk).staff == svc1  # nothing changed
    assert not RosterEvent.objects.filter(action="swapped").exists()


def test_removing_a_shift_for_sickness_is_allowed_with_a_coverage_warning(boss, mall) -> None:
    roster = generate(boss, mall)
    shift = roster.shifts.filter(staff=profile("mem1")).first()
    warnings = services.shift_remove(by=boss, shift=shift, reason="病假")
    assert not Shift.objects.filter(pk=shift.pk).exists()
    assert any("4F会员中心" in w for w in warnings)
    assert RosterEvent.objects.get(action="removed").warnings == warnings


def test_resolving_after_leave_keeps_earlier_days_and_plans_around_the_leave(boss, mall) -> None:
    roster = generate(boss, mall)
    services.roster_publish(by=boss, roster=roster)
    early = set(
        roster.shifts.filter(day__lt=date(2026, 12, 15)).values_list("staff_id", "day", "post_id")
    )
    svc3 = profile("svc3")
    Leave.objects.create(
        staff=svc3,
        kind=Leave.Kind.SICK,
        first_day=date(2026, 12, 15),
        last_day=date(2026, 12, 18),
        state=Leave.State.APPROVED,
    )
    services.roster_generate(by=boss, unit=mall, month=DECEMBER, from_day=date(2026, 12, 15))
    roster.refresh_from_db()
    assert roster.status == Roster.Status.PUBLISHED
    assert (
        set(
            roster.shifts.filter(day__lt=date(2026, 12, 15)).values_list(
                "staff_id", "day", "post_id"
            )
        )
        == early
    )
    assert not roster.shifts.filter(
        staff=svc3, day__gte=date(2026, 12, 15), day__lte=date(2026, 12, 18)
    ).exists()
    assert RosterEvent.objects.filter(roster=roster, action="resolved").exists()


def test_statutory_holidays_are_marked_three_times_and_bridge_days_twice(boss, mall) -> None:
    roster = services.roster_generate(by=boss, unit=mall, month=date(2026, 10, 1))
    marks = {s.day: (s.holiday_name, s.pay_multiplier) for s in roster.shifts.all()}
    assert marks[date(2026, 10, 1)] == ("国庆节", Decimal(3))
    assert marks[date(2026, 10, 6)][1] == Decimal(2)
    assert marks[date(2026, 10, 20)] == ("", Decimal(1))


def test_hotline_without_head_counts_is_rostered_against_the_erlang_forecast(db) -> None:
    from kefu.staffing.demo_demand import demo_demand_load
    from kefu.staffing.models import Post
    from kefu.staffing.seed import seed_staffing
    from kefu.staffing.validation import roster_violations

    seed_staffing()
    demo_demand_load()  # 1-14 December: 28 half hours a day, 08:00-22:00
    post = Post.objects.get(code="hotline")
    for i in range(14):
        user = User.objects.create_user(f"h{i}", employee_no=f"80{i:02d}", display_name=f"坐席{i}")
        StaffProfile.objects.create(user=user).posts.set([post])
    hotline = RosterUnit.objects.get(code="hotline")
    roster = services.roster_generate(by=None, unit=hotline, month=DECEMBER, time_limit_s=10)
    shifts = list(roster.shifts.all())
    assert shifts and all(s.day <= date(2026, 12, 14) for s in shifts)  # no forecast, no shifts
    assert all(s.breaks and s.hours == Decimal(8) for s in shifts)  # the unpaid half hour
    # 14 agents cannot cover every half hour: the shortfall is reported per interval
    assert roster.shortfall and {"day", "post", "start", "required", "scheduled"} <= set(
        roster.shortfall[0]
    )
    assert any("人手不足" in w for w in roster.warnings)
    hard, _soft = roster_violations(roster)
    assert hard == []
