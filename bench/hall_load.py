"""Service-hall API under load: `python -m bench.hall_load --db sqlite|postgres [--clients 32]
[--seconds 8] [--rounds 3]`.

Measures, through the HTTP API (``/api/hall/...``, Bearer tokens), on the server bench.api_load
uses (gunicorn gthread, 2 workers x 4 threads on 127.0.0.1, bench.settings, each worker accepting
its share of the keep-alive connections):

- **ceiling** ``GET /bench/bare`` (bench.urls): Django's middleware stack, no auth, no database;
- **take-number** ``POST /api/hall/numbers {hall, business, vip}``: ``--clients`` kiosks (one
  shared kiosk token), businesses drawn from the demo hall's arrivals (A02 payment a quarter),
  1 in 9 VIP;
- **call-next** ``POST /api/hall/counters/{id}/call-next``: ``--clients`` counters, each with its
  own clerk signed in and his own token. Each client loops *call-next, start, finish*
  (``POST /api/hall/numbers/{id}/start``, ``.../finish {}``): a counter can call again only once
  its customer is finished, and only a number being served can be finished. call-next is the
  operation counted; start and finish are timed as well, and the loop's requests/s is shown.

The clients are spread over ``--halls`` halls (default 8, four counters and four kiosks each,
like the demo hall 人民路营业厅; a real deployment is many such halls on one server). Each round
gets fresh halls: take-number halls with ``--queue`` numbers waiting (default 50 each) and four
open, staffed counters (so the answers carry people ahead and an estimate), call-next halls
pre-loaded through the services with ``--call-queue`` waiting numbers each (default twice what the
warm-up says a run consumes, at least 100), so that call-next always has work and the queue stays
the length of a busy hall. Counter i serves the demo counter (i - 1) % 4 + 1's businesses first,
then the rest of the mix. A call-next that finds nobody waiting counts as an error.

One client drives all three (a minimal keep-alive HTTP/1.1 client, one connection per client, in
``--client-procs`` processes of threads), so the ratio compares like with like; ``wrk -c<clients>``
on the ceiling is printed once as a reference (the client costs the ceiling ~10%). Runs are
interleaved ``bare, take, call,  bare, take, call,  ...,  bare``. A run's ratio is its ops/s over
the mean of the ceiling runs just before and after it; the table gives medians over the rounds.

After the server stops the database is checked, hall by hall: per (day, prefix) the first legs are
numbered 1..n with no duplicate and no gap and the DailySequence stands at n; every 201 answer is a
distinct number stored with the code it was answered with; every call-next answer is a distinct
number, called once (one ``call`` event, none other in those halls), at one of the hall's counters,
and finished. Exit status 1 on any error or failed check.

The database is its own: ``var/bench/kefu_hallbench.sqlite3`` (``$HALLBENCH_SQLITE_PATH``) or the
database ``kefu_hallbench`` on the server of ``scripts/ensure-postgres.sh``
(``$HALLBENCH_DATABASE_URL``), created the way bench.data creates kefu_bench; ``--fresh``
recreates it. Halls of earlier runs stay (their clerks are signed out); queries are per hall.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import re
import socket
import statistics
import sys
import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import data
from bench.api_load import (
    Server,
    balanced_worker_connections,
    ensure_wrk,
    fmt_ms,
    machine,
    run_wrk,
    versions,
)

SQLITE_DEFAULT = data.ROOT / "var" / "bench" / "kefu_hallbench.sqlite3"
PG_DB_NAME = "kefu_hallbench"

KIOSK_USER = "hallkiosk"
CLERK_PREFIX = "hallclerk"  # hallclerk1..N: one per call-next client
TAKE_STAFF_PREFIX = "hallstaff"  # hallstaff1..4: the take-hall's counters
ALL_DAY = {str(d): [["00:00", "24:00"]] for d in range(7)}
# the demo hall's arrivals (kefu.hall.demo): payment (A02) a quarter, then B02, ...
MIX = ["A02", "A02", "B02", "A01", "A05", "B04", "A16", "A08", "B01", "A02", "B02", "A15"]
VIP_SHARE = 1 / 9

OPS = ("bare", "take", "call")
LABELS = {
    "bare": "ceiling `GET /bench/bare`",
    "take": "take-number `POST /api/hall/numbers`",
    "call": "call-next `POST /api/hall/counters/{id}/call-next`",
    "start": "(in the call loop) `POST .../numbers/{id}/start`",
    "finish": "(in the call loop) `POST .../numbers/{id}/finish`",
}


# --- the database ---------------------------------------------------------------------------------


def use_own_database(db: str) -> None:
    """Point bench.data at kefu_hallbench (never kefu_bench, which bench.api_load may be using)."""
    if db == "sqlite":
        os.environ["BENCH_SQLITE_PATH"] = os.environ.get(
            "HALLBENCH_SQLITE_PATH", str(SQLITE_DEFAULT)
        )
    else:
        url = os.environ.get("HALLBENCH_DATABASE_URL")
        if not url:
            os.environ.pop("BENCH_DATABASE_URL", None)
            url = urlunsplit(urlsplit(data.postgres_url())._replace(path="/" + PG_DB_NAME))
        os.environ["BENCH_DATABASE_URL"] = url


def _user(username: str, role: str, no: str, name: str) -> Any:
    from django.contrib.auth.hashers import make_password

    from kefu.accounts.models import User

    user, _ = User.objects.get_or_create(
        username=username,
        defaults={
            "password": make_password(None),
            "role": role,
            "employee_no": no,
            "display_name": name,
        },
    )
    return user


def ensure_people(clients: int) -> dict[str, Any]:
    """The kiosk (shared by the take-number clients), the clerks of the take-number halls'
    counters (signed in, they never call) and one clerk per call-next client."""
    from kefu.accounts.models import Role

    kiosk = _user(KIOSK_USER, Role.DESK, "H9000", "取号机")
    staff = [
        _user(f"{TAKE_STAFF_PREFIX}{i}", Role.COUNTER, f"H8{i:03d}", f"厅员{i:02d}")
        for i in range(1, clients + 1)
    ]
    clerks = [
        _user(f"{CLERK_PREFIX}{i}", Role.COUNTER, f"H7{i:03d}", f"柜员{i:02d}")
        for i in range(1, clients + 1)
    ]
    return {"kiosk": kiosk, "staff": staff, "clerks": clerks}


def sign_out_everywhere(users: list[Any]) -> None:
    """Frees the users from the counters of earlier halls (a person is signed in at one counter)."""
    from kefu.hall import services
    from kefu.hall.models import ACTIVE_STATUSES, Counter, QueueNumber

    for user in users:
        for c in Counter.objects.filter(staff=user):
            for n in QueueNumber.objects.filter(counter=c, status__in=ACTIVE_STATUSES):
                services.number_return(number=n, by=user)  # an interrupted earlier run
            services.counter_sign_out(counter=c, by=user)


def make_hall(name: str, staff: list[Any]) -> tuple[Any, list[int]]:
    """A hall open round the clock with one counter per person, each signed in; counter i serves
    the demo hall's counter (i - 1) % 4 + 1's businesses first, then the rest of the mix."""
    from kefu.hall import services
    from kefu.hall.demo import COUNTERS
    from kefu.hall.models import BusinessType, Counter, CounterBusiness, Hall

    sign_out_everywhere(staff)
    codes = {b.code: b for b in BusinessType.objects.all()}
    hall = Hall.objects.create(name=name, opening_hours=ALL_DAY)
    ids = []
    for i, person in enumerate(staff, 1):
        c = Counter.objects.create(hall=hall, number=i)
        # the demo counter's own businesses first, then every other business of the mix: no
        # counter finds nobody while its hall has anyone waiting (the demo layouts alone call
        # A01/A02/A16 faster than the mix brings them)
        layout = COUNTERS[(i - 1) % len(COUNTERS) + 1]
        layout = layout + sorted(set(MIX) - set(layout))
        CounterBusiness.objects.bulk_create(
            CounterBusiness(counter=c, business=codes[code], priority=p)
            for p, code in enumerate(layout)
        )
        services.counter_sign_in(counter=c, by=person)
        ids.append(c.pk)
    return hall, ids


def preload(hall: Any, n: int, seed: int) -> None:
    """`n` waiting numbers taken through the service (numbered like any other), one transaction."""
    from django.db import transaction

    from kefu.hall import services
    from kefu.hall.models import BusinessType

    codes = {b.code: b for b in BusinessType.objects.filter(code__in=set(MIX))}
    rng = random.Random(seed)
    with transaction.atomic():
        for _ in range(n):
            services.number_take(
                hall=hall, business=codes[rng.choice(MIX)], vip=rng.random() < VIP_SHARE
            )


def waiting(halls: list[int]) -> int:
    from kefu.hall.models import QueueNumber

    return QueueNumber.objects.filter(hall_id__in=halls, status=QueueNumber.Status.WAITING).count()


# --- a minimal keep-alive HTTP/1.1 client ---------------------------------------------------------

_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.I)
_CLOSE = re.compile(rb"\r\nconnection:\s*close", re.I)


class Http:
    """One keep-alive connection. http.client costs ~100 µs of client CPU a request (header
    parsing through email.parser); on two shared cores that would come out of the server's
    share, and more for the ceiling than for the slower endpoints."""

    def __init__(self, host: str, port: int) -> None:
        self.addr = (host, port)
        self.host = f"{host}:{port}".encode()
        self.sock: socket.socket | None = None
        self.buf = b""
        self.reconnects = 0

    def connect(self) -> None:
        self.sock = socket.create_connection(self.addr, timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def raw(self, method: str, path: str, headers: bytes, body: bytes = b"") -> bytes:
        return (
            f"{method} {path} HTTP/1.1\r\n".encode()
            + b"Host: "
            + self.host
            + b"\r\n"
            + headers
            + b"Content-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )

    def send(self, request: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.connect()
            self.reconnects += 1
        sock = self.sock
        assert sock is not None
        sock.sendall(request)
        buf = self.buf
        while (i := buf.find(b"\r\n\r\n")) < 0:
            chunk = sock.recv(65536)
            if not chunk:
                self.close()
                raise ConnectionError("connection closed by the server")
            buf += chunk
        head = buf[:i]
        m = _CONTENT_LENGTH.search(head)
        if m is None:
            self.close()
            raise ConnectionError(f"no Content-Length: {head[:200]!r}")
        end = i + 4 + int(m.group(1))
        while len(buf) < end:
            chunk = sock.recv(65536)
            if not chunk:
                self.close()
                raise ConnectionError("connection closed mid-body")
            buf += chunk
        self.buf = buf[end:]
        if _CLOSE.search(head):
            self.close()
        return int(head[9:12]), buf[i + 4 : end]


# --- the load -------------------------------------------------------------------------------------


@dataclass
class Job:
    """What one client does: op "bare", "take" (in hall) or "call" (at counter, with its token)."""

    op: str
    token: str = ""
    hall: int = 0
    counter: int = 0
    seed: int = 0


# (op, completed at (monotonic), seconds, status, detail); detail: take -> (id, code), call ->
# (number id, code) or None when nobody was waiting; a transport error has status 0 and an
# answer that is not what the API promises status -1, both with the reason as detail
Row = tuple[str, float, float, int, Any]


def _client(job: Job, host: str, port: int, t0: float, t1: float, out: list[Row]) -> None:
    http = Http(host, port)
    rng = random.Random(job.seed)
    auth = f"Authorization: Bearer {job.token}\r\nContent-Type: application/json\r\n".encode()
    bare = http.raw("GET", "/bench/bare", b"")
    perf = time.perf_counter

    def timed(op: str, request: bytes) -> tuple[int, bytes] | None:
        start = perf()
        try:
            status, body = http.send(request)
        except OSError as exc:
            http.close()
            out.append((op, time.monotonic(), perf() - start, 0, f"{type(exc).__name__}: {exc}"))
            return None
        out.append((op, time.monotonic(), perf() - start, status, None))
        return status, body

    try:
        http.connect()
    except OSError as exc:
        out.append((job.op, time.monotonic(), 0.0, 0, f"connect: {exc}"))
        return
    time.sleep(max(0.0, t0 - time.monotonic()))
    while time.monotonic() < t1:
        if job.op == "bare":
            timed("bare", bare)
        elif job.op == "take":
            body = json.dumps(
                {"hall": job.hall, "business": rng.choice(MIX), "vip": rng.random() < VIP_SHARE}
            ).encode()
            r = timed("take", http.raw("POST", "/api/hall/numbers", auth, body))
            if r is not None and r[0] == 201:
                op, at, secs, status, _ = out[-1]
                try:
                    answer = json.loads(r[1])
                    out[-1] = (op, at, secs, status, (answer["id"], answer["code"]))
                except (ValueError, KeyError, TypeError):
                    out[-1] = (op, at, secs, -1, f"not a number: {r[1][:200]!r}")
        else:
            path = f"/api/hall/counters/{job.counter}/call-next"
            r = timed("call", http.raw("POST", path, auth))
            if r is None or r[0] != 200:
                continue
            op, at, secs, status, _ = out[-1]
            try:
                number = json.loads(r[1])["number"]
                out[-1] = (op, at, secs, status, (number["id"], number["code"]) if number else None)
            except (ValueError, KeyError, TypeError):
                out[-1] = (op, at, secs, -1, f"not a call: {r[1][:200]!r}")
                continue
            if number is None:
                time.sleep(0.01)  # nobody waiting (an error of the set-up, reported as such)
                continue
            # the counter must finish this customer before it can call again; done even after
            # t1, so that every counter ends the run idle
            timed("start", http.raw("POST", f"/api/hall/numbers/{number['id']}/start", auth))
            timed(
                "finish", http.raw("POST", f"/api/hall/numbers/{number['id']}/finish", auth, b"{}")
            )
    http.close()


def _process(jobs: list[Job], host: str, port: int, t0: float, t1: float, conn: Any) -> None:
    rows: list[list[Row]] = [[] for _ in jobs]
    threads = [
        threading.Thread(target=_client, args=(job, host, port, t0, t1, mine))
        for job, mine in zip(jobs, rows, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conn.send([r for mine in rows for r in mine])
    conn.close()


@dataclass
class Run:
    """One measured run: every request of every client, with when it completed."""

    op: str
    seconds: float
    t0: float = 0.0  # start of the measured window (monotonic)
    rows: list[Row] = field(repr=False, default_factory=list)
    halls: list[int] | None = None
    queue_before: int | None = None
    queue_after: int | None = None

    def counted(self, op: str | None = None) -> list[Row]:
        """Requests of `op` (default: the run's operation) completed inside the window."""
        t1 = self.t0 + self.seconds
        return [r for r in self.rows if r[0] == (op or self.op) and r[1] <= t1]

    @staticmethod
    def _ok(r: Row) -> bool:
        op, _at, _secs, status, detail = r
        if op == "take":
            return status == 201
        if op == "call":  # a call-next that found nobody waiting is an error of the set-up
            return status == 200 and detail is not None
        return 200 <= status < 300

    @property
    def ops(self) -> int:
        return sum(1 for r in self.counted() if self._ok(r))

    @property
    def rate(self) -> float:
        return self.ops / self.seconds

    def rate_of(self, op: str) -> float:
        return sum(1 for r in self.counted(op) if self._ok(r)) / self.seconds

    def requests_rate(self) -> float:
        """Every request completed in the window, whatever its operation (the call loop's)."""
        t1 = self.t0 + self.seconds
        return sum(1 for r in self.rows if r[1] <= t1) / self.seconds

    def errors(self, op: str | None = None) -> list[Row]:
        """Failed requests of `op`, in or after the window."""
        return [r for r in self.rows if r[0] == (op or self.op) and not self._ok(r)]

    def pct(self, q: float, op: str | None = None) -> float:
        return percentile([r[2] * 1e3 for r in self.counted(op)], q)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (the q-th percent of the sorted values)."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


def drive(jobs: list[Job], *, host: str, port: int, seconds: float, procs: int, op: str) -> Run:
    """Runs the jobs for `seconds` in `procs` forked processes of threads; collects every row."""
    ctx = multiprocessing.get_context("fork")
    procs = max(1, min(procs, len(jobs)))
    t0 = time.monotonic() + 0.5 + 0.05 * len(jobs)  # every client connected before t0
    t1 = t0 + seconds
    workers = []
    for p in range(procs):
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_process, args=(jobs[p::procs], host, port, t0, t1, child))
        proc.start()
        child.close()
        workers.append((proc, parent))
    run = Run(op=op, seconds=seconds, t0=t0)
    for proc, parent in workers:
        run.rows.extend(parent.recv())
        proc.join()
    return run


# --- reporting ------------------------------------------------------------------------------------


def ceiling_around(runs: list[Run], i: int) -> float | None:
    """Mean req/s of the ceiling runs just before and after run i (each round is bracketed)."""
    before = next((r.rate for r in reversed(runs[:i]) if r.op == "bare"), None)
    after = next((r.rate for r in runs[i + 1 :] if r.op == "bare"), None)
    near = [v for v in (before, after) if v]
    return statistics.fmean(near) if near else None


def local_ratio(runs: list[Run], i: int, rate: float | None = None) -> float | None:
    """Run i's ops/s (or `rate`) over the mean of the ceiling runs around it."""
    ceiling = ceiling_around(runs, i)
    return (runs[i].rate if rate is None else rate) / ceiling if ceiling else None


def summarise(runs: list[Run]) -> dict[str, dict[str, float]]:
    """Per operation: median ops/s over the runs (min, max), median of the per-round ratios,
    median p50/p99 and the worst p99, errors. "start"/"finish" are the call loop's other requests,
    "cycle" all requests of the call loop together."""
    out: dict[str, dict[str, float]] = {}
    for name in ("bare", "take", "call", "start", "finish", "cycle"):
        parent = "call" if name in ("start", "finish", "cycle") else name
        idx = [i for i, r in enumerate(runs) if r.op == parent]
        if not idx:
            continue
        rs = [runs[i] for i in idx]
        if name == "cycle":
            rates = [r.requests_rate() for r in rs]
        else:
            rates = [r.rate_of(name) for r in rs]
        ratios = [
            q for i, v in zip(idx, rates, strict=True) if (q := local_ratio(runs, i, v)) is not None
        ]
        p99s = [r.pct(99, name) for r in rs] if name != "cycle" else [float("nan")]
        out[name] = {
            "rate": statistics.median(rates),
            "rate_min": min(rates),
            "rate_max": max(rates),
            "ratio": statistics.median(ratios) if ratios and name != "bare" else float("nan"),
            "p50": statistics.median(r.pct(50, name) for r in rs)
            if name != "cycle"
            else float("nan"),
            "p99": statistics.median(p99s),
            "p99_worst": max(p99s),
            "errors": sum(len(r.errors(name)) for r in rs) if name != "cycle" else 0,
            "runs": len(rs),
        }
    return out


def table(s: dict[str, dict[str, float]]) -> str:
    lines = [
        "| operation | ops/s: median of rounds (min–max) | ratio to ceiling: median of rounds "
        "| p50 | p99 | p99, worst run | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("bare", "take", "call", "start", "finish", "cycle"):
        if name not in s:
            continue
        x = s[name]
        spread = f" ({x['rate_min']:,.0f}–{x['rate_max']:,.0f})"
        ratio = "100%" if name == "bare" else f"{x['ratio']:.1%}"
        if name == "cycle":
            lines.append(
                f"| (the call loop: all requests, call-next + start + finish) | {x['rate']:,.0f}{spread} "
                f"| {ratio} | | | | |"
            )
            continue
        bold = "**" if name in ("take", "call") else ""
        lines.append(
            f"| {LABELS[name]} | {bold}{x['rate']:,.0f}{bold}{spread} | {bold}{ratio}{bold} | "
            f"{fmt_ms(x['p50'])} | {fmt_ms(x['p99'])} | {fmt_ms(x['p99_worst'])} | {x['errors']:.0f} |"
        )
    return "\n".join(lines)


def runs_table(runs: list[Run]) -> str:
    lines = [
        "| # | run | ops/s | ratio to the ceiling runs around it | p50 | p99 | ops | errors "
        "| waiting in its hall: before → after |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for i, r in enumerate(runs):
        q = local_ratio(runs, i) if r.op != "bare" else None
        queue = "" if r.queue_before is None else f"{r.queue_before:,} → {r.queue_after:,}"
        lines.append(
            f"| {i + 1} | {r.op} | {r.rate:,.0f} | {'' if q is None else f'{q:.1%}'} | "
            f"{fmt_ms(r.pct(50))} | {fmt_ms(r.pct(99))} | {r.ops:,} | {len(r.errors())} | {queue} |"
        )
    return "\n".join(lines)


# --- the checks -----------------------------------------------------------------------------------


def check(halls: list[int], runs: list[Run], counters: dict[int, int]) -> list[str]:
    """Database checks after the run; returns the failures (empty = ok). `counters` maps each
    counter id of the call halls to itself (call rows carry no counter: see below)."""
    from kefu.core.models import DailySequence
    from kefu.hall.models import QueueEvent, QueueNumber

    failures: list[str] = []
    S = QueueNumber.Status
    # 1. numbering: per (hall, day, prefix) the first legs are 1..n, codes distinct, sequence at n
    for hall in halls:
        series: dict[tuple[Any, str], list[tuple[int, str]]] = {}
        for day, prefix, seq, code in QueueNumber.objects.filter(
            hall_id=hall, parent__isnull=True
        ).values_list("day", "prefix", "seq", "code"):
            series.setdefault((day, prefix), []).append((seq, code))
        for (day, prefix), rows in series.items():
            seqs = sorted(s for s, _ in rows)
            if seqs != list(range(1, len(seqs) + 1)):
                dup = [s for s, n in Tally(seqs).items() if n > 1][:5]
                missing = sorted(set(range(1, max(seqs) + 1)) - set(seqs))[:5]
                failures.append(f"hall {hall} {day} {prefix}: duplicates {dup}, gaps {missing}")
            if len({c for _, c in rows}) != len(rows):
                failures.append(f"hall {hall} {day} {prefix}: duplicate codes")
            seq_row = DailySequence.objects.filter(prefix=f"hall{hall}-{prefix}", day=day).first()
            if seq_row is None or seq_row.value != len(seqs):
                failures.append(
                    f"hall {hall} {day} {prefix}: sequence at "
                    f"{seq_row.value if seq_row else None}, {len(seqs)} numbers"
                )
    # 2. take-number answers: distinct numbers, stored with the code answered
    taken = [
        r[4] for run in runs if run.op == "take" for r in run.rows if r[0] == "take" and r[3] == 201
    ]
    ids = [i for i, _ in taken]
    if len(set(ids)) != len(ids):
        failures.append(f"take: {len(ids) - len(set(ids))} numbers answered twice")
    stored = dict(QueueNumber.objects.filter(pk__in=ids).values_list("pk", "code"))
    wrong = [(i, c) for i, c in taken if stored.get(i) != c]
    if wrong:
        failures.append(f"take: {len(wrong)} answers differ from the database, e.g. {wrong[:3]}")
    # 3. call-next answers: distinct numbers, one call event each, at one counter, finished
    called = [
        r[4]
        for run in runs
        if run.op == "call"
        for r in run.rows
        if r[0] == "call" and r[3] == 200 and r[4] is not None
    ]
    ids = [i for i, _ in called]
    if len(set(ids)) != len(ids):
        failures.append(f"call: {len(ids) - len(set(ids))} numbers called twice")
    events = Tally(
        QueueEvent.objects.filter(number_id__in=ids, action="call").values_list(
            "number_id", flat=True
        )
    )
    if set(events.values()) != {1} or len(events) != len(set(ids)):
        failures.append(
            f"call: call events per number {Tally(events.values())}, {len(set(ids))} calls"
        )
    call_halls = {h for run in runs if run.op == "call" for h in run.halls or []}
    all_calls = QueueEvent.objects.filter(number__hall_id__in=call_halls, action="call").count()
    if all_calls != len(ids):
        failures.append(f"call: {all_calls} call events in the call halls, {len(ids)} answers")
    rows = QueueNumber.objects.filter(pk__in=ids).values_list("pk", "status", "counter_id")
    not_done = [pk for pk, status, _ in rows if status != S.DONE]
    if not_done:
        failures.append(f"call: {len(not_done)} called numbers not finished, e.g. {not_done[:3]}")
    bad_counter = [pk for pk, _, c in rows if c not in counters]
    if bad_counter:
        failures.append(f"call: numbers served outside the hall's counters: {bad_counter[:3]}")
    per_counter = Tally(
        QueueEvent.objects.filter(number_id__in=ids, action="call").values_list(
            "counter_id", flat=True
        )
    )
    if any(c not in counters for c in per_counter):
        failures.append("call: call events at unexpected counters")
    return failures


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.hall_load", description=__doc__.split("\n")[0]
    )
    p.add_argument("--db", choices=("sqlite", "postgres"), required=True)
    p.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    p.add_argument("--seconds", type=float, default=8, help="seconds per run (default 8)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    p.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per operation")
    p.add_argument(
        "--halls",
        type=int,
        default=8,
        help="halls the clients are spread over (default 8: 4 counters and 4 kiosks each, like "
        "the demo hall; 1 puts every counter in one hall)",
    )
    p.add_argument(
        "--queue",
        type=int,
        default=50,
        help="numbers waiting in each take-number hall when a run starts (default 50)",
    )
    p.add_argument(
        "--call-queue",
        type=int,
        default=0,
        help="numbers waiting in each call-next hall when a run starts (default: twice what "
        "the warm-up says a run consumes in a hall, at least 100)",
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument(
        "--worker-connections",
        type=int,
        help="gunicorn --worker-connections (default clients / workers)",
    )
    p.add_argument(
        "--client-procs",
        type=int,
        default=2,
        help="processes the client threads are spread over (default 2)",
    )
    p.add_argument("--no-wrk", action="store_true", help="skip the wrk reference run")
    p.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    p.add_argument("--json", type=Path, help="also write the results to this JSON file")
    p.add_argument("--settings", default="bench.settings")
    args = p.parse_args(argv)

    wrk = None if args.no_wrk else ensure_wrk()
    use_own_database(args.db)
    env = data.setup_django(args.db, fresh=args.fresh)
    data.migrate()
    from django.db import connections

    from kefu.hall.seed import seed_hall

    seed_hall()
    people = ensure_people(args.clients)
    kiosk_key = data.new_token(KIOSK_USER)
    clerk_keys = [data.new_token(u.username) for u in people["clerks"]]
    vers = versions(args.db)
    stamp = datetime.now().astimezone()
    tag = f"{stamp:%m%d-%H%M%S}"

    halls_n = max(1, min(args.halls, args.clients))
    # client j works in hall j % halls_n: as a kiosk of a take hall, as the clerk of a counter of
    # a call hall (the take halls have the same counters, staffed by clerks who never call)
    groups = [list(range(h, args.clients, halls_n)) for h in range(halls_n)]

    def take_jobs(take_halls: list[int], seed: int) -> list[Job]:
        return [
            Job("take", kiosk_key, hall=take_halls[j % halls_n], seed=seed * 1000 + j)
            for j in range(args.clients)
        ]

    def call_jobs(counter_of: dict[int, int]) -> list[Job]:
        return [Job("call", clerk_keys[j], counter=counter_of[j]) for j in range(args.clients)]

    bare_jobs = [Job("bare") for _ in range(args.clients)]
    halls: list[int] = []
    counters: dict[int, int] = {}

    def new_halls(
        label: str, call_queue: int, seed: int
    ) -> tuple[list[int], list[int], dict[int, int]]:
        take_halls, call_halls, counter_of = [], [], {}
        for h, group in enumerate(groups):
            hall, _ = make_hall(
                f"压测取号厅 {tag} {label}-{h + 1}", [people["staff"][j] for j in group]
            )
            preload(hall, args.queue, seed * 100 + h)
            take_halls.append(hall.pk)
        for h, group in enumerate(groups):
            hall, ids = make_hall(
                f"压测叫号厅 {tag} {label}-{h + 1}", [people["clerks"][j] for j in group]
            )
            preload(hall, call_queue, seed * 100 + 50 + h)
            call_halls.append(hall.pk)
            counter_of.update(zip(group, ids, strict=True))
        halls.extend(take_halls + call_halls)
        counters.update({c: c for c in counter_of.values()})
        connections.close_all()  # no connection may cross the fork of the client processes
        return take_halls, call_halls, counter_of

    wc = balanced_worker_connections(args.clients, args.workers, args.worker_connections)
    print(f"# hall_load {args.db}, {args.clients} clients — {stamp:%Y-%m-%d %H:%M %z}")
    print(f"machine: {machine()}; {vers}")
    print(
        f"server: gunicorn gthread {args.workers} workers x {args.threads} threads, "
        f"worker-connections {wc or 1000} ({args.settings}); client: {args.clients} keep-alive "
        f"connections in {args.client_procs} processes, {args.seconds:.0f} s a run, "
        f"{args.rounds} interleaved rounds"
    )
    log = sys.stderr
    runs: list[Run] = []
    wrk_ref = None
    with Server(
        env,
        workers=args.workers,
        threads=args.threads,
        settings=args.settings,
        worker_connections=wc,
    ) as server:
        host, port = "127.0.0.1", server.port

        def go(op: str, jobs: list[Job], seconds: float, in_halls: list[int] | None = None) -> Run:
            before = waiting(in_halls) if in_halls else None
            connections.close_all()
            run = drive(jobs, host=host, port=port, seconds=seconds, procs=args.client_procs, op=op)
            run.halls, run.queue_before = in_halls, before
            run.queue_after = waiting(in_halls) if in_halls else None
            connections.close_all()
            return run

        # warm-up (its own halls), which also tells how deep the call hall must be
        t_halls, c_halls, counter_of = new_halls("warm-up", max(args.call_queue, 200), 1)
        warm = [
            go("bare", bare_jobs, args.warmup),
            go("take", take_jobs(t_halls, 1), args.warmup, t_halls),
            go("call", call_jobs(counter_of), args.warmup, c_halls),
        ]
        for r in warm:
            print(
                f"  warm-up {r.op:5s} {r.rate:8,.0f}/s  p99 {fmt_ms(r.pct(99)):>9s}  "
                f"errors {len(r.errors())}",
                file=log,
            )
            if r.op != "call" and r.errors():
                raise SystemExit(f"warm-up {r.op} failed: {r.errors()[:3]}\n{server.log_text()}")
        call_queue = args.call_queue or max(
            100, math.ceil(2 * warm[2].rate * args.seconds / halls_n)
        )
        print(
            f"halls: each round {halls_n} take-number halls ({args.queue} waiting when the run "
            f"starts) and {halls_n} call-next halls ({call_queue} waiting), "
            f"{args.clients // halls_n}{'+' if args.clients % halls_n else ''} counters open in each"
        )
        if wrk:
            wrk_ref = run_wrk(
                wrk,
                server.base + "/bench/bare",
                "-",
                name="bare",
                duration=args.seconds,
                connections=args.clients,
            )
            print(
                f"  wrk -c{args.clients} bare: {wrk_ref.rps:,.0f} req/s  p99 {fmt_ms(wrk_ref.p99)}",
                file=log,
            )
        for rnd in range(1, args.rounds + 1):
            t_halls, c_halls, counter_of = new_halls(f"r{rnd}", call_queue, rnd * 10)
            for op in OPS:
                if op == "bare":
                    run = go("bare", bare_jobs, args.seconds)
                elif op == "take":
                    run = go("take", take_jobs(t_halls, rnd * 10), args.seconds, t_halls)
                else:
                    run = go("call", call_jobs(counter_of), args.seconds, c_halls)
                runs.append(run)
                print(
                    f"  [round {rnd}] {op:5s} {run.rate:8,.0f}/s  p50 {fmt_ms(run.pct(50)):>9s}  "
                    f"p99 {fmt_ms(run.pct(99)):>9s}  errors {len(run.errors())}"
                    + (
                        f"  waiting {run.queue_before:,} → {run.queue_after:,}" if run.halls else ""
                    ),
                    file=log,
                )
        runs.append(go("bare", bare_jobs, args.seconds))
        print(f"  [end]     bare  {runs[-1].rate:8,.0f}/s", file=log)
        if not server.alive():
            raise SystemExit(f"gunicorn died during the run:\n{server.log_text()}")
        server_log = server.log_text()

    failures = check(halls, warm + runs, counters)
    summary = summarise(runs)
    print()
    print(table(summary))
    if wrk_ref is not None:
        print(
            f"\nreference: wrk -t2 -c{args.clients} on the ceiling, once after the warm-up: "
            f"{wrk_ref.rps:,.0f} req/s, p50 {fmt_ms(wrk_ref.p50)}, p99 {fmt_ms(wrk_ref.p99)}"
        )
    print("\nruns in order:\n")
    print(runs_table(runs))
    errors = [(r.op, e) for r in runs for e in r.errors()]
    empty = sum(
        1
        for r in runs
        if r.op == "call"
        for x in r.rows
        if x[0] == "call" and x[3] == 200 and x[4] is None
    )
    print(
        f"\nerrors (non-2xx, transport errors, call-next with nobody waiting): {len(errors)}"
        + (f", e.g. {errors[:3]}" if errors else "")
        + (f"; empty call-next: {empty}" if empty else "")
    )
    checked_take = sum(1 for r in warm + runs for x in r.rows if x[0] == "take" and x[3] == 201)
    checked_call = sum(
        1 for r in warm + runs for x in r.rows if x[0] == "call" and x[3] == 200 and x[4]
    )
    print(
        f"database check ({len(halls)} halls, {checked_take:,} numbers taken and {checked_call:,} "
        f"called over HTTP, warm-up included): " + ("**ok**" if not failures else "FAILED")
    )
    for f in failures:
        print(f"  - {f}")
    if "Traceback" in server_log or "ERROR" in server_log:
        print(f"\nserver log:\n{server_log}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "db": args.db,
                    "clients": args.clients,
                    "halls": halls_n,
                    "workers": args.workers,
                    "threads": args.threads,
                    "seconds": args.seconds,
                    "started": stamp.isoformat(),
                    "machine": machine(),
                    "versions": vers,
                    "call_queue": call_queue,
                    "queue": args.queue,
                    "summary": {
                        op: {k: None if math.isnan(v) else v for k, v in row.items()}
                        for op, row in summary.items()
                    },
                    "failures": failures,
                    "wrk_ceiling": None
                    if wrk_ref is None
                    else {"rps": wrk_ref.rps, "p50": wrk_ref.p50, "p99": wrk_ref.p99},
                    "runs": [
                        {
                            "op": r.op,
                            "rate": r.rate,
                            "p50": r.pct(50),
                            "p99": r.pct(99),
                            "ops": r.ops,
                            "errors": len(r.errors()),
                            "queue_before": r.queue_before,
                            "queue_after": r.queue_after,
                        }
                        for r in runs
                    ],
                },
                indent=2,
            )
        )
    return 0 if not failures and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
