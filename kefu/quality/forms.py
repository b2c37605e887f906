"""Forms of the quality pages. They parse types only; the services decide what is allowed and answer
with field messages, which the views put next to these fields."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.models import Role, Team, User
from kefu.tickets.models import Ticket

from .models import Appeal, Channel, Verdict
from .selectors import MAX_SAMPLE, ConversationFilter, QueueFilter, rule_choices

MAX_FILES = 20
MAX_DAYS = 366
AGENT_ROLES = (Role.AGENT, Role.TEAM_LEAD, Role.COUNTER, Role.DESK)
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def _agents() -> Any:
    return User.objects.filter(role__in=AGENT_ROLES, is_active=True).order_by(
        "team__name", "employee_no", "username"
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        items = data if isinstance(data, list | tuple) else [data] if data else []
        if not items:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [single(d, initial) for d in items]


def max_upload_bytes() -> int:
    return int(getattr(settings, "KEFU_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024))


class ImportForm(forms.Form):
    files = MultipleFileField(
        label=gettext_lazy("对话文件"),
        allow_empty_file=True,  # an empty file is reported by the parser with the others
        help_text=gettext_lazy(
            "可多选。JSON(一个对话、对话数组或 JSON Lines)、SRT/WebVTT(以“客服:”“客户:”开头)、CSV;UTF-8 编码"
        ),
        widget=MultipleFileInput(
            attrs={"id": "import-files", "accept": ".json,.jsonl,.ndjson,.srt,.vtt,.csv"}
        ),
    )
    agent = forms.ModelChoiceField(
        label=gettext_lazy("坐席"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("按文件中的工号匹配"),
        help_text=gettext_lazy("文件中的工号或账号匹配不到用户时,归到此坐席"),
        widget=forms.Select(attrs={"id": "import-agent"}),
    )
    ticket = forms.CharField(
        label=gettext_lazy("关联工单号"),
        required=False,
        max_length=32,
        help_text=gettext_lazy("对话中的回电承诺会成为该工单的回电"),
        widget=forms.TextInput(attrs={"id": "import-ticket", "placeholder": "KF20261122-0001"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = _agents()  # type: ignore[attr-defined]

    def clean_files(self) -> list[Any]:
        files = self.cleaned_data["files"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("一次最多上传 %(n)s 个文件") % {"n": MAX_FILES})
        limit = max_upload_bytes()
        too_big = [f.name for f in files if f.size > limit]
        if too_big:
            raise forms.ValidationError(
                _("文件过大(每个不超过 %(mb)s MB):%(names)s")
                % {"mb": limit // (1024 * 1024), "names": "、".join(too_big)}
            )
        return files

    def clean_ticket(self) -> Ticket | None:
        number = self.cleaned_data["ticket"].strip()
        if not number:
            return None
        ticket = Ticket.objects.filter(number__iexact=number).first()
        if ticket is None:
            raise forms.ValidationError(_("未找到工单 %(no)s") % {"no": number})
        return ticket


class _RangeMixin:
    """Score and date ranges with messages next to the field at fault."""

    def _check_ranges(self, data: dict[str, Any]) -> None:
        lo, hi = data.get("score_min"), data.get("score_max")
        if lo is not None and hi is not None and hi < lo:
            self.add_error("score_max", _("最高分不能低于最低分"))  # type: ignore[attr-defined]
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("结束日期不能早于开始日期"))  # type: ignore[attr-defined]
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("date_to", _("日期范围不能超过 %(n)s 天") % {"n": MAX_DAYS})  # type: ignore[attr-defined]


def _score_field(label: Any) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"step": "1", "min": "0", "max": "100"}),
    )


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=DATE_INPUT)


class ConversationFilterForm(_RangeMixin, forms.Form):
    q = forms.CharField(label=gettext_lazy("对话编号"), required=False, max_length=200)
    agent = forms.ModelChoiceField(
        label=gettext_lazy("坐席"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部坐席"),
    )
    verdict = forms.ChoiceField(
        label=gettext_lazy("结论"),
        required=False,
        choices=[("", gettext_lazy("全部")), *Verdict.choices, ("none", gettext_lazy("未质检"))],
    )
    score_min = _score_field(gettext_lazy("最低分"))
    score_max = _score_field(gettext_lazy("最高分"))
    rule = forms.ChoiceField(label=gettext_lazy("规则"), required=False)
    channel = forms.ChoiceField(
        label=gettext_lazy("渠道"),
        required=False,
        choices=[("", gettext_lazy("全部")), *Channel.choices],
    )
    date_from = _date_field(gettext_lazy("开始日期"))
    date_to = _date_field(gettext_lazy("结束日期"))

    def __init__(self, *args: Any, show_agent: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if show_agent:
            self.fields["agent"].queryset = _agents()  # type: ignore[attr-defined]
        else:
            del self.fields["agent"]
        self.fields["rule"].choices = [("", _("全部规则")), *rule_choices()]  # type: ignore[attr-defined]
        for name, f in self.fields.items():
            f.widget.attrs.setdefault("id", f"filter-{name}")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._check_ranges(data)
        return data

    def filters(self) -> ConversationFilter:
        d = self.cleaned_data
        agent = d.get("agent")
        return ConversationFilter(
            q=d.get("q") or "",
            agent_id=agent.pk if agent else None,
            verdict=d.get("verdict") or "",
            score_min=d.get("score_min"),
            score_max=d.get("score_max"),
            rule=d.get("rule") or "",
            channel=d.get("channel") or "",
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )


QUEUE_STATUSES = [
    ("open", gettext_lazy("待复核")),
    ("appealed", gettext_lazy("申诉待处理")),
    ("confirmed", gettext_lazy("已确认")),
    ("overturned", gettext_lazy("已撤销")),
    ("all", gettext_lazy("全部")),
]


class QueueFilterForm(_RangeMixin, forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False, choices=QUEUE_STATUSES)
    rule = forms.ChoiceField(label=gettext_lazy("规则"), required=False)
    agent = forms.ModelChoiceField(
        label=gettext_lazy("坐席"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部坐席"),
    )
    score_min = _score_field(gettext_lazy("最低分"))
    score_max = _score_field(gettext_lazy("最高分"))
    date_from = _date_field(gettext_lazy("开始日期"))
    date_to = _date_field(gettext_lazy("结束日期"))
    sample = forms.IntegerField(
        label=gettext_lazy("随机抽检条数"),
        required=False,
        min_value=1,
        max_value=MAX_SAMPLE,
        widget=forms.NumberInput(attrs={"min": "1", "max": str(MAX_SAMPLE)}),
    )
    seed = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = _agents()  # type: ignore[attr-defined]
        self.fields["rule"].choices = [("", _("全部规则")), *rule_choices()]  # type: ignore[attr-defined]
        for name, f in self.fields.items():
            f.widget.attrs.setdefault("id", f"queue-{name}")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._check_ranges(data)
        return data

    def filters(self) -> QueueFilter:
        d = self.cleaned_data
        agent = d.get("agent")
        return QueueFilter(
            rule=d.get("rule") or "",
            agent_id=agent.pk if agent else None,
            score_min=d.get("score_min"),
            score_max=d.get("score_max"),
            status=d.get("status") or "open",
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )


def default_range(days: int = 30) -> tuple[date, date]:
    today = timezone.localdate()
    return today - timedelta(days=days - 1), today


class StatsForm(_RangeMixin, forms.Form):
    date_from = forms.DateField(label=gettext_lazy("开始日期"), widget=DATE_INPUT)
    date_to = forms.DateField(label=gettext_lazy("结束日期"), widget=DATE_INPUT)
    team = forms.ModelChoiceField(
        label=gettext_lazy("班组"),
        queryset=Team.objects.filter(kind=Team.Kind.TEAM),
        required=False,
        empty_label=gettext_lazy("全部班组"),
    )
    agent = forms.ModelChoiceField(
        label=gettext_lazy("坐席"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部坐席"),
    )

    def __init__(self, *args: Any, show_agent: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if show_agent:
            self.fields["agent"].queryset = _agents()  # type: ignore[attr-defined]
        else:
            del self.fields["agent"]
            del self.fields["team"]
        for name, f in self.fields.items():
            f.widget.attrs.setdefault("id", f"stats-{name}")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._check_ranges(data)
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("复核结论"),
        choices=[("confirm", gettext_lazy("确认")), ("overturn", gettext_lazy("撤销"))],
    )
    reason = forms.CharField(
        label=gettext_lazy("理由"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("申诉理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AppealDecideForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("处理结果"), choices=Appeal.Outcome.choices)
    reason = forms.CharField(
        label=gettext_lazy("处理意见"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
