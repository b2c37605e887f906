"""Demand forms: which post and days to show, the what-if targets, the calls of one day, a
forecast file and the history forecast. They parse types only; services and the domain decide."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.domain.forecast import interval_starts

from .models import DemandInterval, Post
from .selectors_demand import DEMAND_KINDS, Targets
from .services.demand import field_key

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_UPLOAD = 2 * 1024 * 1024


def _number(label: str, help_text: str = "", **attrs: Any) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", **attrs}),
    )


class DemandQueryForm(forms.Form):
    """The page's GET form: post, day or week, and the what-if targets (blank: the post's)."""

    post = forms.ModelChoiceField(
        Post.objects.filter(kind__in=DEMAND_KINDS, active=True),
        label=_("岗位"),
        to_field_name="code",
        required=False,
        empty_label=None,
    )
    day = forms.DateField(label=_("日期"), required=False, widget=DATE_INPUT)
    span = forms.ChoiceField(
        label=_("范围"), choices=[("day", _("单日")), ("week", _("整周"))], required=False
    )
    target_level = _number(_("服务水平目标(%)"), _("如 80 表示 80% 的来电在目标时间内接通"))
    target_seconds = _number(_("目标接通时间(秒)"))
    aht = _number(_("平均处理时长(秒)"), _("导入文件逐时段给出的处理时长优先"))
    shrinkage = _number(_("缩减率(%)"), _("休息、培训、请假等不在线的比例"))
    max_occupancy = _number(_("占用率上限(%)"))

    def clean_span(self) -> str:
        return self.cleaned_data.get("span") or "day"

    def clean_day(self) -> date:
        return self.cleaned_data.get("day") or timezone.localdate()

    def chosen_post(self) -> Post | None:
        post = self.cleaned_data.get("post")
        if post is None:
            post = self.fields["post"].queryset.order_by("kind", "name").first()  # type: ignore[attr-defined]
        return post

    def targets(self, post: Post) -> Targets:
        """The post's targets with what this form changed (per cent fields divided by 100)."""
        d = self.cleaned_data

        def pct(name: str) -> float | None:
            return None if d.get(name) is None else d[name] / 100

        return Targets.of_post(post).changed(
            level=pct("target_level"),
            seconds=d.get("target_seconds"),
            aht=d.get("aht"),
            shrinkage=pct("shrinkage"),
            max_occupancy=pct("max_occupancy"),
        )

    @property
    def what_if(self) -> bool:
        return any(
            self.cleaned_data.get(n) is not None
            for n in ("target_level", "target_seconds", "aht", "shrinkage", "max_occupancy")
        )


class ForecastDayForm(forms.Form):
    """Calls and (optionally) the AHT of every interval of one day; blank calls: no forecast."""

    def __init__(
        self, *args: Any, post: Post, existing: dict[time, DemandInterval], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.starts = interval_starts(int(post.interval_minutes))
        self.existing = existing
        for start in self.starts:
            row = existing.get(start)
            self.fields[field_key("calls", start)] = forms.DecimalField(
                label=f"{start:%H:%M}",
                required=False,
                max_digits=9,
                decimal_places=1,
                initial=row.calls if row else None,
                widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "class": "num"}),
            )
            self.fields[field_key("aht", start)] = forms.IntegerField(
                label=f"{start:%H:%M} AHT",
                required=False,
                initial=row.aht_seconds if row else None,
                widget=forms.NumberInput(attrs={"min": "1", "class": "num"}),
            )

    def rows(self) -> list[tuple[time, forms.BoundField, forms.BoundField, DemandInterval | None]]:
        return [
            (s, self[field_key("calls", s)], self[field_key("aht", s)], self.existing.get(s))
            for s in self.starts
        ]

    def entries(self) -> list[tuple[time, Any, int | None]]:
        d = self.cleaned_data
        return [(s, d.get(field_key("calls", s)), d.get(field_key("aht", s))) for s in self.starts]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("预测文件(CSV)"),
        help_text=_("列 date,interval_start,calls,aht;或 interval_start,calls,aht 加下面的日期"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv", "id": "import-file"}),
    )
    day = forms.DateField(
        label=_("日期"),
        required=False,
        help_text=_("文件没有 date 列时适用"),
        widget=DATE_INPUT,
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("文件过大(最多 2 MB)"))
        return f


class HistoryForm(forms.Form):
    weeks = forms.IntegerField(label=_("参考最近几周"), initial=4)
    tickets = forms.BooleanField(label=_("统计工单"), required=False, initial=True)
    conversations = forms.BooleanField(label=_("统计对话记录"), required=False, initial=True)
