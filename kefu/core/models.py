"""Cross-cutting tables: the working calendar in force, notifications, the audit log, sequences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CalendarDay(models.Model):
    """A day that differs from the ordinary week: a statutory holiday or a make-up working day (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    day = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=64)
    source = models.CharField(_("来源"), max_length=64, default="chinese-calendar")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("节假日/调休")
        verbose_name_plural = _("节假日/调休")

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.name}"


class CalendarYear(models.Model):
    """A year whose statutory schedule is known; years without a row fall back to weekends only."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=64, default="chinese-calendar")
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("已录入年份")
        verbose_name_plural = _("已录入年份")

    def __str__(self) -> str:
        return str(self.year)


class WorkCalendarDef(models.Model):
    """A named way of counting time: clock (24x7), working days (all day), or business hours."""

    class Mode(models.TextChoices):
        CLOCK = "clock", _("自然时间(7x24)")
        WORKING_DAYS = "working_days", _("工作日(全天)")
        BUSINESS_HOURS = "business_hours", _("工作时段")

    name = models.SlugField(_("代码"), max_length=40, unique=True)
    title = models.CharField(_("名称"), max_length=80)
    mode = models.CharField(_("计时方式"), max_length=20, choices=Mode.choices)
    # {"0": [["09:00", "12:00"], ["13:30", "17:00"]], ...}, weekday 0 = Monday
    windows = models.JSONField(_("工作时段"), default=dict, blank=True)
    makeup_weekday = models.PositiveSmallIntegerField(_("调休日按星期几的时段"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")

    def __str__(self) -> str:
        return f"{self.title} ({self.name})"


class Notification(models.Model):
    class Level(models.TextChoices):
        INFO = "info", _("提示")
        WARNING = "warning", _("预警")
        BREACH = "breach", _("超时")
        ESCALATION = "escalation", pgettext_lazy("notification level", "升级")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    level = models.CharField(_("级别"), max_length=16, choices=Level.choices, default=Level.INFO)
    message = models.CharField(_("内容"), max_length=500)  # as written, in the default language
    # The source text and parameters (kefu.core.messages.Message), so the reader sees the
    # notification in the language of the interface; empty for plain text.
    template = models.JSONField(_("消息模板"), default=dict, blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.message

    @property
    def text(self) -> str:
        """The notification in the active language."""
        from kefu.core.messages import render_stored

        return render_stored(self.template, self.message)[:500]


class AppendOnly(models.Model):
    """Rows that are written once and never changed or deleted: timelines and audit logs
    (ARCHITECTURE: every state change goes to an append-only event table)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise ValueError(f"{self._meta.verbose_name} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError(f"{self._meta.verbose_name} is append-only")


class AuditEntry(AppendOnly):
    """Append-only audit log for actions outside a ticket's own timeline (e.g. revealing a phone)."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("动作"), max_length=40, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.CharField(_("对象"), max_length=40)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class DailySequence(models.Model):
    """Counter behind human-readable numbers such as KF20261122-0001."""

    prefix = models.CharField(max_length=16)
    day = models.DateField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "day"], name="uniq_sequence_prefix_day")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}{self.day:%Y%m%d}-{self.value}"
