"""Realistic demo data: a hotline centre with two teams, coordinating departments, customers and a
month of work orders. Open work is created through the services (so deadlines, callbacks and the
timeline are real); history is created through the services too and then dated back, because the
services stamp replies with the current time."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import ApiToken, Role, Team, User
from kefu.customers.models import Customer
from kefu.tickets import services as ts
from kefu.tickets.models import Callback, Ticket, TicketEvent

PASSWORD = "kefu2026"

USERS = [
    # username, role, employee no, team code, name
    ("admin", Role.ADMIN, "0001", None, "系统管理员"),
    ("manager", Role.MANAGER, "9001", None, "马经理"),
    ("lead1", Role.TEAM_LEAD, "1001", "hotline-1", "李娜"),
    ("lead2", Role.TEAM_LEAD, "2001", "hotline-2", "陈刚"),
    ("agent1", Role.AGENT, "1024", "hotline-1", "王丽"),
    ("agent2", Role.AGENT, "1025", "hotline-1", "赵强"),
    ("agent3", Role.AGENT, "1026", "hotline-1", "孙梅"),
    ("agent4", Role.AGENT, "2024", "hotline-2", "周杰"),
    ("agent5", Role.AGENT, "2025", "hotline-2", "吴芳"),
    ("inspector", Role.INSPECTOR, "5001", None, "刘质检"),
    ("aftersales", Role.AGENT, "3001", "aftersales", "郑师傅"),
]

TEAMS = [
    ("hotline-1", "热线一组", Team.Kind.TEAM, Team.Strategy.LEAST_OPEN),
    ("hotline-2", "热线二组", Team.Kind.TEAM, Team.Strategy.ROUND_ROBIN),
    ("aftersales", "售后服务部", Team.Kind.DEPARTMENT, Team.Strategy.MANUAL),
    ("billing", "财务结算部", Team.Kind.DEPARTMENT, Team.Strategy.MANUAL),
    ("logistics", "物流配送部", Team.Kind.DEPARTMENT, Team.Strategy.MANUAL),
    ("province", "省公司协调办", Team.Kind.DEPARTMENT, Team.Strategy.MANUAL),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程魏苏吕丁任沈姚卢"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "晓燕",
    "志强",
]
ORGS = ["", "", "", "华润万家", "中国移动某分公司", "顺丰速运", "某小学", "市第一医院", "个体经营"]

REQUESTS = [
    (
        "consultation",
        "phone",
        "",
        "咨询会员积分兑换规则",
        "客户来电咨询积分能否兑换停车券,以及兑换比例。",
    ),
    ("consultation", "chat", "", "询问订单发货时间", "客户在线咨询订单何时发货,订单已付款两天。"),
    (
        "consultation",
        "phone",
        "",
        "查询本月话费明细",
        "客户来电要求查询本月话费明细,对流量费有疑问。",
    ),
    (
        "after_sales",
        "phone",
        "",
        "洗衣机无法脱水",
        "客户反映购买的滚筒洗衣机使用一周后无法脱水,显示E21故障码,要求上门维修。",
    ),
    (
        "after_sales",
        "email",
        "",
        "申请退换货:尺码不合适",
        "客户来信申请更换尺码,商品未拆吊牌,要求上门取件。",
    ),
    (
        "complaint",
        "phone",
        "delivery",
        "快递延误三天未送达",
        "客户投诉订单已显示派送三天仍未收到,多次联系快递员未果,情绪激动。",
    ),
    (
        "complaint",
        "phone",
        "service_attitude",
        "投诉坐席态度生硬",
        "客户投诉昨日来电时坐席说“这是规定,不行就是不行”,要求道歉。",
    ),
    (
        "complaint",
        "chat",
        "billing",
        "重复扣费",
        "客户投诉同一笔订单被扣款两次,要求退还多扣的款项。",
    ),
    (
        "complaint",
        "walk_in",
        "product_quality",
        "购买的电饭煲内胆脱漆",
        "客户到服务台投诉电饭煲使用一个月内胆脱漆,要求退货。",
    ),
    (
        "suggestion",
        "comment_card",
        "",
        "建议增加母婴室指引",
        "顾客在意见卡上建议在一楼增加母婴室指示牌。",
    ),
    ("praise", "phone", "", "表扬售后师傅", "客户来电表扬郑师傅上门维修认真负责。"),
    ("transaction", "phone", "", "办理套餐变更", "客户要求下月起变更为58元套餐。"),
    ("consultation", "social", "", "微博询问营业时间", "网友在微博询问国庆期间营业时间。"),
    (
        "complaint",
        "letter",
        "other",
        "来信反映停车收费不合理",
        "客户来信反映停车场收费与公示不符。",
    ),
]

REPLIES = [
    "您好,已为您查询,积分可按100:1兑换停车券,请您在会员中心办理。",
    "您好,订单已于今天上午发出,预计两天内送达,请您留意查收。",
    "您好,维修师傅将于明天上午上门,请您保持电话畅通。",
    "非常抱歉给您带来不便,多扣款项已原路退回,预计3个工作日到账。",
]


def _phone(rng: random.Random) -> str:
    return (
        rng.choice(["138", "139", "136", "158", "186", "150", "177"])
        + f"{rng.randrange(10**8):08d}"
    )


@transaction.atomic
def demo_load(
    *, customers: int = 200, history_days: int = 30, seed: int = 20261124
) -> dict[str, int]:
    """Loads the demo once; returns what it created. Does nothing if users already exist."""
    if User.objects.filter(username="agent1").exists():
        return {}
    rng = random.Random(seed)
    teams = {}
    for code, name, kind, strategy in TEAMS:
        teams[code] = Team.objects.create(code=code, name=name, kind=kind, assignment=strategy)
    users: dict[str, User] = {}
    for username, role, no, team_code, name in USERS:
        user = User.objects.create_user(
            username=username,
            password=PASSWORD,
            role=role,
            employee_no=no,
            team=teams.get(team_code) if team_code else None,
            display_name=name,
            email=f"{username}@kefu.example.cn",
            is_staff=role in (Role.ADMIN, Role.MANAGER),
            is_superuser=role == Role.ADMIN,
        )
        users[username] = user
    teams["hotline-1"].lead = users["lead1"]
    teams["hotline-2"].lead = users["lead2"]
    teams["aftersales"].lead = users["aftersales"]
    for t in teams.values():
        t.save()
    people = []
    for i in range(customers):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        people.append(
            Customer(
                name=name,
                phone=_phone(rng),
                email=f"user{i}@example.cn" if rng.random() < 0.4 else "",
                customer_class="vip" if rng.random() < 0.12 else "normal",
                member_no=f"M{100000 + i}" if rng.random() < 0.6 else "",
                organisation=rng.choice(ORGS),
            )
        )
    Customer.objects.bulk_create(people)
    people = list(Customer.objects.all())
    now = timezone.now()
    agents = [users[u] for u in ("agent1", "agent2", "agent3", "agent4", "agent5")]
    created = 0
    for day in range(history_days, -1, -1):
        for _ in range(rng.randint(6, 12) if day else 8):
            kind, channel, category, subject, description = rng.choice(REQUESTS)
            received = now - timedelta(days=day, hours=rng.uniform(0, 10 if day else 6))
            agent = rng.choice(agents)
            extra = {}
            if kind == "after_sales":
                extra = {
                    "order_no": f"DD{rng.randrange(10**10):010d}",
                    "product_model": rng.choice(["XQG100-14", "MB-FB40", "KFR-35GW"]),
                }
            scope = rng.choices(
                ["local", "cross_department", "cross_province"], [0.75, 0.18, 0.07]
            )[0]
            ticket, _c = ts.ticket_create(
                by=agent,
                customer=rng.choice(people),
                data={
                    "kind": kind,
                    "channel": channel,
                    "complaint_category": category,
                    "subject": subject,
                    "description": description,
                    "scope": scope,
                    "received_at": received,
                    "priority": rng.choices(
                        ["normal", "high", "urgent", "low"], [0.7, 0.15, 0.05, 0.1]
                    )[0],
                    **extra,
                },
                team=agent.team,
                assignee=agent,
            )
            created += 1
            if day == 0 and rng.random() < 0.7:
                continue  # today's work stays open on the workbench
            if rng.random() < 0.93:
                ts.ticket_reply(by=agent, ticket=ticket, body=rng.choice(REPLIES))
                late = rng.random() < 0.12
                span = (
                    (ticket.reply_due_at - received) if ticket.reply_due_at else timedelta(hours=24)
                )
                replied_at = received + (
                    span * rng.uniform(1.05, 1.6) if late else span * rng.uniform(0.02, 0.7)
                )
                replied_at = min(replied_at, now - timedelta(minutes=5))
                _date_back(ticket, replied_at)
                if rng.random() < 0.8 and day > 1:
                    ticket.refresh_from_db()
                    ts.ticket_resolve(by=agent, ticket=ticket, summary="已处理完毕,客户表示满意。")
                    Ticket.objects.filter(pk=ticket.pk).update(
                        resolved_at=replied_at + timedelta(hours=rng.uniform(0.5, 20))
                    )
    # callbacks: mark most historical ones kept, leave today's open
    for cb in Callback.objects.filter(
        state=Callback.State.OPEN, due_at__lt=now - timedelta(hours=3)
    ):
        kept = rng.random() < 0.85
        Callback.objects.filter(pk=cb.pk).update(
            state=Callback.State.DONE,
            outcome=Callback.Outcome.PROGRESS_ONLY,
            done_at=cb.due_at - timedelta(minutes=20)
            if kept
            else cb.due_at + timedelta(minutes=40),
            kept_on_time=kept,
        )
    token_key = "demo-telephony-token-0123456789"
    ApiToken.objects.create(
        name="演示话务系统",
        user=users["agent1"],
        key_hash=ApiToken.hash_key(token_key),
        prefix=token_key[:8],
    )
    from kefu.hall.demo import demo_hall_load
    from kefu.quality.demo import demo_conversations_load

    conversations = demo_conversations_load()
    demo_hall_load()
    from kefu.staffing.demo import demo_staffing_load

    demo_staffing_load()
    return {
        "users": User.objects.count(),
        "customers": len(people),
        "tickets": created,
        "conversations": conversations,
    }


def _date_back(ticket: Ticket, replied_at) -> None:  # noqa: ANN001
    """History: the services stamped 'now'; move the reply to when it happened in the story."""
    Ticket.objects.filter(pk=ticket.pk).update(replied_at=replied_at, first_responded_at=replied_at)
    TicketEvent.objects.filter(
        ticket=ticket, action__in=["reply", "status"], at__gt=replied_at
    ).update(at=replied_at)


def demo_logins() -> list[tuple[str, str, str]]:
    from kefu.hall.demo import STAFF as HALL_STAFF
    from kefu.staffing.demo import demo_logins as staffing_logins

    people = [(u, role, name) for u, role, _no, _t, name in USERS]
    people += [(u, role, name) for u, role, _no, name in HALL_STAFF]
    return [(u, PASSWORD, f"{name} · {Role(role).label}") for u, role, name in people] + (
        staffing_logins()
    )
