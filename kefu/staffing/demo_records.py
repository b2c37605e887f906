"""Demo attendance, accountability ladder and meetings for the mall staff of seed 003: two weeks of
clock records (a few late arrivals, an early leave, a forgotten clock-out), staff-caused
complaints verified through the tickets complaint services, and a weekly meeting with action
items. Idempotent: each part is skipped when its records exist. Call after demo_staffing_load()."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import User

from .demo import MALL_STAFF
from .models import ClockRecord, Meeting, Shift, StaffProfile
from .services.meetings import action_item_done, meeting_record

DAYS = 14
MEETING_TITLE = "客服部周例会:服务规范与投诉复盘"

# (responsible username, subject, facts)
COMPLAINTS = [
    ("svc2", "顾客投诉服务台态度生硬", "监控与顾客陈述核实:办理退换货时语气生硬、未起身接待。"),
    ("svc2", "顾客投诉雨伞押金未及时退还", "核实:顾客归还雨伞后,员工未及时退还押金并与顾客争辩。"),
    ("mem3", "会员积分兑换礼品时被推诿", "核实:会员专员以系统繁忙为由推诿,未按流程登记。"),
]


def _aware(naive: datetime) -> datetime:
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _people() -> list[StaffProfile]:
    names = [row[0] for row in MALL_STAFF]
    return list(
        StaffProfile.objects.filter(user__username__in=names)
        .select_related("user")
        .order_by("user__employee_no")
    )


def _attendance(people: list[StaffProfile], rng: random.Random) -> int:
    if ClockRecord.objects.filter(staff__in=people).exists():
        return 0
    today = timezone.localdate()
    first = today - timedelta(days=DAYS)
    rostered = Shift.objects.filter(staff__in=people, day__gte=first, day__lt=today).exists()
    created = 0
    missing_done = False
    for offset in range(DAYS, 0, -1):
        day = today - timedelta(days=offset)
        for i, person in enumerate(people):
            shift = Shift.objects.filter(staff=person, day=day).order_by("start").first()
            if shift is not None:
                start, end = shift.span()
            elif rostered or person.relief or (day.toordinal() + i) % 2:
                continue  # alternate-day shifts when no roster exists yet (MALL-1)
            else:
                start, end = datetime.combine(day, time(9)), datetime.combine(day, time(22))
            if rng.random() < 0.12:
                clock_in = start + timedelta(minutes=rng.randint(6, 25))  # late
            else:
                clock_in = start - timedelta(minutes=rng.randint(3, 15))
            if rng.random() < 0.06:
                clock_out = end - timedelta(minutes=rng.randint(15, 45))  # early leave
            else:
                clock_out = end + timedelta(minutes=rng.randint(0, 20))
            missing = not missing_done and offset == 4  # one forgotten clock-out
            missing_done = missing_done or missing
            ClockRecord.objects.create(
                staff=person,
                shift=shift,
                clock_in=_aware(clock_in),
                clock_out=None if missing else _aware(clock_out),
                out_missing=missing,
                source=ClockRecord.Source.PAGE,
                recorded_by=person.user,
            )
            created += 1
    return created


def _complaints(users: dict[str, User]) -> int:
    from kefu.customers.models import Customer
    from kefu.tickets.complaints import complaint_report_save, complaint_report_verify
    from kefu.tickets.models import ComplaintReport
    from kefu.tickets.services import ticket_create

    staff = [users[u] for u, *_rest in COMPLAINTS if u in users]
    if ComplaintReport.objects.filter(responsible_staff__in=staff).exists():
        return 0
    manager = users["mallmgr"]
    desk = users["svc1"]
    customer, _created = Customer.objects.get_or_create(
        phone="13900007001", defaults={"name": "刘女士"}
    )
    made = 0
    for username, subject, facts in COMPLAINTS:
        ticket, _new = ticket_create(
            by=desk,
            customer=customer,
            data={
                "kind": "complaint",
                "channel": "walk_in",
                "complaint_category": "service_attitude",
                "subject": subject,
                "description": subject + "。顾客到服务中心现场投诉,要求处理相关员工。",
            },
            assignee=desk,
        )
        report = complaint_report_save(
            by=manager,
            ticket=ticket,
            data={
                "facts": facts,
                "cause": "员工服务意识不足,未按《客服工作手册》礼仪与客诉流程处理。",
                "responsibility": "staff",
                "responsible_staff": users[username],
                "measures": "当面致歉;组织礼仪与客诉流程培训;按投诉处理阶梯处理。",
                "explanation": "已向顾客说明核实结果与处理措施,顾客表示接受。",
                "apologised": True,
            },
        )
        complaint_report_verify(by=manager, report=report, verified=True, note="经理核实属实")
        made += 1
    return made


def _meeting(users: dict[str, User]) -> int:
    if Meeting.objects.filter(title=MEETING_TITLE).exists():
        return 0
    manager = users["mallmgr"]
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() or 7)
    held_at = _aware(datetime.combine(monday, time(8, 30)))
    meeting = meeting_record(
        by=manager,
        held_at=held_at,
        kind=Meeting.Kind.WEEKLY,
        title=MEETING_TITLE,
        chair=manager,
        attendees=list(users.values()),
        topics="1. 上周顾客投诉复盘(服务台态度、雨伞押金)\n2. 礼品盘点差异\n3. 本月排班与工时上限",
        decisions="1. 顾客三米内主动起身招呼,全员执行\n2. 雨伞押金当场退还并请顾客签字\n"
        "3. 每月工时不超过174小时,调班须经理同意",
        actions=[
            {
                "text": "组织全员礼仪与客诉流程培训",
                "owner": manager,
                "due_on": monday + timedelta(days=10),
            },
            {
                "text": "核对礼品盘点表并上报差异",
                "owner": users["mem1"],
                "due_on": monday + timedelta(days=3),
            },
            {
                "text": "更新《雨伞租借登记表》并张贴押金规则",
                "owner": users["svc1"],
                "due_on": monday + timedelta(days=5),
            },
        ],
    )
    item = meeting.actions.get(owner=users["mem1"])
    action_item_done(by=users["mem1"], item=item, note="已核对,差异2件已备注上报")
    return 1


@transaction.atomic
def demo_records_load() -> dict[str, int]:
    """Creates the demo records once; returns how many of each it created."""
    people = _people()
    if not people:
        return {}
    users = {p.user.username: p.user for p in people}
    rng = random.Random(20261124)
    return {
        "clock_records": _attendance(people, rng),
        "complaints": _complaints(users),
        "meetings": _meeting(users),
    }
