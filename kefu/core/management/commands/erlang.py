"""`kefu erlang`: agents needed per interval by Erlang C (issue 5, item 2; docs/staffing.md)."""

from __future__ import annotations

import csv
import json
import math
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.domain.erlang import Staffing, required_agents

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


def _number(text: str | None, field: str) -> float:
    if text is None or not text.strip():
        raise ValueError(f"{field} 为空")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{field} 不是数字:{text.strip()}") from None
    if not math.isfinite(number):
        raise ValueError(f"{field} 不是有效的数字:{text.strip()}")
    if number < 0:
        raise ValueError(f"{field} 不能为负数:{text.strip()}")
    return number


def _start(text: str | None) -> str:
    """The interval start as ISO text: a date and time, or a time of day (HH:MM)."""
    value = (text or "").strip()
    if not value:
        raise ValueError("interval_start 为空")
    for parse in (time.fromisoformat, datetime.fromisoformat):
        try:
            parsed = parse(value)
        except ValueError:
            continue
        whole_minute = parsed.second == 0 and parsed.microsecond == 0
        return parsed.isoformat(timespec="minutes" if whole_minute else "auto")
    raise ValueError(f"interval_start 不是时间:{value},应为 09:30 或 2026-12-01T09:30")


class Command(BaseCommand):
    help = "排班需求:按 Erlang C 计算每个时段需要的坐席数(JSON 输出)"

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--calls", type=float, metavar="N", help="一个时段的来电量")
        source.add_argument(
            "--forecast",
            metavar="FILE.csv",
            help="预测文件,列 interval_start,calls(可选 aht 秒)",
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
        parser.add_argument(
            "--format",
            choices=("json", "table"),
            default="json",
            help="预测文件的输出:JSON Lines(默认)或带条形图的表格",
        )

    def handle(self, *args: Any, **options: Any) -> None:
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
                rows = list(self._rows(handle, aht, targets, fmt))
            except UnicodeDecodeError:
                raise CommandError(f"预测文件 {path} 不是 UTF-8 编码") from None
        good = [row for row in rows if row is not None]
        rejected = len(rows) - len(good)
        if fmt == "table" and good:
            self.stdout.write(_table(good))
        summary = f"已计算 {len(good)} 个时段" + (f",{rejected} 行被拒绝" if rejected else "")
        self.stderr.write(summary)
        if rejected or not rows:
            if not rows:
                self.stderr.write("预测文件没有数据行")
            sys.exit(1)

    def _rows(
        self, handle: IO[str], aht: float | None, targets: Targets, fmt: str
    ) -> Iterator[tuple[str, Staffing] | None]:
        """(start, staffing) per good line, None per rejected line (reported on stderr)."""
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        if not columns:
            raise CommandError("预测文件为空,应有表头 interval_start,calls(可选 aht)")
        reader.fieldnames = columns
        missing = [c for c in ("interval_start", "calls") if c not in columns]
        if missing:
            raise CommandError(
                f"预测文件缺少列:{', '.join(missing)}(应有 interval_start,calls,可选 aht)"
            )
        if aht is None and "aht" not in columns:
            raise CommandError("需要 --aht 或预测文件中的 aht 列")
        for row in reader:
            line = reader.line_num
            try:
                if None in row:
                    raise ValueError("列数多于表头")
                start = _start(row.get("interval_start"))
                calls = _number(row.get("calls"), "calls")
                own = (row.get("aht") or "").strip()
                if own:
                    row_aht = _number(own, "aht")
                elif aht is not None:
                    row_aht = aht
                else:
                    raise ValueError("aht 为空,且未指定 --aht")
                staffing = self._staffing(calls, row_aht, targets)
            except ValueError as exc:
                self.stderr.write(f"第{line}行:{exc}")
                yield None
                continue
            if fmt == "json":
                self.stdout.write(
                    json.dumps({"interval_start": start, **staffing.as_json()}, ensure_ascii=False)
                )
            yield start, staffing


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(text: str, width: int, left: bool = False) -> str:
    pad = " " * max(0, width - _width(text))
    return text + pad if left else pad + text


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
