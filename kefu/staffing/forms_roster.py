"""Roster forms: generate, swap, reassign and remove. They only parse; services decide."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Roster, RosterUnit, Shift, StaffProfile

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(value: str) -> date | None:
    m = MONTH.match(value.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        return None
    return date(int(m.group(1)), int(m.group(2)), 1)


class GenerateForm(forms.Form):
    unit = forms.ModelChoiceField(RosterUnit.objects.all(), label=_("排班单元"))
    month = forms.CharField(label=_("月份"), help_text=_("如 2026-12"), max_length=7)

    def clean_month(self) -> date:
        month = parse_month(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM,如 2026-12"))
        return month


class ResolveForm(forms.Form):
    from_day = forms.DateField(widget=DATE, label=_("从哪天起重新排班"))


def _staff_field(roster: Roster, label: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        StaffProfile.objects.filter(posts__unit=roster.unit, active=True)
        .select_related("user")
        .distinct(),
        label=label,
    )


class _RosterForm(forms.Form):
    def __init__(self, *args: object, roster: Roster, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.roster = roster

    def shift_at(self, staff_field: str, day_field: str) -> Shift | None:
        staff = self.cleaned_data.get(staff_field)
        day = self.cleaned_data.get(day_field)
        if staff is None or day is None:
            return None
        shift = (
            Shift.objects.filter(roster=self.roster, staff=staff, day=day)
            .select_related("roster__unit", "staff__user", "post", "pattern")
            .first()
        )
        if shift is None:
            self.add_error(
                day_field, _("%(name)s 在 %(day)s 没有班次") % {"name": staff.name, "day": day}
            )
        return shift


class SwapForm(_RosterForm):
    first_staff = forms.ModelChoiceField(StaffProfile.objects.none(), label=_("员工甲"))
    first_day = forms.DateField(widget=DATE, label=_("甲的班次日期"))
    second_staff = forms.ModelChoiceField(StaffProfile.objects.none(), label=_("员工乙"))
    second_day = forms.DateField(widget=DATE, label=_("乙的班次日期"))
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args: object, roster: Roster, **kwargs: object) -> None:
        super().__init__(*args, roster=roster, **kwargs)
        self.fields["first_staff"] = _staff_field(roster, str(_("员工甲")))
        self.fields["second_staff"] = _staff_field(roster, str(_("员工乙")))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        self.first = self.shift_at("first_staff", "first_day")
        self.second = self.shift_at("second_staff", "second_day")
        return data


class ReassignForm(_RosterForm):
    staff = forms.ModelChoiceField(StaffProfile.objects.none(), label=_("原员工"))
    day = forms.DateField(widget=DATE, label=_("日期"))
    to_staff = forms.ModelChoiceField(StaffProfile.objects.none(), label=_("改派给"))
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args: object, roster: Roster, **kwargs: object) -> None:
        super().__init__(*args, roster=roster, **kwargs)
        self.fields["staff"] = _staff_field(roster, str(_("原员工")))
        self.fields["to_staff"] = _staff_field(roster, str(_("改派给")))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        self.shift = self.shift_at("staff", "day")
        return data


class RemoveForm(_RosterForm):
    staff = forms.ModelChoiceField(StaffProfile.objects.none(), label=_("员工"))
    day = forms.DateField(widget=DATE, label=_("日期"))
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args: object, roster: Roster, **kwargs: object) -> None:
        super().__init__(*args, roster=roster, **kwargs)
        self.fields["staff"] = _staff_field(roster, str(_("员工")))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        self.shift = self.shift_at("staff", "day")
        return data


class PreferenceForm(forms.Form):
    day = forms.DateField(widget=DATE, label=_("日期"))
    wants_work = forms.TypedChoiceField(
        label=_("意愿"),
        choices=[("0", _("希望休息")), ("1", _("希望上班"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=100)
