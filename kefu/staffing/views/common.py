"""What every staffing page needs: the user, role checks and service errors as messages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.core.views import error_text  # noqa: F401  (re-exported for the staffing views)

from ..models import StaffProfile
from ..permissions import has_role


def user_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def profile_of(request: HttpRequest) -> StaffProfile | None:
    return StaffProfile.objects.filter(user=user_of(request)).first()


def need(request: HttpRequest, roles: frozenset[str]) -> None:
    if not has_role(user_of(request), roles):
        raise PermissionDenied(_("您的角色无权访问该页面"))
