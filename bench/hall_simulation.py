"""Waiting-estimate accuracy in a simulated service hall:
`python -m bench.hall_simulation [--seed 2009] [--customers 20000] [--weight 0.05]`.

A discrete-event simulation (pure Python, reproducible from --seed) of a hall that opens empty:
Poisson arrivals, exponential service times, several counters, each calling with
`kefu.domain.queueing.pick_next` (first come, first served per business type in the counter's
priority order; no VIPs here). When a customer takes a number we record the estimate the kiosk
would show, exactly as the hall app computes it: `estimate_wait` with `people_ahead`, the number of
open counters serving that business type and the business type's rolling mean service time as
known at that instant (a catalogue default of 5 minutes, then learned from completed services with
`rolling_mean`). When the customer is called we know the wait they actually had.

Per scenario (and per business type in the mixed one) it prints the mean actual wait, the M/M/c
theoretical mean wait (Erlang C) where it applies, the mean estimate and the mean absolute error
(MAE) of:
- QL: the estimate as shown, (ahead + 1) x learned mean / servers (Ibrahim and Whitt 2009);
- naive: ahead x learned mean / servers, without the + 1;
- QL true mean: the QL formula with the true mean service time, to separate the error of the
  estimator itself from the error of learning the mean;
- QL free=0: the QL estimate, but 0 when a counter serving that business type is free on arrival
  (the customer is called at once).
Always predicting 0 has an MAE equal to the mean wait, so "MAE / wait" below 1 means the estimate
is worth showing at all. A second table gives the root mean square errors: QL is a conditional
*mean* (optimal for squared error), while the absolute error is smallest at the conditional
*median*, which for the skewed (Erlang) wait given the queue lies below the mean; that is why the
naive estimate can score a lower MAE. `--weight` sets the `rolling_mean` weight of the newest
sample (0.05 is the hall's default); noise in the learned mean is a large share of the error.
Scenario i runs with seed + i. M/M/c values are the steady state; the simulated hall opens empty.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kefu.domain.queueing import (
    WaitingNumber,
    estimate_wait,
    next_vip_streak,
    people_ahead,
    pick_next,
    rolling_mean,
)

DEFAULT_SEED = 2009
DEFAULT_CUSTOMERS = 20_000
from kefu.domain.queueing import DEFAULT_WEIGHT  # noqa: E402  rolling_mean's default

CATALOGUE_DEFAULT = timedelta(minutes=5)  # the rolling mean before the first completed service
OPENING = datetime(2025, 3, 3, 8, 30)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    counters: tuple[tuple[str, ...], ...]  # each counter's business types in priority order
    mean_service: Mapping[str, float]  # true mean service time per business type, seconds
    share: Mapping[str, float]  # share of arrivals per business type
    rho: float  # offered load per counter

    @property
    def arrival_rate(self) -> float:
        """Customers a second giving utilisation `rho` over all counters."""
        work = sum(self.share[b] * self.mean_service[b] for b in self.share)
        return self.rho * len(self.counters) / work


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("1 counter", (("A",),), {"A": 240.0}, {"A": 1.0}, 0.7),
    Scenario("3 counters", (("A",),) * 3, {"A": 240.0}, {"A": 1.0}, 0.8),
    Scenario("5 counters", (("A",),) * 5, {"A": 240.0}, {"A": 1.0}, 0.9),
    Scenario(
        "mixed, 4 counters",
        (("A",), ("B",), ("A", "B"), ("B", "A")),
        {"A": 180.0, "B": 420.0},
        {"A": 0.6, "B": 0.4},
        0.8,
    ),
)


@dataclass(slots=True)
class Record:
    business: str
    wait: float = 0.0  # actual, seconds
    ql: float = 0.0  # the estimate shown
    naive: float = 0.0
    ql_true: float = 0.0
    ql_free: float = 0.0


@dataclass(slots=True)
class Counter:
    business_order: tuple[str, ...]
    busy: bool = False
    vip_streak: int = 0
    serving: WaitingNumber | None = None
    service_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Summary:
    label: str
    customers: int
    mean_wait: float
    theory_wait: float | None
    mean_estimate: float
    mae: float
    mae_naive: float
    mae_true_mean: float
    mae_free_zero: float
    rmse: float
    rmse_naive: float
    rmse_true_mean: float
    rmse_free_zero: float

    @property
    def relative_mae(self) -> float:
        return self.mae / self.mean_wait if self.mean_wait else math.inf


@dataclass(slots=True)
class Result:
    scenario: Scenario
    records: list[Record] = field(default_factory=list)


def simulate(
    scenario: Scenario, *, customers: int, seed: int, weight: float = DEFAULT_WEIGHT
) -> Result:
    """Run the hall until `customers` have arrived and all of them have been called.

    `weight` is the `rolling_mean` weight of the newest service time.
    """
    rng = random.Random(seed)
    rate = scenario.arrival_rate
    businesses = sorted(scenario.share)
    cumulative: list[tuple[float, str]] = []
    total = 0.0
    for business in businesses:
        total += scenario.share[business]
        cumulative.append((total, business))
    servers = {b: sum(1 for order in scenario.counters if b in order) for b in businesses}
    learned: dict[str, timedelta | None] = dict.fromkeys(businesses, CATALOGUE_DEFAULT)
    counters = [Counter(order) for order in scenario.counters]
    waiting: list[WaitingNumber] = []
    records: list[Record] = []
    arrived_at: list[float] = []
    events: list[tuple[float, int, int]] = []  # (time, kind 0 completion / 1 arrival, index)

    def draw_business() -> str:
        u = rng.random() * total
        for bound, business in cumulative:
            if u < bound:
                return business
        return cumulative[-1][1]

    def call(index: int, now: float) -> None:
        counter = counters[index]
        number = pick_next(
            waiting, business_order=counter.business_order, vip_streak=counter.vip_streak
        )
        if number is None:
            counter.busy, counter.serving = False, None
            return
        waiting.remove(number)
        records[number.id].wait = now - arrived_at[number.id]
        counter.vip_streak = next_vip_streak(counter.vip_streak, number)
        counter.busy, counter.serving = True, number
        counter.service_seconds = rng.expovariate(1 / scenario.mean_service[number.business])
        heapq.heappush(events, (now + counter.service_seconds, 0, index))

    heapq.heappush(events, (rng.expovariate(rate), 1, 0))
    while events:
        now, kind, index = heapq.heappop(events)
        if kind == 1:  # arrival of customer `index`
            business = draw_business()
            number = WaitingNumber(index, business, OPENING + timedelta(seconds=now))
            ahead = people_ahead(waiting, number)
            mean = learned[business]
            assert mean is not None
            shown = estimate_wait(ahead=ahead, servers=servers[business], mean_service=mean)
            assert shown is not None
            true_mean = timedelta(seconds=scenario.mean_service[business])
            ql_true = estimate_wait(ahead=ahead, servers=servers[business], mean_service=true_mean)
            assert ql_true is not None
            free = any(not c.busy and business in c.business_order for c in counters)
            records.append(
                Record(
                    business,
                    ql=shown.total_seconds(),
                    naive=(mean * ahead / servers[business]).total_seconds(),
                    ql_true=ql_true.total_seconds(),
                    ql_free=0.0 if free else shown.total_seconds(),
                )
            )
            arrived_at.append(now)
            waiting.append(number)
            for i, counter in enumerate(counters):
                if not counter.busy and business in counter.business_order:
                    call(i, now)
                    break
            if index + 1 < customers:
                heapq.heappush(events, (now + rng.expovariate(rate), 1, index + 1))
        else:  # counter `index` finishes
            counter = counters[index]
            assert counter.serving is not None
            business = counter.serving.business
            learned[business] = rolling_mean(
                learned[business], timedelta(seconds=counter.service_seconds), weight=weight
            )
            call(index, now)
    return Result(scenario, records)


def erlang_c_wait(servers: int, arrival_rate: float, mean_service: float) -> float:
    """Mean wait in queue of M/M/c (Erlang C), seconds."""
    load = arrival_rate * mean_service
    rho = load / servers
    if rho >= 1:
        return math.inf
    term, series = 1.0, 1.0
    for k in range(1, servers):
        term *= load / k
        series += term
    last = term * load / servers / (1 - rho)
    probability_wait = last / (series + last)
    return probability_wait * mean_service / (servers - load)


def summarise(label: str, records: Sequence[Record], theory: float | None = None) -> Summary:
    n = len(records)

    def mean(values: Sequence[float]) -> float:
        return sum(values) / n

    def mae(attribute: str) -> float:
        return mean([abs(getattr(r, attribute) - r.wait) for r in records])

    def rmse(attribute: str) -> float:
        return math.sqrt(mean([(getattr(r, attribute) - r.wait) ** 2 for r in records]))

    return Summary(
        label=label,
        customers=n,
        mean_wait=mean([r.wait for r in records]),
        theory_wait=theory,
        mean_estimate=mean([r.ql for r in records]),
        mae=mae("ql"),
        mae_naive=mae("naive"),
        mae_true_mean=mae("ql_true"),
        mae_free_zero=mae("ql_free"),
        rmse=rmse("ql"),
        rmse_naive=rmse("naive"),
        rmse_true_mean=rmse("ql_true"),
        rmse_free_zero=rmse("ql_free"),
    )


def summaries(result: Result) -> list[Summary]:
    """The scenario as a whole, then each business type if there are several."""
    scenario = result.scenario
    theory = None
    if len(scenario.share) == 1:
        (business,) = scenario.share
        theory = erlang_c_wait(
            len(scenario.counters), scenario.arrival_rate, scenario.mean_service[business]
        )
    rows = [summarise(f"{scenario.name}, ρ={scenario.rho}", result.records, theory)]
    if len(scenario.share) > 1:
        for business in sorted(scenario.share):
            subset = [r for r in result.records if r.business == business]
            rows.append(summarise(f"  business {business}", subset))
    return rows


MAE_HEADER = (
    "| scenario | customers | mean wait s | M/M/c wait s | mean estimate s | MAE s | MAE / wait "
    "| naive MAE s | QL true-mean MAE s | QL free=0 MAE s |"
)
RMSE_HEADER = "| scenario | QL RMSE s | naive RMSE s | QL true-mean RMSE s | QL free=0 RMSE s |"


def separator(header: str) -> str:
    return "|" + "---|" * header.count(" | ") + "---|"


def format_mae_row(s: Summary) -> str:
    theory = f"{s.theory_wait:.0f}" if s.theory_wait is not None else "–"
    return (
        f"| {s.label} | {s.customers} | {s.mean_wait:.0f} | {theory} | {s.mean_estimate:.0f} "
        f"| {s.mae:.0f} | {s.relative_mae:.2f} | {s.mae_naive:.0f} | {s.mae_true_mean:.0f} "
        f"| {s.mae_free_zero:.0f} |"
    )


def format_rmse_row(s: Summary) -> str:
    return (
        f"| {s.label} | {s.rmse:.0f} | {s.rmse_naive:.0f} | {s.rmse_true_mean:.0f} "
        f"| {s.rmse_free_zero:.0f} |"
    )


def run(*, customers: int, seed: int, weight: float = DEFAULT_WEIGHT) -> list[Summary]:
    """Every scenario (scenario i with seed + i), summarised."""
    rows: list[Summary] = []
    for number, scenario in enumerate(SCENARIOS):
        result = simulate(scenario, customers=customers, seed=seed + number, weight=weight)
        rows.extend(summaries(result))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument(
        "--weight", type=float, default=DEFAULT_WEIGHT, help="rolling_mean weight (default 0.05)"
    )
    args = parser.parse_args(argv)
    if args.customers < 1:
        parser.error("--customers must be at least 1")
    if not 0 < args.weight <= 1:
        parser.error("--weight must be in (0, 1]")
    rows = run(customers=args.customers, seed=args.seed, weight=args.weight)
    print(
        f"seed {args.seed}, {args.customers} customers per scenario, "
        f"rolling mean weight {args.weight}"
    )
    print()
    print(MAE_HEADER)
    print(separator(MAE_HEADER))
    for row in rows:
        print(format_mae_row(row))
    print()
    print(RMSE_HEADER)
    print(separator(RMSE_HEADER))
    for row in rows:
        print(format_rmse_row(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
