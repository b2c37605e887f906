"""Deadline computation throughput: `python -m bench.deadlines [--n 100000] [--repeat 5]`.

Builds a reproducible mix of requests received in 2025-2026 (Asia/Shanghai):
~50% general 24h clock (SLA-1), ~20% cross_department 48h clock (SLA-2), ~20% cross_province 72h
working_days (SLA-3), ~10% on a business_hours calendar (8 business hours, SLA-11). It times
`compute_deadlines` over all of them on one core (best of --repeat, time.perf_counter), then the
cross_province subset alone, our `WorkCalendar.add` for the 72h reply deadline alone, and a
baseline computing that same deadline the way one would with `chinese_calendar` directly
(`is_workday` / `find_workday`, stepping day by day). Both must agree on every request.

Received instants stop at 2026-12-25 so that every 72h deadline ends inside 2026:
`chinese_calendar` 1.11 raises for 2027, which it has no data for.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from kefu.domain.calendar import WorkCalendar
from kefu.domain.holidays import default_calendars
from kefu.domain.sla import Deadlines, Policy, compute_deadlines, default_policies

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST = datetime(2025, 1, 1, tzinfo=SHANGHAI)
LAST = datetime(2026, 12, 25, tzinfo=SHANGHAI)
SLA3_HOURS = timedelta(hours=72)

BUSINESS_HOURS_POLICY = Policy(
    "bench.business_hours",
    "营业时间内回复(基准测试)",
    ("SLA-11",),
    channel="walk_in",
    calendar="business_hours",
    first_response_hours=1,
    reply_hours=8,
    resolution_hours=24,
)

Request = tuple[Policy, WorkCalendar, datetime]


def build_requests(n: int, seed: int = 20261001) -> list[Request]:
    rng = random.Random(seed)
    calendars = default_calendars("Asia/Shanghai")
    by_code = {p.code: p for p in default_policies()}
    mix = [
        (by_code["general"], 50),
        (by_code["cross_department"], 20),
        (by_code["cross_province"], 20),
        (BUSINESS_HOURS_POLICY, 10),
    ]
    policies = [p for p, _ in mix]
    weights = [w for _, w in mix]
    seconds = int((LAST - FIRST).total_seconds())
    requests = []
    for policy in rng.choices(policies, weights, k=n):
        received = FIRST + timedelta(seconds=rng.randrange(seconds))
        requests.append((policy, calendars[policy.calendar], received))
    return requests


def naive_sla3_deadline(received: datetime, hours: int = 72) -> datetime:
    """What a developer writes with chinese_calendar: walk the working days one by one."""
    current = received.astimezone(SHANGHAI)
    if not chinese_calendar.is_workday(current.date()):
        next_day = chinese_calendar.find_workday(0, current.date())
        current = datetime.combine(next_day, time(), tzinfo=SHANGHAI)
    remaining = timedelta(hours=hours)
    while True:
        end_of_day = datetime.combine(current.date() + timedelta(days=1), time(), tzinfo=SHANGHAI)
        available = end_of_day - current
        if remaining <= available:
            return current + remaining
        remaining -= available
        next_day: date = chinese_calendar.find_workday(1, current.date())
        current = datetime.combine(next_day, time(), tzinfo=SHANGHAI)


def best_of(repeat: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = clock.perf_counter()
        run()
        best = min(best, clock.perf_counter() - started)
    return best


def run_compute(requests: Sequence[Request]) -> None:
    # Results are dropped one by one, as a service storing each ticket's due times would: keeping
    # 100k result objects alive makes the cyclic GC rescan them over and over, which measures the
    # benchmark's list rather than the computation (about 20% here). GC stays enabled.
    for policy, calendar, received in requests:
        compute_deadlines(policy=policy, calendar=calendar, received_at=received)


def compute_all(requests: Sequence[Request]) -> list[Deadlines]:
    return [
        compute_deadlines(policy=policy, calendar=calendar, received_at=received)
        for policy, calendar, received in requests
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of requests")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs, best one counts")
    parser.add_argument("--seed", type=int, default=20261001)
    args = parser.parse_args(argv)

    print(f"building {args.n} requests...", file=sys.stderr)
    requests = build_requests(args.n, args.seed)
    sla3 = [r for r in requests if r[0].code == "cross_province"]
    sla3_calendar = sla3[0][1]
    sla3_received = [received for _, _, received in sla3]

    # Correctness first: our SLA-3 reply deadline equals the naive one on every request.
    ours = [d.reply_due_at for d in compute_all(sla3)]
    naive = [naive_sla3_deadline(received) for received in sla3_received]
    added = [sla3_calendar.add(received, SLA3_HOURS) for received in sla3_received]
    if ours != naive or added != naive:
        # Not an assert: the check must survive `python -O`.
        raise SystemExit("deadlines differ from the chinese_calendar baseline")

    print("timing...", file=sys.stderr)
    mixed = best_of(args.repeat, lambda: run_compute(requests))
    subset = best_of(args.repeat, lambda: run_compute(sla3))
    add = sla3_calendar.add
    add_only = best_of(args.repeat, lambda: [add(r, SLA3_HOURS) for r in sla3_received])
    baseline = best_of(args.repeat, lambda: [naive_sla3_deadline(r) for r in sla3_received])

    rows = [
        ("compute_deadlines, mixed (all requests)", len(requests), mixed),
        ("compute_deadlines, cross_province only", len(sla3), subset),
        ("WorkCalendar.add 72h working_days", len(sla3), add_only),
        ("baseline: chinese_calendar day stepping 72h", len(sla3), baseline),
    ]
    print(f"\nPython {sys.version.split()[0]}, one core, best of {args.repeat}\n")
    print("| what | requests | best time (s) | per second |")
    print("|---|---:|---:|---:|")
    for label, count, seconds in rows:
        print(f"| {label} | {count:,} | {seconds:.3f} | {count / seconds:,.0f} |")
    print(
        f"\nmixed compute_deadlines: {len(requests) / mixed:,.0f} requests/s "
        f"(each gives reply, first-response and resolution due and warning times)"
    )
    print(
        f"speed-up on the SLA-3 deadline vs the chinese_calendar baseline: "
        f"{baseline / add_only:,.0f}x (WorkCalendar.add), "
        f"{baseline / subset:,.0f}x (full compute_deadlines, 6 instants each)"
    )
    print(f"results identical to the baseline on all {len(sla3):,} cross_province requests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
