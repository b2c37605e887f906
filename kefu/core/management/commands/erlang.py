"""`kefu erlang`: agents needed per interval by Erlang C (issue 5, item 2; docs/staffing.md)."""

from __future__ import annotations

import json
import sys
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.domain.erlang import Staffing, required_agents
from kefu.domain.forecast import ForecastFileError, parse_forecast_csv

BAR_WIDTH = 40


@dataclass(frozen=True)
class Targets:
    interval: timedelta
    level: float
    within: timedelta
    max_occupancy: float
    shrinkage: float


def parse_target(value: str, within: float) -> tuple[float, float]:
    """`0.8`, `80` (per cent) or `80/20` (per cent / seconds) into (level, seconds)."""
    text = value.strip().rstrip("%")
    level_text, _, seconds_text = text.partition("/")
    try:
        level = float(level_text)
        seconds = float(seconds_text) if seconds_text else within
    except ValueError:
        raise CommandError(f"--target 格式错误:{value},应为 0.8、80 或 80/20") from None
    if level > 1 or seconds_text:
        level /= 100
    return level, seconds


class Command(BaseCommand):
    help = "排班需求:按 Erlang C 计算每个时段需要的坐席数(JSON 输出)"

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--calls", type=float, metavar="N", help="一个时段的来电量")
        source.add_argument(
            "--forecast",
            metavar="FILE.csv",
            help="预测文件,列 interval_start,calls(可选 date、aht 秒)",
        )
        source.add_argument(
            "--post",
            help="岗位代码:用该岗位在系统中的话务预测和服务目标,并与排班表上的人数对比",
        )
        parser.add_argument(
            "--aht", type=float, metavar="SECONDS", help="平均处理时长(秒);预测文件可逐行给出"
        )
        parser.add_argument(
            "--interval-minutes", type=float, default=30.0, help="时段长度(分钟,默认 30)"
        )
        parser.add_argument(
            "--target",
            default="0.8",
            help="服务水平目标:0.8、80 或 80/20(百分比/秒,默认 0.8)",
        )
        parser.add_argument(
            "--within", type=float, default=20.0, metavar="SECONDS", help="目标应答时间(默认 20)"
        )
        parser.add_argument(
            "--max-occupancy", type=float, default=0.85, help="占用率上限(默认 0.85)"
        )
        parser.add_argument("--shrinkage", type=float, default=0.3, help="缩减率(默认 0.3)")
        parser.add_argument("--date", help="与 --post 同用:起始日期 YYYY-MM-DD(默认今天)")
        parser.add_argument("--days", type=int, default=1, help="与 --post 同用:天数(默认 1)")
        parser.add_argument(
            "--format",
            choices=("json", "table"),
            default="json",
            help="预测文件的输出:JSON Lines(默认)或带条形图的表格",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["post"]:
            self._post_plan(options)
            return
        level, within = parse_target(options["target"], options["within"])
        targets = Targets(
            interval=timedelta(minutes=options["interval_minutes"]),
            level=level,
            within=timedelta(seconds=within),
            max_occupancy=options["max_occupancy"],
            shrinkage=options["shrinkage"],
        )
        if options["forecast"] is None:
            if options["aht"] is None:
                raise CommandError("需要 --aht 指定平均处理时长(秒)")
            try:
                staffing = self._staffing(options["calls"], options["aht"], targets)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(json.dumps(staffing.as_json(), ensure_ascii=False))
            return
        self._forecast(options["forecast"], options["aht"], targets, options["format"])

    def _post_plan(self, options: dict[str, Any]) -> None:
        """Required agents per interval from a post's stored forecast and targets, next to the
        people its rosters schedule in each interval."""
        from datetime import date

        from django.utils import timezone

        from kefu.staffing.models import Post
        from kefu.staffing.selectors_demand import Targets as PostTargets
        from kefu.staffing.selectors_demand import demand_plan

        post = Post.objects.filter(code=options["post"]).first()
        if post is None:
            codes = ", ".join(Post.objects.values_list("code", flat=True)) or "无"
            raise CommandError(f"没有代码为 {options['post']} 的岗位(可用:{codes})")
        try:
            first = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError(f"--date 格式应为 YYYY-MM-DD:{options['date']}") from None
        first = first or timezone.localdate()
        if not 1 <= options["days"] <= 62:
            raise CommandError("--days 应在 1 到 62 之间")
        days = [first + timedelta(days=i) for i in range(options["days"])]
        plan = demand_plan(post, days, PostTargets.of_post(post))
        if not plan.rows:
            raise CommandError(f"{post.name} 在 {days[0]}~{days[-1]} 没有话务预测,也没有排班")
        if options["format"] == "table":
            self.stdout.write(_post_table(plan.rows))
            return
        for row in plan.rows:
            body: dict[str, Any] = {
                "interval_start": f"{row.day.isoformat()}T{row.start:%H:%M}",
                "calls": row.calls,
                "agents": row.agents,
                "required": row.needed,
                "rostered": row.scheduled,
                "gap": row.gap,
                "service_level_reached": None if row.reached is None else round(row.reached, 4),
            }
            self.stdout.write(json.dumps(body, ensure_ascii=False))

    @staticmethod
    def _staffing(calls: float, aht: float, targets: Targets) -> Staffing:
        return required_agents(
            calls=calls,
            aht=timedelta(seconds=aht),
            interval=targets.interval,
            target_level=targets.level,
            target_time=targets.within,
            max_occupancy=targets.max_occupancy,
            shrinkage=targets.shrinkage,
        )

    def _forecast(self, path: str, aht: float | None, targets: Targets, fmt: str) -> None:
        # Targets are checked once, before any row, so a bad option is not reported per line.
        try:
            self._staffing(0, aht or 1, targets)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"无法读取预测文件 {path}:{exc.strerror or exc}") from None
        with handle:
            try:
                parsed = parse_forecast_csv(handle)
            except UnicodeDecodeError:
                raise CommandError(f"预测文件 {path} 不是 UTF-8 编码") from None
            except ForecastFileError as exc:
                raise CommandError(str(exc)) from None
        if aht is None and "aht" not in parsed.columns:
            raise CommandError("需要 --aht 或预测文件中的 aht 列")
        # per line: why it was rejected, or its (start, staffing)
        reasons: dict[int, list[str]] = {}
        for problem in parsed.problems:
            reasons.setdefault(problem.line, []).append(problem.message)
        computed: dict[int, tuple[str, Staffing]] = {}
        for row in parsed.rows:
            start = row.label
            if "date" in parsed.columns and row.day is not None and "T" not in start:
                start = f"{row.day.isoformat()}T{start}"  # the date column joined to the time
            row_aht = row.aht if row.aht is not None else aht
            try:
                if row_aht is None:
                    raise ValueError("aht 为空,且未指定 --aht")
                computed[row.line] = (start, self._staffing(row.calls, row_aht, targets))
            except ValueError as exc:
                reasons[row.line] = [str(exc)]
        for line in sorted({*reasons, *computed}):
            for reason in reasons.get(line, []):
                self.stderr.write(f"第{line}行:{reason}")
            if line in computed and fmt == "json":
                start, staffing = computed[line]
                self.stdout.write(
                    json.dumps({"interval_start": start, **staffing.as_json()}, ensure_ascii=False)
                )
        good = [computed[line] for line in sorted(computed)]
        rejected = len(reasons)
        if fmt == "table" and good:
            self.stdout.write(_table(good))
        summary = f"已计算 {len(good)} 个时段" + (f",{rejected} 行被拒绝" if rejected else "")
        self.stderr.write(summary)
        if rejected or not good:
            if not good and not rejected:
                self.stderr.write("预测文件没有数据行")
            sys.exit(1)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(text: str, width: int, left: bool = False) -> str:
    pad = " " * max(0, width - _width(text))
    return text + pad if left else pad + text


def _post_table(rows: list[Any]) -> str:
    """Needed (█ on the phones, ░ for shrinkage) against rostered (│ marks the head count)."""
    widest = max(max(r.needed for r in rows), max(r.scheduled for r in rows)) or 1
    scale = min(1.0, BAR_WIDTH / widest)
    lines = ["时段              来电  坐席  需排  已排  缺口  达到服务水平"]
    for r in rows:
        reached = "—" if r.reached is None else f"{r.reached:.1%}"
        calls = "—" if r.calls is None else f"{r.calls:g}"
        need, extra = round(r.agents * scale), round(r.needed * scale) - round(r.agents * scale)
        bar = list("█" * need + "░" * extra)
        mark = round(r.scheduled * scale)
        bar += [" "] * max(0, mark + 1 - len(bar))
        bar[mark] = "│"
        lines.append(
            f"{r.day:%m-%d} {r.start:%H:%M}  {calls:>8} {r.agents:>5} {r.needed:>5} "
            f"{r.scheduled:>5} {r.gap:>5}  {reached:>10}  " + "".join(bar).rstrip()
        )
    lines.append("█ 需要在线坐席  ░ 另需排班(缩减)  │ 排班表上的人数")
    return "\n".join(lines)


def _table(rows: list[tuple[str, Staffing]]) -> str:
    widest = max(s.scheduled for _, s in rows) or 1
    scale = min(1.0, BAR_WIDTH / widest)
    first = max(_width("时段"), *(len(start) for start, _ in rows))
    widths = (8, 8, 6, 6, 9, 8, 7)
    titles = ("来电", "话务量", "坐席", "排班", "服务水平", "ASA秒", "占用率")
    lines = [
        " ".join(
            [_cell("时段", first, left=True)]
            + [_cell(t, w) for t, w in zip(titles, widths, strict=True)]
        )
    ]
    for start, s in rows:
        need = round(s.agents * scale)
        extra = round(s.scheduled * scale) - need
        values = (
            f"{s.calls:g}",
            f"{s.traffic:.2f}",
            str(s.agents),
            str(s.scheduled),
            f"{s.service_level:.1%}",
            f"{s.asa_seconds:.1f}",
            f"{s.occupancy:.1%}",
        )
        cells = [_cell(start, first, left=True)] + [
            _cell(v, w) for v, w in zip(values, widths, strict=True)
        ]
        lines.append(" ".join(cells) + "  " + "█" * need + "░" * extra)
    lines.append(f"█ 需要在线坐席  ░ 另需排班(缩减率 {rows[0][1].shrinkage:.0%})")
    return "\n".join(lines)
