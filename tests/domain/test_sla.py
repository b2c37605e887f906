"""Policies, matching and deadlines (SLA-1..SLA-8)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.domain.holidays import default_calendars
from kefu.domain.sla import (
    COMPLAINT_CATEGORIES,
    Deadlines,
    NoPolicyError,
    Policy,
    compute_deadlines,
    deadlines_as_json,
    default_policies,
    due_state,
    match_policy,
    pauses_from_status_history,
    progress_callback_due,
)

SH = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)
CALENDARS = default_calendars()
POLICIES = default_policies()
BY_CODE = {p.code: p for p in POLICIES}


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


def deadlines_for(received: datetime, **request: str) -> Deadlines:
    policy = match_policy(POLICIES, **request)  # type: ignore[arg-type]
    return compute_deadlines(
        policy=policy, calendar=CALENDARS[policy.calendar], received_at=received
    )


# --------------------------------------------------------------------------- defaults


def test_default_policy_codes_are_unique_and_cite_standards() -> None:
    codes = [p.code for p in POLICIES]
    assert len(codes) == len(set(codes))
    assert all(p.standards for p in POLICIES)
    assert all(p.calendar in CALENDARS for p in POLICIES)


@pytest.mark.parametrize(
    ("request_", "code", "standards", "calendar", "hours"),
    [
        ({"kind": "consultation"}, "general", ("SLA-1",), "clock", (2, 24, 72)),
        ({"kind": "after_sales", "channel": "phone"}, "general", ("SLA-1",), "clock", (2, 24, 72)),
        (
            {"kind": "suggestion", "scope": "cross_department"},
            "cross_department",
            ("SLA-2",),
            "clock",
            (2, 48, 144),
        ),
        (
            {"kind": "transaction", "scope": "cross_province"},
            "cross_province",
            ("SLA-3",),
            "working_days",
            (2, 72, 216),
        ),
        ({"kind": "praise", "scope": "special"}, "special", ("SLA-4",), "clock", (2, None, None)),
    ],
)
def test_each_sla_default(
    request_: dict[str, str],
    code: str,
    standards: tuple[str, ...],
    calendar: str,
    hours: tuple[float | None, ...],
) -> None:
    policy = match_policy(POLICIES, **request_)  # type: ignore[arg-type]
    assert policy.code == code
    assert policy.standards == standards
    assert policy.calendar == calendar
    assert (policy.first_response_hours, policy.reply_hours, policy.resolution_hours) == hours


@pytest.mark.parametrize("category", list(COMPLAINT_CATEGORIES))
@pytest.mark.parametrize("customer_class", ["normal", "vip"])
def test_sla8_complaint_matrix(category: str, customer_class: str) -> None:
    policy = match_policy(
        POLICIES, kind="complaint", customer_class=customer_class, complaint_category=category
    )
    assert policy.code == f"complaint.{category}.{customer_class}"
    assert "SLA-8" in policy.standards
    reply = 12 if customer_class == "vip" else 24
    assert policy.reply_hours == reply
    assert policy.resolution_hours == 3 * reply
    assert policy.first_response_hours == (1 if category == "service_attitude" else 2)
    assert ("WO-8" in policy.standards) == (category == "service_attitude")
    assert ("CUS-3" in policy.standards) == (customer_class == "vip")
    d = compute_deadlines(
        policy=policy, calendar=CALENDARS["clock"], received_at=sh(2026, 10, 1, 9)
    )
    assert d.reply_due_at == sh(2026, 10, 1, 9) + reply * H  # clock hours, holidays included


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        ({"kind": "complaint"}, "complaint.normal"),
        ({"kind": "complaint", "customer_class": "vip"}, "complaint.vip"),
        (
            {"kind": "complaint", "customer_class": "vip", "complaint_category": "billing"},
            "complaint.billing.vip",
        ),
        # Scope is the strongest criterion: coordination limits win over the complaint matrix.
        (
            {
                "kind": "complaint",
                "customer_class": "vip",
                "complaint_category": "billing",
                "scope": "cross_province",
            },
            "cross_province",
        ),
        (
            {"kind": "complaint", "complaint_category": "delivery", "scope": "cross_department"},
            "cross_department",
        ),
        ({"kind": "complaint", "complaint_category": "delivery", "scope": "special"}, "special"),
        # A customer class the matrix does not know falls back to the general limit.
        ({"kind": "complaint", "customer_class": "gold"}, "general"),
        ({"kind": "consultation", "customer_class": "vip"}, "general"),
    ],
)
def test_default_matching(request_: dict[str, str], code: str) -> None:
    assert match_policy(POLICIES, **request_).code == code  # type: ignore[arg-type]


# --------------------------------------------------------------------------- ordering


def _p(code: str, **fields: object) -> Policy:
    return Policy(code, code, ("SLA-1",), reply_hours=24, **fields)  # type: ignore[arg-type]


def test_scope_beats_any_number_of_other_criteria() -> None:
    policies = [
        _p(
            "many",
            kind="complaint",
            channel="phone",
            customer_class="vip",
            complaint_category="billing",
        ),
        _p("scope", scope="cross_department"),
    ]
    request = {
        "kind": "complaint",
        "scope": "cross_department",
        "channel": "phone",
        "customer_class": "vip",
        "complaint_category": "billing",
    }
    assert match_policy(policies, **request).code == "scope"  # type: ignore[arg-type]


def test_more_criteria_win() -> None:
    policies = [
        _p("any"),
        _p("kind", kind="complaint"),
        _p("kind+channel", kind="complaint", channel="phone"),
        _p("scope", scope="local"),
        _p("scope+kind", scope="local", kind="complaint"),
    ]
    assert match_policy(policies, kind="complaint", channel="phone").code == "scope+kind"
    assert match_policy(policies[:3], kind="complaint", channel="phone").code == "kind+channel"
    assert match_policy(policies[:3], kind="complaint", channel="email").code == "kind"
    assert match_policy(policies[:3], kind="praise").code == "any"


def test_priority_order_then_position_break_ties() -> None:
    policies = [
        _p("first", kind="complaint", priority_order=5),
        _p("low", channel="phone", priority_order=1),
        _p("also-low", kind="complaint", priority_order=1),
    ]
    assert match_policy(policies, kind="complaint", channel="phone").code == "low"
    assert match_policy(policies[:1] + policies[2:], kind="complaint").code == "also-low"
    same = [_p("a", kind="complaint"), _p("b", kind="complaint")]
    assert match_policy(same, kind="complaint").code == "a"


def test_no_match() -> None:
    with pytest.raises(NoPolicyError, match="没有适用的时限规则"):
        match_policy([_p("praise", kind="praise")], kind="complaint", complaint_category="billing")
    with pytest.raises(NoPolicyError):
        match_policy([], kind="consultation")


@pytest.mark.parametrize(
    "request_", [{"kind": "question"}, {"kind": "complaint", "scope": "national"}]
)
def test_unknown_kind_or_scope(request_: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="未知"):
        match_policy(POLICIES, **request_)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"code": "x", "reply_hours": None},
        {"code": "x", "reply_hours": 0},
        {"code": "x", "reply_hours": 24, "warn_ratio": 0},
        {"code": "x", "reply_hours": 24, "warn_ratio": 1.5},
        {"code": "x", "reply_hours": 24, "kind": "question"},
        {"code": "x", "reply_hours": 24, "scope": "national"},
        {"code": "x", "reply_hours": 24, "first_response_hours": -1},
        {"code": "", "reply_hours": 24},
    ],
)
def test_invalid_policy(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Policy(name="x", standards=("SLA-1",), **fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- deadlines


def test_sla3_example_as_json() -> None:
    for received in (sh(2026, 9, 30, 16), datetime(2026, 9, 30, 8, tzinfo=UTC)):
        d = deadlines_for(received, kind="consultation", scope="cross_province")
        assert deadlines_as_json(d, "working_days", "Asia/Shanghai") == {
            "policy": "cross_province",
            "standards": ["SLA-3"],
            "reply_due_at": "2026-10-10T16:00:00+08:00",
            "first_response_due_at": "2026-09-30T18:00:00+08:00",
            "resolution_due_at": "2026-10-19T16:00:00+08:00",  # 216 working hours
            "calendar": "working_days",
            "warnings": [],
        }
        assert d.received_at == sh(2026, 9, 30, 16)
        assert d.missing_years == ()


def test_general_deadlines_and_warnings() -> None:
    d = deadlines_for(sh(2026, 3, 4, 10), kind="consultation")
    assert d.policy.code == "general"
    assert d.reply_due_at == sh(2026, 3, 5, 10)
    assert d.reply_warn_at == sh(2026, 3, 5, 4)  # 75% of 24 h
    assert d.first_response_due_at == sh(2026, 3, 4, 12)
    assert d.first_response_warn_at == sh(2026, 3, 4, 11, 30)
    assert d.resolution_due_at == sh(2026, 3, 7, 10)
    assert d.resolution_warn_at == sh(2026, 3, 6, 16)  # 75% of 72 h
    assert d.resolution_paused is False


def test_warning_on_a_working_days_calendar_counts_working_time() -> None:
    d = deadlines_for(sh(2026, 9, 30, 16), kind="consultation", scope="cross_province")
    # 54 working hours: 8 on 30 Sep, 1-7 Oct off, 24 on 8 Oct, 22 on 9 Oct.
    assert d.reply_warn_at == sh(2026, 10, 9, 22)


def test_deadlines_json_is_iso_with_offset() -> None:
    d = deadlines_for(datetime(2026, 5, 1, 1, 2, 3, 456789, tzinfo=UTC), kind="complaint")
    data = deadlines_as_json(d, "clock", SH)
    iso = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")
    assert iso.fullmatch(data["reply_due_at"])
    assert iso.fullmatch(data["first_response_due_at"])
    assert iso.fullmatch(data["resolution_due_at"])
    assert list(data) == [
        "policy",
        "standards",
        "reply_due_at",
        "first_response_due_at",
        "resolution_due_at",
        "calendar",
        "warnings",
    ]


def test_missing_calendar_year_gives_a_warning() -> None:
    d = deadlines_for(sh(2030, 9, 30, 16), kind="consultation", scope="cross_province")
    assert d.reply_due_at == sh(2030, 10, 3, 16)  # weekends-only fallback
    assert d.missing_years == (2030,)
    warnings = deadlines_as_json(d, "working_days", SH)["warnings"]
    assert len(warnings) == 1 and "2030年" in warnings[0] and "尚未录入" in warnings[0]
    across = deadlines_for(sh(2026, 12, 30, 12), kind="consultation", scope="cross_province")
    assert across.missing_years == (2027,)
    clock = deadlines_for(sh(2030, 9, 30, 16), kind="consultation")
    assert clock.missing_years == ()


# --------------------------------------------------------------------------- SLA-4 special


def test_special_deadline_is_explicit() -> None:
    policy = BY_CODE["special"]
    received, due = sh(2026, 3, 4, 10), sh(2026, 3, 14, 10)
    d = compute_deadlines(
        policy=policy, calendar=CALENDARS["clock"], received_at=received, special_due_at=due
    )
    assert d.reply_due_at == due
    assert d.reply_warn_at == sh(2026, 3, 11, 22)  # 75% of 240 h
    assert d.first_response_due_at == sh(2026, 3, 4, 12)
    assert d.resolution_due_at is None and d.resolution_warn_at is None
    assert deadlines_as_json(d, "clock", SH)["resolution_due_at"] is None
    utc_due = compute_deadlines(
        policy=policy,
        calendar=CALENDARS["clock"],
        received_at=received,
        special_due_at=due.astimezone(UTC),
    )
    assert utc_due.reply_due_at.isoformat() == "2026-03-14T10:00:00+08:00"


def test_special_deadline_is_required_and_not_in_the_past() -> None:
    policy = BY_CODE["special"]
    with pytest.raises(ValueError, match="SLA-4"):
        compute_deadlines(policy=policy, calendar=CALENDARS["clock"], received_at=sh(2026, 3, 4))
    with pytest.raises(ValueError, match="不能早于受理时间"):
        compute_deadlines(
            policy=policy,
            calendar=CALENDARS["clock"],
            received_at=sh(2026, 3, 4),
            special_due_at=sh(2026, 3, 3),
        )


def test_special_deadline_equal_to_received() -> None:
    d = compute_deadlines(
        policy=BY_CODE["special"],
        calendar=CALENDARS["working_days"],
        received_at=sh(2026, 10, 3, 10),
        special_due_at=sh(2026, 10, 3, 10),
    )
    assert d.reply_due_at == d.reply_warn_at == sh(2026, 10, 3, 10)


def test_special_due_is_ignored_when_the_policy_has_hours() -> None:
    d = compute_deadlines(
        policy=BY_CODE["general"],
        calendar=CALENDARS["clock"],
        received_at=sh(2026, 3, 4),
        special_due_at=sh(2026, 3, 10),
    )
    assert d.reply_due_at == sh(2026, 3, 5)


# --------------------------------------------------------------------------- pauses


def test_pause_moves_only_resolution_clock() -> None:
    received = sh(2026, 3, 4, 10)
    plain = deadlines_for(received, kind="consultation")
    d = compute_deadlines(
        policy=BY_CODE["general"],
        calendar=CALENDARS["clock"],
        received_at=received,
        paused=[(sh(2026, 3, 4, 12), sh(2026, 3, 4, 17))],
    )
    assert d.resolution_due_at == plain.resolution_due_at + 5 * H  # type: ignore[operator]
    assert d.resolution_warn_at == plain.resolution_warn_at + 5 * H  # type: ignore[operator]
    assert d.reply_due_at == plain.reply_due_at
    assert d.reply_warn_at == plain.reply_warn_at
    assert d.first_response_due_at == plain.first_response_due_at


def test_pause_counts_working_time_only() -> None:
    received = sh(2026, 9, 29, 10)  # Tuesday
    policy, calendar = BY_CODE["cross_province"], CALENDARS["working_days"]
    plain = compute_deadlines(policy=policy, calendar=calendar, received_at=received)
    # Waiting from 30 Sep 21:00 to 8 Oct 02:00: 3 h on 30 Sep + 2 h on 8 Oct = 5 working hours.
    d = compute_deadlines(
        policy=policy,
        calendar=calendar,
        received_at=received,
        paused=[(sh(2026, 9, 30, 21), sh(2026, 10, 8, 2))],
    )
    assert plain.resolution_due_at is not None and d.resolution_due_at is not None
    assert d.resolution_due_at == calendar.add(plain.resolution_due_at, 5 * H)
    assert calendar.working_time_between(plain.resolution_due_at, d.resolution_due_at) == 5 * H
    assert d.reply_due_at == plain.reply_due_at


def test_overlapping_pauses_and_pauses_before_received() -> None:
    received = sh(2026, 3, 4, 10)
    d = compute_deadlines(
        policy=BY_CODE["general"],
        calendar=CALENDARS["clock"],
        received_at=received,
        paused=[
            (sh(2026, 3, 4, 13), sh(2026, 3, 4, 15)),
            (sh(2026, 3, 4, 9), sh(2026, 3, 4, 11)),  # only the hour after receipt counts
            (sh(2026, 3, 4, 14), sh(2026, 3, 4, 16)),  # overlaps the first: 13-16 in all
        ],
    )
    assert d.resolution_due_at == sh(2026, 3, 7, 10) + 4 * H


def test_open_pause_stops_the_resolution_clock() -> None:
    received = sh(2026, 3, 4, 10)
    d = compute_deadlines(
        policy=BY_CODE["general"],
        calendar=CALENDARS["clock"],
        received_at=received,
        paused=[(sh(2026, 3, 4, 12), sh(2026, 3, 4, 13)), (sh(2026, 3, 5, 9), None)],
    )
    assert d.resolution_due_at is None
    assert d.resolution_warn_at is None
    assert d.resolution_paused is True
    assert d.reply_due_at == sh(2026, 3, 5, 10)
    assert deadlines_as_json(d, "clock", SH)["resolution_due_at"] is None


def test_open_pause_after_the_deadline_changes_nothing() -> None:
    received = sh(2026, 3, 4, 10)
    d = compute_deadlines(
        policy=BY_CODE["general"],
        calendar=CALENDARS["clock"],
        received_at=received,
        paused=[(sh(2026, 3, 8), None)],
    )
    assert d.resolution_due_at == sh(2026, 3, 7, 10)
    assert d.resolution_paused is False


def test_open_pause_between_warning_and_due() -> None:
    d = compute_deadlines(
        policy=BY_CODE["general"],
        calendar=CALENDARS["clock"],
        received_at=sh(2026, 3, 4, 10),
        paused=[(sh(2026, 3, 7, 0), None)],
    )
    assert d.resolution_warn_at == sh(2026, 3, 6, 16)  # 75% of 72 h
    assert d.resolution_due_at is None and d.resolution_paused


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], []),
        ([(sh(2026, 3, 4, 10), "new"), (sh(2026, 3, 4, 11), "in_progress")], []),
        (
            [
                (sh(2026, 3, 4, 10), "new"),
                (sh(2026, 3, 4, 11), "waiting_on_customer"),
                (sh(2026, 3, 4, 16), "in_progress"),
            ],
            [(sh(2026, 3, 4, 11), sh(2026, 3, 4, 16))],
        ),
        (
            [
                (sh(2026, 3, 4, 16), "in_progress"),  # out of order: sorted by time
                (sh(2026, 3, 4, 11), "waiting_on_customer"),
                (sh(2026, 3, 4, 12), "waiting_on_customer"),  # repeated: one pause
                (sh(2026, 3, 5, 9), "waiting_on_customer"),
            ],
            [(sh(2026, 3, 4, 11), sh(2026, 3, 4, 16)), (sh(2026, 3, 5, 9), None)],
        ),
    ],
)
def test_pauses_from_status_history(
    events: list[tuple[datetime, str]], expected: list[tuple[datetime, datetime | None]]
) -> None:
    assert pauses_from_status_history(events) == expected


def test_pauses_from_status_history_custom_statuses() -> None:
    events = [(sh(2026, 3, 4, 11), "on_hold"), (sh(2026, 3, 4, 12), "waiting_on_customer")]
    assert pauses_from_status_history(events, frozenset({"on_hold", "waiting_on_customer"})) == [
        (sh(2026, 3, 4, 11), None)
    ]


# --------------------------------------------------------------------------- small helpers


def test_progress_callback_due() -> None:
    assert progress_callback_due(sh(2026, 10, 1, 23)) == sh(2026, 10, 2, 1)
    utc = progress_callback_due(datetime(2026, 10, 1, 15, tzinfo=UTC), hours=0.5)
    assert utc.isoformat() == "2026-10-01T15:30:00+00:00"
    with pytest.raises(ValueError):
        progress_callback_due(datetime(2026, 10, 1))


def test_due_state() -> None:
    due, warn = sh(2026, 3, 5, 10), sh(2026, 3, 5, 4)
    assert due_state(due_at=due, warn_at=warn, now=sh(2026, 3, 5, 3)) == "on_time"
    assert due_state(due_at=due, warn_at=warn, now=warn) == "warning"
    assert due_state(due_at=due, warn_at=warn, now=due) == "overdue"


def test_received_at_must_be_aware() -> None:
    with pytest.raises(ValueError):
        compute_deadlines(
            policy=BY_CODE["general"], calendar=CALENDARS["clock"], received_at=datetime(2026, 3, 4)
        )


def test_fast_deadlines_construction_matches_the_dataclass() -> None:
    d = deadlines_for(sh(2026, 9, 30, 16), kind="consultation", scope="cross_province")
    assert set(vars(d)) == {f.name for f in dataclasses.fields(Deadlines)}
    rebuilt = Deadlines(**{f.name: getattr(d, f.name) for f in dataclasses.fields(Deadlines)})
    assert rebuilt == d and hash(rebuilt) == hash(d) and repr(rebuilt) == repr(d)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.reply_due_at = sh(2026, 1, 1)  # type: ignore[misc]


def test_durations_cache_follows_the_policy_object() -> None:
    received = sh(2026, 3, 4, 10)
    for hours in (1, 2, 3):
        policy = Policy("tmp", "临时", ("SLA-1",), reply_hours=hours)
        d = compute_deadlines(policy=policy, calendar=CALENDARS["clock"], received_at=received)
        assert d.reply_due_at == received + hours * H
