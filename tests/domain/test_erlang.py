"""Staffing demand with Erlang C: kefu.domain.erlang (issue 5, item 2)."""

from __future__ import annotations

import math
from datetime import time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.erlang import (
    erlang_b,
    erlang_c,
    evaluate,
    offered_traffic,
    required_agents,
    service_level,
    speed_of_answer,
    staffing_plan,
)


def erlang_c_factorial(agents: int, traffic: float) -> float:
    """Textbook Erlang C with powers and factorials: an independent check for small N."""
    top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


def brute_force_agents(
    calls: float, aht_s: float, interval_s: float, level: float, t: float, cap: float
) -> int:
    traffic = calls * aht_s / interval_s
    n = math.floor(traffic) + 1
    while True:
        pw = erlang_c_factorial(n, traffic)
        sl = 1 - pw * math.exp(-(n - traffic) * t / aht_s)
        if sl >= level and traffic / n <= cap:
            return n
        n += 1


# --- the standard worked example (issue 5 acceptance) ---------------------------------------


def test_classic_example_needs_14_agents_and_20_scheduled() -> None:
    s = required_agents(calls=100, aht=timedelta(seconds=180))
    assert s.traffic == pytest.approx(10.0)
    assert s.agents == 14
    assert s.pw == pytest.approx(0.174, abs=5e-4)
    assert s.service_level == pytest.approx(0.888, abs=5e-4)
    assert s.asa_seconds == pytest.approx(7.8, abs=0.05)
    assert s.occupancy == pytest.approx(0.714, abs=5e-4)
    assert s.scheduled == 20


def test_classic_example_13_agents_fall_just_short() -> None:
    s = evaluate(calls=100, aht=180, agents=13)
    assert s.service_level == pytest.approx(0.796, abs=5e-4)
    assert s.service_level < 0.8


def test_json_of_the_classic_example() -> None:
    data = required_agents(calls=100, aht=180).as_json()
    assert data["traffic"] == 10.0
    assert data["agents"] == 14 and data["scheduled"] == 20
    assert data["service_level"] == 0.8884
    assert data["asa_seconds"] == 7.84
    assert data["occupancy"] == 0.7143


# --- table tests ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calls", "aht", "interval_min", "expected"),
    [
        (100, 180, 30, 10.0),
        (360, 240, 60, 24.0),
        (0, 300, 30, 0.0),
        (15, 120, 15, 2.0),
    ],
)
def test_offered_traffic(calls: float, aht: float, interval_min: int, expected: float) -> None:
    assert offered_traffic(calls, aht, timedelta(minutes=interval_min)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("agents", "traffic", "expected"),
    [
        (0, 5.0, 1.0),
        (1, 1.0, 0.5),
        (2, 1.0, 0.2),
        (5, 2.0, 0.03669724770642202),  # 2^5/5! / sum_{k<=5} 2^k/k!
    ],
)
def test_erlang_b_known_values(agents: int, traffic: float, expected: float) -> None:
    assert erlang_b(agents, traffic) == pytest.approx(expected)


@pytest.mark.parametrize("traffic", [0.5, 2.0, 5.0, 10.0, 17.3])
def test_erlang_c_matches_the_factorial_formula(traffic: float) -> None:
    for agents in range(math.floor(traffic) + 1, math.floor(traffic) + 15):
        assert erlang_c(agents, traffic) == pytest.approx(erlang_c_factorial(agents, traffic))


@pytest.mark.parametrize(
    ("calls", "aht", "interval_min", "level", "within", "cap"),
    [
        (100, 180, 30, 0.8, 20, 0.85),
        (100, 180, 30, 0.9, 10, 0.85),
        (30, 300, 30, 0.8, 20, 0.85),
        (250, 240, 30, 0.8, 20, 0.85),
        (250, 240, 30, 0.95, 30, 0.85),
        (400, 200, 60, 0.7, 60, 0.9),
        (12, 600, 30, 0.8, 20, 0.85),
        (1, 60, 30, 0.8, 20, 0.85),
        (500, 180, 30, 0.5, 0, 0.8),  # occupancy cap binds
    ],
)
def test_required_agents_agrees_with_brute_force(
    calls: float, aht: float, interval_min: int, level: float, within: float, cap: float
) -> None:
    s = required_agents(
        calls=calls,
        aht=aht,
        interval=timedelta(minutes=interval_min),
        target_level=level,
        target_time=timedelta(seconds=within),
        max_occupancy=cap,
    )
    assert s.agents == brute_force_agents(calls, aht, interval_min * 60, level, within, cap)


def test_occupancy_cap_can_decide() -> None:
    # 500 calls x 180 s / 1800 s = 50 Erlang; 80/20 needs ~56 agents but 85% needs 59.
    loose = required_agents(calls=500, aht=180, max_occupancy=1.0)
    capped = required_agents(calls=500, aht=180)
    assert loose.agents < capped.agents == 59
    assert capped.occupancy <= 0.85


def test_no_calls_need_no_agents() -> None:
    s = required_agents(calls=0, aht=180)
    assert (s.traffic, s.agents, s.scheduled, s.pw, s.occupancy) == (0.0, 0, 0, 0.0, 0.0)
    assert s.service_level == 1.0 and s.asa_seconds == 0


def test_understaffed_queue_never_empties() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert service_level(8, 10.0, 180, 20) == 0.0
    assert math.isinf(speed_of_answer(9, 10.0, 180))
    assert evaluate(calls=100, aht=180, agents=10).pw == 1.0


def test_scheduled_is_not_pushed_up_by_rounding() -> None:
    # 14 / 0.7 is 20.000000000000004 in floating point.
    assert required_agents(calls=100, aht=180, shrinkage=0.3).scheduled == 20
    assert required_agents(calls=100, aht=180, shrinkage=0).scheduled == 14
    assert required_agents(calls=100, aht=180, shrinkage=0.5).scheduled == 28


def test_large_traffic_is_stable() -> None:
    s = required_agents(calls=40_000, aht=270)  # 6000 Erlang
    assert s.traffic == pytest.approx(6000)
    assert 6000 / 0.85 <= s.agents < 6000 / 0.85 + 2
    assert 0 <= s.pw <= 1 and s.service_level >= 0.8
    assert math.isfinite(erlang_b(10_000, 9_000.0))


def test_staffing_plan_per_interval_with_own_aht() -> None:
    plan = staffing_plan(
        [("09:00", 100), (time(9, 30), 0), ("10:00", 50, 360)],
        aht=timedelta(seconds=180),
    )
    assert [p.start for p in plan] == ["09:00", time(9, 30), "10:00"]
    assert [p.staffing.agents for p in plan] == [14, 0, 14]
    assert plan[2].staffing.aht == timedelta(seconds=360)


def test_staffing_plan_names_the_bad_interval() -> None:
    with pytest.raises(ValueError, match=r"第2个时段\(09:30\):来电量不能为负数"):
        staffing_plan([("09:00", 10), ("09:30", -1)], aht=180)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"calls": -1}, "来电量不能为负数"),
        ({"calls": float("nan")}, "来电量不是有效的数字"),
        ({"aht": 0}, "平均处理时长必须大于 0 秒"),
        ({"aht": timedelta(seconds=-5)}, "平均处理时长必须大于 0 秒"),
        ({"interval": timedelta(0)}, "时段长度必须大于 0 秒"),
        ({"target_level": 1.0}, "目标服务水平必须在 0 与 1 之间"),
        ({"target_level": 0}, "目标服务水平必须在 0 与 1 之间"),
        ({"target_time": timedelta(seconds=-1)}, "目标应答时间不能为负数"),
        ({"max_occupancy": 0}, "占用率上限"),
        ({"max_occupancy": 1.2}, "占用率上限"),
        ({"shrinkage": 1}, "缩减率"),
        ({"shrinkage": -0.1}, "缩减率"),
        ({"calls": 1e9}, "超出可计算范围"),
    ],
)
def test_bad_inputs_are_refused_in_chinese(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"calls": 100, "aht": 180, **kwargs}
    with pytest.raises(ValueError, match=message):
        required_agents(**args)  # type: ignore[arg-type]


def test_impossible_target_100_percent_in_0_seconds_is_refused() -> None:
    with pytest.raises(ValueError, match="100% 无法保证"):
        required_agents(calls=100, aht=180, target_level=1.0, target_time=0)


# --- properties -----------------------------------------------------------------------------

traffics = st.floats(min_value=0.05, max_value=200, allow_nan=False)
ahts = st.floats(min_value=10, max_value=1200, allow_nan=False)
levels = st.floats(min_value=0.05, max_value=0.99)
waits = st.floats(min_value=0, max_value=120)
caps = st.floats(min_value=0.5, max_value=1.0)
shrinkages = st.floats(min_value=0, max_value=0.6)


@given(traffic=traffics, aht=ahts, t=waits, extra=st.integers(1, 30))
def test_service_level_increases_with_agents(
    traffic: float, aht: float, t: float, extra: int
) -> None:
    n = math.floor(traffic) + 1
    levels_by_n = [service_level(k, traffic, aht, t) for k in range(n, n + extra + 1)]
    assert all(b >= a - 1e-12 for a, b in zip(levels_by_n, levels_by_n[1:], strict=False))
    assert all(0 <= sl <= 1 for sl in levels_by_n)


@given(
    calls=st.floats(min_value=0, max_value=2000),
    more=st.floats(min_value=0, max_value=500),
    aht=ahts,
    level=levels,
    t=waits,
    cap=caps,
)
def test_agents_do_not_decrease_with_calls(
    calls: float, more: float, aht: float, level: float, t: float, cap: float
) -> None:
    options = {"aht": aht, "target_level": level, "target_time": t, "max_occupancy": cap}
    fewer = required_agents(calls=calls, **options)
    plenty = required_agents(calls=calls + more, **options)
    assert plenty.agents >= fewer.agents


@given(
    calls=st.floats(min_value=0, max_value=3000),
    aht=ahts,
    level=levels,
    t=waits,
    cap=caps,
    shrinkage=shrinkages,
)
def test_result_meets_every_target_and_is_the_smallest(
    calls: float, aht: float, level: float, t: float, cap: float, shrinkage: float
) -> None:
    s = required_agents(
        calls=calls,
        aht=aht,
        target_level=level,
        target_time=t,
        max_occupancy=cap,
        shrinkage=shrinkage,
    )
    assert s.occupancy <= cap + 1e-9
    assert s.scheduled >= s.agents
    assert s.scheduled * (1 - shrinkage) >= s.agents - 1e-6
    if s.agents:
        assert s.service_level >= level - 1e-9
        fewer = evaluate(calls=calls, aht=aht, agents=s.agents - 1, target_time=t)
        assert fewer.service_level < level or fewer.traffic / (s.agents - 1) > cap
