"""Rulebook loading: the default is valid; every problem names the rule and the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from kefu.domain.inspection import (
    DEFAULT_RULEBOOK,
    RulebookInvalid,
    default_rulebook,
    rulebook_check,
    rulebook_from_path,
    rulebook_from_yaml,
)

STANDARDS_OF_SECTION_4 = {f"SCRIPT-{n}" for n in range(1, 17)}


def base() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_RULEBOOK.read_text(encoding="utf-8"))


def problems_of(data: Any) -> list[tuple[str, str, str]]:
    text = yaml.safe_dump(data, allow_unicode=True) if not isinstance(data, str) else data
    with pytest.raises(RulebookInvalid) as caught:
        rulebook_from_yaml(text, source="site.yaml")
    return [(p.rule, p.field, p.reason) for p in caught.value.problems]


def test_default_rulebook_is_valid_and_covers_section_4() -> None:
    rb = default_rulebook()
    assert rb.name == "default"
    covered = {s for rule in rb.rules for s in rule.standards}
    # SCRIPT-17 (recommend services at the right moment) is not decidable from words alone.
    assert covered >= STANDARDS_OF_SECTION_4
    assert {"SLA-6", "SLA-9", "MSG-1", "MSG-2", "MSG-3"} <= covered
    assert len({r.id for r in rb.rules}) == len(rb.rules)
    assert all(rule.standards for rule in rb.rules)


def test_default_rulebook_carries_the_whole_forbidden_list_of_both_seeds() -> None:
    text = DEFAULT_RULEBOOK.read_text(encoding="utf-8")
    for phrase in [
        "不行就是不行",
        "我就这样的态度",
        "你问我,我问谁",
        "有意见找领导去",
        "要告就告去",
        "用不起就别用",
        "宝贝页面没介绍吗",
        "快递的问题找快递去",
        "你到你要不要查",  # the seed's own typo, kept verbatim
        "这事不规我管",
        "你自己先查清楚",
        "您的电话没有声音",
        "贵宾服务专线",
        "国庆节快乐",
    ]:
        assert phrase in text


def test_a_copy_of_the_default_loads_the_same() -> None:
    rb = rulebook_from_yaml(yaml.safe_dump(base(), allow_unicode=True))
    assert [r.id for r in rb.rules] == [r.id for r in default_rulebook().rules]


def _with_rule(change: dict[str, Any], index: int = 0) -> dict[str, Any]:
    data = base()
    data["rules"][index] = {**data["rules"][index], **change}
    return data


RULE0 = "greeting.time_of_day"


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"severity": "fatal"}, "severity", "critical、major、minor"),
        ({"dimension": "style"}, "dimension", "service_norms"),
        ({"deduction": -1}, "deduction", "0 到 100"),
        ({"deduction": "5"}, "deduction", "0 到 100"),
        ({"max_deduction": 1}, "max_deduction", "不小于 deduction"),
        ({"standards": []}, "standards", "至少列出一个"),
        ({"standards": ["script-1"]}, "standards", "不是 STANDARDS 编号"),
        ({"message": ""}, "message", "非空"),
        ({"severty": "major"}, "severty", "未知字段"),
        ({"applies": {"channels": ["fax"]}}, "applies.channels", "fax"),
        ({"applies": {"lanes": ["vip"]}}, "applies.lanes", "未知字段"),
        ({"draft": "yes"}, "draft", "true 或 false"),
    ],
)
def test_bad_rule_field_names_rule_and_field(
    change: dict[str, Any], field: str, fragment: str
) -> None:
    found = problems_of(_with_rule(change))
    assert any(rule == RULE0 and f == field and fragment in reason for rule, f, reason in found), (
        found
    )


@pytest.mark.parametrize(
    ("flag", "field", "fragment"),
    [
        ({"phrases": []}, "flag.phrases.any", "非空的短语列表"),
        ({"phrases": ["ok", ""]}, "flag.phrases.any[1]", "非空文字"),
        ({"phrases": ["!!!"]}, "flag.phrases.any[0]", "去掉标点"),
        ({"phrases": {"any": ["a"], "all": ["b"]}}, "flag.phrases", "any、all、none 之一"),
        ({"phrases": {"any": ["a"], "speaker": "boss"}}, "flag.phrases.speaker", "agent"),
        (
            {"phrases": {"any": ["a"], "scope": {"first_turns": -1}}},
            "flag.phrases.scope.first_turns",
            "整数",
        ),
        (
            {"phrases": {"any": ["a"], "scope": {"frist_turns": 1}}},
            "flag.phrases.scope.frist_turns",
            "未知字段",
        ),
        ({"regex": "你找(.{0,3}问"}, "flag.regex.pattern", "正则表达式有误"),
        (
            {"similar": {"examples": ["您好"], "threshold": 150}},
            "flag.similar.threshold",
            "1 到 100",
        ),
        ({"all": []}, "flag.all", "非空的条件列表"),
        ({"any": [{"phrases": ["a"]}, {"bogus": 1}]}, "flag.any[1]", "未知的条件"),
        ({"phrases": ["a"], "regex": "b"}, "flag", "只能有一个运算符"),
        ({"respond": {"trigger": {"phrases": ["谢谢"]}}}, "flag.respond.expect", "缺少必填字段"),
        (
            {
                "respond": {
                    "trigger": {"phrases": ["谢谢"]},
                    "expect": {"phrases": ["不客气"]},
                    "within": 0,
                }
            },
            "flag.respond.within",
            "不小于1",
        ),
        ({"answer_delay": {"max_ms": "15s"}}, "flag.answer_delay.max_ms", "不小于0的数"),
        ({"answer_delay": {"max": 15000}}, "flag.answer_delay.max", "未知字段"),
        ({"moment": "noon"}, "flag.moment", "morning"),
        ({"speech_rate": {"min_cpm": 200, "max_cpm": 100}}, "flag.speech_rate.max_cpm", "应大于"),
        ("not a condition", "flag", "应为一个条件"),
    ],
)
def test_bad_condition_names_the_path_inside_the_rule(flag: Any, field: str, fragment: str) -> None:
    data = base()
    rule = data["rules"][0]
    rule.pop("require", None)
    rule["flag"] = flag
    found = problems_of(data)
    assert any(r == RULE0 and f == field and fragment in reason for r, f, reason in found), found


def test_flag_and_require_together_are_refused() -> None:
    data = _with_rule({"require": {"phrases": ["早上好"]}})
    found = problems_of(data)
    assert (RULE0, "flag", "应有且只有 flag(违规条件)或 require(必须满足的条件)之一") in found


@pytest.mark.parametrize(
    ("data", "rule", "field", "fragment"),
    [
        ("rules: [", "", "第1行", "YAML 格式错误"),
        ("[]", "", "", "YAML 对象"),
        ({"name": "x", "version": "1"}, "", "rules", "非空的规则列表"),
        ({"name": "x", "version": "1", "rules": [{"id": "Bad Id"}]}, "Bad Id", "id", "小写字母"),
        ({"version": "1", "rules": []}, "", "name", "缺少必填字段"),
        ({"name": "x", "version": "1", "pass_mark": 120, "rules": []}, "", "pass_mark", "0 到 100"),
        ({"name": "x", "version": "1", "colour": "red", "rules": []}, "", "colour", "未知字段"),
    ],
)
def test_bad_document_is_reported_with_its_place(
    data: Any, rule: str, field: str, fragment: str
) -> None:
    found = problems_of(data)
    assert any(r == rule and field in f and fragment in reason for r, f, reason in found), found


def test_duplicate_rule_ids_are_reported() -> None:
    data = base()
    data["rules"].append(copy.deepcopy(data["rules"][0]))
    assert (RULE0, "id", "规则编号重复") in problems_of(data)


def test_every_problem_is_reported_not_just_the_first() -> None:
    data = base()
    data["rules"][0]["severity"] = "fatal"
    data["rules"][3]["deduction"] = -5
    data["rules"][5]["flag"] = {"regex": "("}
    found = problems_of(data)
    assert {(r, f) for r, f, _ in found} >= {
        (RULE0, "severity"),
        (data["rules"][3]["id"], "deduction"),
        (data["rules"][5]["id"], "flag.regex.pattern"),
    }


def test_disabled_rule_is_left_out() -> None:
    rb = rulebook_from_yaml(yaml.safe_dump(_with_rule({"enabled": False}), allow_unicode=True))
    assert rb.rule(RULE0) is None


def test_problem_reads_well() -> None:
    with pytest.raises(RulebookInvalid) as caught:
        rulebook_from_yaml(yaml.safe_dump(_with_rule({"severity": "fatal"}), allow_unicode=True))
    assert str(caught.value.problems[0]).startswith("规则 greeting.time_of_day 的字段 severity:")


def test_rulebook_check_lists_problems_or_nothing() -> None:
    assert rulebook_check(DEFAULT_RULEBOOK.read_text(encoding="utf-8")) == []
    assert rulebook_check("rules: 3")


def test_unreadable_or_non_utf8_rulebook_file(tmp_path: Any) -> None:
    missing = tmp_path / "none.yaml"
    with pytest.raises(RulebookInvalid, match="无法读取"):
        rulebook_from_path(missing)
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("name: 默认\n".encode("gbk"))
    with pytest.raises(RulebookInvalid, match="UTF-8"):
        rulebook_from_path(gbk)
