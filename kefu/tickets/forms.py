"""Forms of the ticket pages. They parse types only; the services decide what is allowed and answer
with field messages, which the views put next to these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Team, User
from kefu.customers.models import CustomerClass

from . import selectors
from .models import (
    Callback,
    Channel,
    ComplaintCategory,
    ComplaintReport,
    Kind,
    Priority,
    Scope,
    Status,
)
from .services import TRANSITIONS

DATETIME_INPUT = {"type": "datetime-local", "step": "60"}
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _blank(choices: list[tuple[str, Any]], label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *choices]


class LocalDateTimeField(forms.DateTimeField):
    """A <input type=datetime-local>; the value is read in the site's time zone."""

    widget = forms.DateTimeInput(attrs=DATETIME_INPUT, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


# --- intake -------------------------------------------------------------------------------------


class IntakeSearchForm(forms.Form):
    phone = forms.CharField(
        label=_("来电号码"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "id": "intake-phone",
                "inputmode": "tel",
                "autocomplete": "off",
                "placeholder": _("输入来电号码"),
            }
        ),
    )


class NewCustomerForm(forms.Form):
    """The new-customer part of the intake form (used when the caller is not in the base yet)."""

    name = forms.CharField(label=_("客户姓名"), required=False, max_length=200)
    phone = forms.CharField(
        label=_("手机/电话"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    customer_class = forms.ChoiceField(
        label=_("客户类别"),
        choices=CustomerClass.choices,
        required=False,
        initial=CustomerClass.NORMAL,
    )
    email = forms.CharField(label=_("邮箱"), required=False, max_length=254)
    member_no = forms.CharField(label=_("会员号"), required=False, max_length=32)
    allow_duplicate = forms.BooleanField(label=_("号码已登记,仍然新建客户"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "newcust-%s")
        super().__init__(*args, **kwargs)


class TicketForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"), choices=_blank(Kind.choices, _("请选择")), required=False
    )
    channel = forms.ChoiceField(
        label=_("渠道"), choices=Channel.choices, initial=Channel.PHONE, required=False
    )
    priority = forms.ChoiceField(
        label=_("优先级"), choices=Priority.choices, initial=Priority.NORMAL, required=False
    )
    scope = forms.ChoiceField(
        label=_("协调范围"), choices=Scope.choices, initial=Scope.LOCAL, required=False
    )
    special_due_at = LocalDateTimeField(label=_("指定回复时间"), help_text=_("特殊事项必填(SLA-4)"))
    complaint_category = forms.ChoiceField(
        label=_("投诉类别"), choices=_blank(ComplaintCategory.choices), required=False
    )
    subject = forms.CharField(
        label=_("摘要"), required=False, max_length=400, help_text=_("留空则取描述的前60个字")
    )
    description = forms.CharField(
        label=_("详细描述"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    order_no = forms.CharField(
        label=_("订单号"), required=False, max_length=64, help_text=_("售后必填(WO-4)")
    )
    product_model = forms.CharField(
        label=_("产品型号"), required=False, max_length=64, help_text=_("售后必填(WO-4)")
    )
    contact_phone = forms.CharField(
        label=_("联系电话"), required=False, max_length=40, help_text=_("留空则用客户档案中的电话")
    )
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "ticket-%s")
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "customer"}
        return {k: v for k, v in data.items() if v not in (None, "")}


# --- actions on one ticket ----------------------------------------------------------------------


class ActionForm(forms.Form):
    """Every action carries the version of the ticket the user was looking at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    next = forms.CharField(widget=forms.HiddenInput, required=False)
    prefix_id = "action"

    def __init__(
        self, *args: Any, ticket: Any = None, user: User | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("auto_id", f"{self.prefix_id}-%s")
        self.ticket = ticket
        self.user = user
        super().__init__(*args, **kwargs)


class ReplyForm(ActionForm):
    prefix_id = "reply"
    body = forms.CharField(
        label=_("回复客户"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class NoteForm(ActionForm):
    prefix_id = "note"
    body = forms.CharField(
        label=_("内部备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


# replying and resolving have their own forms (they need a text and check the reply rule)
STATUS_VIA_OTHER_FORMS = frozenset({Status.REPLIED, Status.RESOLVED})


class StatusForm(ActionForm):
    prefix_id = "status"
    status = forms.ChoiceField(label=_("新状态"), choices=[], required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.ticket.status if self.ticket is not None else Status.NEW
        allowed = TRANSITIONS.get(current, frozenset())
        choices = [
            (v, label)
            for v, label in Status.choices
            if v in allowed and v not in STATUS_VIA_OTHER_FORMS
        ]
        # a submitted value outside the list reaches the service, which names the refused move
        submitted = self.data.get("status") if self.is_bound else None
        if submitted and submitted in Status.values and submitted not in dict(choices):
            choices.append((submitted, Status(submitted).label))
        self.fields["status"].choices = _blank(choices, _("请选择"))


class TransferForm(ActionForm):
    prefix_id = "transfer"
    department = forms.ModelChoiceField(
        label=_("转交部门"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("请选择部门"),
    )
    scope = forms.ChoiceField(
        label=_("协调范围"),
        choices=_blank(
            [(v, label) for v, label in Scope.choices if v != Scope.LOCAL], _("自动(跨部门)")
        ),
        required=False,
    )
    note = forms.CharField(
        label=_("转交说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = selectors.departments()


class EscalateForm(ActionForm):
    prefix_id = "escalate"
    reason = forms.CharField(
        label=_("升级原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    to = forms.ModelChoiceField(
        label=_("升级给"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("默认:班组负责人"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = selectors.supervisors()


class ResolveForm(ActionForm):
    prefix_id = "resolve"
    summary = forms.CharField(
        label=_("处理结果"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(ActionForm):
    prefix_id = "assign"
    assignee = forms.ModelChoiceField(
        label=_("处理人"), queryset=User.objects.none(), required=False, empty_label=_("(不分派)")
    )

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.ticket.assignee_id if self.ticket is not None else None
        self.fields["assignee"].queryset = selectors.assignable_users(team, include=current)


class CallbackPromiseForm(ActionForm):
    prefix_id = "callback"
    hours = forms.DecimalField(
        label=_("几小时内回电"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.5"}),
    )
    due_at = LocalDateTimeField(label=_("或指定回电时间"))
    phone = forms.CharField(
        label=_("回电号码"), required=False, max_length=40, help_text=_("留空则用工单联系电话")
    )
    promise_text = forms.CharField(label=_("对客户的承诺原话"), required=False, max_length=200)
    reason = forms.ChoiceField(
        label=_("回电原因"),
        choices=Callback.Reason.choices,
        initial=Callback.Reason.PROMISED,
        required=False,
    )


class CallbackFulfilForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("回电结果"),
        choices=_blank(Callback.Outcome.choices, _("回电结果…")),
        required=False,
        widget=forms.Select(attrs={"aria-label": _("回电结果")}),
    )
    note = forms.CharField(
        label=_("回电记录"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": _("回电记录"), "aria-label": _("回电记录")}),
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, callback_id: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"fulfil-{callback_id}-%s" if callback_id else "fulfil-%s")
        super().__init__(*args, **kwargs)


class ComplaintReportForm(ActionForm):
    prefix_id = "complaint"
    facts = forms.CharField(
        label=_("核实的事实"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = forms.CharField(
        label=_("证据"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    cause = forms.CharField(
        label=_("原因分析"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    responsibility = forms.ChoiceField(
        label=_("责任归属"),
        choices=_blank(ComplaintReport.Responsibility.choices, _("请选择")),
        required=False,
    )
    responsible_staff = forms.ModelChoiceField(
        label=_("责任员工"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    merchant = forms.CharField(label=_("责任商户"), required=False, max_length=120)
    measures = forms.CharField(
        label=_("处理与改进措施"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    explanation = forms.CharField(
        label=_("向客户的解释"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    apologised = forms.BooleanField(label=_("已向客户致歉"), required=False)
    major = forms.BooleanField(label=_("重大投诉(需调查分析与改进措施)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_staff"].queryset = User.objects.filter(is_active=True).order_by(
            "employee_no", "username"
        )


class ComplaintVerifyForm(ActionForm):
    prefix_id = "verify"
    verified = forms.TypedChoiceField(
        label=_("核实结论"),
        choices=[("1", _("核实无误")), ("0", _("撤销核实"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
    note = forms.CharField(label=_("核实意见"), required=False, max_length=500)


class AttachmentForm(ActionForm):
    prefix_id = "attach"
    file = forms.FileField(label=_("附件"), required=False)


# --- lists --------------------------------------------------------------------------------------


class TicketFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=80,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("工单号 / 摘要 / 客户 / 电话")}
        ),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("open", _("未结(全部)")), *Status.choices],
    )
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=_blank(Kind.choices, _("全部"))
    )
    channel = forms.ChoiceField(
        label=_("渠道"), required=False, choices=_blank(Channel.choices, _("全部"))
    )
    team = forms.ModelChoiceField(
        label=_("班组/部门"), required=False, queryset=Team.objects.none(), empty_label=_("全部")
    )
    assignee = forms.ModelChoiceField(
        label=_("处理人"), required=False, queryset=User.objects.none(), empty_label=_("全部")
    )
    overdue = forms.BooleanField(label=_("仅超时"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("kind", "name")
        self.fields["assignee"].queryset = selectors.assignable_users()

    def filters(self) -> selectors.TicketFilters:
        if not self.is_valid():
            return selectors.TicketFilters()
        d = self.cleaned_data
        return selectors.TicketFilters(
            status=d["status"],
            kind=d["kind"],
            channel=d["channel"],
            team=d["team"],
            assignee=d["assignee"],
            overdue=d["overdue"],
            q=d["q"],
        )
