"""Login form: the lockout backend marks the request when the account is locked."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=gettext_lazy("用户名"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "id": "login-username"}
        ),
    )
    password = forms.CharField(
        label=gettext_lazy("密码"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "id": "login-password"}
        ),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("用户名或密码错误。注意密码区分大小写。"),
        "inactive": gettext_lazy("该账号已停用。"),
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError:
            locked_until = getattr(self.request, "kefu_locked_until", None)
            if locked_until is not None:
                until = timezone.localtime(locked_until)
                raise ValidationError(
                    _("登录失败次数过多,账号已锁定至 %(time)s") % {"time": f"{until:%H:%M}"},
                    code="locked",
                ) from None
            raise
