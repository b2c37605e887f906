"""Smoke test of bench.hall_load: its HTTP client, the forked load driver and the database check,
against Django's live server (one client per operation, so in-memory SQLite never has to wait for
a lock)."""

from __future__ import annotations

import pytest

from bench import data
from bench import hall_load as hl
from kefu.hall.models import QueueNumber


@pytest.fixture
def bench_urls(settings):  # noqa: ANN001
    settings.ROOT_URLCONF = "bench.urls"


def _port(live_server) -> int:  # noqa: ANN001
    return int(live_server.url.rsplit(":", 1)[1])


@pytest.mark.django_db(transaction=True)
def test_take_and_call_loops_and_the_checks(bench_urls, live_server) -> None:  # noqa: ANN001
    from kefu.hall.seed import seed_hall

    seed_hall()
    people = hl.ensure_people(1)
    kiosk = data.new_token(hl.KIOSK_USER)
    clerk = data.new_token(people["clerks"][0].username)
    take_hall, _ = hl.make_hall("smoke take", people["staff"])
    hl.preload(take_hall, 5, seed=1)
    call_hall, counters = hl.make_hall("smoke call", people["clerks"])
    hl.preload(call_hall, 40, seed=2)
    port = _port(live_server)

    bare = hl.drive([hl.Job("bare")], host="127.0.0.1", port=port, seconds=1.0, procs=1, op="bare")
    take = hl.drive(
        [hl.Job("take", kiosk, hall=take_hall.pk, seed=3)],
        host="127.0.0.1",
        port=port,
        seconds=0.5,
        procs=1,
        op="take",
    )
    take.halls = [take_hall.pk]
    call = hl.drive(
        [hl.Job("call", clerk, counter=counters[0])],
        host="127.0.0.1",
        port=port,
        seconds=0.5,
        procs=1,
        op="call",
    )
    call.halls = [call_hall.pk]
    runs = [bare, take, call, bare]

    assert bare.ops > 0 and take.ops > 0 and call.ops > 0, (
        bare.rows[:3],
        take.rows[:3],
        call.rows[:3],
    )
    assert not (bare.errors() or take.errors() or call.errors() or call.errors("finish"))
    assert hl.local_ratio(runs, 1) is not None
    assert len(call.counted("start")) >= call.ops - 1
    summary = hl.summarise(runs)
    assert summary["take"]["errors"] == 0 and summary["call"]["rate"] > 0
    assert "take-number" in hl.table(summary)
    assert hl.check([take_hall.pk, call_hall.pk], runs, {c: c for c in counters}) == []

    # the check sees a number answered twice and a skipped number
    first = next(r for r in take.rows if r[0] == "take" and r[3] == 201)
    take.rows.append(first)
    QueueNumber.objects.filter(pk=first[4][0]).update(seq=999)
    failures = hl.check([take_hall.pk, call_hall.pk], runs, {c: c for c in counters})
    assert any("answered twice" in f for f in failures)
    assert any("gaps [" in f and "gaps []" not in f for f in failures)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert hl.percentile(values, 50) == 50
    assert hl.percentile(values, 99) == 99
    assert hl.percentile([3.0], 99) == 3.0
