from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kefu.core.calendars import calendar_get
from kefu.domain.calendar import format_year, parse_year_text


class Command(BaseCommand):
    help = "工作日历:show YEAR 显示某年的节假日与调休;import FILE 导入一年的安排"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="one line per non-ordinary day of YEAR")
        show.add_argument("year", type=int)
        imp = sub.add_parser("import", help="import one year from the text that `show` prints")
        imp.add_argument("file")
        imp.add_argument(
            "--year", type=int, help="the year the file is for (default: from its dates)"
        )
        imp.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "show":
            self._show(options["year"])
        else:
            self._import(options["file"], options.get("year"), options["dry_run"])

    def _show(self, year: int) -> None:
        if not 1900 <= year <= 2200:
            raise CommandError("年份应在 1900-2200 之间")
        calendar = calendar_get("working_days")
        self.stdout.write(format_year(calendar, year), ending="")
        if year not in calendar.years():
            self.stderr.write(
                f"警告:{year}年的节假日安排尚未录入,按仅周末休息处理(可用 kefu calendar import 导入)"
            )

    def _import(self, file: str, year: int | None, dry_run: bool) -> None:
        from kefu.core.seed import calendar_import_year

        path = Path(file)
        if not path.exists():
            raise CommandError(f"找不到文件 {file}")
        overrides, errors = parse_year_text(path.read_text(encoding="utf-8"))
        for e in errors:
            self.stderr.write(f"{file}:{e.line}: {e.reason}: {e.text}")
        years = {o.day.year for o in overrides}
        if year is None:
            if len(years) != 1:
                raise CommandError("文件中的日期跨越多个年份,请用 --year 指定")
            year = years.pop()
        wrong = [o for o in overrides if o.day.year != year]
        for o in wrong:
            self.stderr.write(f"{file}: {o.day} 不属于 {year} 年,已跳过")
        good = [o for o in overrides if o.day.year == year]
        if dry_run:
            self.stdout.write(
                f"{year}: {len(good)} 天可导入,{len(errors) + len(wrong)} 行有误(未导入,--dry-run)"
            )
            return
        calendar_import_year(
            year=year, overrides=good, source=f"import {timezone.localdate():%Y-%m-%d}"
        )
        self.stdout.write(f"{year}: 已导入 {len(good)} 天;{len(errors) + len(wrong)} 行有误已跳过")
        if errors or wrong:
            raise SystemExit(1)
