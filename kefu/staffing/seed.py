"""Default roster units, posts and shift patterns: the mall service desk of seed 003 (MALL-1) and
a hotline. Idempotent; a site edits them in the admin."""

from __future__ import annotations

from datetime import time

from django.db import transaction

from .models import CoverageRequirement, LadderStep, Post, RosterUnit, ShiftPattern

MALL_UNIT = "mall"
MALL_SERVICE = "mall-1f"  # 1F服务中心: service specialists
MALL_MEMBER = "mall-4f"  # 4F会员中心: member specialists
HOTLINE_UNIT = "hotline"
HOTLINE_POST = "hotline"

LADDER = [
    (1, LadderStep.Action.MONTH_BONUS, "扣发当月奖金"),
    (2, LadderStep.Action.YEAR_BONUS, "扣发全年奖金"),
    (3, LadderStep.Action.TERMINATION, "建议解除劳动合同(严重违纪)"),
]

# hotline shifts: code, name, start, end, counted hours (a half-hour unpaid meal inside)
HOTLINE_PATTERNS = [
    ("E", "早班", time(8, 0), time(16, 30), 8),
    ("M", "中班", time(10, 0), time(18, 30), 8),
    ("L", "晚班", time(13, 30), time(22, 0), 8),
    ("D", "日班", time(9, 0), time(17, 30), 8),
]


@transaction.atomic
def seed_staffing() -> None:
    for count, action, label in LADDER:
        LadderStep.objects.get_or_create(count=count, defaults={"action": action, "label": label})

    mall, _ = RosterUnit.objects.get_or_create(
        code=MALL_UNIT,
        defaults={
            "name": "商场客服中心",
            "max_consecutive_days": 1,  # 隔日勤
            "min_rest_hours": 11,
            "exact_coverage": True,
            "mark_rest_days": False,  # 综合工时制
        },
    )
    for code, name in ((MALL_SERVICE, "1F服务中心"), (MALL_MEMBER, "4F会员中心")):
        post, created = Post.objects.get_or_create(
            code=code,
            defaults={
                "unit": mall,
                "name": name,
                "kind": Post.Kind.MALL,
                "min_on_duty": 1,
                "lunch_start": time(11, 30),
                "lunch_end": time(13, 30),
                "supper_start": time(17, 0),
                "supper_end": time(19, 0),
                "break_minutes": 60,
            },
        )
        if created:
            pattern = ShiftPattern.objects.create(
                post=post, code="D", name="全天班", start=time(9), end=time(22), counted_hours=11
            )
            CoverageRequirement.objects.create(post=post, pattern=pattern, count=2)

    hotline, _ = RosterUnit.objects.get_or_create(
        code=HOTLINE_UNIT,
        defaults={
            "name": "热线中心",
            "max_consecutive_days": 6,
            "min_rest_hours": 11,
            "exact_coverage": False,
            "mark_rest_days": True,
        },
    )
    post, created = Post.objects.get_or_create(
        code=HOTLINE_POST,
        defaults={
            "unit": hotline,
            "name": "热线坐席",
            "kind": Post.Kind.HOTLINE,
            "default_aht_seconds": 180,
        },
    )
    if created:
        for code, name, start, end, hours in HOTLINE_PATTERNS:
            ShiftPattern.objects.create(
                post=post, code=code, name=name, start=start, end=end, counted_hours=hours
            )
