"""What every staffing page needs: the user, role checks and service errors as messages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kefu.accounts.models import User

from ..models import StaffProfile
from ..permissions import has_role


def user_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def profile_of(request: HttpRequest) -> StaffProfile | None:
    return StaffProfile.objects.filter(user=user_of(request)).first()


def need(request: HttpRequest, roles: frozenset[str]) -> None:
    if not has_role(user_of(request), roles):
        raise PermissionDenied(_("您的角色无权访问该页面"))


def error_text(exc: ValidationError) -> str:
    """One line for a message banner; field messages are kept in their order."""
    sep = pgettext("sentence separator", ";")
    if hasattr(exc, "error_dict"):
        return sep.join(m for msgs in exc.message_dict.values() for m in msgs)
    return sep.join(exc.messages)
