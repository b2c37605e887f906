"""Background jobs: they only notify and escalate; deadlines live in indexed columns."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@task()
def sla_check(ticket_id: int) -> int:
    from .sla import sla_check_ticket

    return sla_check_ticket(ticket_id=ticket_id, worker=_worker_name())


@task()
def sla_reconcile_periodic(interval_seconds: int = 60) -> int:
    """Catches anything a lost enqueue or a restart missed, then schedules its next run."""
    from .services import callback_escalate_overdue
    from .sla import sla_reconcile

    raised = sla_reconcile(worker=_worker_name())
    escalated = callback_escalate_overdue()
    sla_reconcile_periodic.using(
        run_after=timezone.now() + timedelta(seconds=interval_seconds)
    ).enqueue(interval_seconds)
    if raised or escalated:
        log.info("reconcile raised %s alerts, escalated %s callbacks", raised, escalated)
    return raised + escalated


@task()
def sla_reconcile_once() -> int:
    """One reconcile pass (after a restart, or on demand)."""
    from .services import callback_escalate_overdue
    from .sla import sla_reconcile

    return sla_reconcile(worker=_worker_name()) + callback_escalate_overdue()
