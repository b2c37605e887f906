"""Service hall over HTTP (`/api/hall/...`): take a number, a number's status (people ahead and
estimated wait), call next and the other counter actions. Handlers parse input, call
kefu.hall.services (permissions and rules are checked there) and render. Errors use the shapes of
kefu/api.py: 400 with field messages, 403, 404.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from kefu.accounts.api_auth import api_user, local_iso

from . import selectors, services
from .models import BusinessType, Counter, Hall, QueueNumber

router = Router(tags=["营业厅 hall"])


class TakeIn(Schema):
    hall: int
    business: str  # business type code, e.g. "A02"
    vip: bool = False


class FinishIn(Schema):
    business_done: str | None = None


class TransferIn(Schema):
    business: str | None = None
    counter: int | None = None


class DivertIn(Schema):
    reason: str


class CancelIn(Schema):
    reason: str = ""


class StateIn(Schema):
    state: Literal["open", "paused", "closed"]


def _business(code: str | None, field: str = "business") -> BusinessType | None:
    if not code:
        return None
    found = BusinessType.objects.filter(code=code.strip().upper()).first()
    if found is None:
        raise ValidationError({field: [_("没有代码为 %(code)s 的业务") % {"code": code}]})
    return found


def number_body(n: QueueNumber) -> dict[str, Any]:
    status = selectors.number_status(n)
    return {
        "id": n.pk,
        "code": n.code,
        "hall": n.hall.name,
        "business": {"code": n.business.code, "name": n.business.name, "brand": n.business.brand},
        "vip": n.vip,
        "status": n.status,
        "status_label": n.get_status_display(),
        "taken_at": local_iso(n.taken_at),
        "arrived_at": local_iso(n.arrived_at),
        "called_at": local_iso(n.called_at),
        "counter": n.counter.number if n.counter_id else None,  # type: ignore[union-attr]
        "people_ahead": status.ahead,
        "open_counters": status.servers,
        "estimated_wait_minutes": status.estimate_minutes,
    }


def _number(pk: int) -> QueueNumber:
    return get_object_or_404(
        QueueNumber.objects.select_related("hall", "business", "counter"), pk=pk
    )


def _counter(pk: int) -> Counter:
    return get_object_or_404(Counter, pk=pk)


@router.post("/numbers", response={201: dict}, summary="取号")
def take(request: HttpRequest, payload: TakeIn) -> Status:
    hall = Hall.objects.filter(pk=payload.hall).first()
    if hall is None:
        raise ValidationError({"hall": [_("没有该营业厅")]})
    business = _business(payload.business)
    n = services.number_take(hall=hall, business=business, vip=payload.vip, by=api_user(request))  # type: ignore[arg-type]
    return Status(201, number_body(_number(n.pk)))


@router.get("/numbers/{pk}", response=dict, summary="号码状态:前面人数与预计等候")
def status(request: HttpRequest, pk: int) -> dict[str, Any]:
    return number_body(_number(pk))


@router.post("/counters/{pk}/call-next", response={200: dict}, summary="叫下一位")
def call_next(request: HttpRequest, pk: int) -> dict[str, Any]:
    n = services.number_call_next(counter=_counter(pk), by=api_user(request))
    if n is None:
        return {"number": None, "detail": _("暂无等候的客户")}
    return {"number": number_body(_number(n.pk))}


@router.post("/counters/{pk}/sign-in", response=dict, summary="窗口签到")
def sign_in(request: HttpRequest, pk: int) -> dict[str, Any]:
    c = services.counter_sign_in(counter=_counter(pk), by=api_user(request))
    return {"id": c.pk, "state": c.state, "staff": c.staff_id}


@router.post("/counters/{pk}/sign-out", response=dict, summary="窗口签退")
def sign_out(request: HttpRequest, pk: int) -> dict[str, Any]:
    c = services.counter_sign_out(counter=_counter(pk), by=api_user(request))
    return {"id": c.pk, "state": c.state, "staff": c.staff_id}


@router.post("/counters/{pk}/state", response=dict, summary="开放/暂停/关闭窗口")
def set_state(request: HttpRequest, pk: int, payload: StateIn) -> dict[str, Any]:
    c = services.counter_set_state(counter=_counter(pk), by=api_user(request), state=payload.state)
    return {"id": c.pk, "state": c.state, "staff": c.staff_id}


@router.post("/numbers/{pk}/recall", response=dict, summary="重呼(超过次数记过号)")
def recall(request: HttpRequest, pk: int) -> dict[str, Any]:
    return number_body(services.number_recall(number=_number(pk), by=api_user(request)))


@router.post("/numbers/{pk}/start", response=dict, summary="开始办理")
def start(request: HttpRequest, pk: int) -> dict[str, Any]:
    return number_body(services.number_start(number=_number(pk), by=api_user(request)))


@router.post("/numbers/{pk}/finish", response=dict, summary="办结")
def finish(request: HttpRequest, pk: int, payload: FinishIn) -> dict[str, Any]:
    done = _business(payload.business_done, "business_done")
    n = services.number_finish(number=_number(pk), by=api_user(request), business_done=done)
    return number_body(n)


@router.post("/numbers/{pk}/transfer", response=dict, summary="转办(保留到达时间)")
def transfer(request: HttpRequest, pk: int, payload: TransferIn) -> dict[str, Any]:
    counter = None
    if payload.counter is not None:
        counter = Counter.objects.filter(pk=payload.counter).first()
        if counter is None:
            raise ValidationError({"counter": [_("没有该窗口")]})
    leg = services.number_transfer(
        number=_number(pk),
        by=api_user(request),
        business=_business(payload.business),
        counter=counter,
    )
    return number_body(_number(leg.pk))


@router.post("/numbers/{pk}/return", response=dict, summary="退回排队")
def back(request: HttpRequest, pk: int) -> dict[str, Any]:
    return number_body(services.number_return(number=_number(pk), by=api_user(request)))


@router.post("/numbers/{pk}/cancel", response=dict, summary="取消号码")
def cancel(request: HttpRequest, pk: int, payload: CancelIn) -> dict[str, Any]:
    n = services.number_cancel(number=_number(pk), by=api_user(request), reason=payload.reason)
    return number_body(n)


@router.post("/numbers/{pk}/divert", response=dict, summary="分流到自助区")
def divert(request: HttpRequest, pk: int, payload: DivertIn) -> dict[str, Any]:
    n = services.number_divert(number=_number(pk), by=api_user(request), reason=payload.reason)
    return number_body(n)
