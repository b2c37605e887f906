"""The rulebook: the standards as data, validated and compiled into one automaton.

A rulebook is a YAML document (``kefu/rulebooks/default.yaml`` is the default; a site copies and
edits it). Loading validates everything and reports each problem with the rule id and the field
path, so ``kefu rulebook check`` can tell a site exactly what to fix. Compiling collects every
phrase of every rule into one Aho-Corasick automaton (ahocorasick-rs), so a conversation is
scanned once however many rules there are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import ahocorasick_rs
import yaml

from kefu.domain.conversation import CHANNELS, CUSTOMER_CLASSES, DIRECTIONS, LINES
from kefu.domain.inspection.builtins import BUILTINS
from kefu.domain.inspection.conditions import (
    Condition,
    Not,
    Parser,
    PhraseRegistry,
    Problems,
    flagged_phrases,
    required_patterns,
)
from kefu.domain.inspection.moments import Greetings, HolidayPeriod, MomentCache
from kefu.domain.inspection.normalize import normalise_phrase
from kefu.domain.inspection.problems import RulebookInvalid, RulebookProblem
from kefu.domain.inspection.report import DIMENSIONS, SEVERITIES

RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
STANDARD_ID = re.compile(r"^[A-Z]+-\d+$")

RULE_KEYS = (
    "id",
    "title",
    "standards",
    "dimension",
    "severity",
    "deduction",
    "max_deduction",
    "applies",
    "message",
    "suggestion",
    "flag",
    "require",
    "draft",
    "enabled",
    "note",
)
TOP_KEYS = ("name", "version", "pass_mark", "greetings", "commitments", "scenarios", "rules")


@dataclass(frozen=True, slots=True)
class Applies:
    channels: tuple[str, ...] = CHANNELS
    lines: tuple[str, ...] = LINES
    directions: tuple[str, ...] = DIRECTIONS
    customer_classes: tuple[str, ...] = CUSTOMER_CLASSES


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    standards: tuple[str, ...]
    dimension: str
    severity: str
    deduction: float
    max_deduction: float
    applies: Applies
    message: str
    suggestion: str
    condition: Condition
    draft: bool = False
    note: str = ""
    # The phrases the rule flags, as written in the rulebook: (phrase, counts only as a whole clause).
    phrases: tuple[tuple[str, bool], ...] = ()
    # Phrases one of which must be present for the rule to flag anything (None: no such set).
    gate: frozenset[int] | None = None

    @property
    def channels(self) -> tuple[str, ...]:
        return self.applies.channels


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    standards: tuple[str, ...]
    customer: str
    correct: tuple[str, ...]
    wrong: tuple[str, ...]
    note: str = ""


@dataclass(eq=False)
class CompiledRulebook:
    name: str
    version: str
    pass_mark: float
    rules: tuple[Rule, ...]
    scenarios: tuple[Scenario, ...]
    greetings: Greetings
    patterns: tuple[str, ...]
    promise_patterns: tuple[int, ...]
    automaton: ahocorasick_rs.AhoCorasick = field(repr=False)
    pattern_index: dict[str, int] = field(default_factory=dict, repr=False)
    source: str = ""

    def rule(self, rule_id: str) -> Rule | None:
        return self._by_id.get(rule_id)

    def __post_init__(self) -> None:
        self._by_id = {rule.id: rule for rule in self.rules}
        self._applicable: dict[tuple[str, str, str, str], tuple[Rule, ...]] = {}
        self.moment_cache: MomentCache = {}
        self.promise_set = frozenset(self.promise_patterns)

    def rules_for(
        self, channel: str, line: str, direction: str, customer_class: str
    ) -> tuple[Rule, ...]:
        """The rules that apply to conversations of this kind, in rulebook order."""
        key = (channel, line, direction, customer_class)
        found = self._applicable.get(key)
        if found is None:
            found = self._applicable[key] = tuple(
                rule
                for rule in self.rules
                if channel in rule.applies.channels
                and line in rule.applies.lines
                and direction in rule.applies.directions
                and customer_class in rule.applies.customer_classes
            )
        return found


# --------------------------------------------------------------------------- loading


def rulebook_from_yaml(text: str, *, source: str = "") -> CompiledRulebook:
    problems: list[RulebookProblem] = []
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise RulebookInvalid(
            [RulebookProblem(rule="", field=where, reason=f"YAML 格式错误:{reason}")], source
        ) from None
    rulebook = rulebook_from_data(data, problems=problems, source=source)
    if problems or rulebook is None:
        raise RulebookInvalid(problems, source)
    return rulebook


def rulebook_from_path(path: str | Path) -> CompiledRulebook:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RulebookInvalid(
            [RulebookProblem("", "", f"无法读取规则库文件:{exc.strerror or exc}")], str(path)
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RulebookInvalid(
            [RulebookProblem("", "", "规则库文件不是 UTF-8 编码,请另存为 UTF-8")], str(path)
        ) from None
    return rulebook_from_yaml(text, source=str(path))


def rulebook_check(text: str, *, source: str = "") -> list[RulebookProblem]:
    try:
        rulebook_from_yaml(text, source=source)
    except RulebookInvalid as exc:
        return exc.problems
    return []


def rulebook_from_data(
    data: Any, *, problems: list[RulebookProblem], source: str = ""
) -> CompiledRulebook | None:
    if not isinstance(data, dict):
        problems.append(
            RulebookProblem("", "", "规则库应为一个 YAML 对象(含 name、version、rules …)")
        )
        return None
    for key in data:
        if key not in TOP_KEYS:
            problems.append(
                RulebookProblem("", str(key), f"未知字段;可用字段:{', '.join(TOP_KEYS)}")
            )
    name = _text(data.get("name"), "name", problems, required=True)
    version = data.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)
    version = _text(version, "version", problems, required=True)
    pass_mark = data.get("pass_mark", 60)
    if (
        isinstance(pass_mark, bool)
        or not isinstance(pass_mark, int | float)
        or not (0 <= pass_mark <= 100)
    ):
        problems.append(RulebookProblem("", "pass_mark", "应为 0 到 100 之间的分数"))
        pass_mark = 60
    registry = PhraseRegistry()
    greetings = _greetings(data.get("greetings") or {}, problems, registry)
    promise_patterns = _promises(data.get("commitments") or {}, problems, registry)
    scenarios = _scenarios(data.get("scenarios") or [], problems)
    rules = _rules(data.get("rules"), problems, registry)
    if problems:
        return None
    patterns = tuple(registry.patterns)
    automaton = ahocorasick_rs.AhoCorasick(
        list(patterns) or ["\x01"],
        matchkind=ahocorasick_rs.MatchKind.Standard,
        implementation=ahocorasick_rs.Implementation.DFA,
    )
    return CompiledRulebook(
        name=name,
        version=version,
        pass_mark=float(pass_mark),
        rules=tuple(rules),
        scenarios=tuple(scenarios),
        greetings=greetings,
        patterns=patterns,
        promise_patterns=promise_patterns,
        automaton=automaton,
        pattern_index={p: i for i, p in enumerate(patterns)},
        source=source,
    )


def _text(
    value: Any, path: str, problems: list[RulebookProblem], *, required: bool, rule: str = ""
) -> str:
    if value is None:
        if required:
            problems.append(RulebookProblem(rule, path, "缺少必填字段"))
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(RulebookProblem(rule, path, "应为非空文字"))
        return ""
    return value


def _greetings(data: Any, problems: list[RulebookProblem], registry: PhraseRegistry) -> Greetings:
    if not isinstance(data, dict):
        problems.append(RulebookProblem("", "greetings", "应为对象"))
        return Greetings()
    allowed = (
        "timezone",
        "morning_until",
        "morning",
        "afternoon",
        "holidays",
        "holiday_periods",
        "openings",
        "farewells",
    )
    for key in data:
        if key not in allowed:
            problems.append(
                RulebookProblem("", f"greetings.{key}", f"未知字段;可用字段:{', '.join(allowed)}")
            )
    values: dict[str, Any] = {}
    for key in ("timezone", "morning", "afternoon"):
        if key in data:
            values[key] = _text(data[key], f"greetings.{key}", problems, required=True)
    if "timezone" in values:
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(values["timezone"])
        except Exception:
            problems.append(RulebookProblem("", "greetings.timezone", "未知的时区名称"))
    if "morning_until" in data:
        raw = data["morning_until"]
        try:
            values["morning_until"] = time.fromisoformat(
                str(raw) if not isinstance(raw, int) else f"{raw // 60:02d}:{raw % 60:02d}"
            )
        except ValueError:
            problems.append(RulebookProblem("", "greetings.morning_until", '应为时刻,如 "12:00"'))
    holidays = data.get("holidays", {})
    if not isinstance(holidays, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in holidays.items()
    ):
        problems.append(RulebookProblem("", "greetings.holidays", "应为 节日名称: 问候语 的对象"))
        holidays = {}
    values["holidays"] = dict(holidays)
    for greeting in holidays.values():
        registry.add(greeting)
    periods: list[HolidayPeriod] = []
    for i, item in enumerate(data.get("holiday_periods") or []):
        path = f"greetings.holiday_periods[{i}]"
        if not isinstance(item, dict) or not {"name", "from", "to"} <= set(item):
            problems.append(RulebookProblem("", path, "应为含 name、from、to 的对象"))
            continue
        try:
            first = (
                item["from"]
                if isinstance(item["from"], date)
                else date.fromisoformat(str(item["from"]))
            )
            last = (
                item["to"] if isinstance(item["to"], date) else date.fromisoformat(str(item["to"]))
            )
        except ValueError:
            problems.append(RulebookProblem("", path, "from/to 应为日期,如 2026-10-01"))
            continue
        if last < first:
            problems.append(RulebookProblem("", f"{path}.to", "结束日期早于开始日期"))
            continue
        if item["name"] not in holidays:
            problems.append(
                RulebookProblem("", f"{path}.name", "该节日在 greetings.holidays 中没有问候语")
            )
            continue
        periods.append(HolidayPeriod(name=item["name"], first=first, last=last))
    values["periods"] = tuple(periods)
    for group, prefix, keys in (
        ("openings", "opening_", ("normal", "holiday", "vip", "outbound")),
        ("farewells", "farewell_", ("normal", "weekend", "holiday")),
    ):
        section = data.get(group, {})
        if not isinstance(section, dict):
            problems.append(RulebookProblem("", f"greetings.{group}", "应为对象"))
            continue
        for key, value in section.items():
            if key not in keys:
                problems.append(
                    RulebookProblem(
                        "", f"greetings.{group}.{key}", f"未知字段;可用字段:{', '.join(keys)}"
                    )
                )
                continue
            values[prefix + key] = _text(value, f"greetings.{group}.{key}", problems, required=True)
    return Greetings(**values)


def _promises(
    data: Any, problems: list[RulebookProblem], registry: PhraseRegistry
) -> tuple[int, ...]:
    if not isinstance(data, dict):
        problems.append(RulebookProblem("", "commitments", "应为对象"))
        return ()
    promises = data.get("promises", [])
    if not isinstance(promises, list) or not all(
        isinstance(p, str) and normalise_phrase(p) for p in promises
    ):
        problems.append(RulebookProblem("", "commitments.promises", "应为非空短语列表"))
        return ()
    for key in data:
        if key != "promises":
            problems.append(RulebookProblem("", f"commitments.{key}", "未知字段;可用字段:promises"))
    return tuple(registry.add(p) for p in promises)


def _scenarios(data: Any, problems: list[RulebookProblem]) -> list[Scenario]:
    if not isinstance(data, list):
        problems.append(RulebookProblem("", "scenarios", "应为场景列表"))
        return []
    scenarios: list[Scenario] = []
    seen: set[str] = set()
    for i, item in enumerate(data):
        path = f"scenarios[{i}]"
        if not isinstance(item, dict):
            problems.append(RulebookProblem("", path, "应为对象"))
            continue
        sid = item.get("id")
        if not isinstance(sid, str) or not RULE_ID.match(sid):
            problems.append(
                RulebookProblem("", f"{path}.id", "应为小写字母、数字、下划线和点组成的编号")
            )
            continue
        if sid in seen:
            problems.append(RulebookProblem("", f"{path}.id", f"场景编号重复:{sid}"))
            continue
        seen.add(sid)
        standards = _standards(item.get("standards"), f"{path}.standards", problems, "")
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("correct", "wrong"):
            value = item.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(RulebookProblem("", f"{path}.{key}", "应为文字列表"))
                value = []
            lists[key] = tuple(value)
        scenarios.append(
            Scenario(
                id=sid,
                title=_text(item.get("title"), f"{path}.title", problems, required=True),
                standards=standards,
                customer=str(item.get("customer", "")),
                correct=lists["correct"],
                wrong=lists["wrong"],
                note=str(item.get("note", "")),
            )
        )
    return scenarios


def _standards(
    value: Any, path: str, problems: list[RulebookProblem], rule: str
) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        problems.append(RulebookProblem(rule, path, "应至少列出一个 STANDARDS 编号,如 [SCRIPT-9]"))
        return ()
    bad = [v for v in value if not isinstance(v, str) or not STANDARD_ID.match(v)]
    if bad:
        problems.append(
            RulebookProblem(rule, path, f"不是 STANDARDS 编号:{', '.join(map(str, bad))}")
        )
    return tuple(v for v in value if isinstance(v, str))


def _choices(
    value: Any, path: str, allowed: tuple[str, ...], problems: list[RulebookProblem], rule: str
) -> tuple[str, ...]:
    if value is None:
        return allowed
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        problems.append(RulebookProblem(rule, path, f"应为 {'、'.join(allowed)} 中的一个或多个"))
        return allowed
    bad = [v for v in value if v not in allowed]
    if bad:
        problems.append(
            RulebookProblem(
                rule, path, f"未知取值 {', '.join(map(str, bad))};应为 {'、'.join(allowed)}"
            )
        )
    return tuple(v for v in value if v in allowed)


def _rules(data: Any, problems: list[RulebookProblem], registry: PhraseRegistry) -> list[Rule]:
    if not isinstance(data, list) or not data:
        problems.append(RulebookProblem("", "rules", "应为非空的规则列表"))
        return []
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            problems.append(RulebookProblem("", f"rules[{i}]", "应为对象"))
            continue
        rid = item.get("id")
        if not isinstance(rid, str) or not RULE_ID.match(rid):
            problems.append(
                RulebookProblem(
                    str(rid or f"rules[{i}]"),
                    "id",
                    "应为小写字母、数字、下划线和点组成的编号,如 forbidden.shirking",
                )
            )
            continue
        if rid in seen:
            problems.append(RulebookProblem(rid, "id", "规则编号重复"))
            continue
        seen.add(rid)
        rule = _rule(rid, item, problems, registry)
        if rule is not None:
            rules.append(rule)
    return rules


def _rule(
    rid: str, item: dict[str, Any], problems: list[RulebookProblem], registry: PhraseRegistry
) -> Rule | None:
    before = len(problems)
    for key in item:
        if key not in RULE_KEYS:
            problems.append(
                RulebookProblem(rid, str(key), f"未知字段;可用字段:{', '.join(RULE_KEYS)}")
            )
    if item.get("enabled", True) is False:
        return None
    standards = _standards(item.get("standards"), "standards", problems, rid)
    dimension = item.get("dimension")
    if dimension not in DIMENSIONS:
        problems.append(RulebookProblem(rid, "dimension", f"应为 {'、'.join(DIMENSIONS)} 之一"))
    severity = item.get("severity")
    if severity not in SEVERITIES:
        problems.append(RulebookProblem(rid, "severity", f"应为 {'、'.join(SEVERITIES)} 之一"))
    deduction = item.get("deduction")
    if (
        isinstance(deduction, bool)
        or not isinstance(deduction, int | float)
        or not (0 <= deduction <= 100)
    ):
        problems.append(RulebookProblem(rid, "deduction", "应为 0 到 100 之间的扣分"))
        deduction = 0
    cap = item.get("max_deduction", deduction)
    if isinstance(cap, bool) or not isinstance(cap, int | float) or not (deduction <= cap <= 100):
        problems.append(
            RulebookProblem(rid, "max_deduction", "应为不小于 deduction、不大于 100 的扣分上限")
        )
        cap = deduction
    applies_data = item.get("applies") or {}
    if not isinstance(applies_data, dict):
        problems.append(RulebookProblem(rid, "applies", "应为对象,如 {channels: [phone]}"))
        applies_data = {}
    for key in applies_data:
        if key not in ("channels", "lines", "directions", "customer_classes"):
            problems.append(
                RulebookProblem(
                    rid,
                    f"applies.{key}",
                    "未知字段;可用字段:channels, lines, directions, customer_classes",
                )
            )
    applies = Applies(
        channels=_choices(
            applies_data.get("channels"), "applies.channels", CHANNELS, problems, rid
        ),
        lines=_choices(applies_data.get("lines"), "applies.lines", LINES, problems, rid),
        directions=_choices(
            applies_data.get("directions"), "applies.directions", DIRECTIONS, problems, rid
        ),
        customer_classes=_choices(
            applies_data.get("customer_classes"),
            "applies.customer_classes",
            CUSTOMER_CLASSES,
            problems,
            rid,
        ),
    )
    message = _text(item.get("message"), "message", problems, required=True, rule=rid)
    suggestion = _text(item.get("suggestion", ""), "suggestion", problems, required=False, rule=rid)
    has_flag, has_require = "flag" in item, "require" in item
    rule_problems = Problems(rid)
    parser = Parser(registry, BUILTINS, rule_problems)
    condition: Condition | None = None
    if has_flag == has_require:
        problems.append(
            RulebookProblem(rid, "flag", "应有且只有 flag(违规条件)或 require(必须满足的条件)之一")
        )
    elif has_flag:
        condition = parser.condition(item["flag"], "flag")
    else:
        required = parser.condition(item["require"], "require")
        condition = Not(required) if required is not None else None
    problems.extend(rule_problems.items)
    draft = item.get("draft", False)
    if not isinstance(draft, bool):
        problems.append(RulebookProblem(rid, "draft", "应为 true 或 false"))
    if len(problems) > before or condition is None:
        return None
    return Rule(
        id=rid,
        title=_text(item.get("title", rid), "title", problems, required=True, rule=rid),
        standards=standards,
        dimension=str(dimension),
        severity=str(severity),
        deduction=float(deduction),
        max_deduction=float(cap),
        applies=applies,
        message=message,
        suggestion=suggestion,
        condition=condition,
        draft=bool(draft),
        note=str(item.get("note", "")),
        phrases=tuple(flagged_phrases(condition, registry.wording)) if has_flag else (),
        gate=required_patterns(condition),
    )
