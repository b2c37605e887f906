from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def kefu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"site_name": settings.KEFU_SITE_NAME, "unread_notifications": unread}
