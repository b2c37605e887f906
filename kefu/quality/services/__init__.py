"""Writes of quality inspection (质检): import conversations, inspect them, review and appeal findings.

One module per area (rulebook, imports, inspection, review, batches; `common` holds the timeline
event they share); every public name is re-exported here, so `from kefu.quality import services`
and `from kefu.quality.services import <name>` work as before.

Each service is typed, keyword-only, runs in one transaction, checks permissions itself and writes
the conversation's append-only timeline (`QualityEvent`). The rules themselves live in
`kefu.domain.inspection`; this package stores what the engine says and what people decide about it.
"""

from .batches import batch_create, batch_run
from .common import problem_json
from .imports import SYNC_LIMIT, ImportResult, conversations_import, conversations_save
from .inspection import conversation_inspect, domain_conversation, inspect_preview
from .review import MAX_REASON, appeal_decide, finding_appeal, finding_review
from .rulebook import rulebook_error_message, rulebook_get, rulebook_invalidate

__all__ = [
    "MAX_REASON",
    "SYNC_LIMIT",
    "ImportResult",
    "appeal_decide",
    "batch_create",
    "batch_run",
    "conversation_inspect",
    "conversations_import",
    "conversations_save",
    "domain_conversation",
    "finding_appeal",
    "finding_review",
    "inspect_preview",
    "problem_json",
    "rulebook_error_message",
    "rulebook_get",
    "rulebook_invalidate",
]
