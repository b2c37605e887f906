"""Directory and leave forms. They parse types only; the services decide what is allowed and
answer with field messages, which the views put next to these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Role

from .models import Leave, Post, StaffProfile
from .selectors_directory import accounts_without_profile

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffFilterForm(forms.Form):
    q = forms.CharField(
        label=_("姓名/工号"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "search", "id": "staff-q"}),
    )
    post = forms.ModelChoiceField(
        Post.objects.filter(active=True),
        label=_("岗位"),
        required=False,
        empty_label=_("全部岗位"),
    )
    role = forms.ChoiceField(
        label=_("角色"), required=False, choices=[("", _("全部角色")), *Role.choices]
    )
    active = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("1", _("在职")), ("0", _("离职")), ("", _("全部"))],
    )


def _skills_text(skills: list[str] | None) -> str:
    return "、".join(skills or [])


class StaffProfileForm(forms.Form):
    title = forms.CharField(label=_("职务"), required=False, max_length=40)
    posts = forms.ModelMultipleChoiceField(
        Post.objects.filter(active=True),
        label=_("可上岗位"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    skills = forms.CharField(
        label=_("技能"),
        required=False,
        max_length=400,
        help_text=_("业务类型、贵宾线、方言等,用顿号或逗号分隔,如:VIP、粤语、投诉"),
    )
    contract_hours = forms.DecimalField(
        label=_("每月工时上限"), max_digits=5, decimal_places=1, initial=174
    )
    relief = forms.BooleanField(
        label=_("顶班人员"),
        required=False,
        help_text=_("只在常规人员排不满时排班,如客服经理"),
    )
    hired_on = forms.DateField(label=_("入职日期"), required=False, widget=DATE_INPUT)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    active = forms.BooleanField(label=_("在职"), required=False, initial=True)

    @classmethod
    def for_profile(cls, profile: StaffProfile, data: Any = None) -> StaffProfileForm:
        return cls(
            data,
            initial={
                "title": profile.title,
                "posts": list(profile.posts.all()),
                "skills": _skills_text(profile.skills),
                "contract_hours": profile.contract_hours,
                "relief": profile.relief,
                "hired_on": profile.hired_on,
                "phone": profile.phone,
                "active": profile.active,
            },
            prefix="profile",
        )


class StaffCreateForm(StaffProfileForm):
    user = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]
        label=_("账号"),
        help_text=_("账号由管理员在后台创建;这里只列出尚无员工档案的账号"),
    )
    field_order = ["user"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = accounts_without_profile()
        del self.fields["active"]


class LeaveForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Leave.Kind.choices)
    first_day = forms.DateField(label=_("开始日期"), widget=DATE_INPUT)
    last_day = forms.DateField(label=_("结束日期"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("事由"), required=False, max_length=200)


class LeaveRecordForm(LeaveForm):
    """A roster manager's form: leave or sickness for anyone, approved at once."""

    staff = forms.ModelChoiceField(
        StaffProfile.objects.filter(active=True).select_related("user"),
        label=_("员工"),
        error_messages={"invalid_choice": _("未知的员工,请从员工档案中选择")},
    )
    field_order = ["staff"]


class LeaveFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Leave.State.choices]
    )
    staff = forms.ModelChoiceField(
        StaffProfile.objects.select_related("user"),
        label=_("员工"),
        required=False,
        empty_label=_("全部员工"),
    )


class DecideForm(forms.Form):
    op = forms.ChoiceField(choices=[("approve", _("批准")), ("reject", _("驳回"))])
    note = forms.CharField(label=_("审批意见"), required=False, max_length=200)
