"""Who may do what in staffing; services call these, views only hide what would be refused."""

from __future__ import annotations

from kefu.accounts.models import Role
from kefu.accounts.permissions import has_role, require  # noqa: F401  (re-exported)

# plan demand, generate/edit/publish rosters, approve leave, keep the staff directory
ROSTER_MANAGERS = frozenset({Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN})
# attendance reports of everyone, meeting records
SUPERVISORS = frozenset({Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN})
# the accountability ladder of everyone (MALL-6): bonus and contract decisions are the manager's
LADDER_VIEWERS = frozenset({Role.MANAGER, Role.ADMIN})
