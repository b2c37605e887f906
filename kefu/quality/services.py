"""Writes of quality inspection (质检): import conversations, inspect them, review and appeal findings.

Each service is typed, keyword-only, runs in one transaction, checks permissions itself and writes
the conversation's append-only timeline (`QualityEvent`). The rules themselves live in
`kefu.domain.inspection`; this module stores what the engine says and what people decide about it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, User
from kefu.accounts.permissions import require
from kefu.core.calendars import calendar_get
from kefu.core.services import notify
from kefu.customers.models import Customer
from kefu.customers.services import normalize_phone
from kefu.domain.conversation import (
    Conversation as DomainConversation,
)
from kefu.domain.conversation import (
    ParseProblem,
    conversation_to_json,
    parse_bytes,
    parse_object,
)
from kefu.tickets.models import Ticket

from .models import (
    Appeal,
    Commitment,
    Conversation,
    Finding,
    Inspection,
    InspectionBatch,
    QualityEvent,
)
from .permissions import IMPORTERS, REVIEWERS

log = logging.getLogger(__name__)

# at most this many conversations are inspected while the request waits; more go to a task
SYNC_LIMIT = 20
MAX_REASON = 1000


# --- rulebook -----------------------------------------------------------------------------------

_rulebook_lock = threading.Lock()
_rulebook_cache: dict[str, Any] = {"key": None, "rulebook": None}


def _rulebook_key() -> tuple[str, float]:
    path = getattr(settings, "KEFU_RULEBOOK", None)
    if not path:
        return ("", 0.0)
    try:
        return (str(path), Path(path).stat().st_mtime)
    except OSError:
        return (str(path), -1.0)


def rulebook_get() -> Any:
    """The site's compiled rulebook: settings.KEFU_RULEBOOK (a YAML file) or the packaged default.

    Cached per process and reloaded when the file changes, so an edited copy takes effect without
    a restart. A bad file raises RulebookInvalid naming the rule and field of each problem.
    """
    from kefu.domain.inspection import default_rulebook, rulebook_from_path

    key = _rulebook_key()
    with _rulebook_lock:
        if _rulebook_cache["key"] == key and _rulebook_cache["rulebook"] is not None:
            return _rulebook_cache["rulebook"]
    rulebook = rulebook_from_path(key[0]) if key[0] else default_rulebook()
    with _rulebook_lock:
        _rulebook_cache["key"] = key
        _rulebook_cache["rulebook"] = rulebook
    return rulebook


def rulebook_invalidate() -> None:
    with _rulebook_lock:
        _rulebook_cache["key"] = None
        _rulebook_cache["rulebook"] = None


def rulebook_error_message(exc: Exception) -> str:
    problems = getattr(exc, "problems", None)
    if problems:
        return _("规则库有误:%(p)s") % {"p": ";".join(str(p) for p in problems[:10])}
    return _("规则库无法加载:%(e)s") % {"e": exc}


# --- timeline -----------------------------------------------------------------------------------


def _event(
    conversation: Conversation,
    *,
    by: User | None,
    action: str,
    finding: Finding | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> QualityEvent:
    return QualityEvent.objects.create(
        conversation=conversation,
        finding=finding,
        at=timezone.now(),
        actor=by if by is not None and by.pk else None,
        actor_label=str(by) if by is not None else _("系统"),
        action=action,
        before=before or {},
        after=after or {},
        reason=reason,
    )


# --- import -------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    problems: list[ParseProblem] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    inspected: int = 0
    batch: InspectionBatch | None = None
    inspect_error: str = ""

    @property
    def saved(self) -> int:
        return self.created + self.updated


def problem_json(p: ParseProblem) -> dict[str, str]:
    return {"source": p.source, "where": p.where, "field": p.field, "reason": p.reason}


def _agent_for(conv: DomainConversation, fallback: User | None) -> User | None:
    """The agent named in the file (employee number, else user name), else the one chosen."""
    info = conv.agent or {}
    employee_no = str(info.get("employee_no") or "").strip()
    if employee_no:
        user = User.objects.filter(employee_no=employee_no).first()
        if user is not None:
            return user
    agent_id = str(info.get("id") or "").strip()
    if agent_id:
        user = User.objects.filter(username=agent_id).first()
        if user is not None:
            return user
    return fallback


def _agent_label(conv: DomainConversation) -> str:
    info = conv.agent or {}
    parts = [str(info.get(k) or "").strip() for k in ("employee_no", "name", "id")]
    return " ".join(p for p in parts if p)[:120]


def _customer_for(conv: DomainConversation, ticket: Ticket | None) -> Customer | None:
    phone = normalize_phone(str((conv.customer or {}).get("phone") or ""))
    if phone:
        matches = list(Customer.objects.filter(Q(phone=phone) | Q(phone2=phone))[:2])
        if len(matches) == 1:
            return matches[0]
    return ticket.customer if ticket is not None else None


def _check_agent(agent: User | None) -> None:
    if agent is not None and not agent.is_active:
        raise ValidationError({"agent": [_("该坐席账号已停用")]})


def _save_conversation(
    conv: DomainConversation,
    *,
    by: User | None,
    source: str,
    agent: User | None,
    ticket: Ticket | None,
) -> tuple[Conversation, bool]:
    payload = conversation_to_json(conv)
    matched_agent = _agent_for(conv, agent)
    existing = Conversation.objects.select_for_update().filter(external_id=conv.id[:200]).first()
    values: dict[str, Any] = {
        "channel": conv.channel,
        "line": conv.line,
        "direction": conv.direction,
        "started_at": conv.started_at,
        "agent_label": _agent_label(conv),
        "payload": payload,
        "segment_count": len(conv.segments),
        "source": source[:200],
    }
    if existing is None:
        now = timezone.now()
        try:
            with transaction.atomic():
                obj = Conversation.objects.create(
                    external_id=conv.id[:200],
                    occurred_at=conv.started_at or now,
                    agent=matched_agent,
                    ticket=ticket,
                    customer=_customer_for(conv, ticket),
                    imported_by=by if by is not None and by.pk else None,
                    imported_at=now,
                    **values,
                )
        except IntegrityError:
            # another import saved the same id a moment ago: this one becomes an update
            existing = Conversation.objects.select_for_update().get(external_id=conv.id[:200])
        else:
            _event(obj, by=by, action="imported", after={"source": source, "agent": obj.agent_id})
            return obj, True
    before = {
        "agent": existing.agent_id,
        "ticket": existing.ticket_id,
        "source": existing.source,
        "segments": existing.segment_count,
    }
    for name, value in values.items():
        setattr(existing, name, value)
    existing.occurred_at = conv.started_at or existing.imported_at
    # a re-import without agent or work order keeps the ones linked before
    if matched_agent is not None:
        existing.agent = matched_agent
    if ticket is not None:
        existing.ticket = ticket
    customer = _customer_for(conv, existing.ticket)
    if customer is not None:
        existing.customer = customer
    existing.save()
    after = {
        "agent": existing.agent_id,
        "ticket": existing.ticket_id,
        "source": existing.source,
        "segments": existing.segment_count,
    }
    _event(existing, by=by, action="reimported", before=before, after=after)
    return existing, False


def conversations_save(
    *,
    by: User | None,
    conversations: list[DomainConversation],
    source: str,
    agent: User | None = None,
    ticket: Ticket | None = None,
    problems: list[ParseProblem] | None = None,
    inspect_now: bool | None = None,
) -> ImportResult:
    """Saves parsed conversations (new ones created, known external ids updated) and inspects them:
    up to SYNC_LIMIT while the caller waits, more in a background batch (`inspect_now` forces)."""
    if by is not None:
        require(by, IMPORTERS, _("导入质检对话"))
    _check_agent(agent)
    result = ImportResult(problems=list(problems or []))
    seen: set[str] = set()
    with transaction.atomic():
        for conv in conversations:
            if conv.id in seen:
                result.problems.append(
                    ParseProblem(source, conv.id, "id", _("同一批中对话编号重复,只保留第一个"))
                )
                continue
            seen.add(conv.id)
            obj, created = _save_conversation(
                conv, by=by, source=source, agent=agent, ticket=ticket
            )
            result.conversations.append(obj)
            if created:
                result.created += 1
            else:
                result.updated += 1
        sync = inspect_now if inspect_now is not None else len(result.conversations) <= SYNC_LIMIT
        if result.conversations and not sync:
            result.batch = batch_create(
                by=by, conversations=result.conversations, problems=result.problems, source=source
            )
    if result.conversations and sync:
        # each inspection commits on its own: a rulebook or engine failure keeps the import
        for obj in result.conversations:
            try:
                conversation_inspect(conversation=obj, by=None)
                result.inspected += 1
            except Exception as exc:  # noqa: BLE001 - reported on the page, conversation kept
                log.exception("inspection of %s failed", obj.external_id)
                if exc.__class__.__name__ == "RulebookInvalid":
                    result.inspect_error = rulebook_error_message(exc)
                    break
                result.inspect_error = _("部分对话未能完成质检,可稍后在对话页重新质检")
        for obj in result.conversations:
            obj.refresh_from_db()
    return result


def conversations_import(
    *,
    by: User,
    data: bytes,
    filename: str,
    agent: User | None = None,
    ticket: Ticket | None = None,
    meta: dict[str, Any] | None = None,
    inspect_now: bool | None = None,
) -> ImportResult:
    """One uploaded file: each good conversation is saved (a known external id is updated) and
    inspected; each bad one is reported (file, where, field, reason) and skipped."""
    require(by, IMPORTERS, _("导入质检对话"))
    _check_agent(agent)
    parsed = parse_bytes(data, source=filename or "<upload>", meta=meta)
    return conversations_save(
        by=by,
        conversations=parsed.conversations,
        source=filename or "<upload>",
        agent=agent,
        ticket=ticket,
        problems=parsed.problems,
        inspect_now=inspect_now,
    )


# --- inspection ---------------------------------------------------------------------------------


def domain_conversation(conversation: Conversation) -> DomainConversation:
    conv, problems = parse_object(
        conversation.payload, source=conversation.source or "db", where=conversation.external_id
    )
    if conv is None:
        raise ValidationError({"payload": [str(p) for p in problems]})
    return conv


def inspect_preview(
    *, data: bytes, source: str = "request"
) -> tuple[list[Any], list[ParseProblem]]:
    """Parses and inspects without saving anything: (InspectionReports, parse problems)."""
    from kefu.domain.inspection import inspect

    parsed = parse_bytes(data, source=source)
    if parsed.problems:
        return [], parsed.problems
    rulebook = rulebook_get()
    calendar = calendar_get("working_days")
    return [inspect(c, rulebook, calendar=calendar) for c in parsed.conversations], []


def _span(value: Any) -> tuple[int | None, int | None]:
    if value is None:
        return None, None
    start, end = value
    return int(start), int(end)


def _decision_key(rule: str, segment: int | None, start: int | None, end: int | None) -> tuple:
    return (rule, segment, start, end)


@transaction.atomic
def conversation_inspect(*, conversation: Conversation, by: User | None = None) -> Inspection:
    """Runs the site rulebook over the conversation and stores the report and its findings.

    Decisions already taken on the same finding (same rule, segment and span) carry over to the
    new inspection, so re-inspecting never silently undoes an inspector's review. Promises become
    callbacks of the linked work order, once.
    """
    from kefu.domain.inspection import inspect, scoring_terms

    if by is not None:
        require(by, IMPORTERS, _("质检对话"))
    conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
    domain = domain_conversation(conv)
    rulebook = rulebook_get()
    report = inspect(domain, rulebook, calendar=calendar_get("working_days"))
    now = timezone.now()

    previous = {
        _decision_key(f.rule, f.segment, f.span_start, f.span_end): f
        for f in Finding.objects.filter(conversation=conv, is_latest=True).exclude(
            status=Finding.Status.OPEN
        )
    }
    Inspection.objects.filter(conversation=conv, is_latest=True).update(is_latest=False)
    Finding.objects.filter(conversation=conv, is_latest=True).update(is_latest=False)

    inspection = Inspection.objects.create(
        conversation=conv,
        rulebook_name=report.rulebook_name,
        rulebook_version=report.rulebook_version,
        score=report.score,
        verdict=report.verdict,
        original_score=report.score,
        original_verdict=report.verdict,
        report=report.to_json(),
        scoring=scoring_terms(rulebook, {f.rule for f in report.findings}).to_json(),
        inspected_at=now,
        inspected_by=by if by is not None and by.pk else None,
    )
    rows = []
    carried = 0
    for i, f in enumerate(report.findings):
        start, end = _span(f.span)
        rule = rulebook.rule(f.rule)
        row = Finding(
            inspection=inspection,
            conversation=conv,
            index=i,
            rule=f.rule,
            title=(getattr(rule, "title", "") or "")[:200],
            standards=list(f.standards),
            severity=f.severity,
            dimension=f.dimension or getattr(rule, "dimension", "") or "",
            deduction=float(f.deduction),
            segment=f.segment,
            span_start=start,
            span_end=end,
            evidence=f.evidence,
            message=f.message,
            suggestion=f.suggestion,
        )
        old = previous.get(_decision_key(f.rule, f.segment, start, end))
        if old is not None:
            row.status = old.status
            row.reviewed_by_id = old.reviewed_by_id
            row.reviewed_at = old.reviewed_at
            row.review_reason = old.review_reason
            carried += 1
        rows.append(row)
    Finding.objects.bulk_create(rows)
    if carried:
        _rescore(inspection)
    _conversation_sync(conv, inspection)
    _event(
        conv,
        by=by,
        action="inspected",
        after={
            "inspection": inspection.pk,
            "rulebook": f"{report.rulebook_name} {report.rulebook_version}",
            "score": inspection.score,
            "verdict": inspection.verdict,
            "findings": len(rows),
            "carried_decisions": carried,
        },
    )
    _commitments_record(conv, report, now=now)
    return inspection


def _conversation_sync(conv: Conversation, inspection: Inspection) -> None:
    """The conversation row carries its latest inspection's current result (lists, filters)."""
    conv.latest_inspection = inspection
    conv.score = inspection.score
    conv.verdict = inspection.verdict
    conv.inspected_at = inspection.inspected_at
    conv.finding_count = (
        Finding.objects.filter(inspection=inspection)
        .exclude(status=Finding.Status.OVERTURNED)
        .count()
    )
    conv.save(
        update_fields=[
            "latest_inspection",
            "score",
            "verdict",
            "inspected_at",
            "finding_count",
            "updated_at",
        ]
    )


def _rescore(inspection: Inspection) -> None:
    """Score and verdict from the findings still standing (overturned ones leave the score)."""
    from kefu.domain.inspection import ScoringTerms, rescore, scoring_terms

    findings = list(Finding.objects.filter(inspection=inspection))
    if not any(f.status == Finding.Status.OVERTURNED for f in findings):
        score, verdict = inspection.original_score, inspection.original_verdict
    else:
        standing = [(f.rule, f.severity) for f in findings if f.standing]
        terms = (
            ScoringTerms.from_json(inspection.scoring)
            if inspection.scoring
            else scoring_terms(rulebook_get())
        )
        score, verdict = rescore(terms, standing)
    inspection.score = float(score)
    inspection.verdict = verdict
    inspection.save(update_fields=["score", "verdict"])


# --- promises -> callbacks ---------------------------------------------------------------------


def _commitments_record(conv: Conversation, report: Any, *, now: datetime) -> None:
    """SLA-6: a callback promised in a conversation linked to a work order becomes a callback of
    that work order. One Commitment row per promise keeps this idempotent."""
    ticket = Ticket.objects.filter(pk=conv.ticket_id).select_related("assignee").first()
    for c in report.commitments:
        evidence = (c.evidence or "")[:500]
        start, end = _span(getattr(c, "span", None))
        row, created = Commitment.objects.get_or_create(
            conversation=conv,
            kind=c.kind,
            segment=c.segment,
            evidence=evidence,
            defaults={"state": Commitment.State.NO_TICKET},
        )
        if row.callback_id is not None:
            continue  # already a callback: re-inspecting never makes a second one
        previous_state = None if created else row.state
        row.due_at = c.due_at
        row.hours = getattr(c, "hours", None)
        row.span_start, row.span_end = start, end
        row.note = ""
        if c.kind != "callback":
            row.state = Commitment.State.FAILED
            row.note = _("暂不支持此类承诺")
        elif ticket is None:
            row.state = Commitment.State.NO_TICKET
        elif c.due_at is None:
            row.state = Commitment.State.NO_DUE
            row.note = _("未能识别承诺的回电时间,请人工登记回电")
        else:
            late = c.due_at <= now
            callback, note = _callback_create(
                conv, ticket, due_at=c.due_at, text=evidence, recorded_late=late
            )
            if callback is not None:
                row.callback = callback
                row.state = Commitment.State.PAST_DUE if late else Commitment.State.CALLBACK
                if late:
                    # already overdue when recorded: the callback exists (the escalation job
                    # sees it) and the people responsible are told at once
                    row.note = _("承诺的回电时间在导入时已过,已登记为逾期回电,请尽快联系客户")
                    if previous_state != Commitment.State.PAST_DUE:
                        _past_due_notify(conv, ticket, c.due_at, evidence)
            else:
                row.state = Commitment.State.FAILED
                row.note = note[:300]
        row.save()
        if row.callback_id is not None:
            _event(
                conv,
                by=None,
                action="callback_created",
                after={"callback": row.callback_id, "ticket": ticket.number if ticket else None},
                reason=evidence,
            )


def _callback_create(
    conv: Conversation, ticket: Ticket, *, due_at: datetime, text: str, recorded_late: bool = False
) -> tuple[Any, str]:
    """The callback through the tickets service, acting as the agent who made the promise (else
    the work order's handler); (None, why) when neither may handle the work order."""
    from kefu.tickets.services import callback_promise

    candidates = [u for u in (conv.agent, ticket.assignee) if u is not None]
    reason = _("该对话没有坐席,工单也没有处理人")
    for user in dict.fromkeys(candidates):
        try:
            callback = callback_promise(
                by=user,
                ticket=ticket,
                due_at=due_at,
                promise_text=text[:200],
                recorded_late=recorded_late,
            )
            return callback, ""
        except PermissionDenied as exc:
            reason = str(exc)
        except ValidationError as exc:
            return None, "; ".join(exc.messages)
    return None, reason


def _past_due_notify(conv: Conversation, ticket: Ticket, due_at: datetime, evidence: str) -> None:
    lead = ticket.team.lead if ticket.team_id and ticket.team and ticket.team.lead_id else None
    message = _(
        "对话 %(conv)s 中承诺的回电(%(due)s 前)在导入时已逾期,请尽快联系客户(工单 %(no)s):%(text)s"
    ) % {
        "conv": conv.external_id,
        "due": f"{timezone.localtime(due_at):%m-%d %H:%M}",
        "no": ticket.number,
        "text": evidence[:60],
    }
    notify(
        users=[ticket.assignee, conv.agent, lead],
        message=message,
        level="warning",
        link=ticket.get_absolute_url(),
    )


# --- review and appeal --------------------------------------------------------------------------


def _clean_reason(reason: str | None) -> str:
    return (reason or "").strip()[:MAX_REASON]


def _lock_finding(finding: Finding) -> Finding:
    return (
        Finding.objects.select_for_update(of=("self",))
        .select_related("inspection", "conversation", "conversation__agent")
        .get(pk=finding.pk)
    )


def _apply_decision(f: Finding, *, by: User, status: str, reason: str) -> dict[str, Any]:
    """Sets the finding's status, recomputes its inspection and conversation; returns before."""
    inspection = f.inspection
    before = {"status": f.status, "score": inspection.score, "verdict": inspection.verdict}
    f.status = status
    f.reviewed_by = by
    f.reviewed_at = timezone.now()
    f.review_reason = reason
    f.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
    _rescore(inspection)
    if inspection.is_latest:
        _conversation_sync(f.conversation, inspection)
    return before


@transaction.atomic
def finding_review(*, by: User, finding: Finding, decision: str, reason: str = "") -> Finding:
    """An inspector (or manager) confirms or overturns a finding. Overturning needs a reason; an
    overturned finding leaves the score and the statistics, its reason is kept. A pending appeal
    on the finding is decided by the same review."""
    require(by, REVIEWERS, _("复核质检结果"))
    reason = _clean_reason(reason)
    errors: dict[str, list[str]] = {}
    if decision not in ("confirm", "overturn"):
        errors["decision"] = [_("请选择确认或撤销")]
    elif decision == "overturn" and not reason:
        errors["reason"] = [_("撤销质检问题须填写理由")]
    if errors:
        raise ValidationError(errors)
    f = _lock_finding(finding)
    status = Finding.Status.CONFIRMED if decision == "confirm" else Finding.Status.OVERTURNED
    if f.status == status:
        raise ValidationError(
            {"decision": [_("该问题已是“%(s)s”状态") % {"s": Finding.Status(status).label}]}
        )
    if f.status == Finding.Status.OVERTURNED and not reason:
        raise ValidationError({"reason": [_("恢复已撤销的问题须填写理由")]})
    before = _apply_decision(f, by=by, status=status, reason=reason)
    inspection = f.inspection
    _event(
        f.conversation,
        by=by,
        action=f"finding_{status}",
        finding=f,
        before=before,
        after={"status": status, "score": inspection.score, "verdict": inspection.verdict},
        reason=reason,
    )
    appeal = Appeal.objects.select_for_update().filter(finding=f, decided_at__isnull=True).first()
    if appeal is not None:
        _appeal_close(
            appeal,
            by=by,
            outcome=Appeal.Outcome.UPHELD if decision == "confirm" else Appeal.Outcome.OVERTURNED,
            reason=reason or _("复核确认"),
        )
    return f


@transaction.atomic
def finding_appeal(*, by: User, finding: Finding, reason: str) -> Appeal:
    """The conversation's agent appeals a finding, once, with a reason; inspectors are told."""
    f = _lock_finding(finding)
    if f.conversation.agent_id is None or f.conversation.agent_id != by.pk:
        raise PermissionDenied(_("只有该对话的坐席本人可以申诉"))
    reason = _clean_reason(reason)
    if not reason:
        raise ValidationError({"reason": [_("请填写申诉理由")]})
    if not f.is_latest:
        raise ValidationError({"reason": [_("该对话已重新质检,请对最新的质检结果申诉")]})
    if f.status == Finding.Status.OVERTURNED:
        raise ValidationError({"reason": [_("该问题已撤销,无需申诉")]})
    if Appeal.objects.filter(finding=f).exists():
        raise ValidationError({"reason": [_("每个质检问题只能申诉一次")]})
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(finding=f, by=by, reason=reason)
    except IntegrityError:
        raise ValidationError({"reason": [_("每个质检问题只能申诉一次")]}) from None
    _event(
        f.conversation,
        by=by,
        action="appealed",
        finding=f,
        after={"appeal": appeal.pk},
        reason=reason,
    )
    inspectors = list(User.objects.filter(role=Role.INSPECTOR, is_active=True))
    notify(
        users=inspectors,
        message=_("%(agent)s 对对话 %(conv)s 的质检问题“%(rule)s”提出申诉:%(reason)s")
        % {
            "agent": by,
            "conv": f.conversation.external_id,
            "rule": f.title or f.rule,
            "reason": reason[:80],
        },
        link=f.conversation.get_absolute_url() + f"#finding-{f.pk}",
    )
    return appeal


def _appeal_close(appeal: Appeal, *, by: User, outcome: str, reason: str) -> None:
    before = {"outcome": appeal.outcome}
    appeal.decided_by = by
    appeal.decided_at = timezone.now()
    appeal.outcome = outcome
    appeal.decision_reason = reason
    appeal.save(update_fields=["decided_by", "decided_at", "outcome", "decision_reason"])
    f = appeal.finding
    _event(
        f.conversation,
        by=by,
        action="appeal_decided",
        finding=f,
        before=before,
        after={"appeal": appeal.pk, "outcome": outcome},
        reason=reason,
    )
    notify(
        users=[appeal.by],
        message=_("您对对话 %(conv)s 的申诉已处理:%(outcome)s。%(reason)s")
        % {
            "conv": f.conversation.external_id,
            "outcome": Appeal.Outcome(outcome).label,
            "reason": reason[:80],
        },
        link=f.conversation.get_absolute_url() + f"#finding-{f.pk}",
    )


@transaction.atomic
def appeal_decide(*, by: User, appeal: Appeal, outcome: str, reason: str) -> Appeal:
    """An inspector or manager upholds the finding or overturns it (then it leaves the score)."""
    require(by, REVIEWERS, _("处理申诉"))
    reason = _clean_reason(reason)
    errors: dict[str, list[str]] = {}
    if outcome not in Appeal.Outcome.values:
        errors["outcome"] = [_("请选择维持或撤销")]
    if not reason:
        errors["reason"] = [_("请填写处理意见")]
    if errors:
        raise ValidationError(errors)
    a = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("finding", "by")
        .get(pk=appeal.pk)
    )
    if a.decided_at is not None:
        raise ValidationError({"outcome": [_("该申诉已处理")]})
    f = _lock_finding(a.finding)
    a.finding = f
    status = (
        Finding.Status.CONFIRMED if outcome == Appeal.Outcome.UPHELD else Finding.Status.OVERTURNED
    )
    if f.status != status:
        before = _apply_decision(f, by=by, status=status, reason=reason)
        _event(
            f.conversation,
            by=by,
            action=f"finding_{status}",
            finding=f,
            before=before,
            after={
                "status": status,
                "score": f.inspection.score,
                "verdict": f.inspection.verdict,
            },
            reason=reason,
        )
    _appeal_close(a, by=by, outcome=outcome, reason=reason)
    return a


# --- batches ------------------------------------------------------------------------------------


def batch_create(
    *,
    by: User | None,
    conversations: list[Conversation],
    problems: list[ParseProblem] | None = None,
    source: str = "",
) -> InspectionBatch:
    """A background inspection of many conversations; the task starts once this commits."""
    batch = InspectionBatch.objects.create(
        created_by=by if by is not None and by.pk else None,
        source=source[:200],
        total=len(conversations),
        problems=[problem_json(p) for p in problems or []],
    )
    batch.conversations.set(conversations)
    batch_id = batch.pk

    def enqueue() -> None:
        from .tasks import inspect_batch

        try:
            inspect_batch.enqueue(batch_id)
        except Exception:  # the batch stays queued; `batch_run` can be called again
            log.warning("could not enqueue inspection batch %s", batch_id, exc_info=True)

    transaction.on_commit(enqueue)
    return batch


def batch_run(*, batch_id: int) -> InspectionBatch:
    """Inspects the batch's conversations, each in its own transaction, counting progress.

    Idempotent: a conversation already inspected since the batch was created is not inspected
    again, so a retried task continues where it stopped.
    """
    batch = InspectionBatch.objects.get(pk=batch_id)
    if batch.status == InspectionBatch.Status.DONE:
        return batch
    InspectionBatch.objects.filter(pk=batch_id).update(
        status=InspectionBatch.Status.RUNNING, started_at=batch.started_at or timezone.now()
    )
    done = failed = 0
    errors: list[dict[str, str]] = []
    for conv in batch.conversations.all().order_by("id"):
        if conv.inspected_at is not None and conv.inspected_at >= batch.created_at:
            done += 1
            continue
        try:
            conversation_inspect(conversation=conv, by=None)
            done += 1
        except Exception as exc:  # noqa: BLE001 - one bad conversation never stops the batch
            log.exception("batch %s: inspection of %s failed", batch_id, conv.external_id)
            failed += 1
            errors.append({"conversation": conv.external_id, "reason": str(exc)[:300]})
        InspectionBatch.objects.filter(pk=batch_id).update(done=done, failed=failed)
    InspectionBatch.objects.filter(pk=batch_id).update(
        status=InspectionBatch.Status.DONE,
        done=done,
        failed=failed,
        errors=errors,
        finished_at=timezone.now(),
    )
    batch.refresh_from_db()
    return batch
