"""Acceptance: 50 clients taking numbers at once and 10 counters calling at once never produce a
duplicate number, a skipped number, or a customer called by two counters.

Real threads with their own database connections. On SQLite that needs a file database (the
default test database is in memory, shared-cache, where locks do not wait): when the run uses the
in-memory one, the SQLite test re-runs itself in a child pytest with SQLITE_TEST_PATH pointing at
a file. On PostgreSQL (`make test-postgres`) it runs directly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter as Tally
from pathlib import Path

import pytest
from django.db import connection

from kefu.accounts.models import Role, User
from kefu.hall import services
from kefu.hall.models import BusinessType, Counter, CounterBusiness, Hall, QueueEvent, QueueNumber

from .conftest import ALL_DAY

CLIENTS = 50
COUNTERS = 10


def _scene() -> tuple[Hall, list[BusinessType], list[Counter], list[User]]:
    from kefu.hall.seed import seed_hall

    seed_hall()
    hall = Hall.objects.create(name="并发测试厅", opening_hours=ALL_DAY, vip_cap=2)
    businesses = [BusinessType.objects.get(code="A02"), BusinessType.objects.get(code="B02")]
    counters, staff = [], []
    for i in range(COUNTERS):
        c = Counter.objects.create(hall=hall, number=i + 1)
        order = businesses if i % 2 == 0 else businesses[::-1]
        for priority, b in enumerate(order):
            CounterBusiness.objects.create(counter=c, business=b, priority=priority)
        u = User.objects.create_user(
            username=f"clerk{i}", password="kefu-pass-123", role=Role.COUNTER
        )
        counters.append(services.counter_sign_in(counter=c, by=u))
        staff.append(u)
    return hall, businesses, counters, staff


def _run_storm() -> None:
    hall, businesses, counters, staff = _scene()
    start = threading.Barrier(CLIENTS + COUNTERS)
    takers_done = threading.Event()
    errors: list[BaseException] = []
    calls: list[tuple[int, int]] = []  # (number id, counter id) as each caller saw it
    lock = threading.Lock()

    def taker(i: int) -> None:
        try:
            start.wait(timeout=30)
            services.number_take(hall=hall, business=businesses[i % 2], vip=i % 7 == 0)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def caller(j: int) -> None:
        try:
            start.wait(timeout=30)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                n = services.number_call_next(counter=counters[j], by=staff[j])
                if n is None:
                    if (
                        takers_done.is_set()
                        and not QueueNumber.objects.filter(
                            hall=hall, status=QueueNumber.Status.WAITING
                        ).exists()
                    ):
                        return
                    time.sleep(0.005)
                    continue
                with lock:
                    calls.append((n.pk, counters[j].pk))
                services.number_start(number=n, by=staff[j])
                services.number_finish(number=n, by=staff[j])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    takers = [threading.Thread(target=taker, args=(i,)) for i in range(CLIENTS)]
    callers = [threading.Thread(target=caller, args=(j,)) for j in range(COUNTERS)]
    for t in takers + callers:
        t.start()
    for t in takers:
        t.join(timeout=120)
    takers_done.set()
    for t in callers:
        t.join(timeout=180)
    assert not errors, errors

    numbers = list(QueueNumber.objects.filter(hall=hall))
    assert len(numbers) == CLIENTS
    # no duplicate and no skipped number in either series
    for prefix, business in (("A", businesses[0]), ("B", businesses[1])):
        seqs = sorted(n.seq for n in numbers if n.prefix == prefix)
        assert seqs == list(range(1, len(seqs) + 1)), (prefix, seqs)
        codes = [n.code for n in numbers if n.business_id == business.pk]
        assert len(codes) == len(set(codes))
    # every number called exactly once, by exactly one counter, and served there
    tally = Tally(pk for pk, _c in calls)
    assert len(calls) == CLIENTS and set(tally.values()) == {1}
    call_events = Tally(
        QueueEvent.objects.filter(number__hall=hall, action="call").values_list(
            "number_id", flat=True
        )
    )
    assert set(call_events.values()) == {1} and len(call_events) == CLIENTS
    by_id = {n.pk: n for n in numbers}
    for pk, counter_id in calls:
        assert by_id[pk].counter_id == counter_id
        assert by_id[pk].status == QueueNumber.Status.DONE
    # more than one counter did the work
    assert len({c for _pk, c in calls}) > 1


def _in_memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="the SQLite run"
)
def test_concurrent_take_and_call_on_sqlite(tmp_path: Path) -> None:
    if _in_memory_sqlite():
        env = {
            k: v
            for k, v in os.environ.items()
            if k != "DATABASE_URL" and not k.startswith("PYTEST_XDIST")
        }
        env["SQLITE_TEST_PATH"] = str(tmp_path / "hall-concurrency.sqlite3")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:xdist",
                "-q",
                f"{__file__}::test_concurrent_take_and_call_on_sqlite",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
        assert "1 passed" in result.stdout
        return
    _run_storm()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
def test_concurrent_take_and_call_on_postgresql() -> None:
    _run_storm()
