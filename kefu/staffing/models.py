"""Staffing (issue 5; STANDARDS MALL-1, MALL-6, QA-3): the staff directory, posts and their shift
patterns, demand per interval, monthly rosters and their append-only history, leave, attendance,
the accountability ladder's configuration and meeting records.

A roster belongs to one roster unit (posts rostered together) and one month. Its shifts are plain rows (person, day, clock times,
breaks, counted hours) so that a roster file, a swap or a manual edit are the same data as a
solved roster; ``RosterEvent`` keeps every change (who, when, what, before/after).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.core.models import AppendOnly


class RosterUnit(models.Model):
    """What one roster covers: posts rostered together under the same rules, e.g. the mall's
    two centres (so the manager can relieve either) or a hotline's groups.

    The hard rules of its roster live here, so a site sets the mall's alternate-day rule on the
    mall and the hotline's 6-day rule on the hotline without code changes.
    """

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    max_consecutive_days = models.PositiveSmallIntegerField(
        _("最多连续工作天数"),
        default=6,
        validators=[MinValueValidator(1)],
        help_text=_("1 即隔日勤:不连续两天上班"),
    )
    min_rest_hours = models.DecimalField(
        _("两班之间最短休息(小时)"), max_digits=4, decimal_places=1, default=11
    )
    exact_coverage = models.BooleanField(
        _("人数恰好满足"), default=True, help_text=_("不勾选则按最少人数排班(热线)")
    )
    mark_rest_days = models.BooleanField(
        _("周末按休息日加班计"),
        default=False,
        help_text=_("标准工时制勾选;综合工时制(如商场)不勾选"),
    )
    time_limit_seconds = models.PositiveSmallIntegerField(_("求解时限(秒)"), default=30)

    class Meta:
        ordering = ["name"]
        verbose_name = _("排班单元")
        verbose_name_plural = _("排班单元")

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """A place people are rostered to: a hotline group, a hall counter line, a mall centre."""

    class Kind(models.TextChoices):
        HOTLINE = "hotline", _("热线坐席组")
        ONLINE = "online", _("在线客服组")
        HALL = "hall", _("营业厅")
        MALL = "mall", _("商场服务台")

    unit = models.ForeignKey(
        RosterUnit, on_delete=models.PROTECT, related_name="posts", verbose_name=_("排班单元")
    )
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    # meal breaks staggered so the desk is never empty (MALL-1)
    min_on_duty = models.PositiveSmallIntegerField(_("轮休时最少在岗人数"), default=1)
    lunch_start = models.TimeField(_("午休窗口开始"), null=True, blank=True)
    lunch_end = models.TimeField(_("午休窗口结束"), null=True, blank=True)
    supper_start = models.TimeField(_("晚休窗口开始"), null=True, blank=True)
    supper_end = models.TimeField(_("晚休窗口结束"), null=True, blank=True)
    break_minutes = models.PositiveSmallIntegerField(_("每次用餐时长(分钟)"), default=60)
    # demand (Erlang C): the service target of this post
    interval_minutes = models.PositiveSmallIntegerField(_("时段长度(分钟)"), default=30)
    default_aht_seconds = models.PositiveIntegerField(_("平均处理时长(秒)"), default=180)
    target_level = models.DecimalField(
        _("服务水平目标"),
        max_digits=4,
        decimal_places=3,
        default=0.8,
        validators=[MinValueValidator(0.01), MaxValueValidator(0.999)],
    )
    target_seconds = models.PositiveIntegerField(_("目标接通时间(秒)"), default=20)
    max_occupancy = models.DecimalField(
        _("占用率上限"), max_digits=4, decimal_places=3, default=0.85
    )
    shrinkage = models.DecimalField(_("缩减率"), max_digits=4, decimal_places=3, default=0.3)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")

    def __str__(self) -> str:
        return self.name

    @property
    def has_meal_breaks(self) -> bool:
        return self.lunch_start is not None and self.supper_start is not None


class ShiftPattern(models.Model):
    """A shift a post is worked in: clock times and the hours it counts (the mall's 9:00-22:00
    counts 11, the two meal hours not counted)."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="patterns", verbose_name=_("岗位")
    )
    code = models.CharField(_("代码"), max_length=12)
    name = models.CharField(_("名称"), max_length=40)
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"), help_text=_("早于开始时间表示次日结束"))
    counted_hours = models.DecimalField(
        _("计算工时"), max_digits=4, decimal_places=2, validators=[MinValueValidator(0.25)]
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["post", "start", "code"]
        constraints = [
            models.UniqueConstraint(fields=["post", "code"], name="staffing_pattern_code_per_post")
        ]
        verbose_name = _("班次")
        verbose_name_plural = _("班次")

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}-{self.end:%H:%M}"


class CoverageRequirement(models.Model):
    """How many people a post needs on a shift each day (the mall: 2 per centre every day)."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("岗位")
    )
    pattern = models.ForeignKey(ShiftPattern, on_delete=models.CASCADE, verbose_name=_("班次"))
    count = models.PositiveSmallIntegerField(_("人数"), validators=[MinValueValidator(1)])
    skill = models.CharField(
        _("技能"), max_length=40, blank=True, help_text=_("填写时表示该班次至少这么多人具备此技能")
    )
    weekdays = models.JSONField(
        _("适用星期"), default=list, blank=True, help_text=_("0=星期一…6=星期日;留空为每天")
    )

    class Meta:
        ordering = ["post", "pattern", "skill"]
        verbose_name = _("在岗人数要求")
        verbose_name_plural = _("在岗人数要求")

    def __str__(self) -> str:
        return f"{self.post} {self.pattern.code} × {self.count}"

    def applies_on(self, day: date) -> bool:
        return not self.weekdays or day.weekday() in self.weekdays


class StaffProfile(models.Model):
    """A person in the staff directory, linked to their login account (工号 and role live on
    the account)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("账号"),
    )
    title = models.CharField(_("职务"), max_length=40, blank=True)
    posts = models.ManyToManyField(Post, related_name="staff", verbose_name=_("可上岗位"))
    skills = models.JSONField(
        _("技能"), default=list, blank=True, help_text=_("业务类型、贵宾线、方言等,如 VIP、粤语")
    )
    contract_hours = models.DecimalField(
        _("每月工时上限"), max_digits=5, decimal_places=1, default=174
    )
    relief = models.BooleanField(
        _("顶班人员"), default=False, help_text=_("只在常规人员排不满时排班,如客服经理")
    )
    hired_on = models.DateField(_("入职日期"), null=True, blank=True)
    active = models.BooleanField(_("在职"), default=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    class Meta:
        ordering = ["user__employee_no", "user__username"]
        verbose_name = _("员工档案")
        verbose_name_plural = _("员工档案")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def employee_no(self) -> str:
        return self.user.employee_no or self.user.username

    @property
    def name(self) -> str:
        return self.user.display_name or self.user.get_full_name() or self.user.username


class Leave(models.Model):
    """Leave or sickness for a run of days; approved leave is a hard constraint of the roster."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("年假")
        SICK = "sick", _("病假")
        PERSONAL = "personal", _("事假")
        OTHER = "other", _("其他")

    class State(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", pgettext_lazy("leave", "已撤销")

    staff = models.ForeignKey(
        StaffProfile, on_delete=models.CASCADE, related_name="leaves", verbose_name=_("员工")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    first_day = models.DateField(_("开始日期"))
    last_day = models.DateField(_("结束日期"))
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.REQUESTED, db_index=True
    )
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        ordering = ["-first_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="staffing_leave_order"
            )
        ]
        verbose_name = _("请假")
        verbose_name_plural = _("请假")

    def __str__(self) -> str:
        return f"{self.staff} {self.get_kind_display()} {self.first_day}~{self.last_day}"

    def days(self) -> list[date]:
        n = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=i) for i in range(n)]


class ShiftPreference(models.Model):
    """A wish to work or to be off on a day: a soft constraint of the roster."""

    staff = models.ForeignKey(
        StaffProfile, on_delete=models.CASCADE, related_name="preferences", verbose_name=_("员工")
    )
    day = models.DateField(_("日期"))
    wants_work = models.BooleanField(_("希望上班"), default=False)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "day"], name="staffing_one_wish_a_day")
        ]
        verbose_name = _("排班意愿")
        verbose_name_plural = _("排班意愿")

    def __str__(self) -> str:
        return f"{self.staff} {self.day}"


class DemandInterval(models.Model):
    """Forecast calls for one interval of one day at a post (entered, imported or from history)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("手工录入")
        IMPORT = "import", _("文件导入")
        HISTORY = "history", _("历史预测")

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="demand", verbose_name=_("岗位")
    )
    day = models.DateField(_("日期"))
    start = models.TimeField(_("时段开始"))
    calls = models.DecimalField(
        _("来电量"), max_digits=8, decimal_places=1, validators=[MinValueValidator(0)]
    )
    aht_seconds = models.PositiveIntegerField(_("平均处理时长(秒)"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["post", "day", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "day", "start"], name="staffing_one_forecast_per_interval"
            )
        ]
        verbose_name = _("话务预测")
        verbose_name_plural = _("话务预测")

    def __str__(self) -> str:
        return f"{self.post} {self.day} {self.start:%H:%M} {self.calls}"


class Roster(models.Model):
    """One unit's roster for one month: a draft until published, then staff see it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    unit = models.ForeignKey(
        RosterUnit, on_delete=models.PROTECT, related_name="rosters", verbose_name=_("排班单元")
    )
    month = models.DateField(_("月份"), help_text=_("当月第一天"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # what the solver said the last time it ran
    solver_status = models.CharField(_("求解状态"), max_length=16, blank=True)
    gap = models.FloatField(_("最优性差距"), default=0)
    solve_seconds = models.FloatField(_("求解用时(秒)"), default=0)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    shortfall = models.JSONField(_("缺口"), default=list, blank=True)

    class Meta:
        ordering = ["-month", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="staffing_one_roster_a_month")
        ]
        verbose_name = _("排班表")
        verbose_name_plural = _("排班表")

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m}"


class Shift(models.Model):
    """One person working one day of a roster."""

    roster = models.ForeignKey(
        Roster, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("排班表")
    )
    staff = models.ForeignKey(
        StaffProfile, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("员工")
    )
    day = models.DateField(_("日期"), db_index=True)
    post = models.ForeignKey(Post, on_delete=models.PROTECT, verbose_name=_("岗位"))
    pattern = models.ForeignKey(
        ShiftPattern, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("班次")
    )
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))
    # [["11:30", "12:30"], ["17:00", "18:00"]]: meal breaks, staggered per centre (MALL-1)
    breaks = models.JSONField(_("用餐休息"), default=list, blank=True)
    hours = models.DecimalField(_("计算工时"), max_digits=4, decimal_places=2)
    # pay multiplier of a statutory holiday (3) or rest day (2); 1 on ordinary days
    pay_multiplier = models.DecimalField(_("工资倍数"), max_digits=3, decimal_places=1, default=1)
    holiday_name = models.CharField(_("节假日"), max_length=40, blank=True)
    # kept as it is when the rest of the month is solved again (a swap, a manual edit)
    locked = models.BooleanField(_("锁定"), default=False)

    class Meta:
        ordering = ["day", "start", "staff"]
        constraints = [
            models.UniqueConstraint(
                fields=["roster", "staff", "day"], name="staffing_one_shift_a_day"
            )
        ]
        indexes = [models.Index(fields=["staff", "day"])]
        verbose_name = _("班次安排")
        verbose_name_plural = _("班次安排")

    def __str__(self) -> str:
        return f"{self.day} {self.staff} {self.start:%H:%M}-{self.end:%H:%M}"

    def span(self) -> tuple[datetime, datetime]:
        """Naive local start and end (an end at or before the start is the next day)."""
        start = datetime.combine(self.day, self.start)
        end = datetime.combine(self.day, self.end)
        if end <= start:
            end += timedelta(days=1)
        return start, end

    def break_times(self) -> list[tuple[time, time]]:
        return [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in self.breaks]


ROSTER_ACTIONS = {
    "generated": pgettext_lazy("roster event", "已生成"),
    "resolved": pgettext_lazy("roster event", "已重新排班"),
    "published": pgettext_lazy("roster event", "已发布"),
    "unpublished": pgettext_lazy("roster event", "已撤回"),
    "swapped": pgettext_lazy("roster event", "已调班"),
    "reassigned": pgettext_lazy("roster event", "已改派"),
    "removed": pgettext_lazy("roster event", "已取消班次"),
    "leave_recorded": pgettext_lazy("roster event", "已登记请假"),
}


class RosterEvent(AppendOnly):
    """Every change of a roster: generated, published, swapped, leave recorded, re-solved, edited,
    with the warnings a soft-rule breach produced (audit and history are the same data)."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=24, db_index=True)
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("排班变更记录")
        verbose_name_plural = _("排班变更记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    @property
    def label(self) -> str:
        return str(ROSTER_ACTIONS.get(self.action, self.action))

    @property
    def summary(self) -> str:
        """The shifts a swap, reassignment or removal touched: "唐悦 2026-12-09 1F服务中心"."""

        def one(state: dict[str, object]) -> str:
            return f"{state.get('name', '')} {state.get('day', '')} {state.get('post', '')}"

        if self.action == "swapped":
            first, second = (self.before.get("shifts") or [{}, {}])[:2]
            return f"{one(first)} ⇄ {one(second)}"
        if self.action == "reassigned":
            return f"{one(self.before)} → {self.after.get('name', '')}"
        if self.action == "removed":
            return one(self.before)
        return ""


class ClockRecord(models.Model):
    """One clock-in and its clock-out (attendance)."""

    class Source(models.TextChoices):
        PAGE = "page", _("页面")
        API = "api", _("接口")
        MANUAL = "manual", _("补录")

    staff = models.ForeignKey(
        StaffProfile, on_delete=models.CASCADE, related_name="clock_records", verbose_name=_("员工")
    )
    shift = models.ForeignKey(
        Shift,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clock_records",
        verbose_name=_("班次"),
    )
    clock_in = models.DateTimeField(_("上班打卡"), db_index=True)
    clock_out = models.DateTimeField(_("下班打卡"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.PAGE)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the person clocked in again (or a supervisor closed it) without a clock-out: the record no
    # longer blocks clocking in; it stays marked after a supervisor enters the real clock-out
    out_missing = models.BooleanField(_("漏打下班卡"), default=False)

    class Meta:
        ordering = ["-clock_in"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff"],
                condition=Q(clock_out__isnull=True, out_missing=False),
                name="staffing_one_open_clock_record",
            ),
            models.CheckConstraint(
                condition=Q(clock_out__isnull=True) | Q(clock_out__gt=models.F("clock_in")),
                name="staffing_clock_out_after_in",
            ),
        ]
        verbose_name = _("考勤记录")
        verbose_name_plural = _("考勤记录")

    def __str__(self) -> str:
        return f"{self.staff} {self.clock_in:%Y-%m-%d %H:%M}"


class LadderStep(models.Model):
    """One step of the accountability ladder (MALL-6), editable by the site."""

    class Action(models.TextChoices):
        WARNING = "warning", _("警告")
        MONTH_BONUS = "month_bonus", _("扣发当月奖金")
        YEAR_BONUS = "year_bonus", _("扣发全年奖金")
        TERMINATION = "termination", _("建议解除劳动合同")

    count = models.PositiveSmallIntegerField(
        _("第几次"), unique=True, validators=[MinValueValidator(1)]
    )
    action = models.CharField(_("处理"), max_length=16, choices=Action.choices)
    label = models.CharField(_("处理说明"), max_length=80)

    class Meta:
        ordering = ["count"]
        verbose_name = _("投诉处理阶梯")
        verbose_name_plural = _("投诉处理阶梯")

    def __str__(self) -> str:
        return f"{self.count}: {self.label}"


class Meeting(models.Model):
    """A regular meeting (例会, QA-3): who came, what was discussed and decided."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("班前会")
        WEEKLY = "weekly", _("周例会")
        MONTHLY = "monthly", _("月度例会")
        SPECIAL = "special", _("专题会")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.WEEKLY)
    title = models.CharField(_("主题"), max_length=120)
    held_at = models.DateTimeField(_("时间"), db_index=True)
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("岗位")
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="meetings_chaired",
        verbose_name=_("主持人"),
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="meetings_attended", verbose_name=_("参会人员")
    )
    topics = models.TextField(_("议题"))
    decisions = models.TextField(_("决定事项"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["-held_at"]
        verbose_name = _("会议记录")
        verbose_name_plural = _("会议记录")

    def __str__(self) -> str:
        return f"{self.held_at:%Y-%m-%d} {self.title}"


class ActionItem(models.Model):
    """Something a meeting decided someone must do by a date."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="actions", verbose_name=_("会议")
    )
    text = models.CharField(_("事项"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("负责人"),
    )
    due_on = models.DateField(_("完成期限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.CharField(_("完成情况"), max_length=200, blank=True)

    class Meta:
        ordering = ["done_at", "due_on"]
        indexes = [models.Index(fields=["owner", "done_at"])]
        verbose_name = _("待办事项")
        verbose_name_plural = _("待办事项")

    def __str__(self) -> str:
        return self.text
