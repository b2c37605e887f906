"""Service-hall writes: numbers, counters, the opening checklist and shift handovers.

Every service is keyword-only, runs in one transaction, checks permissions itself and writes a
QueueEvent for each state change. Choices and estimates come from kefu.domain.queueing; this
module does the locking and the persistence.

Concurrency: on SQLite every transaction is BEGIN IMMEDIATE (settings), so writers queue one at a
time. On PostgreSQL a counter's row is locked (SELECT ... FOR UPDATE) while it calls, numbering
goes through the row-locked DailySequence, and a number is claimed by a conditional UPDATE
(``WHERE status = 'waiting'``): when two counters pick the same number, the second UPDATE waits
for the first, re-reads the row, matches nothing and that counter picks again. So a number can
never be called by two counters, whatever the isolation level.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from kefu.accounts.models import User
from kefu.core.messages import Message
from kefu.core.services import sequence_next
from kefu.domain.queueing import WaitingNumber, next_vip_streak, pick_next, rolling_mean

from .models import (
    ACTIVE_STATUSES,
    BusinessType,
    ChecklistItem,
    ChecklistSignOff,
    Counter,
    CounterBusiness,
    Hall,
    QueueEvent,
    QueueNumber,
    ShiftHandover,
)
from .permissions import COUNTER_ROLES, HALL_STAFF, HALL_SUPERVISORS, has_role, require

S = QueueNumber.Status


# --- helpers ------------------------------------------------------------------------------------


def _uid(user: User | None) -> User | None:
    return user if user is not None and getattr(user, "pk", None) else None


def _event(
    *,
    action: str,
    by: User | None,
    at: datetime,
    number: QueueNumber | None = None,
    counter: Counter | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> QueueEvent:
    return QueueEvent.objects.create(
        number=number,
        counter=counter if counter is not None else (number.counter if number else None),
        at=at,
        actor=_uid(by),
        action=action,
        before=before or {},
        after=after or {},
    )


def _state(n: QueueNumber) -> dict[str, Any]:
    return {
        "status": n.status,
        "business": n.business.code if n.business_id else None,
        "counter": n.counter_id,
        "call_count": n.call_count,
    }


def local_day(at: datetime) -> date:
    return timezone.localtime(at).date()


def _parse(value: str) -> time | None:
    if value in {"24:00", "24:00:00"}:
        return None  # end of day
    return time.fromisoformat(value)


def hall_is_open(hall: Hall, at: datetime) -> bool:
    """Whether `at` falls in one of the hall's opening windows of that weekday (local time)."""
    local = timezone.localtime(at)
    windows = (hall.opening_hours or {}).get(str(local.weekday())) or []
    now = local.time()
    for window in windows:
        try:
            start, end = _parse(str(window[0])), _parse(str(window[1]))
        except (ValueError, IndexError, TypeError):
            continue
        if start is None:
            continue
        if start <= now and (end is None or now < end):
            return True
    return False


def hall_hours_text(hall: Hall, at: datetime) -> str:
    local = timezone.localtime(at)
    windows = (hall.opening_hours or {}).get(str(local.weekday())) or []
    parts = [f"{w[0]}-{w[1]}" for w in windows if isinstance(w, list | tuple) and len(w) == 2]
    return pgettext("list separator", "、").join(parts) or _("今日不营业")


def _lock_number(number: QueueNumber) -> QueueNumber:
    return (
        QueueNumber.objects.select_for_update(no_key=True)
        .select_related("business", "hall")
        .get(pk=number.pk)
    )


def _lock_counter(counter: Counter) -> Counter:
    return Counter.objects.select_for_update(no_key=True).select_related("hall").get(pk=counter.pk)


def counter_current(counter: Counter) -> QueueNumber | None:
    return (
        QueueNumber.objects.filter(counter=counter, status__in=ACTIVE_STATUSES)
        .select_related("business")
        .first()
    )


def _may_work_counter(by: User, counter: Counter, action: str) -> None:
    require(by, COUNTER_ROLES, action)
    if counter.staff_id != by.pk and not has_role(by, HALL_SUPERVISORS):
        raise PermissionDenied(_("只有在该窗口签到的人员可以操作:%(action)s") % {"action": action})


def _number_at_counter(number: QueueNumber, by: User, action: str) -> Counter:
    if number.counter_id is None:
        raise ValidationError({"number": [_("号码 %(code)s 未在任何窗口") % {"code": number.code}]})
    counter = Counter.objects.get(pk=number.counter_id)
    _may_work_counter(by, counter, action)
    return counter


# --- numbers -------------------------------------------------------------------------------------


def _require_status(n: QueueNumber, allowed: Collection[str], message: str) -> None:
    """Refuses a step the number's status does not allow; ``message`` names the number and its
    status through %(code)s and %(s)s."""
    if n.status not in allowed:
        raise ValidationError({"number": [message % {"code": n.code, "s": n.get_status_display()}]})


@transaction.atomic
def number_take(
    *,
    hall: Hall,
    business: BusinessType,
    vip: bool = False,
    by: User | None = None,
    now: datetime | None = None,
) -> QueueNumber:
    """Issues the next number of the business's prefix for today (A001, A002, ...)."""
    now = now or timezone.now()
    business = BusinessType.objects.get(pk=business.pk)
    if not business.is_open:
        raise ValidationError(
            {"business": [_("「%(name)s」暂停取号,请咨询流动岗工作人员") % {"name": business.name}]}
        )
    if not hall_is_open(hall, now):
        raise ValidationError(
            _("现在不在营业时间内(今日营业时间:%(hours)s),暂不能取号")
            % {"hours": hall_hours_text(hall, now)}
        )
    day = local_day(now)
    seq = sequence_next(prefix=f"hall{hall.pk}-{business.prefix}", day=day)
    n = QueueNumber.objects.create(
        hall=hall,
        business=business,
        day=day,
        prefix=business.prefix,
        seq=seq,
        code=f"{business.prefix}{seq:03d}",
        vip=bool(vip),
        taken_at=now,
        arrived_at=now,
        queued_at=now,
    )
    _event(number=n, by=by, at=now, action="take", after=_state(n) | {"vip": n.vip})
    return n


@transaction.atomic
def number_call_next(*, counter: Counter, by: User) -> QueueNumber | None:
    """Calls the next customer to `counter` (pick_next over its business types in priority order;
    numbers transferred to this very counter come first). None when nobody is waiting."""
    c = _lock_counter(counter)
    require(by, COUNTER_ROLES, _("叫号"))
    if c.state != Counter.State.OPEN:
        raise ValidationError(
            _("%(counter)s当前状态为「%(state)s」,不能叫号")
            % {"counter": c, "state": c.get_state_display()}
        )
    if c.staff_id is None:
        raise ValidationError(_("%(counter)s无人签到,不能叫号") % {"counter": c})
    _may_work_counter(by, c, _("叫号"))
    current = counter_current(c)
    if current is not None:
        raise ValidationError(
            _("请先办结、转移或过号当前客户 %(code)s,再叫下一位") % {"code": current.code}
        )
    order = list(
        CounterBusiness.objects.filter(counter=c)
        .order_by("priority", "business__code")
        .values_list("business__code", flat=True)
    )
    now = timezone.now()
    tried: set[int] = set()
    chosen: WaitingNumber | None = None
    for _attempt in range(20):
        targeted = (
            QueueNumber.objects.filter(hall_id=c.hall_id, status=S.WAITING, target_counter=c)
            .exclude(pk__in=tried)
            .order_by("queued_at", "id")
            .values("id", "business__code", "queued_at", "vip")
            .first()
        )
        if targeted is not None:
            chosen = WaitingNumber(
                targeted["id"], targeted["business__code"], targeted["queued_at"], targeted["vip"]
            )
        else:
            rows = (
                QueueNumber.objects.filter(
                    hall_id=c.hall_id,
                    status=S.WAITING,
                    target_counter__isnull=True,
                    business__code__in=order,
                )
                .exclude(pk__in=tried)
                .values_list("id", "business__code", "queued_at", "vip")
            )
            chosen = pick_next(
                [WaitingNumber(*row) for row in rows],
                business_order=order,
                vip_streak=c.vip_streak,
                vip_cap=c.hall.vip_cap,
            )
        if chosen is None:
            return None
        claimed = QueueNumber.objects.filter(pk=chosen.id, status=S.WAITING).update(
            status=S.CALLED,
            counter=c,
            served_by=by,
            called_at=now,
            last_called_at=now,
            call_count=1,
        )
        if claimed:
            break
        tried.add(chosen.id)  # another counter was faster: pick again
        chosen = None
    if chosen is None:
        return None
    c.vip_streak = next_vip_streak(c.vip_streak, chosen)
    c.save(update_fields=["vip_streak"])
    n = QueueNumber.objects.select_related("business", "counter").get(pk=chosen.id)
    _event(
        number=n,
        counter=c,
        by=by,
        at=now,
        action="call",
        before={"status": S.WAITING},
        after=_state(n),
    )
    return n


@transaction.atomic
def number_recall(*, number: QueueNumber, by: User) -> QueueNumber:
    """Calls the same number again; past the hall's recall limit it becomes a no-show."""
    n = _lock_number(number)
    _require_status(
        n, {S.CALLED}, _("只有已叫号、尚未开始办理的号码可以重呼(%(code)s 当前为「%(s)s」)")
    )
    _number_at_counter(n, by, _("重呼"))
    now = timezone.now()
    before = _state(n)
    if n.call_count > n.hall.recall_limit:
        n.status = S.NO_SHOW
        n.service_ended_at = None
        n.save(update_fields=["status", "service_ended_at"])
        _event(number=n, by=by, at=now, action="no_show", before=before, after=_state(n))
        return n
    n.call_count += 1
    n.last_called_at = now
    n.save(update_fields=["call_count", "last_called_at"])
    _event(number=n, by=by, at=now, action="recall", before=before, after=_state(n))
    return n


@transaction.atomic
def number_start(*, number: QueueNumber, by: User) -> QueueNumber:
    n = _lock_number(number)
    _require_status(n, {S.CALLED}, _("只有已叫到的号码可以开始办理(%(code)s 当前为「%(s)s」)"))
    _number_at_counter(n, by, _("开始办理"))
    now = timezone.now()
    before = _state(n)
    n.status = S.SERVING
    n.service_started_at = now
    n.served_by = by
    n.save(update_fields=["status", "service_started_at", "served_by"])
    _event(number=n, by=by, at=now, action="start", before=before, after=_state(n))
    return n


@transaction.atomic
def number_finish(
    *, number: QueueNumber, by: User, business_done: BusinessType | None = None
) -> QueueNumber:
    """Ends the service, records the business actually done and updates its rolling mean."""
    n = _lock_number(number)
    _require_status(n, {S.SERVING}, _("号码 %(code)s 不在办理中(当前为「%(s)s」),不能办结"))
    _number_at_counter(n, by, _("办结"))
    now = timezone.now()
    done = BusinessType.objects.select_for_update(no_key=True).get(
        pk=(business_done or n.business).pk
    )
    before = _state(n)
    n.status = S.DONE
    n.service_ended_at = now
    n.business_done = done
    n.save(update_fields=["status", "service_ended_at", "business_done"])
    sample = now - (n.service_started_at or now)
    done.mean_service_seconds = rolling_mean(done.mean_service, sample).total_seconds()
    done.save(update_fields=["mean_service_seconds"])
    _event(
        number=n,
        by=by,
        at=now,
        action="finish",
        before=before,
        after=_state(n)
        | {"business_done": done.code, "service_seconds": round(sample.total_seconds(), 1)},
    )
    return n


@transaction.atomic
def number_transfer(
    *,
    number: QueueNumber,
    by: User,
    business: BusinessType | None = None,
    counter: Counter | None = None,
) -> QueueNumber:
    """Closes the current leg as transferred and queues a new leg (same printed number, original
    arrival kept) for another business type and/or a given counter. Returns the new leg."""
    n = _lock_number(number)
    _require_status(
        n, ACTIVE_STATUSES, _("只有已叫号或办理中的号码可以转办(%(code)s 当前为「%(s)s」)")
    )
    here = _number_at_counter(n, by, _("转办"))
    errors: dict[str, list[str]] = {}
    if business is None and counter is None:
        errors["business"] = [_("请选择要转去的业务或窗口")]
    if business is not None:
        business = BusinessType.objects.get(pk=business.pk)
        if not business.is_open:
            errors["business"] = [_("「%(name)s」暂停办理,不能转入") % {"name": business.name}]
        elif business.pk == n.business_id and counter is None:
            errors["business"] = [_("已是该业务,请选择其他业务或指定窗口")]
    if counter is not None:
        counter = Counter.objects.get(pk=counter.pk)
        if counter.hall_id != n.hall_id:
            errors["counter"] = [_("只能转到本营业厅的窗口")]
        elif counter.pk == here.pk:
            errors["counter"] = [_("不能转给当前窗口")]
        elif counter.state == Counter.State.CLOSED:
            errors["counter"] = [_("%(c)s已关闭,不能转入") % {"c": counter}]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    before = _state(n)
    n.status = S.TRANSFERRED
    if n.service_started_at is not None:
        n.service_ended_at = now
    n.business_done = n.business if n.service_started_at is not None else None
    n.save(update_fields=["status", "service_ended_at", "business_done"])
    leg = QueueNumber.objects.create(
        hall_id=n.hall_id,
        business=business or n.business,
        day=n.day,
        prefix=n.prefix,
        seq=n.seq,
        code=n.code,
        vip=n.vip,
        parent=n.parent or n,
        target_counter=counter,
        taken_at=n.taken_at,
        arrived_at=n.arrived_at,
        # placed by its original arrival: the customer has already waited once
        queued_at=n.arrived_at,
    )
    target = {"business": leg.business.code, "counter": counter.pk if counter else None}
    _event(
        number=n, by=by, at=now, action="transfer", before=before, after=_state(n) | {"to": target}
    )
    _event(
        number=leg,
        counter=counter,
        by=by,
        at=now,
        action="transferred_in",
        before={"from": n.pk, "business": n.business.code, "counter": here.pk},
        after=_state(leg),
    )
    return leg


@transaction.atomic
def number_return(*, number: QueueNumber, by: User) -> QueueNumber:
    """Sends a called or served customer back to the queue in their original place (e.g. to fetch
    a document)."""
    n = _lock_number(number)
    _require_status(
        n, ACTIVE_STATUSES, _("只有已叫号或办理中的号码可以退回排队(%(code)s 当前为「%(s)s」)")
    )
    here = _number_at_counter(n, by, _("退回排队"))
    now = timezone.now()
    before = _state(n)
    n.status = S.WAITING
    n.counter = None
    n.served_by = None
    n.call_count = 0
    n.called_at = None
    n.service_started_at = None
    n.save(
        update_fields=[
            "status",
            "counter",
            "served_by",
            "call_count",
            "called_at",
            "service_started_at",
        ]
    )
    _event(number=n, counter=here, by=by, at=now, action="return", before=before, after=_state(n))
    return n


@transaction.atomic
def number_cancel(*, number: QueueNumber, by: User, reason: str = "") -> QueueNumber:
    require(by, HALL_STAFF, _("取消号码"))
    n = _lock_number(number)
    _require_status(n, {S.WAITING, S.CALLED}, _("号码 %(code)s 当前为「%(s)s」,不能取消"))
    now = timezone.now()
    before = _state(n)
    n.status = S.CANCELLED
    n.save(update_fields=["status"])
    _event(
        number=n,
        by=by,
        at=now,
        action="cancel",
        before=before,
        after=_state(n) | {"reason": reason},
    )
    return n


@transaction.atomic
def number_divert(*, number: QueueNumber, by: User, reason: str) -> QueueNumber:
    """HALL-3: a waiting customer whose business self-service can do is sent to the self-service
    area, with the reason."""
    require(by, HALL_STAFF, _("分流到自助区"))
    n = _lock_number(number)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("请填写分流原因")]
    elif len(reason) > 200:
        errors["reason"] = [_("分流原因不能超过200个字")]
    if n.status != S.WAITING:
        errors["number"] = [
            _("只有等候中的号码可以分流(%(code)s 当前为「%(s)s」)")
            % {"code": n.code, "s": n.get_status_display()}
        ]
    elif not n.business.self_service_ok:
        errors["number"] = [_("「%(name)s」不能自助办理,不能分流") % {"name": n.business.name}]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    before = _state(n)
    n.status = S.DIVERTED
    n.divert_reason = reason
    n.save(update_fields=["status", "divert_reason"])
    _event(
        number=n,
        by=by,
        at=now,
        action="divert",
        before=before,
        after=_state(n) | {"reason": reason},
    )
    return n


# --- counters ------------------------------------------------------------------------------------


@transaction.atomic
def counter_sign_in(*, counter: Counter, by: User) -> Counter:
    require(by, COUNTER_ROLES, _("窗口签到"))
    c = _lock_counter(counter)
    if c.staff_id == by.pk:
        return c
    if c.staff_id is not None:
        raise ValidationError(
            _("%(counter)s已由 %(who)s 签到,请先交接班或签退") % {"counter": c, "who": c.staff}
        )
    elsewhere = Counter.objects.filter(staff=by).exclude(pk=c.pk).first()
    if elsewhere is not None:
        raise ValidationError(_("您已在%(counter)s签到,请先签退") % {"counter": elsewhere})
    now = timezone.now()
    before = {"state": c.state, "staff": None}
    c.staff = by
    c.signed_in_at = now
    c.state = Counter.State.OPEN
    c.vip_streak = 0
    c.save(update_fields=["staff", "signed_in_at", "state", "vip_streak"])
    _event(
        counter=c,
        by=by,
        at=now,
        action="sign_in",
        before=before,
        after={"state": c.state, "staff": by.pk},
    )
    return c


@transaction.atomic
def counter_sign_out(*, counter: Counter, by: User) -> Counter:
    c = _lock_counter(counter)
    if c.staff_id is None:
        raise ValidationError(_("%(counter)s无人签到") % {"counter": c})
    _may_work_counter(by, c, _("窗口签退"))
    current = counter_current(c)
    if current is not None:
        raise ValidationError(
            _("%(counter)s正在为 %(code)s 服务,请办结后再签退")
            % {"counter": c, "code": current.code}
        )
    now = timezone.now()
    before = {"state": c.state, "staff": c.staff_id}
    c.staff = None
    c.signed_in_at = None
    c.state = Counter.State.CLOSED
    c.save(update_fields=["staff", "signed_in_at", "state"])
    _event(
        counter=c,
        by=by,
        at=now,
        action="sign_out",
        before=before,
        after={"state": c.state, "staff": None},
    )
    return c


@transaction.atomic
def counter_set_state(*, counter: Counter, by: User, state: str) -> Counter:
    """Open, pause (a break) or close a counter."""
    c = _lock_counter(counter)
    if state not in Counter.State.values:
        raise ValidationError({"state": [_("无效的窗口状态")]})
    _may_work_counter(by, c, _("设置窗口状态"))
    if state == Counter.State.OPEN and c.staff_id is None:
        raise ValidationError({"state": [_("窗口无人签到,不能开放")]})
    if state == Counter.State.CLOSED:
        current = counter_current(c)
        if current is not None:
            raise ValidationError(
                {"state": [_("正在为 %(code)s 服务,请办结后再关闭窗口") % {"code": current.code}]}
            )
    if c.state == state:
        return c
    now = timezone.now()
    before = {"state": c.state}
    c.state = state
    c.save(update_fields=["state"])
    _event(counter=c, by=by, at=now, action="state", before=before, after={"state": state})
    return c


# --- opening checklist ---------------------------------------------------------------------------


@transaction.atomic
def checklist_sign_off(
    *, hall: Hall, by: User, item_ids: Iterable[int], note: str = ""
) -> ChecklistSignOff:
    """HALL-1: today's preparation checklist, every active item ticked, signed with time and person."""
    require(by, HALL_STAFF, _("开门检查签字"))
    now = timezone.now()
    day = local_day(now)
    items = list(ChecklistItem.objects.filter(active=True))
    ticked = {int(i) for i in item_ids}
    missing = [i.text for i in items if i.pk not in ticked]
    if ChecklistSignOff.objects.filter(hall=hall, day=day).exists():
        raise ValidationError(_("今日的开门检查已签字"))
    if not items:
        raise ValidationError({"items": [_("尚未配置开门检查项目")]})
    if missing:
        raise ValidationError(
            {
                "items": [
                    _("以下项目尚未检查:%(items)s")
                    % {"items": pgettext("list separator", "、").join(missing)}
                ]
            }
        )
    signoff = ChecklistSignOff.objects.create(
        hall=hall,
        day=day,
        signed_by=by,
        signed_at=now,
        items=[{"id": i.pk, "category": i.category, "text": i.text} for i in items],
        note=note.strip()[:200],
    )
    _event(by=by, at=now, action="checklist", after={"hall": hall.pk, "day": day.isoformat()})
    return signoff


# --- shift handover ------------------------------------------------------------------------------


def owed_to_customers(user: User) -> list[dict[str, Any]]:
    """HALL-6: open callbacks and replies still owed from work orders assigned to `user`."""
    from kefu.tickets.models import Callback, Status, Ticket

    owed: list[dict[str, Any]] = []
    for cb in (
        Callback.objects.filter(owner=user, state=Callback.State.OPEN)
        .select_related("ticket")
        .order_by("due_at")
    ):
        owed.append(
            {
                "kind": "callback",
                "id": cb.pk,
                "ticket": cb.ticket.number,
                "ticket_id": cb.ticket_id,
                "subject": cb.ticket.subject,
                "due_at": cb.due_at.isoformat(),
                "text": cb.promise_text or cb.get_reason_display(),
            }
        )
    for t in (
        Ticket.objects.filter(assignee=user, is_open=True)
        .exclude(status=Status.REPLIED)
        .order_by("reply_due_at", "pk")
    ):
        owed.append(
            {
                "kind": "reply",
                "id": t.pk,
                "ticket": t.number,
                "ticket_id": t.pk,
                "subject": t.subject,
                "due_at": t.reply_due_at.isoformat() if t.reply_due_at else None,
                "text": t.get_status_display(),
            }
        )
    return owed


def _serving_at(user: User, counter: Counter | None) -> QueueNumber | None:
    qs = QueueNumber.objects.filter(status__in=ACTIVE_STATUSES)
    if counter is not None:
        return qs.filter(counter=counter).first() or qs.filter(counter__staff=user).first()
    return qs.filter(counter__staff=user).first()


@transaction.atomic
def handover_create(
    *,
    hall: Hall,
    by: User,
    incoming: User | None,
    counter: Counter | None = None,
    post: str = "",
    notes: str = "",
) -> ShiftHandover:
    """The outgoing person (`by`) hands over a counter or a post; refused while serving someone."""
    require(by, HALL_STAFF, _("交接班"))
    errors: dict[str, list[str]] = {}
    if incoming is None:
        errors["incoming"] = [_("请选择接班人")]
    elif incoming.pk == by.pk:
        errors["incoming"] = [_("接班人不能是自己")]
    elif not incoming.is_active:
        errors["incoming"] = [_("接班人账号已停用")]
    post = (post or "").strip()
    if counter is None and not post:
        errors["counter"] = [_("请选择交接的窗口或填写岗位")]
    if counter is not None:
        counter = _lock_counter(counter)
        if counter.hall_id != hall.pk:
            errors["counter"] = [_("该窗口不属于本营业厅")]
        elif counter.staff_id not in (None, by.pk) and not has_role(by, HALL_SUPERVISORS):
            errors["counter"] = [_("只能交接自己签到的窗口")]
    if errors:
        raise ValidationError(errors)
    serving = _serving_at(by, counter)
    if serving is not None:
        raise ValidationError(
            _("窗口正在为客户 %(code)s 服务,请服务完当前客户后再交接班") % {"code": serving.code}
        )
    now = timezone.now()
    handover = ShiftHandover.objects.create(
        hall=hall,
        counter=counter,
        post=post,
        outgoing=by,
        incoming=incoming,
        notes=notes.strip(),
        counter_state=counter.state if counter else "",
        owed=owed_to_customers(by),
        created_at=now,
    )
    _event(
        counter=counter,
        by=by,
        at=now,
        action="handover",
        after={"handover": handover.pk, "incoming": incoming.pk, "owed": len(handover.owed)},  # type: ignore[union-attr]
    )
    return handover


@transaction.atomic
def handover_acknowledge(*, handover: ShiftHandover, by: User) -> ShiftHandover:
    """The incoming person confirms; the counter passes to them (signed in, state kept)."""
    h = ShiftHandover.objects.select_for_update(no_key=True).get(pk=handover.pk)
    if h.incoming_id != by.pk and not has_role(by, HALL_SUPERVISORS):
        raise PermissionDenied(_("只有接班人可以确认交接"))
    if h.acknowledged_at is not None:
        raise ValidationError(_("该交接班记录已确认"))
    counter = _lock_counter(h.counter) if h.counter_id else None
    serving = _serving_at(h.outgoing, counter)
    if serving is not None:
        raise ValidationError(
            _("窗口正在为客户 %(code)s 服务,请服务完当前客户后再交接班") % {"code": serving.code}
        )
    now = timezone.now()
    h.acknowledged_at = now
    h.save(update_fields=["acknowledged_at"])
    if counter is not None and h.incoming_id != counter.staff_id:
        Counter.objects.filter(staff=h.incoming).exclude(pk=counter.pk).update(
            staff=None, signed_in_at=None, state=Counter.State.CLOSED
        )
        before = {"state": counter.state, "staff": counter.staff_id}
        counter.staff = h.incoming
        counter.signed_in_at = now
        counter.vip_streak = 0
        counter.save(update_fields=["staff", "signed_in_at", "vip_streak"])
        _event(
            counter=counter,
            by=by,
            at=now,
            action="sign_in",
            before=before,
            after={"state": counter.state, "staff": h.incoming_id, "handover": h.pk},
        )
    _event(counter=counter, by=by, at=now, action="handover_ack", after={"handover": h.pk})
    return h


# --- floor walker and counter extras ---------------------------------------------------------------


@transaction.atomic
def number_flag(*, number: QueueNumber, by: User, note: str) -> QueueNumber:
    """The floor walker flags an upset customer to the team leads (in-app notification)."""
    from kefu.core.services import notify

    require(by, HALL_STAFF, _("提醒班长"))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("请简要说明客户情况")]})
    n = _lock_number(number)
    now = timezone.now()
    leads = list(User.objects.filter(role__in=HALL_SUPERVISORS, is_active=True))
    notify(
        users=leads,
        message=Message.of(
            gettext_noop("营业厅 %(hall)s:%(code)s 号客户需要关注 —— %(note)s"),
            hall=n.hall.name,
            code=n.code,
            note=note[:200],
        ),
        level="warning",
        email=False,
    )
    _event(number=n, by=by, at=now, action="flag", after={"note": note[:200], "leads": len(leads)})
    return n


@transaction.atomic
def complaint_intake(
    *, number: QueueNumber, by: User, name: str, phone: str, description: str
) -> Any:
    """Quick complaint intake at the counter: a work order (kind complaint, channel walk-in) for
    the customer being served, found by phone or created."""
    from kefu.customers.services import customer_create, customer_duplicates, normalize_phone
    from kefu.tickets.services import ticket_create

    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("请填写客户称呼")]
    if not (phone or "").strip():
        errors["phone"] = [_("请填写客户联系电话")]
    if not (description or "").strip():
        errors["description"] = [_("请填写投诉内容")]
    if errors:
        raise ValidationError(errors)
    n = _lock_number(number)
    existing = customer_duplicates(phone=normalize_phone(phone.strip()))
    customer = (
        existing[0]
        if existing
        else customer_create(by=by, data={"name": name.strip(), "phone": phone.strip()})
    )
    ticket, _created = ticket_create(
        by=by,
        customer=customer,
        data={
            "kind": "complaint",
            "channel": "walk_in",
            "description": description.strip(),
            "contact_phone": phone.strip(),
            "subject": _("营业厅投诉(%(code)s):%(text)s")
            % {"code": n.code, "text": description.strip()[:40]},
        },
    )
    _event(number=n, by=by, at=timezone.now(), action="complaint", after={"ticket": ticket.number})
    return ticket
