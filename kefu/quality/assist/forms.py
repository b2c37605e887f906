from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import DRAFT_CHANNELS, MAX_DRAFT_CHARS, TICKET_CHANNEL_TO_DRAFT


class PhraseSearchForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("场景、标准编号或话术,如“投诉”“喂”")}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "phrases-%s")
        super().__init__(*args, **kwargs)


class DraftCheckForm(forms.Form):
    text = forms.CharField(
        label=_("回复草稿"),
        max_length=MAX_DRAFT_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("请输入要检查的回复内容"),
            "max_length": _("回复内容不能超过 %(limit_value)d 个字符(当前 %(show_value)d 个)"),
        },
    )
    channel = forms.ChoiceField(
        label=_("渠道"),
        choices=DRAFT_CHANNELS,
        initial="chat",
        error_messages={"invalid_choice": _("未知的渠道“%(value)s”")},
    )

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "draft-%s")
        if data is not None:
            data = data.copy()
            # the work-order reply box posts its textarea as "body" and the work order's channel
            if "text" not in data and "body" in data:
                data["text"] = data["body"]
            if data.get("channel") in TICKET_CHANNEL_TO_DRAFT:
                data["channel"] = TICKET_CHANNEL_TO_DRAFT[data["channel"]]
        super().__init__(data, *args, **kwargs)
