"""Background inspection batches: create one (queued on commit) and run it."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import User
from kefu.domain.conversation import ParseProblem

from ..models import Conversation, InspectionBatch
from .common import problem_json
from .inspection import conversation_inspect

log = logging.getLogger(__name__)


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
        from ..tasks import inspect_batch

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
