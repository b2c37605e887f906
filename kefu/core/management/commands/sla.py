from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kefu.domain.sla import NoPolicyError

KINDS = ["consultation", "after_sales", "complaint", "suggestion", "praise", "transaction"]
SCOPES = ["local", "cross_department", "cross_province", "special"]


def _instant(value: str, option: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            f"{option}: 时间格式错误,应为 ISO 8601,如 2026-09-30T16:00:00+08:00"
        ) from exc
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


class Command(BaseCommand):
    help = "时限:deadline 预览新工单会得到的截止时间"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        d = sub.add_parser("deadline", help="preview the deadlines of a new work order")
        d.add_argument("--kind", required=True, choices=KINDS)
        d.add_argument("--received", required=True, help="ISO time, e.g. 2026-09-30T16:00:00+08:00")
        d.add_argument("--scope", default="local", choices=SCOPES)
        d.add_argument("--channel", default=None)
        d.add_argument("--customer-class", default="normal", choices=["normal", "vip"])
        d.add_argument("--complaint-category", default=None)
        d.add_argument(
            "--special-due", default=None, help="ISO time (required for --scope special)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from kefu.tickets.sla import sla_preview

        received = _instant(options["received"], "--received")
        special = (
            _instant(options["special_due"], "--special-due") if options["special_due"] else None
        )
        if options["scope"] == "special" and special is None:
            raise CommandError("--scope special 需要 --special-due 指定回复时间 (SLA-4)")
        try:
            preview = sla_preview(
                kind=options["kind"],
                received_at=received,
                scope=options["scope"],
                channel=options["channel"],
                customer_class=options["customer_class"],
                complaint_category=options["complaint_category"],
                special_due_at=special,
            )
        except (NoPolicyError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(preview.as_json(), ensure_ascii=False))
        for w in preview.warnings:
            self.stderr.write(f"警告:{w}")
