"""Scale-out: two task workers running at once against one PostgreSQL raise each warning and each
breach exactly once (the unique alert row decides, not timing)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kefu.tickets import services as ts
from kefu.tickets.models import SlaAlert, TicketEvent
from kefu.tickets.tasks import sla_check, sla_reconcile_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
def test_two_workers_raise_each_warning_and_breach_exactly_once(config, alice, lena, customer):
    now = timezone.now()
    tickets = []
    for i in range(30):
        # half are past their 24h reply deadline (breach), half past 75% of it (warning)
        received = now - timedelta(hours=30 if i % 2 == 0 else 20)
        t, _c = ts.ticket_create(
            by=alice,
            customer=customer,
            data={
                "kind": "consultation",
                "channel": "email",
                "description": f"邮件咨询 {i}",
                "received_at": received,
            },
        )
        tickets.append(t)
    # every ticket is checked several times, in competing tasks, as after a restart with duplicates
    for t in tickets:
        for _ in range(3):
            sla_check.enqueue(t.pk)
    for _ in range(4):
        sla_reconcile_once.enqueue()
    env = {**os.environ, "DATABASE_URL": _database_url()}
    cmd = [
        sys.executable,
        "-m",
        "kefu.cli",
        "db_worker",
        "--batch",
        "--interval",
        "0.05",
        "--no-startup-delay",
    ]
    workers = [
        subprocess.Popen(
            [*cmd, "--worker-id", f"w{i}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for i in range(2)
    ]
    for w in workers:
        out, _ = w.communicate(timeout=240)
        assert w.returncode == 0, out.decode()[-2000:]

    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.failed().count() == 0
    assert (
        DBTaskResult.objects.ready().count() == 0
    )  # only checks scheduled for later deadlines remain
    assert DBTaskResult.objects.values("worker_ids").distinct().count() >= 2, (
        "both workers took tasks"
    )
    for i, t in enumerate(tickets):
        expected_levels = {"breach"} if i % 2 == 0 else {"warning"}
        for clock in ("reply", "first_response"):
            alerts = SlaAlert.objects.filter(ticket=t, clock=clock)
            levels = list(alerts.values_list("level", flat=True))
            assert sorted(levels) == sorted(set(levels)), (
                f"{t.number} {clock}: duplicate alert {levels}"
            )
        assert (
            set(SlaAlert.objects.filter(ticket=t, clock="reply").values_list("level", flat=True))
            == expected_levels
        )
        for level in expected_levels:
            assert (
                TicketEvent.objects.filter(
                    ticket=t, action=f"sla_{level}", after__clock="reply"
                ).count()
                == 1
            )
    assert (
        lena.notifications.filter(level="breach").count()
        == SlaAlert.objects.filter(level="breach").count()
    )
