"""Demo conversations for the quality pages: a fortnight of calls and chats of the demo agents.

Most follow the scripts; about one in four breaks a standard the way real calls do (a forbidden
phrase, a missing response to thanks, a number not read back, the wrong opening for the hour, a
promise without a time). A few are linked to open work orders, so their promises become callbacks.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from kefu.accounts.models import User
from kefu.domain.conversation import CallEvent, Conversation, Segment
from kefu.quality.services import conversations_save
from kefu.tickets.models import Ticket

QUESTIONS = [
    (
        "我想查一下这个月的话费,怎么比上个月多了二十块?",
        "好的,我帮您查询一下,请您稍候。",
        "您上个月的流量超出了两个G,按套餐外资费收取了二十元。",
    ),
    (
        "我家宽带晚上老是断网,能不能派人来看看?",
        "非常抱歉给您带来不便,我帮您登记报修,请您稍候。",
        "已经为您登记了,师傅会提前一个小时和您电话联系。",
    ),
    (
        "我想把套餐换成流量多一点的。",
        "好的,请您稍候,我帮您看一下适合您的套餐。",
        "推荐您办理每月七十八元的套餐,包含四十G流量,下个月一号生效。",
    ),
    (
        "我的快递三天了还没到,订单号是多少来着。",
        "请您稍候,我帮您查询一下物流信息。",
        "您的包裹已经到达本市分拣中心,预计明天送达。",
    ),
    (
        "你们那个积分怎么兑换礼品?",
        "好的,我帮您查一下您的积分,请您稍候。",
        "您现在有三千二百积分,可以在手机营业厅的积分商城兑换。",
    ),
]

SLIPS = [
    ("agent", "你到底想怎么样?"),
    ("agent", "这是公司规定,我们也没有办法。"),
    ("agent", "我不清楚,你找营业厅问。"),
    ("agent", "还有问题吗?"),
    ("customer", "太谢谢你了。"),  # answered with a plain "好的" below
    ("customer", "我的手机号是13912345678。"),  # not read back
    ("agent", "我们查好以后会联系您。"),
]


def _conversation(rng: random.Random, k: int, agent: User, started: datetime) -> Conversation:
    morning = timezone.localtime(started).hour < 12
    greeting = "早上好" if morning else "您好"
    if rng.random() < 0.1:  # the wrong greeting for the hour
        greeting = "您好" if morning else "早上好"
    question, hold, answer = rng.choice(QUESTIONS)
    turns: list[tuple[str, str]] = [
        ("agent", f"{greeting}!工号{agent.employee_no}为您服务,请问有什么可以帮您?"),
        ("customer", question),
        ("agent", hold),
        ("agent", answer),
    ]
    slip = rng.random() < 0.25
    if slip:
        speaker, text = rng.choice(SLIPS)
        turns.append((speaker, text))
        if speaker == "customer":
            turns.append(("agent", "好的。"))
    else:
        turns += [("customer", "好的,谢谢。"), ("agent", "不客气,这是我们应该做的。")]
    if rng.random() < 0.15:
        turns.append(("agent", "这个问题我需要进一步核实,我们会在24小时内回复您,好吗?"))
        turns.append(("customer", "行。"))
    weekend = timezone.localtime(started).weekday() >= 5 and rng.random() < 0.8
    turns += [
        ("agent", "请问您还有其他要补充的吗?"),
        ("customer", "没有了。"),
        ("agent", "感谢您的来电,祝您周末愉快!再见!" if weekend else "感谢您的来电,再见!"),
    ]
    segments: list[Segment] = []
    at = rng.choice((3000, 5000, 8000))
    for speaker, text in turns:
        length = int(len(text) * 500)
        segments.append(Segment(speaker=speaker, text=text, start_ms=at, end_ms=at + length))  # type: ignore[arg-type]
        at += length + rng.randint(400, 1500)
    answer_at = segments[0].start_ms - 500 if segments[0].start_ms else 2000
    return Conversation(
        id=f"demo-{timezone.localtime(started):%Y%m%d}-{k:04d}",
        channel="phone",
        segments=tuple(segments),
        started_at=started,
        agent={"id": agent.username, "employee_no": agent.employee_no, "name": agent.display_name},
        events=(
            CallEvent("ring", 0),
            CallEvent("answer", max(0, answer_at)),
            CallEvent("hangup", at + 2000, by="customer"),
        ),
    )


def demo_conversations_load(*, count: int = 60, days: int = 14, seed: int = 20261124) -> int:
    """Imports and inspects ``count`` demo conversations; returns how many."""
    rng = random.Random(seed)
    agents = list(User.objects.filter(username__startswith="agent").order_by("username"))
    if not agents:
        return 0
    now = timezone.now()
    conversations: list[Conversation] = []
    for k in range(count):
        day = now - timedelta(days=rng.randrange(days))
        local = timezone.localtime(day).replace(hour=rng.randint(8, 20), minute=rng.randint(0, 59))
        started = min(local, now - timedelta(minutes=30))
        conversations.append(_conversation(rng, k, rng.choice(agents), started))
    saved = conversations_save(
        by=None, conversations=conversations, source="demo", inspect_now=True
    )
    # A few promises belong to open work orders: link and re-inspect them so they become callbacks.
    open_tickets = list(Ticket.objects.filter(is_open=True).order_by("-received_at")[:10])
    promised = [c for c in saved.conversations if "24小时内回复您" in str(c.payload)]
    if open_tickets and promised:
        from kefu.quality.services import conversation_inspect

        for conv, ticket in zip(promised, open_tickets, strict=False):
            conv.ticket = ticket
            conv.agent = ticket.assignee or conv.agent
            conv.save(update_fields=["ticket", "agent"])
            conversation_inspect(conversation=conv)
    return len(saved.conversations)
