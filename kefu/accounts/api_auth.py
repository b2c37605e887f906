"""How the HTTP API knows who is calling, plus the small request helpers every router shares.

Integrations (telephony, chat, shop) send ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``;
only the sha256 of a key is stored (``ApiToken.key_hash``), so a key is shown once, when created.
The browser uses its Django session instead, with Django's CSRF check on unsafe methods.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from .models import ApiToken, User

# last_used_at is written at most this often per token, so reads do not turn into writes
LAST_USED_RESOLUTION = timedelta(minutes=1)
KEY_BYTES = 32  # token_urlsafe(32): 43 characters, 256 bits
# A resolved token is remembered by each process for a few seconds (KEFU_API_TOKEN_CACHE_SECONDS,
# 0 turns it off): the lookup costs as much as the rest of a list request. The price is that a
# revoked token or a deactivated user keeps working for up to that long on other processes
# (`token_revoke` forgets at once in its own process).
DEFAULT_CACHE_SECONDS = 5.0
CACHE_MAX_ENTRIES = 10_000


@dataclass
class _Resolved:
    token_pk: int
    user: User
    last_used_at: datetime | None
    expires: datetime


_resolved: dict[str, _Resolved] = {}


def token_cache_clear() -> None:
    _resolved.clear()


def _cache_seconds() -> float:
    return float(getattr(settings, "KEFU_API_TOKEN_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


# --- tokens -----------------------------------------------------------------------------------


def _lookup(digest: str, now: datetime) -> _Resolved | None:
    try:
        token = ApiToken.objects.select_related("user").get(key_hash=digest, active=True)
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    ttl = _cache_seconds()
    return _Resolved(token.pk, token.user, token.last_used_at, now + timedelta(seconds=ttl))


def token_user(key: str) -> User | None:
    """The active user behind an active token key, or None; records the use (once a minute)."""
    key = (key or "").strip()
    if not key or len(key) > 200:
        return None
    digest = ApiToken.hash_key(key)
    now = timezone.now()
    entry = _resolved.get(digest)
    if entry is None or entry.expires <= now:
        _resolved.pop(digest, None)
        entry = _lookup(digest, now)
        if entry is None:
            return None
        if _cache_seconds() > 0:
            if len(_resolved) >= CACHE_MAX_ENTRIES:
                _resolved.clear()
            _resolved[digest] = entry
    if entry.last_used_at is None or now - entry.last_used_at >= LAST_USED_RESOLUTION:
        # compare-and-swap: of many concurrent requests only one writes
        ApiToken.objects.filter(pk=entry.token_pk, last_used_at=entry.last_used_at).update(
            last_used_at=now
        )
        entry.last_used_at = now
    # each request gets its own copy: services may cache related objects on the user
    return copy.copy(entry.user)


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Creates a token for ``user``; returns it and the key, which is not stored anywhere."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写令牌名称,如“呼叫中心接口”")]})
    if len(name) > 80:
        raise ValidationError({"name": [_("名称不能超过80个字符")]})
    if not user.is_active:
        raise ValidationError({"user": [_("该用户已停用")]})
    while True:
        key = secrets.token_urlsafe(KEY_BYTES)
        prefix = key[:8]
        # the prefix names the token in `kefu token revoke`: keep it unique among tokens, and
        # never starting with "-", which the command line would take for an option
        if not key.startswith("-") and not ApiToken.objects.filter(prefix=prefix).exists():
            break
    token = ApiToken.objects.create(
        name=name, user=user, key_hash=ApiToken.hash_key(key), prefix=prefix
    )
    return token, key


@transaction.atomic
def token_revoke(*, prefix: str) -> ApiToken:
    """Deactivates the token whose key starts with ``prefix`` (the 8 characters `token list` shows)."""
    prefix = (prefix or "").strip().rstrip("…")[:8]
    if len(prefix) < 4:
        raise ValidationError({"prefix": [_("请给出令牌前缀的至少4个字符")]})
    lookup = {"prefix": prefix} if len(prefix) == 8 else {"prefix__startswith": prefix}
    matches = list(ApiToken.objects.select_for_update().filter(**lookup))
    if not matches:
        raise ValidationError({"prefix": [_("找不到前缀为 %(p)s 的令牌") % {"p": prefix}]})
    if len(matches) > 1:
        raise ValidationError({"prefix": [_("前缀 %(p)s 对应多个令牌") % {"p": prefix}]})
    token = matches[0]
    token_cache_clear()
    if token.active:
        token.active = False
        token.save(update_fields=["active"])
    return token


# --- ninja auth classes -------------------------------------------------------------------------


def _invalid() -> AuthenticationError:
    return AuthenticationError(401, _("接口令牌无效或已停用"))


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <key>``. A key that is present but wrong is a 401 at once."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(token)
        if user is None:
            raise _invalid()
        return user


class ApiKeyAuth(APIKeyHeader):
    """``X-API-Key: <key>`` for systems that cannot set an Authorization header."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if not key:
            return None
        user = token_user(key)
        if user is None:
            raise _invalid()
        return user


class SessionCsrfAuth(SessionAuth):
    """ninja's django_auth (session cookie, CSRF checked on unsafe methods), except that a request
    with no logged-in session is simply "not this scheme" (-> 401), not a CSRF failure (-> 403)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


API_AUTH = [BearerTokenAuth(), ApiKeyAuth(), SessionCsrfAuth()]


def api_user(request: HttpRequest) -> User:
    """The user the request acts as (the token's user or the session's user)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]


# --- shared request helpers ---------------------------------------------------------------------


def _zone() -> tzinfo:
    return timezone.get_current_timezone()


def local_iso(value: datetime | None, zone: tzinfo | None = None) -> str | None:
    """An instant as ISO 8601 in the local zone (Asia/Shanghai: ``+08:00``), to the second.

    Pass ``zone`` (from ``local_zone()``) when formatting many values: looking the zone up is
    a thread-local read each time.
    """
    if value is None:
        return None
    return value.astimezone(zone or _zone()).isoformat(timespec="seconds")


def local_zone() -> tzinfo:
    return _zone()


def parse_instant(value: str | None, field: str) -> datetime | None:
    """ISO 8601 text -> aware datetime (naive means local time); a field error if malformed."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {field: [_("时间格式错误,应为 ISO 8601,如 2026-11-22T09:30:00+08:00")]}
        ) from None
    return timezone.make_aware(parsed, _zone()) if timezone.is_naive(parsed) else parsed


def expected_version(
    request: HttpRequest, body_version: int | None, *, required: bool = True
) -> int | None:
    """The version an edit is based on: ``version`` in the body, else the ``If-Match`` header."""
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match", "").strip()
    if header:
        value = header.removeprefix("W/").strip().strip('"')
        if value.isdigit():
            return int(value)
        raise ValidationError({"version": [_('If-Match 应为版本号,如 "3"')]})
    if required:
        raise ValidationError(
            {
                "version": [
                    _("请提供记录当前的版本号 version(或 If-Match 请求头),以免覆盖他人的修改")
                ]
            }
        )
    return None


def cursor_encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> dict[str, Any] | None:
    """An opaque keyset cursor back to its payload; a field error if it was tampered with."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        raise invalid_cursor()
    return payload


def invalid_cursor() -> ValidationError:
    return ValidationError({"cursor": [_("无效的分页游标,请使用上一页返回的 next_cursor")]})
