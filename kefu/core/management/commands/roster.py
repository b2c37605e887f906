"""`kefu roster generate|check` (issue 5 item 9; docs/staffing.md).

generate: solve a month for a roster unit (or the unit of a post) from the staff directory and
write the roster file; `--save` also stores it as the unit's draft roster.
check: validate any roster file against the staff directory and the rules of the posts' units,
one line per violation; exit status 1 when a hard rule is broken or a row is unreadable.
"""

from __future__ import annotations

import sys
from time import perf_counter
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.domain.roster_check import ERROR
from kefu.domain.roster_file import RosterFileError, format_roster, read_roster
from kefu.staffing.forms_roster import parse_month
from kefu.staffing.models import Post, RosterUnit, Shift
from kefu.staffing.validation import shift_row


def _unit_and_post(value: str) -> tuple[RosterUnit, Post | None]:
    unit = RosterUnit.objects.filter(code=value).first()
    if unit is not None:
        return unit, None
    post = (
        Post.objects.filter(code=value).select_related("unit").first()
        or Post.objects.filter(name=value).select_related("unit").first()
    )
    if post is None:
        known = ", ".join(
            [u.code for u in RosterUnit.objects.all()] + [p.code for p in Post.objects.all()]
        )
        raise CommandError(f"没有代码为 {value} 的排班单元或岗位(可用:{known or '无'})")
    return post.unit, post


class Command(BaseCommand):
    help = "排班:generate 生成月排班表并写出 CSV;check 校验排班文件,逐条列出违反的规则"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate", help="solve a month and write the roster CSV")
        gen.add_argument("--post", required=True, help="roster unit code (e.g. mall) or post code")
        gen.add_argument("--month", required=True, help="YYYY-MM")
        gen.add_argument("--out", required=True, help="CSV file to write ('-' for stdout)")
        gen.add_argument("--time-limit", type=float, default=None, help="solver seconds")
        gen.add_argument(
            "--save", action="store_true", help="also store it as the unit's draft roster"
        )
        check = sub.add_parser("check", help="validate a roster CSV file")
        check.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "generate":
            self._generate(options)
        else:
            self._check(options["file"])

    def _generate(self, options: dict[str, Any]) -> None:
        from kefu.staffing.services.roster import roster_generate, roster_solve

        unit, post = _unit_and_post(options["post"])
        month = parse_month(options["month"])
        if month is None:
            raise CommandError(f"--month 格式应为 YYYY-MM,如 2026-12:{options['month']}")
        began = perf_counter()
        try:
            if options["save"]:
                roster = roster_generate(
                    by=None, unit=unit, month=month, time_limit_s=options["time_limit"]
                )
                rows = [shift_row(s) for s in roster.shifts.select_related("staff__user", "post")]
                status, gap, warnings = roster.solver_status, roster.gap, roster.warnings
            else:
                solution = roster_solve(unit=unit, month=month, time_limit_s=options["time_limit"])
                rows = [shift_row(Shift(**r)) for r in solution.rows]
                status, gap = solution.solved.status, solution.solved.gap
                warnings = solution.warnings
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(f"{unit.name} {month:%Y-%m} 无法排班") from None
        if post is not None:
            rows = [r for r in rows if r.post == post.name]
        rows.sort(key=lambda r: (r.day, r.post, r.start, r.employee_no))
        text = format_roster(rows)
        if options["out"] == "-":
            self.stdout.write(text, ending="")
        else:
            with open(options["out"], "w", encoding="utf-8", newline="") as f:
                f.write(text)
        for w in warnings:
            self.stderr.write(f"提示:{w}")
        seconds = perf_counter() - began
        self.stderr.write(
            f"{unit.name}{' ' + post.name if post else ''} {month:%Y-%m}:{len(rows)} 个班次,"
            f"求解 {status},最优性差距 {gap:.2%},用时 {seconds:.2f} 秒"
            + (",已保存为草稿" if options["save"] else "")
        )

    def _check(self, path: str) -> None:
        from kefu.staffing.validation import file_violations

        try:
            parsed = read_roster(path)
        except RosterFileError as exc:
            raise CommandError(str(exc)) from None
        for problem in parsed.problems:
            self.stdout.write(f"{path}:{problem}")
        violations = file_violations(parsed.rows)
        errors = [v for v in violations if v.severity == ERROR]
        warnings = [v for v in violations if v.severity != ERROR]
        for v in errors:
            self.stdout.write(f"{path}:{v}")
        for v in warnings:
            self.stdout.write(f"{path}:提示:{v}")
        summary = (
            f"{len(parsed.rows)} 行班次,{len(parsed.problems)} 行无法读取,"
            f"{len(errors)} 处违反规则,{len(warnings)} 条提示"
        )
        if parsed.problems or errors:
            self.stderr.write(f"排班文件未通过:{summary}")
            sys.exit(1)
        self.stderr.write(f"排班文件通过:{summary}")
