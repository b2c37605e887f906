"""Work orders (WO-1..12), their timeline, SLA policies and alerts, callbacks, complaint reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Team
from kefu.core.models import AppendOnly
from kefu.customers.models import Customer


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("咨询")
    AFTER_SALES = "after_sales", _("售后")
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")
    TRANSACTION = "transaction", _("业务办理")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    EMAIL = "email", _("邮件")
    CHAT = "chat", _("在线客服")
    SOCIAL = "social", _("社交媒体")
    WALK_IN = "walk_in", _("现场")
    COMMENT_CARD = "comment_card", _("意见卡/总经理信箱")
    LETTER = "letter", _("信函")


class Priority(models.TextChoices):
    URGENT = "urgent", _("紧急")
    HIGH = "high", _("高")
    NORMAL = "normal", _("普通")
    LOW = "low", _("低")


PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


class Scope(models.TextChoices):
    LOCAL = "local", _("本部门处理")
    CROSS_DEPARTMENT = "cross_department", _("需跨部门/市分公司协调")
    CROSS_PROVINCE = "cross_province", _("需跨省协调")
    SPECIAL = "special", _("特殊事项(指定时限)")


class ComplaintCategory(models.TextChoices):
    SERVICE_ATTITUDE = "service_attitude", _("服务态度")
    SERVICE_ERROR = "service_error", _("服务差错")
    PRODUCT_QUALITY = "product_quality", _("商品质量")
    BILLING = "billing", _("资费账务")
    DELIVERY = "delivery", _("物流配送")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    NEW = "new", _("新建")
    ASSIGNED = "assigned", _("已分派")
    IN_PROGRESS = "in_progress", _("处理中")
    WAITING = "waiting_on_customer", _("等待客户")
    TRANSFERRED = "transferred", _("已转部门")
    REPLIED = "replied", _("已回复")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")
    REOPENED = "reopened", _("重新打开")


OPEN_STATUSES = frozenset(s for s in Status.values if s not in {Status.RESOLVED, Status.CLOSED})


class SlaPolicy(models.Model):
    """One row of the SLA matrix (SLA-1..4, SLA-8). Empty criteria match anything."""

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    standards = models.CharField(_("依据条款"), max_length=120, help_text=_("逗号分隔,如 SLA-1"))
    kind = models.CharField(_("工单类型"), max_length=20, choices=Kind.choices, blank=True)
    scope = models.CharField(_("协调范围"), max_length=20, choices=Scope.choices, blank=True)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices, blank=True)
    customer_class = models.CharField(_("客户类别"), max_length=8, blank=True)
    complaint_category = models.CharField(
        _("投诉类别"), max_length=20, choices=ComplaintCategory.choices, blank=True
    )
    calendar = models.CharField(_("计时日历"), max_length=40, default="clock")
    first_response_hours = models.FloatField(_("首次响应时限(小时)"), null=True, blank=True)
    reply_hours = models.FloatField(_("回复时限(小时)"), null=True, blank=True)
    resolution_hours = models.FloatField(_("解决时限(小时)"), null=True, blank=True)
    warn_ratio = models.FloatField(_("预警比例"), default=0.75)
    priority_order = models.IntegerField(_("优先顺序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("时限策略")
        verbose_name_plural = _("时限策略")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Ticket(models.Model):
    number = models.CharField(_("工单号"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    priority = models.CharField(
        _("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    priority_rank = models.PositiveSmallIntegerField(default=2, editable=False)
    scope = models.CharField(
        _("协调范围"), max_length=20, choices=Scope.choices, default=Scope.LOCAL
    )
    special_due_at = models.DateTimeField(_("指定回复时间"), null=True, blank=True)
    complaint_category = models.CharField(
        _("投诉类别"), max_length=20, choices=ComplaintCategory.choices, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=24, choices=Status.choices, default=Status.NEW, db_index=True
    )
    is_open = models.BooleanField(default=True, db_index=True, editable=False)
    subject = models.CharField(_("摘要"), max_length=200)
    description = models.TextField(_("详细描述"))
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("客户")
    )
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    received_at = models.DateTimeField(_("受理时间"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("受理人"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("处理人"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("班组"),
    )
    department = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coordinated_tickets",
        verbose_name=_("协办部门"),
    )
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("升级至"),
    )
    # WO-4: after-sales
    order_no = models.CharField(_("订单号"), max_length=64, blank=True)
    product_model = models.CharField(_("产品型号"), max_length=64, blank=True)
    # SLA clocks, stored so that "overdue" and "nearest deadline" are index scans
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("时限策略")
    )
    sla_calendar = models.CharField(_("计时日历"), max_length=40, blank=True)
    first_response_due_at = models.DateTimeField(_("首次响应截止"), null=True, blank=True)
    reply_due_at = models.DateTimeField(_("回复截止"), null=True, blank=True, db_index=True)
    resolution_due_at = models.DateTimeField(_("解决截止"), null=True, blank=True)
    reply_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_response_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    calendar_warning = models.CharField(_("日历提示"), max_length=200, blank=True)
    # the deadline that matters now: reply until replied, then resolution until resolved
    next_due_at = models.DateTimeField(_("最近截止"), null=True, blank=True)
    # the next warning or due instant to check; the reconcile job scans this index only
    next_alert_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["assignee", "is_open", "next_due_at"], name="ticket_assignee_due"),
            models.Index(fields=["team", "is_open", "next_due_at"], name="ticket_team_due"),
            models.Index(fields=["is_open", "next_due_at"], name="ticket_open_due"),
            models.Index(fields=["received_at"], name="ticket_received"),
            models.Index(
                fields=["next_alert_at"], name="ticket_next_alert", condition=models.Q(is_open=True)
            ),
            models.Index(fields=["customer", "-received_at"], name="ticket_customer"),
            # the workbench's "my open work" / team views (ORM filters `is_open=True`): Django
            # writes that as a bare `"is_open"` term, which SQLite matches to a partial index's
            # condition but never to an index column, so the three indexes above that start
            # with or contain is_open serve only the API's hand-written `is_open = %s` SQL there
            models.Index(
                fields=["assignee", "next_due_at", "id"],
                name="ticket_open_assignee_due",
                condition=models.Q(is_open=True),
            ),
            models.Index(
                fields=["team", "next_due_at", "id"],
                name="ticket_open_team_due",
                condition=models.Q(is_open=True),
            ),
        ]
        verbose_name = _("工单")
        verbose_name_plural = _("工单")

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:detail", args=[self.number])


class TicketEvent(AppendOnly):
    """Append-only: the ticket's timeline and its audit log are this one table."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=80, blank=True)
    action = models.CharField(_("动作"), max_length=32, db_index=True)
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)
    body = models.TextField(_("内容"), blank=True)  # as written, in the default language
    # For what kefu writes itself (a deadline warning …): the source text and parameters
    # (kefu.core.messages.Message), so the timeline reads in the interface's language. Empty for
    # what people write (replies, notes).
    template = models.JSONField(_("内容模板"), default=dict, blank=True)
    public = models.BooleanField(_("客户可见"), default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="event_ticket_at")]
        verbose_name = _("工单记录")
        verbose_name_plural = _("工单记录")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def text(self) -> str:
        """The body in the active language."""
        from kefu.core.messages import render_stored

        return render_stored(self.template, self.body)

    @property
    def actor_text(self) -> str:
        from kefu.core.messages import shown_actor

        return shown_actor(self.actor_id, self.actor_label)


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.ticket.received_at:%Y/%m}/{instance.ticket.number}/{filename}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class SlaAlert(models.Model):
    """A warning or breach raised for one deadline. The unique constraint makes it exactly-once."""

    class Clock(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("首次响应")
        REPLY = "reply", _("回复")
        RESOLUTION = "resolution", _("解决")
        CALLBACK = "callback", _("回访")

    class Level(models.TextChoices):
        WARNING = "warning", _("预警")
        BREACH = "breach", _("超时")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="alerts")
    clock = models.CharField(max_length=16, choices=Clock.choices)
    level = models.CharField(max_length=8, choices=Level.choices)
    due_at = models.DateTimeField()
    raised_at = models.DateTimeField(auto_now_add=True)
    worker = models.CharField(max_length=80, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "clock", "level", "due_at"], name="uniq_sla_alert"
            )
        ]
        verbose_name = _("时限告警")
        verbose_name_plural = _("时限告警")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.clock} {self.level}"


class Callback(models.Model):
    """A promise to call the customer back (SLA-6, SLA-7, SLA-12)."""

    class Reason(models.TextChoices):
        PROMISED = "promised", _("承诺回电")
        PROGRESS = "progress", _("投诉2小时进展回电")
        CORRECTION = "correction", _("纠正错误答复")

    class State(models.TextChoices):
        OPEN = "open", _("待回电")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("已答复")
        PROGRESS_ONLY = "progress_only", _("告知进展")
        UNREACHABLE = "unreachable", _("未联系上")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="callbacks")
    reason = models.CharField(
        _("原因"), max_length=16, choices=Reason.choices, default=Reason.PROMISED
    )
    phone = models.CharField(_("回电号码"), max_length=20)
    due_at = models.DateTimeField(_("回电截止"), db_index=True)
    promise_text = models.CharField(_("承诺原话"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.OPEN, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callbacks",
        verbose_name=_("负责人"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, blank=True)
    note = models.TextField(_("回电记录"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    kept_on_time = models.BooleanField(_("按时"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("已升级"), null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [models.Index(fields=["owner", "state", "due_at"], name="callback_owner_due")]
        verbose_name = _("回电承诺")
        verbose_name_plural = _("回电承诺")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_reason_display()} {self.due_at:%Y-%m-%d %H:%M}"


class ComplaintReport(models.Model):
    """顾客投诉报告 (WO-9, WO-10): facts, evidence, cause, responsibility, measures, verification."""

    class Responsibility(models.TextChoices):
        MERCHANT = "merchant", _("商户")
        STAFF = "staff", _("员工")
        PRODUCT = "product", _("商品")
        POLICY = "policy", _("制度政策")
        NONE = "none", _("无责")

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="complaint_report")
    facts = models.TextField(_("核实的事实"))
    evidence = models.TextField(_("证据"), blank=True)
    cause = models.TextField(_("原因分析"))
    responsibility = models.CharField(_("责任归属"), max_length=12, choices=Responsibility.choices)
    responsible_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_responsible",
        verbose_name=_("责任员工"),
    )
    merchant = models.CharField(_("责任商户"), max_length=120, blank=True)
    measures = models.TextField(_("处理与改进措施"))
    explanation = models.TextField(_("向客户的解释"))
    apologised = models.BooleanField(_("已向客户致歉"), default=False)
    major = models.BooleanField(_("重大投诉"), default=False)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(auto_now=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("核实经理"),
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("顾客投诉报告")
        verbose_name_plural = _("顾客投诉报告")

    def __str__(self) -> str:
        label = _("投诉报告")
        return f"{self.ticket.number} {label}"


class IdempotencyKey(models.Model):
    """A create request seen before: a retry with the same key gets the first result back."""

    key = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request_hash = models.CharField(max_length=64)
    ticket = models.ForeignKey(Ticket, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="uniq_idempotency_owner_key")
        ]

    def __str__(self) -> str:
        return self.key
