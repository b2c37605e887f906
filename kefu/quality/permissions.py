"""Who may do what in quality inspection (质检). Services call these; views only hide buttons."""

from __future__ import annotations

from kefu.accounts.models import Role, User
from kefu.accounts.permissions import has_role

# see every conversation, the review queue, scorecards and rule statistics
QUALITY_VIEWERS = frozenset({Role.INSPECTOR, Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN})
# import conversations and (re-)run inspections
IMPORTERS = frozenset({Role.INSPECTOR, Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN})
# confirm or overturn findings and decide appeals
REVIEWERS = frozenset({Role.INSPECTOR, Role.MANAGER, Role.ADMIN})
# told when an agent appeals
APPEAL_RECIPIENTS = frozenset({Role.INSPECTOR})


def sees_all(user: User) -> bool:
    return has_role(user, QUALITY_VIEWERS)


def may_import(user: User) -> bool:
    return has_role(user, IMPORTERS)


def may_review(user: User) -> bool:
    return has_role(user, REVIEWERS)
