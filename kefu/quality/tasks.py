"""Background inspection of large imports and API batches (more than SYNC_LIMIT conversations)."""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)


@task()
def inspect_batch(batch_id: int) -> int:
    """Inspects one batch; returns how many conversations were inspected. Safe to run twice."""
    from .models import InspectionBatch
    from .services import batch_run

    try:
        batch = batch_run(batch_id=batch_id)
    except InspectionBatch.DoesNotExist:
        log.warning("inspection batch %s no longer exists", batch_id)
        return 0
    except Exception:
        InspectionBatch.objects.filter(pk=batch_id).update(
            status=InspectionBatch.Status.FAILED, finished_at=timezone.now()
        )
        raise
    return batch.done
