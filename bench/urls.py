"""kefu's URLs plus the benchmark ceiling.

``GET /bench/bare`` is a plain Django view that returns an empty page of the list API's shape.
It passes through the same middleware stack as every kefu URL but does no authentication and no
database work, so its throughput is the stack's ceiling on this machine: what Django + gunicorn
can serve at all. The API endpoints are reported as a ratio to it.

``GET /bench/auth`` (diagnostic only) additionally resolves the Bearer token the way the API
does (``kefu.accounts.api_auth.token_user``), to separate the cost of authentication from the
cost of the list query and serialisation.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from kefu.urls import urlpatterns as kefu_urlpatterns


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"items": [], "next_cursor": None})


def auth(request: HttpRequest) -> JsonResponse:
    from kefu.accounts.api_auth import token_user

    header = request.headers.get("Authorization", "")
    user = (
        token_user(header.removeprefix("Bearer ").strip()) if header.startswith("Bearer ") else None
    )
    if user is None:
        return JsonResponse({"detail": "unauthorised"}, status=401)
    return JsonResponse({"items": [], "next_cursor": None})


urlpatterns = [
    path("bench/bare", bare, name="bench-bare"),
    path("bench/auth", auth, name="bench-auth"),
    *kefu_urlpatterns,
]
