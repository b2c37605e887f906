from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("坐席")
    TEAM_LEAD = "team_lead", _("班长")
    MANAGER = "manager", _("经理")
    INSPECTOR = "inspector", _("质检员")
    FLOOR_WALKER = "floor_walker", _("流动岗")
    COUNTER = "counter", _("前台")
    DESK = "desk", _("服务台")
    ADMIN = "admin", _("管理员")


class Team(models.Model):
    """A team of agents (班组) or a department that work orders are transferred to."""

    class Kind(models.TextChoices):
        TEAM = "team", _("班组")
        DEPARTMENT = "department", _("部门")

    class Strategy(models.TextChoices):
        MANUAL = "manual", _("手工分派")
        ROUND_ROBIN = "round_robin", _("轮流分派")
        LEAST_OPEN = "least_open", _("按未结工单最少分派")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.TEAM)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
        verbose_name=_("负责人"),
    )
    assignment = models.CharField(
        _("分派方式"), max_length=16, choices=Strategy.choices, default=Strategy.MANUAL
    )
    # last user id handed work by round robin; the next agent is the first id above it
    round_robin_last = models.BigIntegerField(default=0, editable=False)
    email = models.EmailField(_("邮箱"), blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("班组/部门")
        verbose_name_plural = _("班组/部门")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(
        _("角色"), max_length=16, choices=Role.choices, default=Role.AGENT, db_index=True
    )
    employee_no = models.CharField(_("工号"), max_length=16, unique=True, null=True, blank=True)
    display_name = models.CharField(_("姓名"), max_length=40, blank=True)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("班组/部门"),
    )
    on_duty = models.BooleanField(_("在岗"), default=True)
    failed_logins = models.PositiveSmallIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        name = self.display_name or self.get_full_name() or self.username
        return f"{name}({self.employee_no})" if self.employee_no else name

    @property
    def label(self) -> str:
        return str(self)


class ApiToken(models.Model):
    """A token an integration (telephony, chat, shop) uses; it acts as its user."""

    name = models.CharField(_("名称"), max_length=80)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("身份")
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
