"""The default business catalogue (seed 002, HALL-2), the opening checklist (HALL-1) and the standard
phrases of the waiting stage (HALL-3, HALL-4) and the counter (SCRIPT-10).

Prefixes: one letter per brand (全球通 A, 预付费 B), so each brand has one daily series A001, B001...
27 kinds with a letter each would run out of letters and make the board hard to read; the
business is printed on the slip and stored on the number. A site can give a business its own
prefix in the admin (the series is per prefix).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# code, name, self-service can do it, default mean service seconds
GOTONE = [
    ("A01", "全球通新开户", False, 600),
    ("A02", "缴费/跨区缴费", True, 120),
    ("A03", "存话费购机", False, 600),
    ("A04", "停/开机", True, 180),
    ("A05", "重置密码", True, 150),
    ("A06", "补卡", False, 300),
    ("A07", "更改资料", False, 240),
    ("A08", "转套餐", True, 240),
    ("A09", "家庭服务计划", False, 420),
    ("A10", "改号", False, 360),
    ("A11", "过户", False, 480),
    ("A12", "积分兑奖", True, 180),
    ("A13", "销户", False, 360),
    ("A14", "开通新功能", True, 180),
    ("A15", "打印清单", True, 120),
    ("A16", "投诉", False, 600),
    ("A17", "其他业务", False, 300),
]
PREPAID = [
    ("B01", "套卡新开户", False, 420),
    ("B02", "充值话费", True, 90),
    ("B03", "解黑名单", False, 240),
    ("B04", "改套餐", True, 180),
    ("B05", "解PUK码", True, 150),
    ("B06", "了解资费", False, 180),
    ("B07", "开通GPRS套餐", True, 150),
    ("B08", "重置用户密码", True, 150),
    ("B09", "投诉", False, 600),
    ("B10", "其他业务", False, 300),
]
BRANDS = [("全球通", "A", GOTONE), ("预付费", "B", PREPAID)]

CHECKLIST = [
    ("staff", "仪容仪表:工装整洁、佩戴工牌,三米六齿微笑"),
    ("staff", "服务姿态:坐姿、站姿规范,流动岗到位迎候"),
    ("materials", "业务单据、宣传资料、笔、号纸齐备"),
    ("terminals", "排队机、叫号屏、业务终端、自助终端运行正常"),
    ("terminals", "POS机、打印机、读卡器可用"),
    ("environment", "灯光、地面、墙面整洁"),
    ("environment", "营业设施与休息区整洁,饮水供应到位"),
]

# seed 002, 单元三 等候阶段 and 流动岗 (HALL-3, HALL-4)
WAITING_PHRASES = [
    (_("引导排队"), "先生/小姐,请您到这里排队好吗?我们会尽快帮您办理的。"),
    (
        _("分流自助"),
        "先生/小姐,您办理 XX 业务,可以到自助区进行自助办理,这样会更加快捷,您也不用排队等。",
    ),
    (
        _("等候安抚"),
        "先生/小姐,请您先喝杯水,在您前面还有一个客户,马上就到您了。",
    ),
    (
        _("插队询问"),
        "先生/小姐,今天人比较多,请问您取号了吗?如果还没有,请您到这里排队,我帮您取号,好吗?",
    ),
]

# seed 002, 单元四 业务办理阶段 (SCRIPT-10: requests, not commands); HALL-5 for the next customer
COUNTER_PHRASES = [
    (_("出示证件"), "先生/小姐,请问可以出示一下您的身份证吗?"),
    (_("证件要求"), "先生/小姐,办理XX业务需要身份证,请您出示一下证件,好吗?"),
    (_("输入密码"), "先生/小姐,请您在密码键盘上输入您的用户密码,好吗?"),
    (_("付款"), "先生/小姐,这次一共需要交费XX元,请问您用现金还是刷卡?"),
    (_("资料确认"), "先生/小姐,这是您的业务资料,请您过目确认一下,好吗?"),
    (_("兼顾下一位"), "先生/小姐,您好!请您稍等,我帮这位先生/小姐办完了,马上为您办,好吗?"),
]


def seed_catalogue() -> int:
    """Creates the catalogue where missing (existing rows are left as the site edited them)."""
    from .models import BusinessType

    created = 0
    for brand, prefix, kinds in BRANDS:
        for order, (code, name, self_ok, seconds) in enumerate(kinds, start=1):
            _obj, was_created = BusinessType.objects.get_or_create(
                code=code,
                defaults={
                    "brand": brand,
                    "name": name,
                    "prefix": prefix,
                    "self_service_ok": self_ok,
                    "mean_service_seconds": seconds,
                    "sort_order": order,
                },
            )
            created += was_created
    return created


def seed_checklist() -> int:
    from .models import ChecklistItem

    if ChecklistItem.objects.exists():
        return 0
    ChecklistItem.objects.bulk_create(
        ChecklistItem(category=cat, text=text, sort_order=i)
        for i, (cat, text) in enumerate(CHECKLIST, start=1)
    )
    return len(CHECKLIST)


def seed_hall() -> None:
    seed_catalogue()
    seed_checklist()
