"""Template context shared by staffing pages (which areas the user may open)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .permissions import LADDER_VIEWERS, ROSTER_MANAGERS, has_role


def nav(request: HttpRequest, here: str, **extra: Any) -> dict[str, Any]:
    user = request.user
    return {
        "here": here,
        "is_roster_manager": has_role(user, ROSTER_MANAGERS),  # type: ignore[arg-type]
        "is_ladder_viewer": has_role(user, LADDER_VIEWERS),  # type: ignore[arg-type]
        **extra,
    }
