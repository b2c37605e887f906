"""Staffing demand per interval with Erlang C (issue 5, item 2).

For one interval (30 minutes by default) with `calls` arriving and an average handling time
`aht`:

- offered traffic, in Erlang: A = calls x AHT / interval length;
- Erlang B by the recursion B0 = 1, Bk = A·Bk-1 / (k + A·Bk-1), which stays in [0, 1] for any
  A, so large call centres need no factorials and no overflow;
- waiting probability (Erlang C) Pw = N·B / (N - A(1 - B)) for N > A; with N <= A the queue
  grows without bound and Pw = 1;
- service level SL(t) = 1 - Pw·exp(-(N - A)·t / AHT), the share answered within t;
- average speed of answer ASA = Pw·AHT / (N - A);
- occupancy A / N.

`required_agents` returns the smallest N that meets the service level target *and* keeps
occupancy at or under the cap, and the agents to schedule once shrinkage (breaks, training,
leave, absence) is allowed for: ceil(N / (1 - shrinkage)).

Pure Python: no Django (tests/domain/test_domain_is_pure.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

__all__ = [
    "MAX_TRAFFIC",
    "IntervalStaffing",
    "Staffing",
    "erlang_b",
    "erlang_c",
    "evaluate",
    "offered_traffic",
    "required_agents",
    "service_level",
    "speed_of_answer",
    "staffing_plan",
]

# A bound on the search (one loop step per agent): far beyond any single queue's traffic.
MAX_TRAFFIC = 100_000.0
# Comparisons of the service level and occupancy against their targets tolerate rounding.
_EPS = 1e-12

Duration = timedelta | float  # a timedelta, or seconds


@dataclass(frozen=True, slots=True)
class Staffing:
    """The demand of one interval.

    `agents` are needed on the phones; `scheduled` are to be rostered so that, after shrinkage,
    `agents` remain. `service_level`, `asa`, `occupancy` and `pw` are those reached with `agents`.
    """

    calls: float
    aht: timedelta
    interval: timedelta
    traffic: float
    agents: int
    service_level: float
    asa: timedelta
    occupancy: float
    pw: float
    scheduled: int
    shrinkage: float

    @property
    def asa_seconds(self) -> float:
        return self.asa.total_seconds()

    def as_json(self) -> dict[str, float | int]:
        return {
            "calls": self.calls,
            "aht_seconds": self.aht.total_seconds(),
            "traffic": round(self.traffic, 4),
            "agents": self.agents,
            "scheduled": self.scheduled,
            "service_level": round(self.service_level, 4),
            "asa_seconds": round(self.asa_seconds, 2),
            "occupancy": round(self.occupancy, 4),
            "pw": round(self.pw, 4),
        }


@dataclass(frozen=True, slots=True)
class IntervalStaffing:
    """The demand of one interval of a forecast."""

    start: datetime | time | str
    staffing: Staffing


def _seconds(value: Duration, what: str) -> float:
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"{what}不是有效的时长:{value}")
    return seconds


def _positive_seconds(value: Duration, what: str) -> float:
    seconds = _seconds(value, what)
    if seconds <= 0:
        raise ValueError(f"{what}必须大于 0 秒:{value}")
    return seconds


def _check_calls(calls: float) -> float:
    calls = float(calls)
    if math.isnan(calls) or math.isinf(calls):
        raise ValueError(f"来电量不是有效的数字:{calls}")
    if calls < 0:
        raise ValueError(f"来电量不能为负数:{calls:g}")
    return calls


def _check_shrinkage(shrinkage: float) -> float:
    if not 0 <= shrinkage < 1:
        raise ValueError(f"缩减率必须在 0(含)与 1(不含)之间:{shrinkage}")
    return float(shrinkage)


def offered_traffic(
    calls: float, aht: Duration, interval: Duration = timedelta(minutes=30)
) -> float:
    """A = calls x AHT / interval length, in Erlang."""
    calls = _check_calls(calls)
    aht_s = _positive_seconds(aht, "平均处理时长")
    interval_s = _positive_seconds(interval, "时段长度")
    return calls * aht_s / interval_s


def _erlang_b_steps(traffic: float) -> Iterator[float]:
    """B1, B2, ... for the given traffic, by the recursion Bk = A·Bk-1 / (k + A·Bk-1)."""
    b = 1.0
    k = 0
    while True:
        k += 1
        b = traffic * b / (k + traffic * b)
        yield b


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability of N servers offered A Erlang (B0 = 1)."""
    if agents < 0:
        raise ValueError(f"坐席数不能为负数:{agents}")
    if traffic < 0:
        raise ValueError(f"话务量不能为负数:{traffic}")
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def _pw(agents: int, traffic: float, b: float) -> float:
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    return agents * b / (agents - traffic * (1 - b))


def erlang_c(agents: int, traffic: float) -> float:
    """Waiting probability Pw: N·B / (N - A(1 - B)) for N > A, 1 for N <= A (0 without traffic)."""
    return _pw(agents, traffic, erlang_b(agents, traffic))


def _sl(agents: int, traffic: float, pw: float, aht_s: float, target_s: float) -> float:
    if traffic == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return 1 - pw * math.exp(-(agents - traffic) * target_s / aht_s)


def service_level(agents: int, traffic: float, aht: Duration, target_time: Duration) -> float:
    """SL(t) = 1 - Pw·exp(-(N - A)·t / AHT); 0 when N <= A (the queue never empties)."""
    aht_s = _positive_seconds(aht, "平均处理时长")
    target_s = _seconds(target_time, "目标应答时间")
    if target_s < 0:
        raise ValueError(f"目标应答时间不能为负数:{target_time}")
    return _sl(agents, traffic, erlang_c(agents, traffic), aht_s, target_s)


def _asa(agents: int, traffic: float, pw: float, aht_s: float) -> float:
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return pw * aht_s / (agents - traffic)


def speed_of_answer(agents: int, traffic: float, aht: Duration) -> float:
    """ASA in seconds: Pw·AHT / (N - A); infinite when N <= A."""
    aht_s = _positive_seconds(aht, "平均处理时长")
    return _asa(agents, traffic, erlang_c(agents, traffic), aht_s)


def _staffing(
    *,
    calls: float,
    aht_s: float,
    interval_s: float,
    traffic: float,
    agents: int,
    b: float,
    target_s: float,
    shrinkage: float,
) -> Staffing:
    pw = _pw(agents, traffic, b)
    asa = _asa(agents, traffic, pw, aht_s)
    return Staffing(
        calls=calls,
        aht=timedelta(seconds=aht_s),
        interval=timedelta(seconds=interval_s),
        traffic=traffic,
        agents=agents,
        service_level=_sl(agents, traffic, pw, aht_s, target_s),
        asa=timedelta.max if math.isinf(asa) else timedelta(seconds=asa),
        occupancy=min(traffic / agents, 1.0) if agents else 0.0,
        pw=pw,
        scheduled=math.ceil(agents / (1 - shrinkage) - 1e-9) if agents else 0,
        shrinkage=shrinkage,
    )


def _inputs(
    calls: float,
    aht: Duration,
    interval: Duration,
    target_time: Duration,
    shrinkage: float,
) -> tuple[float, float, float, float, float, float]:
    calls = _check_calls(calls)
    aht_s = _positive_seconds(aht, "平均处理时长")
    interval_s = _positive_seconds(interval, "时段长度")
    target_s = _seconds(target_time, "目标应答时间")
    if target_s < 0:
        raise ValueError(f"目标应答时间不能为负数:{target_time}")
    shrinkage = _check_shrinkage(shrinkage)
    traffic = calls * aht_s / interval_s
    if traffic > MAX_TRAFFIC:
        raise ValueError(
            f"话务量 {traffic:.0f} Erlang 超出可计算范围(最多 {MAX_TRAFFIC:.0f}),请拆分队列或时段"
        )
    return calls, aht_s, interval_s, target_s, shrinkage, traffic


def evaluate(
    *,
    calls: float,
    aht: Duration,
    agents: int,
    interval: Duration = timedelta(minutes=30),
    target_time: Duration = timedelta(seconds=20),
    shrinkage: float = 0.3,
) -> Staffing:
    """What a given number of agents on the phones achieves (to compare with what is scheduled)."""
    if agents < 0:
        raise ValueError(f"坐席数不能为负数:{agents}")
    calls, aht_s, interval_s, target_s, shrinkage, traffic = _inputs(
        calls, aht, interval, target_time, shrinkage
    )
    return _staffing(
        calls=calls,
        aht_s=aht_s,
        interval_s=interval_s,
        traffic=traffic,
        agents=agents,
        b=erlang_b(agents, traffic),
        target_s=target_s,
        shrinkage=shrinkage,
    )


def required_agents(
    *,
    calls: float,
    aht: Duration,
    interval: Duration = timedelta(minutes=30),
    target_level: float = 0.8,
    target_time: Duration = timedelta(seconds=20),
    max_occupancy: float = 0.85,
    shrinkage: float = 0.3,
) -> Staffing:
    """The smallest N with SL(target_time) >= target_level and A / N <= max_occupancy.

    No calls need no agents. `aht`, `interval` and `target_time` are timedeltas or seconds.
    """
    if not 0 < target_level < 1:
        raise ValueError(
            f"目标服务水平必须在 0 与 1 之间(不含 0 和 1,100% 无法保证):{target_level}"
        )
    if not 0 < max_occupancy <= 1:
        raise ValueError(f"占用率上限必须在 0(不含)与 1(含)之间:{max_occupancy}")
    calls, aht_s, interval_s, target_s, shrinkage, traffic = _inputs(
        calls, aht, interval, target_time, shrinkage
    )
    if traffic == 0:
        return _staffing(
            calls=calls,
            aht_s=aht_s,
            interval_s=interval_s,
            traffic=0.0,
            agents=0,
            b=1.0,
            target_s=target_s,
            shrinkage=shrinkage,
        )
    # Walk the Erlang B recursion upwards: each N costs one step, B stays in [0, 1].
    agents = 0
    for b in _erlang_b_steps(traffic):
        agents += 1
        if agents <= traffic or traffic / agents > max_occupancy + _EPS:
            continue
        pw = _pw(agents, traffic, b)
        if _sl(agents, traffic, pw, aht_s, target_s) + _EPS >= target_level:
            return _staffing(
                calls=calls,
                aht_s=aht_s,
                interval_s=interval_s,
                traffic=traffic,
                agents=agents,
                b=b,
                target_s=target_s,
                shrinkage=shrinkage,
            )
    raise AssertionError("unreachable")  # pragma: no cover - the generator never ends


def staffing_plan(
    forecast: Sequence[tuple[datetime | time | str, float]],
    *,
    aht: Duration,
    interval: Duration = timedelta(minutes=30),
    target_level: float = 0.8,
    target_time: Duration = timedelta(seconds=20),
    max_occupancy: float = 0.85,
    shrinkage: float = 0.3,
) -> list[IntervalStaffing]:
    """`required_agents` for each (interval start, calls) of a forecast, in the given order.

    A row may carry a third element, its own AHT (timedelta or seconds; None for `aht`).
    """
    plan: list[IntervalStaffing] = []
    for index, row in enumerate(forecast, start=1):
        start, calls = row[0], row[1]
        row_aht = row[2] if len(row) > 2 and row[2] is not None else aht  # type: ignore[misc]
        try:
            staffing = required_agents(
                calls=calls,
                aht=row_aht,
                interval=interval,
                target_level=target_level,
                target_time=target_time,
                max_occupancy=max_occupancy,
                shrinkage=shrinkage,
            )
        except ValueError as exc:
            raise ValueError(f"第{index}个时段({start}):{exc}") from exc
        plan.append(IntervalStaffing(start=start, staffing=staffing))
    return plan
