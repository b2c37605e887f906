from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "任务进程:运行后台任务(时限预警、超时、回电升级),并保证周期对账任务在排队"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        from django_tasks_db.models import DBTaskResult

        from kefu.tickets.tasks import sla_reconcile_periodic

        pending = DBTaskResult.objects.filter(
            status__in=["READY", "RUNNING"], task_path__endswith="sla_reconcile_periodic"
        ).exists()
        if not pending:
            sla_reconcile_periodic.enqueue(settings.KEFU_RECONCILE_SECONDS)
        kwargs: dict[str, Any] = {"interval": options["interval"]}
        if options["max_tasks"]:
            kwargs["max_tasks"] = options["max_tasks"]
        call_command("db_worker", **kwargs)
