"""Inspection over HTTP: `POST /api/inspections`, `GET /api/inspections/{id}`,
`GET /api/inspection-batches/{id}`. See docs/quality.md.

A report is the `kefu.inspection/1` object of CONTRACTS.md 2, the same JSON as `kefu inspect`.
Handlers parse input, call kefu.quality.services (permissions and rules are checked there) and
render.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router

from kefu.accounts.api_auth import api_user, local_iso
from kefu.domain.conversation import ParseProblem, parse_bytes
from kefu.tickets.models import Ticket

from . import selectors, services
from .models import Conversation, InspectionBatch
from .permissions import sees_all

router = Router()
batches_router = Router()

MAX_BATCH_PAGE = 500
DEFAULT_BATCH_PAGE = 100

_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object", "description": "one kefu.conversation/1 object"},
                        {"type": "array", "items": {"type": "object"}},
                    ]
                }
            }
        },
    }
}


def _json(body: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _problems_body(problems: list[ParseProblem]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    for p in problems:
        key = ".".join(x for x in (p.where, p.field) if x) or "__all__"
        errors.setdefault(key, []).append(p.reason)
    return {
        "errors": errors,
        "problems": [{"where": p.where, "field": p.field, "reason": p.reason} for p in problems],
    }


def _body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        raise ValidationError(
            {"__all__": [_("请求体过大,请分批提交或通过质检页面上传文件")]}
        ) from None


def _single(body: bytes, count: int) -> bool:
    """One JSON object in the body (not an array, not several JSON Lines)."""
    return count == 1 and body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _stored(conv: Conversation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": conv.external_id,
        "url": conv.get_absolute_url(),
        "agent": conv.agent.employee_no if conv.agent_id and conv.agent else None,
        "ticket": conv.ticket.number if conv.ticket_id and conv.ticket else None,
    }
    if conv.latest_inspection is not None:
        out["report"] = selectors.report_json(conv.latest_inspection)
    return out


@router.post(
    "",
    summary="质检对话(同步或存储后质检)",
    openapi_extra=_BODY_DOC,
    response={200: Any, 202: Any, 400: Any},
)
def inspections_post(
    request: HttpRequest,
    store: bool = False,
    ticket: str | None = None,
    agent: str | None = None,
) -> HttpResponse:
    """Body: one `kefu.conversation/1` object or an array of them.

    - `store=false` (default): inspects and returns the report (object -> object, array -> array)
      without saving; at most 20 conversations.
    - `store=true`: saves the conversations like an import (a known id is updated) and inspects
      them: up to 20 at once (reports returned), more in a background batch (202 with its id).
    Malformed conversations give 400 listing each problem; with `store=true` the good ones of the
    batch are still saved and inspected, and the response says so.
    """
    user = api_user(request)
    body = _body(request)
    source = "api"
    parsed = parse_bytes(body, source=source)
    count = len(parsed.conversations)
    if not store:
        if parsed.problems:
            return _json(
                {
                    "detail": _("有 %(n)s 处格式错误,未质检任何对话") % {"n": len(parsed.problems)},
                    **_problems_body(parsed.problems),
                },
                400,
            )
        if count > services.SYNC_LIMIT:
            raise ValidationError(
                {
                    "__all__": [
                        _("同步质检最多 %(n)s 个对话,更多请使用 store=true 批量提交")
                        % {"n": services.SYNC_LIMIT}
                    ]
                }
            )
        from kefu.domain.inspection import inspect

        rulebook = services.rulebook_get()
        from kefu.core.calendars import calendar_get

        calendar = calendar_get("working_days")
        reports = [inspect(c, rulebook, calendar=calendar).to_json() for c in parsed.conversations]
        return _json(reports[0] if _single(body, count) else reports)

    # store=true: saved like an import
    ticket_obj = None
    if ticket:
        ticket_obj = Ticket.objects.filter(number__iexact=ticket.strip()).first()
        if ticket_obj is None:
            raise ValidationError({"ticket": [_("未找到工单 %(no)s") % {"no": ticket}]})
    agent_obj = None
    if agent:
        from kefu.accounts.models import User

        agent_obj = User.objects.filter(employee_no=agent.strip()).first()
        if agent_obj is None:
            raise ValidationError({"agent": [_("未找到工号为 %(no)s 的坐席") % {"no": agent}]})
    if not parsed.conversations:
        return _json(
            {"detail": _("没有可保存的对话"), **_problems_body(parsed.problems)},
            400,
        )
    result = services.conversations_save(
        by=user,
        conversations=parsed.conversations,
        source=source,
        agent=agent_obj,
        ticket=ticket_obj,
        problems=parsed.problems,
    )
    out: dict[str, Any] = {"created": result.created, "updated": result.updated}
    if result.batch is not None:
        out |= {
            "batch": result.batch.pk,
            "status": result.batch.status,
            "status_url": f"/api/inspection-batches/{result.batch.pk}",
            "count": len(result.conversations),
            "ids": [c.external_id for c in result.conversations],
        }
        status = 202
    else:
        out["conversations"] = [_stored(c) for c in result.conversations]
        out["ids"] = [c.external_id for c in result.conversations]
        status = 200
    if result.inspect_error:
        out["inspect_error"] = result.inspect_error
    if result.problems:
        out |= _problems_body(result.problems)
        out["detail"] = _(
            "有 %(bad)s 处格式错误,这些对话已跳过;其余 %(good)s 个对话已保存并质检"
        ) % {"bad": len(result.problems), "good": len(result.conversations)}
        status = 400
    return _json(out, status)


@router.get("/{external_id}", summary="对话的最新质检报告", response={200: Any})
def inspection_get(request: HttpRequest, external_id: str) -> HttpResponse:
    user = api_user(request)
    try:
        conv = selectors.conversation_by_external_id(user, external_id)
    except Conversation.DoesNotExist:
        return _json({"detail": _("未找到对话 %(id)s") % {"id": external_id}}, 404)
    if conv.latest_inspection is None:
        return _json({"detail": _("对话 %(id)s 尚未质检") % {"id": external_id}}, 404)
    return _json(selectors.report_json(conv.latest_inspection))


@batches_router.get("/{int:batch_id}", summary="质检批次的进度与报告", response={200: Any})
def batch_get(
    request: HttpRequest, batch_id: int, offset: int = 0, limit: int = DEFAULT_BATCH_PAGE
) -> HttpResponse:
    user = api_user(request)
    batch = InspectionBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return _json({"detail": _("未找到质检批次 %(id)s") % {"id": batch_id}}, 404)
    if batch.created_by_id != user.pk and not sees_all(user):
        raise PermissionDenied(_("您无权查看该质检批次"))
    if offset < 0:
        raise ValidationError({"offset": [_("应不小于 0")]})
    if not 1 <= limit <= MAX_BATCH_PAGE:
        raise ValidationError({"limit": [_("应在 1 到 %(n)s 之间") % {"n": MAX_BATCH_PAGE}]})
    convs = list(
        batch.conversations.select_related("latest_inspection").order_by("id")[
            offset : offset + limit
        ]
    )
    # a report from before the batch (a re-imported conversation) is not this batch's result
    reports = [
        {"id": c.external_id, "report": selectors.report_json(c.latest_inspection)}
        if c.latest_inspection is not None
        and c.inspected_at is not None
        and c.inspected_at >= batch.created_at
        else {"id": c.external_id, "report": None}
        for c in convs
    ]
    next_offset = offset + limit if offset + limit < batch.total else None
    return _json(
        {
            "id": batch.pk,
            "status": batch.status,
            "total": batch.total,
            "done": batch.done,
            "failed": batch.failed,
            "created_at": local_iso(batch.created_at),
            "started_at": local_iso(batch.started_at),
            "finished_at": local_iso(batch.finished_at),
            "problems": batch.problems,
            "errors": batch.errors,
            "reports": reports,
            "offset": offset,
            "next_offset": next_offset,
        }
    )
