"""Demo staffing: the mall's nine people of seed 003 (MALL-1) and the hotline agents in the
directory; the areas add their own records (forecast, roster, attendance, meetings)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from kefu.accounts.models import Role, User

from .models import Post, StaffProfile
from .seed import HOTLINE_POST, HOTLINE_UNIT, MALL_MEMBER, MALL_SERVICE, MALL_UNIT, seed_staffing

PASSWORD = "kefu2026"

MALL_STAFF = [
    # username, role, employee no, name, title, posts, relief
    ("mallmgr", Role.MANAGER, "7001", "何经理", "客服经理", (MALL_SERVICE, MALL_MEMBER), True),
    ("svc1", Role.DESK, "7101", "唐悦", "客服专员", (MALL_SERVICE,), False),
    ("svc2", Role.DESK, "7102", "范琳", "客服专员", (MALL_SERVICE,), False),
    ("svc3", Role.DESK, "7103", "蒋涛", "客服专员", (MALL_SERVICE,), False),
    ("svc4", Role.DESK, "7104", "沈洁", "客服专员", (MALL_SERVICE,), False),
    ("mem1", Role.DESK, "7201", "韩雪", "会员专员", (MALL_MEMBER,), False),
    ("mem2", Role.DESK, "7202", "冯晨", "会员专员", (MALL_MEMBER,), False),
    ("mem3", Role.DESK, "7203", "曹宇", "会员专员", (MALL_MEMBER,), False),
    ("mem4", Role.DESK, "7204", "彭丹", "会员专员", (MALL_MEMBER,), False),
]

# existing demo hotline accounts and their skills
HOTLINE_SKILLS = {
    "lead1": ["VIP", "投诉"],
    "lead2": ["VIP", "投诉"],
    "agent1": ["VIP", "粤语"],
    "agent2": [],
    "agent3": ["投诉"],
    "agent4": ["VIP"],
    "agent5": ["闽南语"],
}


@transaction.atomic
def demo_staffing_load(*, records: bool = True) -> list[StaffProfile]:
    """Creates (once) the mall staff and the directory entries, and with ``records`` the demo
    forecast, rosters, attendance, complaints and meetings; returns the mall profiles."""
    seed_staffing()
    posts = {p.code: p for p in Post.objects.all()}
    profiles = []
    for username, role, no, name, title, codes, relief in MALL_STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=PASSWORD,
                role=role,
                employee_no=no,
                display_name=name,
                is_staff=role == Role.MANAGER,
            )
        profile, created = StaffProfile.objects.get_or_create(
            user=user, defaults={"title": title, "relief": relief}
        )
        if created:
            profile.posts.set([posts[c] for c in codes])
        profiles.append(profile)
    for username, skills in HOTLINE_SKILLS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        profile, created = StaffProfile.objects.get_or_create(
            user=user,
            defaults={"title": "班长" if user.role == Role.TEAM_LEAD else "坐席", "skills": skills},
        )
        if created:
            profile.posts.set([posts[HOTLINE_POST]])
    from .demo_demand import demo_demand_load
    from .demo_records import demo_records_load

    if records:
        demo_demand_load()
        _demo_rosters()
        demo_records_load()
    return profiles


def _demo_rosters() -> None:
    """The mall's roster for this month, published, and next month's as a draft to publish."""
    from django.utils import timezone

    from .models import Roster, RosterUnit
    from .services.roster import roster_generate, roster_publish

    manager = User.objects.get(username="mallmgr")
    mall = RosterUnit.objects.get(code=MALL_UNIT)
    this_month = timezone.localdate().replace(day=1)
    next_month = (this_month + timedelta(days=32)).replace(day=1)
    for month in (this_month, next_month):
        if not Roster.objects.filter(unit=mall, month=month).exists():
            roster = roster_generate(by=manager, unit=mall, month=month)
            if month == this_month:
                roster_publish(by=manager, roster=roster)
    # the hotline against its December forecast (1-14 December): a draft whose intervals short
    # show what seven agents cannot cover
    hotline = RosterUnit.objects.get(code=HOTLINE_UNIT)
    december = date(2026, 12, 1)
    lead = User.objects.filter(username="lead1").first()
    if lead is not None and not Roster.objects.filter(unit=hotline, month=december).exists():
        roster_generate(by=None, unit=hotline, month=december, time_limit_s=5)


def demo_logins() -> list[tuple[str, str, str]]:
    return [(u, PASSWORD, f"{name} · {title}") for u, _r, _n, name, title, _p, _x in MALL_STAFF]
