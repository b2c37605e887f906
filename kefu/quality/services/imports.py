"""Import of conversations: parse uploaded files, save (create or update) and inspect them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.permissions import require
from kefu.customers.models import Customer
from kefu.customers.services import normalize_phone
from kefu.domain.conversation import (
    Conversation as DomainConversation,
)
from kefu.domain.conversation import (
    ParseProblem,
    conversation_to_json,
    parse_bytes,
)
from kefu.tickets.models import Ticket

from ..models import Conversation, InspectionBatch
from ..permissions import IMPORTERS
from .batches import batch_create
from .common import _event
from .inspection import conversation_inspect
from .rulebook import rulebook_error_message

log = logging.getLogger(__name__)

# at most this many conversations are inspected while the request waits; more go to a task
SYNC_LIMIT = 20


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
