"""`kefu inspect PATH...`: inspects conversation files against a rulebook (CONTRACTS.md 3)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from kefu.domain.calendar import WorkCalendar
from kefu.domain.conversation import CHANNELS, DIRECTIONS, LINES, parse_datetime, parse_paths
from kefu.domain.inspection import (
    CompiledRulebook,
    InspectionReport,
    RulebookInvalid,
    default_rulebook,
    inspect,
    rulebook_from_path,
)


def working_calendar() -> WorkCalendar:
    """The calendar in force (database), or the statutory default when there is no database yet."""
    from django.db import DatabaseError

    try:
        from kefu.core.calendars import calendar_get

        return calendar_get("working_days")
    except (DatabaseError, KeyError):
        from kefu.domain.holidays import default_calendar

        return default_calendar()


class Command(BaseCommand):
    help = (
        "质检:按规则库检查对话文件(JSON、JSON Lines、SRT、WebVTT、CSV),输出 kefu.inspection/1 报告"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="对话文件或文件夹")
        parser.add_argument(
            "--rulebook",
            metavar="FILE",
            help="规则库 YAML(默认:KEFU_RULEBOOK,未设置时用内置 default)",
        )
        parser.add_argument("--format", choices=("json", "table"), default="json")
        meta = parser.add_argument_group("SRT/WebVTT/CSV 的对话信息(也可用同名 .meta.json 文件)")
        meta.add_argument("--channel", choices=CHANNELS)
        meta.add_argument("--line", choices=LINES)
        meta.add_argument("--direction", choices=DIRECTIONS)
        meta.add_argument(
            "--started-at", metavar="ISO", help="开始时间,如 2026-10-01T09:15:00+08:00"
        )
        meta.add_argument("--agent-id")
        meta.add_argument("--employee-no")
        meta.add_argument("--meta", metavar="FILE", help="对话信息 JSON 文件")
        parser.add_argument(
            "--progress",
            action=argparse_bool(),
            default=None,
            help="显示进度条(默认:终端上显示)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rulebook = self._rulebook(options.get("rulebook"))
        meta = self._meta(options)
        calendar = working_calendar()
        as_json = options["format"] == "json"
        rejected = 0
        inspected = 0
        progress = tqdm(
            unit=" 个对话",
            file=sys.stderr,
            disable=None if options.get("progress") is None else not options["progress"],
            dynamic_ncols=True,
        )
        out = self.stdout
        try:
            for _source, result in parse_paths(options["paths"], meta=meta):
                for problem in result.problems:
                    rejected += 1
                    progress.clear()
                    self.stderr.write(f"已跳过 {problem}")
                for conversation in result.conversations:
                    report = inspect(conversation, rulebook, calendar=calendar)
                    inspected += 1
                    progress.update(1)
                    if as_json:
                        out.write(json.dumps(report.to_json(), ensure_ascii=False))
                    else:
                        out.write(_table(report))
        finally:
            progress.close()
        summary = f"已检查 {inspected} 个对话" + (f",{rejected} 处输入被拒绝" if rejected else "")
        self.stderr.write(summary)
        if rejected:
            sys.exit(1)

    def _rulebook(self, path: str | None) -> CompiledRulebook:
        from django.conf import settings

        path = path or getattr(settings, "KEFU_RULEBOOK", None)
        try:
            return rulebook_from_path(path) if path else default_rulebook()
        except RulebookInvalid as exc:
            lines = [f"规则库无效:{exc.source or path}"] + [f"  {p}" for p in exc.problems]
            raise CommandError("\n".join(lines)) from None

    def _meta(self, options: dict[str, Any]) -> dict[str, Any] | None:
        meta: dict[str, Any] = {}
        if options.get("meta"):
            try:
                with open(options["meta"], encoding="utf-8-sig") as handle:
                    loaded = json.load(handle)
            except OSError as exc:
                raise CommandError(f"无法读取 --meta 文件:{exc.strerror or exc}") from None
            except (ValueError, UnicodeDecodeError) as exc:
                raise CommandError(f"--meta 文件不是有效的 UTF-8 JSON:{exc}") from None
            if not isinstance(loaded, dict):
                raise CommandError("--meta 文件应为一个 JSON 对象")
            meta.update(loaded)
        for key in ("channel", "line", "direction"):
            if options.get(key):
                meta[key] = options[key]
        if options.get("started_at"):
            if parse_datetime(options["started_at"]) is None:
                raise CommandError("--started-at 不是有效的 ISO 8601 时间")
            meta["started_at"] = options["started_at"]
        agent = {
            k: options[o]
            for k, o in (("id", "agent_id"), ("employee_no", "employee_no"))
            if options.get(o)
        }
        if agent:
            meta["agent"] = {**meta.get("agent", {}), **agent}
        return meta or None


def argparse_bool() -> Any:
    import argparse

    return argparse.BooleanOptionalAction


def _table(report: InspectionReport) -> str:
    head = f"{report.conversation_id}  {report.score:g}分  {'合格' if report.verdict == 'pass' else '不合格'}"
    lines = [head]
    for f in report.findings:
        where = f"第{f.segment + 1}段" if f.segment is not None else "整通"
        evidence = f"“{f.evidence}”" if f.evidence else ""
        lines.append(
            f"  [{f.severity}] {f.rule} ({', '.join(f.standards)}) -{f.deduction:g} {where}{evidence}"
        )
        lines.append(f"      {f.message}")
        if f.suggestion:
            lines.append(f"      建议:{f.suggestion}")
    for c in report.commitments:
        due = c.due_at.isoformat() if c.due_at else "未定"
        lines.append(f"  承诺回电 第{c.segment + 1}段“{c.evidence}” 到期 {due}")
    for w in report.warnings:
        lines.append(f"  警告:{w}")
    return "\n".join(lines)
