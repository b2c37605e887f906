from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerClass(models.TextChoices):
    NORMAL = "normal", _("普通客户")
    VIP = "vip", _("VIP客户")


class Customer(models.Model):
    """CUS-1: the customer base. Phones are stored as digits only so that search is exact."""

    name = models.CharField(_("姓名"), max_length=80, db_index=True)
    phone = models.CharField(_("手机/电话"), max_length=20, blank=True, db_index=True)
    phone2 = models.CharField(_("备用电话"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("邮箱"), blank=True)
    customer_class = models.CharField(
        _("客户类别"), max_length=8, choices=CustomerClass.choices, default=CustomerClass.NORMAL
    )
    member_no = models.CharField(_("会员号"), max_length=32, blank=True, db_index=True)
    organisation = models.CharField(_("单位"), max_length=120, blank=True)
    id_number = models.CharField(_("证件号"), max_length=32, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("客户")
        verbose_name_plural = _("客户")

    def __str__(self) -> str:
        return self.name
