"""Inspection of a stored conversation by the rulebook, and the callbacks its promises become."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import User
from kefu.accounts.permissions import require
from kefu.core.calendars import calendar_get
from kefu.core.messages import Message
from kefu.core.services import notify
from kefu.domain.conversation import (
    Conversation as DomainConversation,
)
from kefu.domain.conversation import (
    ParseProblem,
    parse_bytes,
    parse_object,
)
from kefu.tickets.models import Ticket

from ..models import Commitment, Conversation, Finding, Inspection
from ..permissions import IMPORTERS
from .common import _event
from .rulebook import rulebook_get

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
    notify(
        users=[ticket.assignee, conv.agent, lead],
        message=Message.of(
            gettext_noop(
                "对话 %(conv)s 中承诺的回电(%(due)s 前)在导入时已逾期,请尽快联系客户(工单 %(no)s):%(text)s"
            ),
            conv=conv.external_id,
            due=f"{timezone.localtime(due_at):%m-%d %H:%M}",
            no=ticket.number,
            text=evidence[:60],
        ),
        level="warning",
        link=ticket.get_absolute_url(),
    )
