"""Each check operator on a one-rule rulebook: what it flags and what it leaves alone."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from kefu.domain.inspection import inspect, rulebook_from_yaml
from tests.domain.inspection.helpers import conv


def flags(
    condition: dict[str, Any], conversation: Any, **rule: Any
) -> list[tuple[int | None, str]]:
    book = {
        "name": "t",
        "version": "1",
        "rules": [
            {
                "id": "t.rule",
                "standards": ["SCRIPT-9"],
                "dimension": "attitude",
                "severity": "major",
                "deduction": 5,
                "max_deduction": 50,
                "message": "m",
                "flag": condition,
                **rule,
            }
        ],
    }
    rb = rulebook_from_yaml(yaml.safe_dump(book, allow_unicode=True))
    return [(f.segment, f.evidence) for f in inspect(conversation, rb).findings]


TALK = conv(
    ("agent", "您好,请问有什么可以帮您?", 0, 3000),
    ("customer", "我想问一下我的账单。", 4000, 6000),
    ("agent", "好的,这个我不清楚。", 7000, 9000),
    ("customer", "你们这服务太差了,垃圾!", 10000, 12000),
    ("agent", "喂,你听不听我说?", 60000, 62000),
    ("agent", "再见。", 63000, 64000),
)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"phrases": ["不清楚"]}, [(2, "不清楚")]),
        ({"phrases": {"any": ["账单"], "speaker": "customer"}}, [(1, "账单")]),
        ({"phrases": {"any": ["账单"]}}, []),  # agents only by default
        ({"phrases": {"all": ["好的", "不清楚"]}}, [(2, "好的")]),
        ({"phrases": {"all": ["好的", "再见"]}}, []),  # all in one turn
        ({"phrases": {"any": ["不清楚"], "exclude": ["不清楚吗"]}}, [(2, "不清楚")]),
        ({"phrases": {"any": ["不清楚"], "exclude": ["这个我不清楚"]}}, []),
        ({"phrases": {"any": ["不清楚"], "exclude": ["我不"]}}, []),  # any overlap excludes
        ({"phrases": {"any": ["不清楚"], "unless_turn_has": ["好的"]}}, []),
        ({"phrases": {"any": ["喂"], "scope": {"first_turns": 2}}}, []),
        ({"phrases": {"any": ["喂"], "scope": {"last_turns": 2}}}, [(4, "喂")]),
        ({"phrases": {"any": ["喂"], "scope": {"first_seconds": 30}}}, []),
        ({"phrases": {"any": ["喂"], "scope": {"last_seconds": 10}}}, [(4, "喂")]),
        (
            {
                "phrases": {
                    "any": ["不清楚", "喂"],
                    "scope": {"near": {"phrases": {"any": ["垃圾"], "speaker": "customer"}}},
                }
            },
            [(2, "不清楚"), (4, "喂")],
        ),
        (
            {
                "phrases": {
                    "any": ["不清楚", "喂"],
                    "scope": {
                        "near": {"phrases": {"any": ["账单"], "speaker": "customer"}},
                        "near_turns": 1,
                    },
                }
            },
            [(2, "不清楚")],
        ),
        ({"regex": "你听不?听"}, [(4, "你听不听")]),
        ({"regex": {"pattern": "你听不?听", "exclude": "喂"}}, []),
        ({"regex": {"pattern": "你听不?听", "gate": ["再见"]}}, []),
        (
            {"similar": {"examples": ["这个我不太清楚"], "threshold": 85}},
            [(2, "这个我不清楚")],
        ),
        ({"similar": {"examples": ["请您稍候我帮您查询"], "threshold": 90}}, []),
        ({"any": [{"phrases": ["不清楚"]}, {"phrases": ["喂"]}]}, [(2, "不清楚"), (4, "喂")]),
        ({"all": [{"phrases": ["不清楚"]}, {"phrases": ["喂"]}]}, [(2, "不清楚")]),
        ({"all": [{"phrases": ["不清楚"]}, {"phrases": ["早上好"]}]}, []),
        ({"not": {"phrases": ["早上好"]}}, [(None, "")]),
        (
            {"phrases": {"none": ["早上好"], "scope": {"first_turns": 1}}},
            [(0, "您好,请问有什么可以帮您?")],
        ),
        (
            {"respond": {"trigger": {"phrases": ["垃圾"]}, "expect": {"phrases": ["抱歉"]}}},
            [(4, "喂,你听不听我说?")],
        ),
        (
            {
                "respond": {
                    "trigger": {"phrases": ["垃圾"]},
                    "expect": {"phrases": ["再见"]},
                    "within": 2,
                }
            },
            [],
        ),
        ({"long_silence": {"max_ms": 20000}}, [(3, "你们这服务太差了,垃圾!")]),
        ({"long_silence": {"max_ms": 60000}}, []),
        ({"agent_turns_at_least": 5}, []),
        ({"agent_turns_at_least": 4}, [(None, "")]),
        ({"moment": "morning"}, [(None, "")]),
        ({"moment": ["afternoon", "weekend"]}, []),
    ],
)
def test_operator(condition: dict[str, Any], expected: list[tuple[int | None, str]]) -> None:
    assert flags(condition, TALK) == expected


def test_whole_clause_only_counts_a_phrase_standing_alone() -> None:
    c = conv(("agent", "请问有什么可以帮您?"), ("agent", "什么?"), ("agent", "为什么呢"))
    assert flags({"phrases": {"any": ["什么"], "whole_clause": True}}, c) == [(1, "什么")]


def test_applies_limits_channels_and_lines() -> None:
    chat = conv(("agent", "我不清楚"), channel="chat")
    assert flags({"phrases": ["不清楚"]}, chat, applies={"channels": ["phone"]}) == []
    assert flags({"phrases": ["不清楚"]}, chat, applies={"channels": ["chat"]}) == [(0, "不清楚")]
    vip = conv(("agent", "我不清楚"), line="vip")
    assert flags({"phrases": ["不清楚"]}, vip, applies={"lines": ["normal"]}) == []


def test_readback_of_message_content_on_the_secretary_line() -> None:
    rule = {"readback_content": {"prompts": ["请讲"], "min_chars": 6, "threshold": 70, "within": 2}}
    told = conv(
        ("agent", "王先生,留言请讲。"),
        ("customer", "告诉他明天上午十点在公司门口等我"),
        ("agent", "好的,明天上午十点在公司门口等您,对吗?"),
        line="secretary",
    )
    assert flags(rule, told) == []
    not_told = conv(
        ("agent", "王先生,留言请讲。"),
        ("customer", "告诉他明天上午十点在公司门口等我"),
        ("agent", "好的,请问您还有其他补充吗?"),
        line="secretary",
    )
    assert flags(rule, not_told) == [(1, "告诉他明天上午十点在公司门口等我")]
