"""Service hall (营业厅, STANDARDS section 6): the business catalogue, counters, queue numbers and
their append-only timeline, the opening checklist and shift handovers.

A queue number is one *leg* of a visit: a transfer closes the leg being served (status
``transferred``) and opens a new leg with the same printed code, ``parent`` pointing back and
``arrived_at`` copied, so statistics keep the original arrival while waits and service times
stay per business and counter. The printed code is unique per hall, day and prefix among first
legs (``parent`` is null).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.models import AppendOnly


def default_hours() -> dict[str, list[list[str]]]:
    # weekday 0 = Monday; the same format as the core working calendars
    return {str(d): [["08:30", "18:00"]] for d in range(7)}


class Hall(models.Model):
    name = models.CharField(_("名称"), max_length=80)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.JSONField(
        _("营业时间"),
        default=default_hours,
        help_text=_('按星期(0=星期一)填写时段,如 {"0": [["08:30", "18:00"]]};没有时段即不营业'),
    )
    vip_cap = models.PositiveSmallIntegerField(
        _("连续叫贵宾号上限"), default=3, help_text=_("0 表示贵宾不优先")
    )
    recall_limit = models.PositiveSmallIntegerField(
        _("重呼次数上限"), default=3, help_text=_("超过后记为过号")
    )
    long_wait_minutes = models.PositiveSmallIntegerField(_("等候超时提醒(分钟)"), default=20)
    board_recent = models.PositiveSmallIntegerField(_("叫号屏显示最近叫号数"), default=8)

    class Meta:
        ordering = ["name"]
        verbose_name = _("营业厅")
        verbose_name_plural = _("营业厅")

    def __str__(self) -> str:
        return self.name


class BusinessType(models.Model):
    """One kind of business a customer takes a number for (HALL-2)."""

    code = models.CharField(_("代码"), max_length=8, unique=True)
    brand = models.CharField(_("品牌"), max_length=40)
    name = models.CharField(_("业务名称"), max_length=80)
    prefix = models.CharField(
        _("号码前缀"), max_length=2, help_text=_("取号的字母,同一前缀的业务共用一个号段")
    )
    self_service_ok = models.BooleanField(_("可自助办理"), default=False)
    is_open = models.BooleanField(_("开放取号"), default=True)
    mean_service_seconds = models.FloatField(_("平均办理时长(秒)"), default=300)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["brand", "sort_order", "code"]
        verbose_name = _("业务类型")
        verbose_name_plural = _("业务类型")

    def __str__(self) -> str:
        return f"{self.brand}·{self.name}"

    @property
    def mean_service(self) -> timedelta:
        return timedelta(seconds=self.mean_service_seconds)


class Counter(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("营业中")
        PAUSED = "paused", _("暂停")
        CLOSED = "closed", _("关闭")

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="counters")
    number = models.PositiveSmallIntegerField(_("窗口号"))
    name = models.CharField(_("名称"), max_length=40, blank=True)
    businesses = models.ManyToManyField(
        BusinessType, through="CounterBusiness", related_name="counters", verbose_name=_("业务")
    )
    state = models.CharField(
        _("状态"), max_length=8, choices=State.choices, default=State.CLOSED, db_index=True
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hall_counters",
        verbose_name=_("当班人员"),
    )
    signed_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    vip_streak = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["hall", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="hall_counter_unique_number")
        ]
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")

    def __str__(self) -> str:
        return self.name or _("%(n)s号窗口") % {"n": self.number}


class CounterBusiness(models.Model):
    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="services")
    business = models.ForeignKey(BusinessType, on_delete=models.CASCADE, related_name="+")
    priority = models.PositiveSmallIntegerField(_("优先级"), default=0, help_text=_("小者优先"))

    class Meta:
        ordering = ["counter", "priority", "business__code"]
        constraints = [
            models.UniqueConstraint(fields=["counter", "business"], name="hall_counter_business")
        ]
        verbose_name = _("窗口业务")
        verbose_name_plural = _("窗口业务")

    def __str__(self) -> str:
        return f"{self.counter} {self.priority} {self.business}"


class QueueNumber(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("等候中")
        CALLED = "called", _("已叫号")
        SERVING = "serving", _("办理中")
        DONE = "done", _("已办结")
        NO_SHOW = "no_show", _("过号")
        CANCELLED = "cancelled", _("已取消")
        DIVERTED = "diverted", _("已分流自助")
        TRANSFERRED = "transferred", _("已转办")

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="numbers")
    business = models.ForeignKey(
        BusinessType, on_delete=models.PROTECT, related_name="numbers", verbose_name=_("业务")
    )
    day = models.DateField(_("日期"))
    prefix = models.CharField(_("前缀"), max_length=2)
    seq = models.PositiveIntegerField(_("序号"))
    code = models.CharField(_("号码"), max_length=8)
    vip = models.BooleanField(_("贵宾"), default=False)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.WAITING, db_index=True
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="legs"
    )
    target_counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("指定窗口"),
    )
    taken_at = models.DateTimeField(_("取号时间"))
    arrived_at = models.DateTimeField(_("到达时间"))
    queued_at = models.DateTimeField(_("排队时间"), db_index=True)
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    call_count = models.PositiveSmallIntegerField(_("叫号次数"), default=0)
    last_called_at = models.DateTimeField(_("最近叫号"), null=True, blank=True, db_index=True)
    counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="numbers",
        verbose_name=_("窗口"),
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("办理人"),
    )
    service_started_at = models.DateTimeField(_("开始办理"), null=True, blank=True)
    service_ended_at = models.DateTimeField(_("结束办理"), null=True, blank=True)
    business_done = models.ForeignKey(
        BusinessType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("实际办理业务"),
    )
    divert_reason = models.CharField(_("分流原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hall", "day", "prefix", "seq"],
                condition=Q(parent__isnull=True),
                name="hall_number_unique_per_day",
            )
        ]
        indexes = [
            models.Index(fields=["hall", "status", "queued_at"], name="hall_waiting"),
            models.Index(fields=["hall", "day"], name="hall_day"),
        ]
        verbose_name = _("排队号")
        verbose_name_plural = _("排队号")

    def __str__(self) -> str:
        return self.code

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


ACTIVE_STATUSES = frozenset({QueueNumber.Status.CALLED, QueueNumber.Status.SERVING})


class QueueEvent(AppendOnly):
    """Every state change of a number or a counter (HALL-1): who, when, what, before/after."""

    number = models.ForeignKey(
        QueueNumber, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=24, db_index=True)
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("排队事件")
        verbose_name_plural = _("排队事件")

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.action}"


class ChecklistItem(models.Model):
    """One line of the daily opening checklist (HALL-1: staff, materials, terminals, environment)."""

    class Category(models.TextChoices):
        STAFF = "staff", _("人员形象")
        MATERIALS = "materials", _("物品准备")
        TERMINALS = "terminals", _("终端设备")
        ENVIRONMENT = "environment", _("环境卫生")

    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    text = models.CharField(_("检查内容"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("开门检查项")
        verbose_name_plural = _("开门检查项")

    def __str__(self) -> str:
        return self.text


class ChecklistSignOff(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="checklists")
    day = models.DateField(_("日期"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("签字人"),
    )
    signed_at = models.DateTimeField(_("签字时间"))
    items = models.JSONField(_("已检查项目"), default=list)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "day"], name="hall_checklist_once_a_day")
        ]
        verbose_name = _("开门检查签字")
        verbose_name_plural = _("开门检查签字")

    def __str__(self) -> str:
        return f"{self.hall} {self.day}"


class ShiftHandover(models.Model):
    """交接班 (HALL-6): what the outgoing person still owes customers, listed automatically."""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="handovers")
    counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handovers",
        verbose_name=_("窗口"),
    )
    post = models.CharField(_("岗位"), max_length=40, blank=True)
    outgoing = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="handovers_given",
        verbose_name=_("交班人"),
    )
    incoming = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="handovers_taken",
        verbose_name=_("接班人"),
    )
    notes = models.TextField(_("交接事项"), blank=True)
    counter_state = models.CharField(_("窗口状态"), max_length=8, blank=True)
    owed = models.JSONField(_("待答复客户事项"), default=list, blank=True)
    created_at = models.DateTimeField(_("交班时间"))
    acknowledged_at = models.DateTimeField(_("接班确认时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("交接班记录")
        verbose_name_plural = _("交接班记录")

    def __str__(self) -> str:
        return f"{self.outgoing} → {self.incoming} {self.created_at:%Y-%m-%d %H:%M}"
