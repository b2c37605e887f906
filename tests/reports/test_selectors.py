"""Each KPI measure on the hand-built data set of conftest.py (range 2026-11-10..12, now 11-20 12:00).

Percentiles are linear interpolation between closest ranks (PostgreSQL percentile_cont, Excel
PERCENTILE.INC): k = (n-1)p/100, P = x[floor k] + (x[ceil k] - x[floor k])(k - floor k).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from kefu.reports.selectors import (
    KpiFilter,
    kpi_by_agent,
    kpi_by_team,
    kpi_daily,
    kpi_report,
    kpi_total,
    local_bounds,
    percentile,
    ratio,
)
from kefu.tickets.models import Callback

from .conftest import NOW, local, make_callback, make_ticket

RANGE = KpiFilter(date(2026, 11, 10), date(2026, 11, 12))

# --- pure helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([], 50, None),
        ([7], 50, 7),
        ([7], 90, 7),
        ([1, 2], 50, 1.5),  # even count: the mean of the two middle values
        ([3, 1, 2], 50, 2),  # order does not matter
        ([1, 2, 3, 4], 90, 3.7),  # k = 2.7
        ([10, 20, 30, 40, 60], 50, 30),
        ([10, 20, 30, 40, 60], 90, 52),  # k = 3.6 -> 40 + 0.6 * 20
        ([10, 20, 30, 40, 60], 0, 10),
        ([10, 20, 30, 40, 60], 100, 60),
        (list(range(1, 11)), 90, 9.1),  # k = 8.1; nearest-rank would give 9
    ],
)
def test_percentile_is_linear_interpolation_between_closest_ranks(values, p, expected):  # noqa: ANN001
    result = percentile(values, p)
    assert result == pytest.approx(expected) if expected is not None else result is None


def test_percentile_rejects_p_outside_0_100():
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(0, 0, None), (3, 0, None), (0, 4, 0.0), (3, 4, 0.75)]
)
def test_ratio_never_divides_by_zero(part, whole, expected):  # noqa: ANN001
    assert ratio(part, whole) == expected


def test_local_bounds_are_shanghai_midnights():
    start, end = local_bounds(date(2026, 11, 10), date(2026, 11, 12))
    assert start == local(2026, 11, 10)
    assert end == local(2026, 11, 13)
    assert start.utcoffset() == timedelta(hours=8)


def test_filter_rejects_a_reversed_range():
    with pytest.raises(ValueError):
        KpiFilter(date(2026, 11, 12), date(2026, 11, 10))


# --- headline measures ------------------------------------------------------------------------

# T1 T2 T3 T4 T5 T6 T9 are received in range; T7 (11-09 23:59:59) and T8 (11-13 00:00) are not.
TOTAL = {
    "received": 7,
    "replied": 5,  # T1 T2 T4 T5 T9
    "replied_on_time": 4,  # T1 T4 T9, and T5 which has no reply deadline
    "replied_late": 1,  # T2
    "not_replied": 2,  # T3 T6
    "reply_rate": 5 / 7,
    "on_time_rate": 4 / 5,
    "first_responses": 5,  # minutes: T1 10, T2 30, T4 60, T5 20, T9 40
    "first_response_p50": 30,
    "first_response_p90": 52,
    "overdue_now": 2,  # T3 T6 (T7 is overdue but received before the range)
    "callbacks_due": 3,  # C1 done, C2 done, C3 open and overdue; C4 cancelled, C5 due before the range
    "callbacks_kept": 1,  # C1
    "callback_rate": 1 / 3,
    "resolved": 3,  # T1 T5 T9
}


@pytest.mark.parametrize(("measure", "expected"), list(TOTAL.items()))
def test_total_measure(kpi_data, measure, expected):  # noqa: ANN001
    total = kpi_total(filters=RANGE, now=NOW)
    assert getattr(total, measure) == pytest.approx(expected)


# --- per agent / per team ---------------------------------------------------------------------

AGENTS = {
    # label: received, replied, on time, p50, p90, overdue, cb due, cb kept, resolved, reply rate, on-time rate, cb rate
    "王丽(1024)": (3, 3, 2, 30, 38, 0, 2, 1, 2, 1.0, 2 / 3, 0.5),  # T1 T2 T9; minutes 10 30 40
    "赵强(1025)": (2, 1, 1, 60, 60, 1, 1, 0, 0, 0.5, 1.0, 0.0),  # T3 T4; C3 overdue, C4 cancelled
    "周多(2024)": (1, 1, 1, 20, 20, 0, 0, 0, 1, 1.0, 1.0, None),  # T5; no callbacks -> no rate
    "未分派": (
        1,
        0,
        0,
        None,
        None,
        1,
        0,
        0,
        0,
        0.0,
        None,
        None,
    ),  # T6: nothing replied -> no on-time rate
}
FIELDS = (
    "received",
    "replied",
    "replied_on_time",
    "first_response_p50",
    "first_response_p90",
    "overdue_now",
    "callbacks_due",
    "callbacks_kept",
    "resolved",
    "reply_rate",
    "on_time_rate",
    "callback_rate",
)


def _check(row, expected) -> None:  # noqa: ANN001
    for name, value in zip(FIELDS, expected, strict=True):
        got = getattr(row, name)
        assert (got is None) if value is None else got == pytest.approx(value), (
            row.label,
            name,
            got,
            value,
        )


@pytest.mark.parametrize(("label", "expected"), list(AGENTS.items()))
def test_agent_row(kpi_data, label, expected):  # noqa: ANN001
    rows = {r.label: r for r in kpi_by_agent(filters=RANGE, now=NOW)}
    _check(rows[label], expected)


def test_agent_rows_are_ordered_by_team_and_number_with_unassigned_last(kpi_data):  # noqa: ANN001
    rows = kpi_by_agent(filters=RANGE, now=NOW)
    assert [r.label for r in rows] == ["王丽(1024)", "赵强(1025)", "周多(2024)", "未分派"]
    assert [r.team_name for r in rows] == ["热线一组", "热线一组", "热线二组", ""]
    assert rows[-1].key is None


TEAMS = {
    "热线一组": (
        5,
        4,
        3,
        35,
        54,
        1,
        3,
        1,
        2,
        0.8,
        0.75,
        1 / 3,
    ),  # T1 T2 T3 T4 T9; minutes 10 30 40 60
    "热线二组": (1, 1, 1, 20, 20, 0, 0, 0, 1, 1.0, 1.0, None),  # T5
    "未分班组": (1, 0, 0, None, None, 1, 0, 0, 0, 0.0, None, None),  # T6
}


@pytest.mark.parametrize(("label", "expected"), list(TEAMS.items()))
def test_team_row(kpi_data, label, expected):  # noqa: ANN001
    rows = {r.label: r for r in kpi_by_team(filters=RANGE, now=NOW)}
    _check(rows[label], expected)


def test_rows_add_up_to_the_total(kpi_data):  # noqa: ANN001
    total = kpi_total(filters=RANGE, now=NOW)
    for rows in (kpi_by_agent(filters=RANGE, now=NOW), kpi_by_team(filters=RANGE, now=NOW)):
        for name in (
            "received",
            "replied",
            "replied_on_time",
            "resolved",
            "overdue_now",
            "callbacks_due",
            "callbacks_kept",
            "first_responses",
        ):
            assert sum(getattr(r, name) for r in rows) == getattr(total, name), name


# --- filters ------------------------------------------------------------------------------------


def test_team_filter_gives_the_team_row(kpi_data, hotline):  # noqa: ANN001
    total = kpi_total(
        filters=KpiFilter(RANGE.date_from, RANGE.date_to, team_id=hotline.pk), now=NOW
    )
    _check(total, TEAMS["热线一组"])


def test_agent_filter_gives_the_agent_row(kpi_data, bob):  # noqa: ANN001
    f = KpiFilter(RANGE.date_from, RANGE.date_to, agent_id=bob.pk)
    _check(kpi_total(filters=f, now=NOW), AGENTS["赵强(1025)"])
    assert [r.label for r in kpi_by_agent(filters=f, now=NOW)] == ["赵强(1025)"]


def test_team_and_agent_filters_combine(kpi_data, hotline2, bob):  # noqa: ANN001
    total = kpi_total(
        filters=KpiFilter(RANGE.date_from, RANGE.date_to, team_id=hotline2.pk, agent_id=bob.pk),
        now=NOW,
    )
    assert (total.received, total.callbacks_due, total.reply_rate) == (0, 0, None)


# --- range edges at local midnight -----------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "numbers"),
    [
        (
            date(2026, 11, 10),
            date(2026, 11, 10),
            {"T1", "T2", "T9"},
        ),  # T9 at 00:00:00 in, T7 at 23:59:59 before out
        (date(2026, 11, 9), date(2026, 11, 9), {"T7"}),
        (
            date(2026, 11, 12),
            date(2026, 11, 12),
            {"T4", "T5"},
        ),  # T4 at 23:59:59 in; T8 (same UTC date) out
        (date(2026, 11, 13), date(2026, 11, 13), {"T8"}),
        (date(2026, 11, 9), date(2026, 11, 13), {f"T{i}" for i in range(1, 10)}),
    ],
)
def test_range_edges_are_local_midnights(kpi_data, first, last, numbers):  # noqa: ANN001
    from kefu.reports.selectors import kpi_tickets

    got = set(kpi_tickets(filters=KpiFilter(first, last)).values_list("number", flat=True))
    assert got == numbers
    assert kpi_total(filters=KpiFilter(first, last), now=NOW).received == len(numbers)


def test_callbacks_are_counted_by_local_due_date(kpi_data):  # noqa: ANN001
    day = kpi_total(filters=KpiFilter(date(2026, 11, 9), date(2026, 11, 9)), now=NOW)
    assert (day.callbacks_due, day.callbacks_kept) == (1, 1)  # C5 at 11-09 23:00 local (15:00 UTC)


# --- callbacks that are not yet due --------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "kept", "now_offset_h", "due", "kept_count"),
    [
        (Callback.State.OPEN, None, -1, 0, 0),  # open, not yet due: not counted
        (Callback.State.OPEN, None, +1, 1, 0),  # open and overdue: counted, not kept
        (
            Callback.State.OPEN,
            True,
            +1,
            1,
            0,
        ),  # unreachable on time, still open: not done -> not kept
        (Callback.State.DONE, True, -1, 1, 1),  # done early (before due): counted and kept
        (Callback.State.DONE, False, +1, 1, 0),  # done late
        (Callback.State.CANCELLED, None, +1, 0, 0),  # cancelled: left out
    ],
)
def test_callback_kept_on_time(customer, alice, state, kept, now_offset_h, due, kept_count):  # noqa: ANN001
    ticket = make_ticket(customer, "CB1", received=local(2026, 11, 10, 9), assignee=alice)
    due_at = local(2026, 11, 10, 11)
    cb = make_callback(ticket, due=due_at, state=state, owner=alice)
    Callback.objects.filter(pk=cb.pk).update(kept_on_time=kept)
    total = kpi_total(filters=RANGE, now=due_at + timedelta(hours=now_offset_h))
    assert (total.callbacks_due, total.callbacks_kept) == (due, kept_count)


# --- daily series -------------------------------------------------------------------------------


def test_daily_series(kpi_data):  # noqa: ANN001
    days = kpi_daily(filters=RANGE, now=NOW)
    got = [
        (
            d.day,
            d.received,
            d.replied_on_time,
            d.replied_late,
            d.not_replied,
            d.first_response_p50,
            d.first_response_p90,
        )
        for d in days
    ]
    assert got == [
        (date(2026, 11, 10), 3, 2, 1, 0, 30, pytest.approx(38)),  # T1 T2 T9
        (date(2026, 11, 11), 2, 0, 0, 2, None, None),  # T3 T6
        (date(2026, 11, 12), 2, 2, 0, 0, pytest.approx(40), pytest.approx(56)),  # T4 (60) T5 (20)
    ]


def test_daily_series_fills_every_day_and_adds_up(kpi_data):  # noqa: ANN001
    f = KpiFilter(date(2026, 11, 1), date(2026, 11, 30))
    days = kpi_daily(filters=f, now=NOW)
    assert (
        len(days) == 30 and days[0].day == date(2026, 11, 1) and days[-1].day == date(2026, 11, 30)
    )
    for d in days:
        assert d.replied_on_time + d.replied_late + d.not_replied == d.received
    assert sum(d.received for d in days) == 9


# --- empty ranges -------------------------------------------------------------------------------


def test_an_empty_range_has_zero_counts_and_no_rates(kpi_data, mark):  # noqa: ANN001
    f = KpiFilter(date(2026, 12, 1), date(2026, 12, 3))
    report = kpi_report(by=mark, filters=f, now=NOW)
    t = report.total
    assert (
        t.received,
        t.replied,
        t.replied_on_time,
        t.resolved,
        t.overdue_now,
        t.callbacks_due,
    ) == (0, 0, 0, 0, 0, 0)
    assert (
        t.reply_rate,
        t.on_time_rate,
        t.callback_rate,
        t.first_response_p50,
        t.first_response_p90,
    ) == (None,) * 5
    assert report.agents == [] and report.teams == []
    assert [d.received for d in report.days] == [0, 0, 0]
    assert report.backlog_overdue_now == 3  # T3 T6 T7: the backlog does not depend on the range


def test_an_empty_database(db, mark):  # noqa: ANN001
    report = kpi_report(by=mark, filters=RANGE, now=NOW)
    assert (
        report.total.received == 0
        and report.total.reply_rate is None
        and report.backlog_overdue_now == 0
    )


# --- the report ---------------------------------------------------------------------------------


def test_report_backlog_overdue_keeps_team_and_agent_filters(kpi_data, alice, hotline2, mark):  # noqa: ANN001
    assert kpi_report(by=mark, filters=RANGE, now=NOW).backlog_overdue_now == 3
    assert (
        kpi_report(
            by=mark, filters=KpiFilter(RANGE.date_from, RANGE.date_to, agent_id=alice.pk), now=NOW
        ).backlog_overdue_now
        == 1
    )
    assert (
        kpi_report(
            by=mark, filters=KpiFilter(RANGE.date_from, RANGE.date_to, team_id=hotline2.pk), now=NOW
        ).backlog_overdue_now
        == 0
    )


@pytest.mark.parametrize("who", ["lena", "mark", "admin_user"])
def test_report_is_for_supervisors(kpi_data, request, who):  # noqa: ANN001
    user = request.getfixturevalue(who)
    assert kpi_report(by=user, filters=RANGE, now=NOW).total.received == 7


@pytest.mark.parametrize("who", ["alice", "ivan"])
def test_report_refuses_agents_and_inspectors(kpi_data, request, who):  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        kpi_report(by=request.getfixturevalue(who), filters=RANGE, now=NOW)


def test_report_runs_a_fixed_number_of_queries(kpi_data, mark, django_assert_max_num_queries):  # noqa: ANN001
    with django_assert_max_num_queries(12):
        kpi_report(by=mark, filters=KpiFilter(date(2026, 11, 1), date(2026, 11, 30)), now=NOW)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's")
def test_python_percentiles_match_postgresql_percentile_cont(kpi_data):  # noqa: ANN001
    start, end = local_bounds(RANGE.date_from, RANGE.date_to)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m), percentile_cont(0.9) WITHIN GROUP (ORDER BY m) "
            "FROM (SELECT EXTRACT(EPOCH FROM first_responded_at - received_at) / 60 AS m FROM tickets_ticket "
            "WHERE first_responded_at IS NOT NULL AND received_at >= %s AND received_at < %s) x",
            [start, end],
        )
        p50, p90 = cur.fetchone()
    total = kpi_total(filters=RANGE, now=NOW)
    assert (total.first_response_p50, total.first_response_p90) == (
        pytest.approx(float(p50)),
        pytest.approx(float(p90)),
    )
