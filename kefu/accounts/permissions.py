"""Who may do what. Services call these; views only hide what the service would refuse anyway."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import Role, User

TICKET_HANDLERS = frozenset(
    {Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN, Role.COUNTER, Role.DESK}
)
SUPERVISORS = frozenset({Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN})
MANAGERS = frozenset({Role.MANAGER, Role.ADMIN})
# CUS-2: full phone and ID numbers are shown to managers; others see 138****5678 and some may
# reveal a number for a call, which is audited.
SEE_UNMASKED = frozenset({Role.MANAGER, Role.ADMIN})
MAY_REVEAL = frozenset({Role.AGENT, Role.TEAM_LEAD, Role.COUNTER, Role.DESK})


def has_role(user: User, roles: frozenset[str]) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in roles))


def require(user: User, roles: frozenset[str], action: str) -> None:
    if not has_role(user, roles):
        raise PermissionDenied(_("您的角色无权执行此操作:%(action)s") % {"action": action})


def sees_unmasked(user: User) -> bool:
    return has_role(user, SEE_UNMASKED)


def may_reveal(user: User) -> bool:
    return has_role(user, MAY_REVEAL | SEE_UNMASKED)
