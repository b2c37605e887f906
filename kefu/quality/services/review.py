"""Review of findings by inspectors, and agents' appeals against them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import Role, User
from kefu.accounts.permissions import require
from kefu.core.messages import Message
from kefu.core.services import notify

from ..models import Appeal, Finding
from ..permissions import REVIEWERS
from .common import _event
from .inspection import _conversation_sync, _rescore

MAX_REASON = 1000


# --- review and appeal --------------------------------------------------------------------------


def _clean_reason(reason: str | None) -> str:
    return (reason or "").strip()[:MAX_REASON]


def _lock_finding(finding: Finding) -> Finding:
    return (
        Finding.objects.select_for_update(of=("self",))
        .select_related("inspection", "conversation", "conversation__agent")
        .get(pk=finding.pk)
    )


def _apply_decision(f: Finding, *, by: User, status: str, reason: str) -> None:
    """Sets the finding's status, recomputes its inspection and conversation and records the
    decision on the conversation's timeline."""
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
    _event(
        f.conversation,
        by=by,
        action=f"finding_{status}",
        finding=f,
        before=before,
        after={"status": status, "score": inspection.score, "verdict": inspection.verdict},
        reason=reason,
    )


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
    _apply_decision(f, by=by, status=status, reason=reason)
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
        message=Message.of(
            gettext_noop("%(agent)s 对对话 %(conv)s 的质检问题“%(rule)s”提出申诉:%(reason)s"),
            agent=by,
            conv=f.conversation.external_id,
            rule=f.title or f.rule,
            reason=reason[:80],
        ),
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
        message=Message.of(
            gettext_noop("您对对话 %(conv)s 的申诉已处理:%(outcome)s。%(reason)s"),
            conv=f.conversation.external_id,
            outcome=Message.of_label(Appeal.Outcome(outcome).label),
            reason=reason[:80],
        ),
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
        _apply_decision(f, by=by, status=status, reason=reason)
    _appeal_close(a, by=by, outcome=outcome, reason=reason)
    return a
