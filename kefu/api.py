"""The HTTP API (django-ninja): one NinjaAPI, its authentication, the error shapes, the routers.

Every error is JSON ``{"detail": ...}`` (400 adds ``"errors": {field: [messages]}``); no stack trace
ever reaches a client. See docs/api.md.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.renderers import JSONRenderer

from kefu.accounts.api_auth import API_AUTH
from kefu.core.services import StaleVersion
from kefu.customers.api import router as customers_router
from kefu.customers.services import DuplicateCustomer
from kefu.hall.api import router as hall_router
from kefu.quality.api import batches_router as inspection_batches_router
from kefu.quality.api import router as inspections_router
from kefu.quality.assist.api import router as assist_router
from kefu.staffing.api import router as staffing_router
from kefu.tickets.api import callbacks_router, sla_router
from kefu.tickets.api import router as tickets_router
from kefu.tickets.services import IdempotencyConflict

log = logging.getLogger(__name__)


class Utf8JSONRenderer(JSONRenderer):
    """Chinese text as itself rather than \\u escapes: readable in curl and a third smaller."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="kefu API",
    version="1",
    description="客服中心工单与客户接口。认证:`Authorization: Bearer <key>`(或 `X-API-Key`),"
    "浏览器可用登录会话(需 CSRF)。说明见 docs/api.md。",
    auth=API_AUTH,
    urls_namespace="api",
    renderer=Utf8JSONRenderer(),
)

api.add_router("/tickets", tickets_router, tags=["工单 tickets"])
api.add_router("/callbacks", callbacks_router, tags=["回电 callbacks"])
api.add_router("/sla", sla_router, tags=["时限 sla"])
api.add_router("/customers", customers_router, tags=["客户 customers"])
api.add_router("/inspections", inspections_router, tags=["质检 inspections"])
api.add_router("/inspection-batches", inspection_batches_router, tags=["质检 inspections"])
api.add_router("/assist", assist_router)
api.add_router("/hall", hall_router)
api.add_router("/staffing", staffing_router)


# --- error shapes -------------------------------------------------------------------------------


def _json(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


def _invalid(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
    return _json(request, 400, {"detail": _("输入有误"), "errors": errors})


def django_errors(exc: ValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as {field: [messages]}; errors without a field go to "__all__"."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


# pydantic error type -> message (marked for translation, translated when used); ctx values
# (limits) are filled in
_SCHEMA_MESSAGES: dict[str, str] = {
    "missing": N_("此项为必填项"),
    "string_type": N_("应为文本"),
    "string_too_short": N_("至少需要 %(min_length)s 个字符"),
    "string_too_long": N_("不能超过 %(max_length)s 个字符"),
    "int_type": N_("应为整数"),
    "int_parsing": N_("应为整数"),
    "int_from_float": N_("应为整数"),
    "float_type": N_("应为数字"),
    "float_parsing": N_("应为数字"),
    "bool_type": N_("应为 true 或 false"),
    "bool_parsing": N_("应为 true 或 false"),
    "greater_than": N_("应大于 %(gt)s"),
    "greater_than_equal": N_("应不小于 %(ge)s"),
    "less_than": N_("应小于 %(lt)s"),
    "less_than_equal": N_("应不大于 %(le)s"),
    "datetime_type": N_("时间格式错误,应为 ISO 8601,如 2026-11-22T09:30:00+08:00"),
    "datetime_parsing": N_("时间格式错误,应为 ISO 8601,如 2026-11-22T09:30:00+08:00"),
    "datetime_from_date_parsing": N_("时间格式错误,应为 ISO 8601,如 2026-11-22T09:30:00+08:00"),
    "literal_error": N_("无效的取值,可选:%(expected)s"),
    "enum": N_("无效的取值,可选:%(expected)s"),
    "dict_type": N_("应为 JSON 对象"),
    "model_type": N_("应为 JSON 对象"),
    "model_attributes_type": N_("应为 JSON 对象"),
    "list_type": N_("应为数组"),
    "json_invalid": N_("请求体不是有效的 JSON"),
    "extra_forbidden": N_("不支持该字段"),
}

_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def schema_errors(exc: SchemaValidationError) -> dict[str, list[str]]:
    """ninja's own validation errors (before a handler runs) in the same {field: [messages]} shape.

    The field name is the loc without its source and without the name of the handler's body
    parameter: ``("body", "payload", "customer", "phone")`` -> ``customer.phone``.
    """
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", ())]
        if loc and loc[0] in _SOURCES:
            source = loc.pop(0)
            if source == "body" and len(loc) > 1 and loc[0] == "payload":
                loc.pop(0)
        field = ".".join(loc) or "__all__"
        if field == "payload":  # the whole body (missing or not an object)
            field = "__all__"
        template = _SCHEMA_MESSAGES.get(str(error.get("type")))
        if template is None:
            message = _("格式错误")
        else:
            ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
            try:
                message = _(template) % ctx if "%(" in template else _(template)
            except KeyError:
                message = _("格式错误")
        errors.setdefault(field, []).append(message)
    return errors


@api.exception_handler(SchemaValidationError)
def on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    return _invalid(request, schema_errors(exc))


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _invalid(request, django_errors(exc))


@api.exception_handler(DuplicateCustomer)
def on_duplicate_customer(request: HttpRequest, exc: DuplicateCustomer) -> HttpResponse:
    return _json(
        request,
        409,
        {
            "detail": _("该号码已登记为其他客户"),
            "code": "duplicate_customer",
            "errors": django_errors(exc),
            "existing": [{"id": c.pk, "name": c.name} for c in exc.existing],
            "existing_ids": [c.pk for c in exc.existing],
        },
    )


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _json(request, 403, {"detail": str(exc) or _("您无权执行此操作")})


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json(request, 404, {"detail": str(exc) or _("未找到该记录")})


@api.exception_handler(ObjectDoesNotExist)
def on_does_not_exist(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return _json(request, 404, {"detail": _("未找到该记录")})


@api.exception_handler(StaleVersion)
def on_stale_version(request: HttpRequest, exc: StaleVersion) -> HttpResponse:
    return _json(
        request,
        409,
        {
            "detail": _("该记录已被他人修改(当前版本 %(v)s),请重新获取后再提交")
            % {"v": exc.current_version},
            "code": "stale_version",
            "current_version": exc.current_version,
        },
    )


@api.exception_handler(IdempotencyConflict)
def on_idempotency_conflict(request: HttpRequest, exc: IdempotencyConflict) -> HttpResponse:
    return _json(
        request,
        409,
        {"detail": _("该 Idempotency-Key 已用于另一个请求"), "code": "idempotency_key_reused"},
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = exc.message if exc.message != "Unauthorized" else _("请先登录,或提供有效的接口令牌")
    response = _json(request, 401, {"detail": message})
    response["WWW-Authenticate"] = 'Bearer realm="kefu"'
    return response


_HTTP_MESSAGES = {
    "CSRF check Failed": N_("CSRF 校验失败,请刷新页面后重试"),
    "Cannot parse request body": N_("请求体不是有效的 JSON"),
}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = next((m for k, m in _HTTP_MESSAGES.items() if exc.message.startswith(k)), None)
    return _json(request, exc.status_code, {"detail": _(message) if message else exc.message})


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # the trace goes to the log, never to the client
    log.exception("API error on %s %s", request.method, request.path)
    return _json(request, 500, {"detail": _("服务器内部错误,请稍后重试或联系管理员")})
