"""Shared by the quality services: the conversation timeline event and the parse-problem JSON."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kefu.accounts.models import User
from kefu.core.messages import SYSTEM_ACTOR
from kefu.domain.conversation import ParseProblem

from ..models import Conversation, Finding, QualityEvent

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
        actor_label=str(by) if by is not None else SYSTEM_ACTOR,
        action=action,
        before=before or {},
        after=after or {},
        reason=reason,
    )


# --- import problems ----------------------------------------------------------------------------


def problem_json(p: ParseProblem) -> dict[str, str]:
    return {"source": p.source, "where": p.where, "field": p.field, "reason": p.reason}
