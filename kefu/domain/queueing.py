"""Service-hall queue rules (STANDARDS HALL-2, HALL-4): who a counter calls next, how many people
are ahead of a number, the estimated wait and the rolling mean service time per business type.

Pure functions over a frozen dataclass; the Django `kefu.hall` app loads the waiting numbers and
passes them in, together with every instant.

Calling order (`pick_next`). A counter serves an ordered list of business types. It calls from the
first business type in that order that has anyone waiting; numbers of other business types are
never picked. Within that business type VIPs go first, longest waiting first, but at most
`vip_cap` VIPs in a row: once the counter's current VIP streak has reached the cap and an ordinary
customer of that business is waiting, the longest-waiting ordinary customer is called (and the
streak starts again from 0, see `next_vip_streak`). `vip_cap = 0` turns VIP precedence off: plain
first come, first served. Ties on `queued_at` are broken by the smaller `id` (issued earlier).

People ahead (`people_ahead`) is defined as the position the number would have if its business
type's queue were called on its own by `pick_next`, one number at a time, from a given VIP streak
(default 0) with the same cap, and nobody new arrived. So a VIP who took a number later but is
called earlier counts as ahead of an ordinary customer, and an ordinary customer who is ahead of
a VIP because of the cap counts as ahead of that VIP. It ignores other business types that share
the counters (a counter whose priority puts another business first) and VIPs who arrive later:
it is the count a customer can be shown, not a promise.

Waiting estimate (`estimate_wait`): the queue-length (QL) estimator of Ibrahim and Whitt,
"Real-time delay estimation based on delay history", MSOM 11(3), 2009:
(ahead + 1) / (servers x service rate). With all `servers` busy and exponential service, the
customer is called at the (ahead + 1)-th service completion, and completions come at rate
servers / mean_service, so this is the exact conditional mean wait of the M/M/s queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "WaitingNumber",
    "call_order",
    "estimate_wait",
    "next_vip_streak",
    "people_ahead",
    "pick_next",
    "rolling_mean",
]


@dataclass(frozen=True, slots=True)
class WaitingNumber:
    """A number waiting to be called.

    `queued_at` is when it (re)entered the queue; a transferred number keeps its original
    arrival for statistics elsewhere, the queue only needs this instant.
    """

    id: int
    business: str  # business type code, e.g. "A01"
    queued_at: datetime
    vip: bool = False


def _key(number: WaitingNumber) -> tuple[datetime, int]:
    return (number.queued_at, number.id)


def _check_vip(vip_streak: int, vip_cap: int) -> None:
    if vip_cap < 0:
        raise ValueError(f"贵宾连续叫号上限不能为负数:{vip_cap}")
    if vip_streak < 0:
        raise ValueError(f"已连续叫贵宾号数不能为负数:{vip_streak}")


def pick_next(
    waiting: Sequence[WaitingNumber],
    *,
    business_order: Sequence[str],
    vip_streak: int = 0,
    vip_cap: int = 3,
) -> WaitingNumber | None:
    """The number a counter calls next.

    The first business type in the counter's priority order (`business_order`) that has anyone
    waiting; within it VIPs first, longest waiting first, unless the counter has already called
    `vip_cap` VIPs in a row (`vip_streak >= vip_cap`) and an ordinary customer of that business is
    waiting (then the longest-waiting ordinary one). Numbers of other businesses are never picked.
    `vip_cap = 0` means VIPs get no precedence. Ties on `queued_at` are broken by `id`.
    None when nobody of the served business types is waiting.
    """
    _check_vip(vip_streak, vip_cap)
    if not business_order:
        return None
    rank: dict[str, int] = {}
    for position, business in enumerate(business_order):
        rank.setdefault(business, position)
    # One pass: for the best-ranked business seen so far keep the oldest VIP, the oldest ordinary.
    best_rank: int | None = None
    oldest_vip: WaitingNumber | None = None
    oldest_ordinary: WaitingNumber | None = None
    for number in waiting:
        position = rank.get(number.business)
        if position is None:
            continue
        if best_rank is None or position < best_rank:
            best_rank, oldest_vip, oldest_ordinary = position, None, None
        elif position > best_rank:
            continue
        if number.vip:
            if oldest_vip is None or _key(number) < _key(oldest_vip):
                oldest_vip = number
        elif oldest_ordinary is None or _key(number) < _key(oldest_ordinary):
            oldest_ordinary = number
    if oldest_vip is None:
        return oldest_ordinary
    if oldest_ordinary is None:
        return oldest_vip
    if vip_cap == 0:
        return min(oldest_vip, oldest_ordinary, key=_key)
    return oldest_vip if vip_streak < vip_cap else oldest_ordinary


def next_vip_streak(vip_streak: int, called: WaitingNumber) -> int:
    """The counter's VIP streak after calling `called`: one more for a VIP, 0 for anyone else."""
    if vip_streak < 0:
        raise ValueError(f"已连续叫贵宾号数不能为负数:{vip_streak}")
    return vip_streak + 1 if called.vip else 0


def call_order(
    waiting: Sequence[WaitingNumber],
    *,
    business_order: Sequence[str],
    vip_streak: int = 0,
    vip_cap: int = 3,
) -> list[WaitingNumber]:
    """Every waiting number the counter serves, in the order repeated `pick_next` calls would
    call them if nobody new arrived (the "next customers" list of a counter page, HALL-5).

    Quadratic in the queue length; meant for display, not for the hot path.
    """
    _check_vip(vip_streak, vip_cap)
    served = set(business_order)
    remaining = [number for number in waiting if number.business in served]
    order: list[WaitingNumber] = []
    while True:
        number = pick_next(
            remaining, business_order=business_order, vip_streak=vip_streak, vip_cap=vip_cap
        )
        if number is None:
            return order
        order.append(number)
        remaining.remove(number)
        vip_streak = next_vip_streak(vip_streak, number)


def people_ahead(
    waiting: Sequence[WaitingNumber],
    number: WaitingNumber,
    *,
    vip_cap: int = 3,
    vip_streak: int = 0,
) -> int:
    """How many numbers of the same business type would be called before `number`.

    Definition (consistent with `pick_next`): the position of `number` when its business type's
    queue is called on its own by repeated `pick_next` calls starting from `vip_streak` (default
    0) with the same `vip_cap`, with no new arrivals. Hence:
    - `vip_cap = 0`: everyone of the business queued before it (ties by id);
    - an ordinary customer: the ordinary customers queued before it, plus the VIPs that would be
      called before it: up to `vip_cap` before each ordinary customer, all VIPs at most;
    - a VIP: the VIPs queued before it, plus one ordinary customer after each full run of
      `vip_cap` VIPs (as long as there are ordinary customers waiting).
    Numbers of other business types never count. `number` itself is matched by `id` and need not
    be in `waiting` (a number being issued counts as if it had just been added).
    """
    _check_vip(vip_streak, vip_cap)
    key = _key(number)
    same = [n for n in waiting if n.business == number.business and n.id != number.id]
    if vip_cap == 0:
        return sum(1 for n in same if _key(n) < key)
    vips = sum(1 for n in same if n.vip)
    ordinaries = len(same) - vips
    first_run = max(0, vip_cap - vip_streak)  # VIPs called before the first ordinary customer
    if number.vip:
        index = sum(1 for n in same if n.vip and _key(n) < key)
        ordinaries_before = 0 if index < first_run else 1 + (index - first_run) // vip_cap
        return index + min(ordinaries, ordinaries_before)
    index = sum(1 for n in same if not n.vip and _key(n) < key)
    return index + min(vips, first_run + vip_cap * index)


def estimate_wait(*, ahead: int, servers: int, mean_service: timedelta) -> timedelta | None:
    """HALL-4, the queue-length estimator of Ibrahim and Whitt (MSOM 2009):
    (ahead + 1) / (servers x service rate) = (ahead + 1) x mean_service / servers.

    None when no open counter serves the business (servers == 0).
    """
    if ahead < 0:
        raise ValueError(f"前面等候人数不能为负数:{ahead}")
    if servers < 0:
        raise ValueError(f"服务窗口数不能为负数:{servers}")
    if mean_service < timedelta(0):
        raise ValueError(f"平均办理时长不能为负数:{mean_service}")
    if servers == 0:
        return None
    return mean_service * (ahead + 1) / servers


# Measured with bench.hall_simulation: 0.05 (about the last 20 services) lowers the estimate's mean
# absolute error by 10-20% against 0.2, whose learned mean swings about ±33% with exponential
# service times; a business's mean still follows a real change within a morning.
DEFAULT_WEIGHT = 0.05


def rolling_mean(
    previous: timedelta | None,
    sample: timedelta,
    *,
    weight: float = DEFAULT_WEIGHT,
    low: timedelta = timedelta(seconds=20),
    high: timedelta = timedelta(hours=1),
) -> timedelta:
    """The business type's rolling mean service time.

    An exponentially weighted mean with `weight` on the newest sample; samples are clipped to
    [low, high] so a forgotten "finish" (or a double click) does not wreck the estimate; the
    first sample (previous None) is the mean. `previous` is taken as it is (not clipped), so a
    catalogue default outside [low, high] is moved towards the samples gradually.
    """
    if not 0 < weight <= 1:
        raise ValueError(f"新样本权重必须在 (0, 1] 之间:{weight}")
    if low < timedelta(0):
        raise ValueError(f"办理时长下限不能为负数:{low}")
    if low > high:
        raise ValueError(f"办理时长下限 {low} 不能大于上限 {high}")
    clipped = min(max(sample, low), high)
    if previous is None:
        return clipped
    return previous + (clipped - previous) * weight
