"""The accountability ladder for staff-caused verified complaints (MALL-6).

Verified complaints whose report names a staff member as responsible count per calendar year:
the 1st costs that month's bonus, the 2nd the year's bonus, the 3rd leads to a recommendation to
terminate the contract (严重违纪). The ladder is configurable. A person's standing is always
recomputed from the complaints verified now, so reversing a verification reverses its step.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class LadderStep:
    count: int  # the n-th verified complaint of the year
    action: str  # month_bonus | year_bonus | termination | warning | …
    label: str  # Chinese, shown to the person and the manager


DEFAULT_LADDER: tuple[LadderStep, ...] = (
    LadderStep(1, "month_bonus", "扣发当月奖金"),
    LadderStep(2, "year_bonus", "扣发全年奖金"),
    LadderStep(3, "termination", "建议解除劳动合同(严重违纪)"),
)


@dataclass(frozen=True, slots=True)
class VerifiedComplaint:
    complaint: Hashable  # the complaint report's id
    staff: Hashable  # the person named responsible
    verified_on: date


@dataclass(frozen=True, slots=True)
class Consequence:
    complaint: Hashable
    verified_on: date
    step: LadderStep


@dataclass(frozen=True, slots=True)
class Standing:
    staff: Hashable
    year: int
    count: int
    step: LadderStep | None  # the highest step reached, None before the first complaint
    consequences: tuple[Consequence, ...] = field(default_factory=tuple)


def ladder_check(ladder: Sequence[LadderStep]) -> None:
    """A ladder counts 1, 2, 3 … upwards; raises ValueError (Chinese) otherwise."""
    if not ladder:
        raise ValueError("处罚阶梯不能为空")
    previous = 0
    for step in ladder:
        if step.count <= previous:
            raise ValueError(
                f"处罚阶梯的次数应从1起逐级递增:第{step.count}次出现在第{previous}次之后"
            )
        if not step.label.strip():
            raise ValueError(f"第{step.count}次的处理说明不能为空")
        previous = step.count


def standings(
    complaints: Iterable[VerifiedComplaint],
    *,
    year: int,
    ladder: Sequence[LadderStep] = DEFAULT_LADDER,
) -> dict[Hashable, Standing]:
    """Each person's standing in ``year``: complaints counted in the order they were verified
    (ties by complaint id, numerically); a count between two steps keeps the lower step, and counts beyond the
    last step keep the last one (each further complaint is listed with it)."""
    ladder_check(ladder)
    by_staff: dict[Hashable, list[VerifiedComplaint]] = {}
    for c in complaints:
        if c.verified_on.year == year:
            by_staff.setdefault(c.staff, []).append(c)
    result: dict[Hashable, Standing] = {}
    for staff, items in by_staff.items():
        items.sort(key=_order)
        consequences: list[Consequence] = []
        reached: LadderStep | None = None
        for n, c in enumerate(items, start=1):
            step = _step_for(n, ladder)
            if step is not None:
                reached = step
                consequences.append(Consequence(c.complaint, c.verified_on, step))
        result[staff] = Standing(
            staff=staff, year=year, count=len(items), step=reached, consequences=tuple(consequences)
        )
    return result


def _order(c: VerifiedComplaint) -> tuple[date, int, int, str]:
    """Verification day, then the complaint id: numerically when it is a number (id 9 before
    id 10), otherwise as text."""
    if isinstance(c.complaint, int):
        return (c.verified_on, 0, c.complaint, "")
    return (c.verified_on, 1, 0, str(c.complaint))


def _step_for(n: int, ladder: Sequence[LadderStep]) -> LadderStep | None:
    found: LadderStep | None = None
    for step in ladder:
        if step.count <= n:
            found = step
    return found
