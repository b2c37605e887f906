"""Who may do what in the service hall; services call these."""

from __future__ import annotations

from kefu.accounts.models import Role
from kefu.accounts.permissions import has_role, require  # noqa: F401  (re-exported)

# counter work: call, serve, transfer, sign in to a counter
COUNTER_ROLES = frozenset({Role.COUNTER, Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN})
# anyone working the hall floor: counter staff and floor walkers (流动岗)
HALL_STAFF = COUNTER_ROLES | {Role.FLOOR_WALKER, Role.DESK}
HALL_SUPERVISORS = frozenset({Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN})
