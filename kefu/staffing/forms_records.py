"""Forms of attendance, the ladder and meetings. They only parse; the services decide."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import User

from .models import ClockRecord, Meeting, Post, StaffProfile

ACTION_ROWS = 4  # blank action-item rows on the meeting form


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at), timezone.get_current_timezone())


def _people() -> Any:
    return User.objects.filter(is_active=True).order_by("employee_no", "username")


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class ClockForm(forms.Form):
    action = forms.ChoiceField(choices=[("in", _("上班打卡")), ("out", _("下班打卡"))])
    note = forms.CharField(label=_("备注"), required=False, max_length=200)


class ManualRecordForm(forms.Form):
    """A supervisor records a day someone forgot to clock."""

    staff = forms.ModelChoiceField(
        StaffProfile.objects.filter(active=True).select_related("user"), label=_("员工")
    )
    day = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    clock_in = forms.TimeField(
        label=_("上班时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    clock_out = forms.TimeField(
        label=_("下班时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    note = forms.CharField(label=_("补录说明"), max_length=200, required=False)

    def instants(self) -> tuple[datetime, datetime]:
        day = self.cleaned_data["day"]
        start = _aware(day, self.cleaned_data["clock_in"])
        end = _aware(day, self.cleaned_data["clock_out"])
        if end <= start:  # an overnight shift ends the next day
            end = _aware(day.fromordinal(day.toordinal() + 1), self.cleaned_data["clock_out"])
        return start, end


class CloseRecordForm(forms.Form):
    """A supervisor enters the real clock-out of an open or missing record."""

    record = forms.ModelChoiceField(
        ClockRecord.objects.filter(clock_out__isnull=True), label=_("考勤记录")
    )
    clock_out = forms.DateTimeField(
        label=_("下班时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label=_("补录说明"), max_length=200, required=False)


class MeetingForm(forms.Form):
    """A meeting with its attendees and, when new, its action items (``actions.N.*`` rows)."""

    held_at = forms.DateTimeField(
        label=_("会议时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        required=False,
    )
    kind = forms.ChoiceField(label=_("类型"), choices=Meeting.Kind.choices)
    title = forms.CharField(label=_("主题"), max_length=120, required=False)
    post = forms.ModelChoiceField(Post.objects.filter(active=True), label=_("岗位"), required=False)
    chair = PersonChoice(_people(), label=_("主持人"), required=False)
    attendees = PeopleChoice(
        _people(),
        label=_("参会人员"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topics = forms.CharField(
        label=_("议题"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    decisions = forms.CharField(
        label=_("决定事项"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, with_actions: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = _people()
        self.fields["attendees"].queryset = _people()
        self.with_actions = with_actions
        if with_actions:
            for i in range(ACTION_ROWS):
                n = i + 1
                self.fields[f"actions.{i}.text"] = forms.CharField(
                    label=_("第%(n)s条待办事项") % {"n": n}, max_length=200, required=False
                )
                self.fields[f"actions.{i}.owner"] = PersonChoice(
                    _people(), label=_("第%(n)s条负责人") % {"n": n}, required=False
                )
                self.fields[f"actions.{i}.due_on"] = forms.DateField(
                    label=_("第%(n)s条完成期限") % {"n": n},
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                )

    def action_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        if not self.with_actions:
            return []
        return [
            (self[f"actions.{i}.text"], self[f"actions.{i}.owner"], self[f"actions.{i}.due_on"])
            for i in range(ACTION_ROWS)
        ]

    def meeting_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "held_at": d.get("held_at"),
            "kind": d.get("kind"),
            "title": d.get("title", ""),
            "post": d.get("post"),
            "chair": d.get("chair"),
            "attendees": list(d.get("attendees") or []),
            "topics": d.get("topics", ""),
            "decisions": d.get("decisions", ""),
        }

    def actions_data(self) -> list[dict[str, Any]]:
        """Rows with anything filled in, numbered as on the form (1-based ``row``)."""
        rows = []
        for i in range(ACTION_ROWS if self.with_actions else 0):
            text = self.cleaned_data.get(f"actions.{i}.text", "")
            owner = self.cleaned_data.get(f"actions.{i}.owner")
            due = self.cleaned_data.get(f"actions.{i}.due_on")
            if text or owner or due:
                rows.append({"row": i, "text": text, "owner": owner, "due_on": due})
        return rows


class ActionItemForm(forms.Form):
    """One more action item, added on the meeting page."""

    text = forms.CharField(label=_("待办事项"), max_length=200, required=False)
    owner = PersonChoice(_people(), label=_("负责人"), required=False)
    due_on = forms.DateField(
        label=_("完成期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()


class ActionDoneForm(forms.Form):
    note = forms.CharField(label=_("完成情况"), max_length=200, required=False)


class MeetingSearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *Meeting.Kind.choices]
    )
