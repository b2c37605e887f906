"""Forms only parse what was typed; the services check it and answer with field messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CustomerClass

SENSITIVE_FIELDS = ("phone", "phone2", "id_number")


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=80,
        widget=forms.TextInput(
            attrs={"id": "customer-q", "placeholder": _("电话 / 姓名 / 会员号"), "type": "search"}
        ),
    )


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("姓名"), required=False, max_length=200)
    phone = forms.CharField(label=_("手机/电话"), required=False, max_length=40)
    phone2 = forms.CharField(label=_("备用电话"), required=False, max_length=40)
    email = forms.CharField(label=_("邮箱"), required=False, max_length=254)
    customer_class = forms.ChoiceField(
        label=_("客户类别"),
        choices=CustomerClass.choices,
        initial=CustomerClass.NORMAL,
        required=False,
    )
    member_no = forms.CharField(label=_("会员号"), required=False, max_length=32)
    organisation = forms.CharField(label=_("单位"), required=False, max_length=120)
    id_number = forms.CharField(label=_("证件号"), required=False, max_length=32)
    notes = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "customer-%s")
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["phone2"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})


class CustomerCreateForm(CustomerForm):
    allow_duplicate = forms.BooleanField(label=_("号码已登记,仍然新建客户"), required=False)


class CustomerEditForm(CustomerForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, masked: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # CUS-2: a role that sees masked numbers edits them blind: empty means "unchanged"
        for field, shown in (masked or {}).items():
            self.fields[field].widget.attrs["placeholder"] = shown
            self.fields[field].help_text = _("当前为 %(v)s,留空表示不修改") % {"v": shown or "—"}


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        choices=[("phone", _("手机/电话")), ("phone2", _("备用电话")), ("id_number", _("证件号"))]
    )
    reason = forms.CharField(required=False, max_length=200)
