"""Quality inspection (质检): imported conversations, their inspections and findings, reviews and
appeals, the promises found in them, and the append-only quality timeline.

A conversation keeps its latest inspection's score and verdict (after reviews) in its own row, so
the list, the filters and the scorecards read one table. Older inspections stay for history;
statistics only count the latest one (`Inspection.is_latest`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kefu.core.models import AppendOnly


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    CHAT = "chat", _("在线客服")
    EMAIL = "email", _("邮件")
    WALK_IN = "walk_in", _("现场")


class Line(models.TextChoices):
    NORMAL = "normal", _("普通")
    VIP = "vip", _("贵宾专线")
    SECRETARY = "secretary", _("秘书台")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("呼入")
    OUTBOUND = "outbound", _("呼出")


class Verdict(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("严重")
    MAJOR = "major", _("一般")
    MINOR = "minor", _("轻微")


class Dimension(models.TextChoices):
    SERVICE_NORMS = "service_norms", _("服务规范")
    ATTITUDE = "attitude", _("服务态度")
    PROCESS = "process", _("业务流程")
    PROFESSIONALISM = "professionalism", _("专业能力")


class Conversation(models.Model):
    """One call, chat, email thread or counter conversation (`kefu.conversation/1`)."""

    external_id = models.CharField(_("对话编号"), max_length=200, unique=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    line = models.CharField(_("线路"), max_length=16, choices=Line.choices, default=Line.NORMAL)
    direction = models.CharField(
        _("方向"), max_length=16, choices=Direction.choices, default=Direction.INBOUND
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    # started_at, or the import time when the file gave none: what date filters and sorting use
    occurred_at = models.DateTimeField(_("时间"))
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_conversations",
        verbose_name=_("坐席"),
    )
    # who the file said the agent was ("1024 王丽"), kept when no user matched
    agent_label = models.CharField(_("文件中的坐席"), max_length=120, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_conversations",
        verbose_name=_("关联工单"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_conversations",
        verbose_name=_("客户"),
    )
    payload = models.JSONField(_("对话内容"))  # conversation_to_json(conv)
    segment_count = models.PositiveIntegerField(_("轮次"), default=0)
    source = models.CharField(_("来源文件"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("导入人"),
    )
    imported_at = models.DateTimeField(_("导入时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # the latest inspection, and its current (reviewed) result for lists and filters
    latest_inspection = models.ForeignKey(
        "Inspection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("最近质检"),
    )
    score = models.FloatField(_("得分"), null=True, blank=True)
    verdict = models.CharField(_("结论"), max_length=8, choices=Verdict.choices, blank=True)
    finding_count = models.PositiveIntegerField(_("问题数"), default=0)
    inspected_at = models.DateTimeField(_("质检时间"), null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["agent", "-occurred_at"], name="qconv_agent_at"),
            models.Index(fields=["-occurred_at", "-id"], name="qconv_at"),
            models.Index(fields=["verdict", "-occurred_at"], name="qconv_verdict_at"),
            models.Index(fields=["score"], name="qconv_score"),
            models.Index(fields=["channel", "-occurred_at"], name="qconv_channel_at"),
        ]
        verbose_name = _("质检对话")
        verbose_name_plural = _("质检对话")

    def __str__(self) -> str:
        return self.external_id

    def get_absolute_url(self) -> str:
        return reverse("quality:detail", args=[self.pk])


class Inspection(models.Model):
    """One run of the rulebook over a conversation. `report` is the engine's kefu.inspection/1 dict
    as produced; `score`/`verdict` are current (recomputed when findings are overturned)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="inspections"
    )
    rulebook_name = models.CharField(_("规则库"), max_length=80)
    rulebook_version = models.CharField(_("规则库版本"), max_length=40)
    score = models.FloatField(_("得分"))
    verdict = models.CharField(_("结论"), max_length=8, choices=Verdict.choices)
    original_score = models.FloatField(_("初检得分"))
    original_verdict = models.CharField(_("初检结论"), max_length=8, choices=Verdict.choices)
    report = models.JSONField(_("质检报告"))
    # The pass mark and, per rule found, its deduction and cap when inspected (ScoringTerms), so a
    # later review rescores by the rules the conversation was inspected with. Empty: inspected
    # before these were kept; the current rulebook is used.
    scoring = models.JSONField(_("评分规则"), default=dict, blank=True)
    inspected_at = models.DateTimeField(_("质检时间"), db_index=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发起人"),
    )
    is_latest = models.BooleanField(default=True, editable=False)

    class Meta:
        ordering = ["-inspected_at", "-id"]
        indexes = [
            models.Index(fields=["conversation", "-inspected_at"], name="qinsp_conv_at"),
        ]
        verbose_name = _("质检记录")
        verbose_name_plural = _("质检记录")

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.score:g} {self.verdict}"


class Finding(models.Model):
    """One failed check of an inspection, and the inspector's decision on it."""

    class Status(models.TextChoices):
        OPEN = "open", _("待复核")
        CONFIRMED = "confirmed", _("已确认")
        OVERTURNED = "overturned", _("已撤销")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    # denormalised from the inspection so that queue and statistics filter one table
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="findings"
    )
    is_latest = models.BooleanField(default=True, editable=False)
    index = models.PositiveSmallIntegerField(default=0)  # position in the report
    rule = models.CharField(_("规则"), max_length=100)
    title = models.CharField(_("规则名称"), max_length=200, blank=True)
    standards = models.JSONField(_("依据条款"), default=list)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices)
    dimension = models.CharField(_("维度"), max_length=20, blank=True)
    deduction = models.FloatField(_("扣分"))
    segment = models.IntegerField(_("轮次"), null=True, blank=True)
    span_start = models.IntegerField(null=True, blank=True)
    span_end = models.IntegerField(null=True, blank=True)
    evidence = models.TextField(_("原话"), blank=True)
    message = models.TextField(_("问题"))
    suggestion = models.TextField(_("标准话术"), blank=True)
    status = models.CharField(
        _("复核状态"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("复核人"),
    )
    reviewed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    review_reason = models.TextField(_("复核理由"), blank=True)

    class Meta:
        ordering = ["inspection", "index"]
        indexes = [
            models.Index(fields=["is_latest", "status", "rule"], name="qfind_latest_status_rule"),
            models.Index(fields=["is_latest", "rule"], name="qfind_latest_rule"),
            models.Index(fields=["conversation", "is_latest"], name="qfind_conv_latest"),
        ]
        verbose_name = _("质检问题")
        verbose_name_plural = _("质检问题")

    def __str__(self) -> str:
        return f"{self.rule} {self.evidence[:20]}"

    @property
    def standing(self) -> bool:
        return self.status != self.Status.OVERTURNED


class Appeal(models.Model):
    """An agent's appeal against one finding (once per finding), and its decision."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("维持")
        OVERTURNED = "overturned", _("撤销")

    finding = models.OneToOneField(Finding, on_delete=models.CASCADE, related_name="appeal")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quality_appeals",
        verbose_name=_("申诉人"),
    )
    reason = models.TextField(_("申诉理由"))
    created_at = models.DateTimeField(_("申诉时间"), auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices, blank=True)
    decision_reason = models.TextField(_("处理意见"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="qappeal_pending",
                condition=models.Q(decided_at__isnull=True),
            )
        ]
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")

    def __str__(self) -> str:
        return f"{self.finding_id} {self.outcome or 'pending'}"

    @property
    def pending(self) -> bool:
        return self.decided_at is None


class Commitment(models.Model):
    """A promise found in a conversation (SLA-6), and what became of it.

    One row per promise (conversation, kind, segment, evidence): re-inspecting finds the row again
    and never creates a second callback.
    """

    class State(models.TextChoices):
        CALLBACK = "callback", _("已生成回电")
        NO_TICKET = "no_ticket", _("未关联工单")
        NO_DUE = "no_due", _("未识别回电时间")
        PAST_DUE = "past_due", _("导入时已逾期")
        FAILED = "failed", _("未能生成回电")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="commitments"
    )
    kind = models.CharField(_("类型"), max_length=20, default="callback")
    segment = models.IntegerField(_("轮次"))
    evidence = models.CharField(_("原话"), max_length=500)
    span_start = models.IntegerField(null=True, blank=True)
    span_end = models.IntegerField(null=True, blank=True)
    due_at = models.DateTimeField(_("承诺时间"), null=True, blank=True)
    hours = models.FloatField(_("承诺时限(小时)"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    callback = models.ForeignKey(
        "tickets.Callback",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("回电"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["segment", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "kind", "segment", "evidence"], name="uniq_qcommitment"
            )
        ]
        verbose_name = _("服务承诺")
        verbose_name_plural = _("服务承诺")

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.evidence[:30]}"


class InspectionBatch(models.Model):
    """A large import or API batch inspected by a background task."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("质检中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    conversations = models.ManyToManyField(Conversation, related_name="+")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)  # parse problems of the upload
    errors = models.JSONField(default=list, blank=True)  # conversations the task could not inspect
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("质检批次")
        verbose_name_plural = _("质检批次")

    def __str__(self) -> str:
        return f"#{self.pk} {self.status} {self.done}/{self.total}"


EVENT_LABELS = {
    "imported": _("导入"),
    "reimported": _("重新导入"),
    "inspected": _("质检"),
    "finding_confirmed": _("确认问题"),
    "finding_overturned": _("撤销问题"),
    "appealed": _("申诉"),
    "appeal_decided": _("处理申诉"),
    "callback_created": _("生成回电"),
}


class QualityEvent(AppendOnly):
    """Append-only: a conversation's quality timeline and its audit log are this one table
    (imported, re-imported, inspected, finding confirmed/overturned, appealed, appeal decided)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=80, blank=True)
    action = models.CharField(_("动作"), max_length=32, db_index=True)
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["conversation", "at"], name="qevent_conv_at")]
        verbose_name = _("质检日志")
        verbose_name_plural = _("质检日志")

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def actor_text(self) -> str:
        from kefu.core.messages import shown_actor

        return shown_actor(self.actor_id, self.actor_label)

    def get_action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))
