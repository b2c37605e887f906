"""Create-API throughput and idempotency under concurrency: `python -m bench.create_load
--db sqlite|postgres [--clients 16] [--requests 2000] [--tickets N]`.

Same server as bench.api_load (gunicorn gthread, 2 workers x 4 threads, bench.settings, the bench
database; ``--tickets N`` first makes sure it holds N loaded tickets, otherwise it is used as it is).
The intake agent ``benchcreate`` gets a fresh API token; all clients post as that integration.

1. Ceiling: ``--clients`` threads (http.client, keep-alive) GET ``/bench/bare`` ``--requests``
   times in total. The same client code measures the creates, so the ratio compares like with like.
2. Creates: the same threads POST ``/api/tickets`` ``--requests`` times in total, each with
   ``Authorization: Bearer <key>``, an ``Idempotency-Key`` and a body
   ``{"kind", "channel", "description", "customer": {"name", "phone"}}`` (after-sales ones also
   carry ``order_no``/``product_model``; 30% of the customers already exist, found by phone).
   ``--retries`` (10%) of the requests are deliberate retries: the same key and the same body
   again, sent by another thread than the original's -- half while the original is still in
   flight (the race an impatient client or a proxy retry causes), half after it has completed.
3. Ceiling again (interleaved, so noise affects both), then the server is stopped and the database
   is checked: tickets created == distinct keys that succeeded, one IdempotencyKey row and one
   ticket per key, no duplicate numbers, every retry answered with its original's number.

Reports creates/s, requests/s, errors (any non-2xx; by status), p50/p99 latency, the ratio of
the create requests/s to the ceiling's, and the checks. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bench import data
from bench.api_load import Server, balanced_worker_connections, fmt_ms, machine, versions

KINDS = (("consultation", 40), ("complaint", 20), ("after_sales", 15), ("transaction", 12),
         ("suggestion", 8), ("praise", 5))  # fmt: skip
CHANNELS = (("phone", 55), ("chat", 25), ("email", 10), ("social", 10))
NEW_CUSTOMER_SHARE = 0.70


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q / 100 * len(s) + 0.5)) - 1))]


# --- a keep-alive client ------------------------------------------------------------------------


class Conn:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.c = http.client.HTTPConnection(host, port, timeout=120)
        self.reconnects = 0

    def request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes, float]:
        for attempt in (1, 2):
            start = time.perf_counter()
            try:
                self.c.request(method, path, body=body, headers=headers)
                r = self.c.getresponse()
                payload = r.read()
                return (
                    r.status,
                    {k.lower(): v for k, v in r.getheaders()},
                    payload,
                    time.perf_counter() - start,
                )
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # the server closed a keep-alive connection: reconnect and send again (the
                # Idempotency-Key makes a repeated POST safe; that is its point)
                self.c.close()
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=120)
                self.reconnects += 1
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def run_gets(host: str, port: int, path: str, *, clients: int, total: int) -> dict[str, float]:
    lat: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        conn = Conn(host, port)
        mine, st = [], Counter()
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            status, _, _, secs = conn.request("GET", path, None, {})
            mine.append(secs)
            st[status] += 1
        with lock:
            lat.extend(mine)
            statuses.update(st)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {
        "rps": total / wall,
        "p50": percentile(lat, 50) * 1e3,
        "p99": percentile(lat, 99) * 1e3,
        "errors": sum(n for s, n in statuses.items() if not 200 <= s < 300),
        "wall": wall,
    }


# --- the create run -------------------------------------------------------------------------------


@dataclass
class Sent:
    key: str
    thread: int
    retry: bool
    body: bytes
    race: bool = False  # a retry sent while its original was in flight
    new_customer: bool = False  # the body names a customer that did not exist before the run
    status: int = 0
    number: str | None = None
    replayed: bool = False
    secs: float = 0.0
    error: str = ""


@dataclass
class CreateRun:
    originals: dict[str, Sent] = field(default_factory=dict)
    retries: list[Sent] = field(default_factory=list)
    wall: float = 0.0
    reconnects: int = 0
    retry_fallbacks: int = 0


def make_body(rng: random.Random, existing: list[tuple[str, str]], serial: int) -> dict:  # type: ignore[type-arg]
    kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
    product = rng.choice(data.PRODUCTS)
    issue = rng.choice(data.ISSUES)
    if existing and rng.random() > NEW_CUSTOMER_SHARE:
        name, phone = rng.choice(existing)
    else:
        name = rng.choice(data.SURNAMES) + "".join(rng.choices(data.GIVEN, k=2))
        phone = f"199{serial:08d}"  # unique per request of a run; 199 is unused by bench.data
    body = {
        "kind": kind,
        "channel": channel,
        "description": f"客户来电反映{product}{issue},请尽快处理并回电。",
        "customer": {"name": name, "phone": phone},
    }
    if kind == "after_sales":
        body["order_no"] = f"JD{rng.randrange(10**10):010d}"
        body["product_model"] = f"MX-{rng.randrange(100, 999)}"
    return body


def run_creates(
    host: str,
    port: int,
    key: str,
    *,
    clients: int,
    total: int,
    retry_share: float,
    existing: list[tuple[str, str]],
    seed: int,
) -> CreateRun:
    run_id = uuid.uuid4().hex[:10]
    rng = random.Random(seed)
    n_retries = int(round(total * retry_share))
    # retries are spread over the run, after the first 5% (so there is something to retry)
    retry_slots = set(rng.sample(range(max(1, total // 20), total), n_retries))
    # serial numbers start far from earlier runs (new phones stay new)
    base_serial = rng.randrange(10**7) * 10
    result = CreateRun()
    lock = threading.Lock()
    counter = iter(range(total))
    in_flight: dict[str, Sent] = {}
    done: list[Sent] = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def pick_retry(tid: int, prefer_race: bool) -> tuple[Sent, bool] | None:
        racing = [s for s in in_flight.values() if s.thread != tid]
        finished = [s for s in done if s.thread != tid]
        if prefer_race and racing:
            return rng.choice(racing), True
        if finished:
            return rng.choice(finished), False
        if racing:
            return rng.choice(racing), True
        return None

    def worker(tid: int) -> None:
        conn = Conn(host, port)
        wrng = random.Random(seed * 1000 + tid)
        while True:
            with lock:
                i = next(counter, None)
                if i is None:
                    break
                target = None
                if i in retry_slots:
                    target = pick_retry(tid, prefer_race=wrng.random() < 0.5)
                    if target is None:
                        result.retry_fallbacks += 1
                if target is not None:
                    orig, race = target
                    sent = Sent(
                        key=orig.key,
                        thread=tid,
                        retry=True,
                        body=orig.body,
                        race=race,
                        new_customer=orig.new_customer,
                    )
                    result.retries.append(sent)
                else:
                    body = make_body(wrng, existing, base_serial + i)
                    sent = Sent(
                        key=f"bench-{run_id}-{i:06d}",
                        thread=tid,
                        retry=False,
                        body=json.dumps(body, ensure_ascii=False).encode(),
                        new_customer=body["customer"]["phone"].startswith("199"),
                    )
                    result.originals[sent.key] = sent
                    in_flight[sent.key] = sent
            try:
                status, hdrs, payload, secs = conn.request(
                    "POST", "/api/tickets", sent.body, {**headers, "Idempotency-Key": sent.key}
                )
                sent.status, sent.secs = status, secs
                sent.replayed = hdrs.get("idempotent-replayed") == "true"
                try:
                    doc = json.loads(payload)
                except ValueError:
                    doc = {}
                if 200 <= status < 300:
                    sent.number = doc.get("number")
                else:
                    sent.error = payload.decode(errors="replace")[:300]
            except OSError as exc:
                sent.status, sent.error = -1, repr(exc)
            with lock:
                if not sent.retry:
                    in_flight.pop(sent.key, None)
                    done.append(sent)
        with lock:
            result.reconnects += conn.reconnects

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.wall = time.perf_counter() - t0
    return result


# --- checks ---------------------------------------------------------------------------------------


def check_database(
    run: CreateRun, *, max_id_before: int, creator: str
) -> list[tuple[str, bool, str]]:
    """The invariants, on this run's keys only (another run may post as the same user meanwhile)."""
    from django.db.models import Count

    from kefu.accounts.models import User
    from kefu.customers.models import Customer
    from kefu.tickets.models import IdempotencyKey, Ticket

    user = User.objects.get(username=creator)
    keys = set(run.originals)
    # a key "succeeded" if its original or any retry got a 2xx
    ok_keys = {k for k, s in run.originals.items() if 200 <= s.status < 300}
    ok_keys |= {s.key for s in run.retries if 200 <= s.status < 300}
    idem_rows = list(
        IdempotencyKey.objects.filter(owner=user, key__in=keys).values_list(
            "key", "ticket_id", "ticket__number"
        )
    )
    idem_map = {k: number for k, _, number in idem_rows}
    ours = {tid for _, tid, _ in idem_rows}
    # tickets the creator got during the run that no Idempotency-Key (ours or another run's)
    # points to: a request created a ticket and then lost its key -- a duplicate
    new_ids = set(
        Ticket.objects.filter(id__gt=max_id_before, created_by=user).values_list("id", flat=True)
    )
    keyed = set(
        IdempotencyKey.objects.filter(ticket_id__in=new_ids).values_list("ticket_id", flat=True)
    )
    orphans = new_ids - keyed
    dup_all = list(
        Ticket.objects.values("number")
        .annotate(c=Count("id"))
        .filter(c__gt=1)
        .values_list("number", flat=True)[:5]
    )
    # numbers answered for each key: the original's and every retry's must be one and the same
    answered: dict[str, set[str]] = {}
    for s in [*run.originals.values(), *run.retries]:
        if s.number:
            answered.setdefault(s.key, set()).add(s.number)
    split = {k: v for k, v in answered.items() if len(v) > 1}
    mismatched_db = {k: v for k, v in answered.items() if k in idem_map and {idem_map[k]} != v}
    # customers named by phone for the first time: racing attempts must not register one twice
    new_phones = {
        json.loads(s.body)["customer"]["phone"]
        for s in run.originals.values()
        if s.new_customer and s.key in ok_keys
    }
    per_phone = dict(
        Customer.objects.filter(phone__in=new_phones)
        .values("phone")
        .annotate(c=Count("id"))
        .values_list("phone", "c")
    )
    twice = sum(1 for c in per_phone.values() if c > 1)
    missing = len(new_phones - set(per_phone))
    retries_ok = [s for s in run.retries if s.number]
    same = sum(
        1 for s in retries_ok if s.number == (run.originals[s.key].number or idem_map.get(s.key))
    )
    return [
        (
            "tickets created == distinct keys that succeeded",
            len(ours) == len(ok_keys) and not orphans,
            f"{len(ours):,} tickets for {len(ok_keys):,} keys; {len(orphans)} without a key",
        ),
        (
            "one IdempotencyKey row per key, each with its own ticket",
            len(idem_rows) == len(ok_keys) and len(ours) == len(idem_rows),
            f"{len(idem_rows):,} rows, {len(ours):,} distinct tickets",
        ),
        (
            "one customer per new phone (racing attempts registered none twice)",
            twice == 0 and missing == 0,
            f"{len(new_phones):,} new phones: {twice} registered twice, {missing} missing",
        ),
        (
            "no duplicate ticket numbers (whole table)",
            not dup_all,
            f"{dup_all or 'none'}",
        ),
        (
            "every retry that got a 2xx returned its original's number",
            same == len(retries_ok) and not split,
            f"{same:,}/{len(retries_ok):,} retries; keys answered with >1 number: {len(split)}",
        ),
        (
            "numbers in responses == numbers stored for the key",
            not mismatched_db,
            f"{len(mismatched_db)} mismatches",
        ),
    ]


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.create_load", description=__doc__.split("\n")[0]
    )
    p.add_argument("--db", choices=("sqlite", "postgres"), required=True)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument(
        "--retries", type=float, default=0.10, help="share of requests that are retries (0.10)"
    )
    p.add_argument(
        "--tickets", type=int, help="first make sure the bench database holds N loaded tickets"
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--seed", type=int, default=20261001)
    p.add_argument("--settings", default="bench.settings")
    p.add_argument("--json", help="also write the results to this JSON file")
    args = p.parse_args(argv)

    env = data.setup_django(args.db)
    if args.tickets is not None:
        data.ensure(args.tickets)
    else:
        data.migrate()
        data.ensure_people()
    key = data.new_token(data.CREATE_USER)
    vers = versions(args.db)

    from django.db import connections
    from django.db.models import Max

    from kefu.customers.models import Customer
    from kefu.tickets.models import Ticket

    n_tickets = Ticket.objects.count()
    max_id_before = Ticket.objects.aggregate(m=Max("id"))["m"] or 0
    existing = list(
        Customer.objects.exclude(phone="").order_by("?").values_list("name", "phone")[:2000]
    )
    connections.close_all()

    started = datetime.now().astimezone()
    print(f"# create_load {args.db} — {started:%Y-%m-%d %H:%M %z}")
    print(f"machine: {machine()}; {vers}")
    print(
        f"data: {n_tickets:,} tickets before the run; server: gunicorn gthread {args.workers} workers x "
        f"{args.threads} threads, worker-connections "
        f"{balanced_worker_connections(args.clients, args.workers, None)} ({args.settings}); "
        f"client: {args.clients} threads (http.client keep-alive), "
        f"{args.requests:,} requests per phase, {args.retries:.0%} retries\n"
    )
    wc = balanced_worker_connections(args.clients, args.workers, None)
    with Server(
        env,
        workers=args.workers,
        threads=args.threads,
        settings=args.settings,
        worker_connections=wc,
    ) as server:
        host, port = "127.0.0.1", server.port
        run_gets(
            host, port, "/bench/bare", clients=args.clients, total=min(300, args.requests)
        )  # warm-up
        bare1 = run_gets(host, port, "/bench/bare", clients=args.clients, total=args.requests)
        print(
            f"  bare     {bare1['rps']:8,.0f} req/s  p50 {fmt_ms(bare1['p50'])}  p99 {fmt_ms(bare1['p99'])}",
            file=sys.stderr,
        )
        run = run_creates(
            host,
            port,
            key,
            clients=args.clients,
            total=args.requests,
            retry_share=args.retries,
            existing=existing,
            seed=args.seed,
        )
        sent = [*run.originals.values(), *run.retries]
        lat = [s.secs for s in sent if s.status > 0]
        statuses = Counter(s.status for s in sent)
        print(
            f"  creates  {len(sent) / run.wall:8,.0f} req/s  p50 {fmt_ms(percentile(lat, 50) * 1e3)}  "
            f"p99 {fmt_ms(percentile(lat, 99) * 1e3)}  statuses {dict(statuses)}",
            file=sys.stderr,
        )
        bare2 = run_gets(host, port, "/bench/bare", clients=args.clients, total=args.requests)
        print(
            f"  bare     {bare2['rps']:8,.0f} req/s  p50 {fmt_ms(bare2['p50'])}  p99 {fmt_ms(bare2['p99'])}",
            file=sys.stderr,
        )
        alive = server.alive()
        log_tail = server.log_text()
    if not alive:
        print(f"gunicorn died:\n{log_tail}", file=sys.stderr)

    ceiling = statistics.fmean([bare1["rps"], bare2["rps"]])
    req_rps = len(sent) / run.wall
    created = sum(1 for s in run.originals.values() if s.status == 201) + sum(
        1 for s in run.retries if s.status == 201
    )
    errors = sum(1 for s in sent if not 200 <= s.status < 300)
    orig_lat = [s.secs for s in run.originals.values() if s.status > 0]
    retry_lat = [s.secs for s in run.retries if s.status > 0]
    races = [s for s in run.retries if s.race]
    print("| measure | value |")
    print("|---|---:|")
    print(
        f"| ceiling `GET /bench/bare` (same client, mean of before/after) | {ceiling:,.0f} req/s "
        f"({bare1['rps']:,.0f} / {bare2['rps']:,.0f}); p50 {fmt_ms(statistics.fmean([bare1['p50'], bare2['p50']]))}, "
        f"p99 {fmt_ms(max(bare1['p99'], bare2['p99']))} |"
    )
    print(f"| `POST /api/tickets` requests/s (all {len(sent):,}) | {req_rps:,.0f} req/s |")
    print(f"| ratio to ceiling | {req_rps / ceiling:.1%} |")
    print(
        f"| tickets created/s (201s) | {created / run.wall:,.1f} /s ({created:,} in {run.wall:.1f} s) |"
    )
    print(
        f"| latency p50 / p99 (all POSTs) | {fmt_ms(percentile(lat, 50) * 1e3)} / {fmt_ms(percentile(lat, 99) * 1e3)} |"
    )
    print(
        f"| latency p50 / p99 (originals / retries) | {fmt_ms(percentile(orig_lat, 50) * 1e3)} / "
        f"{fmt_ms(percentile(orig_lat, 99) * 1e3)}; {fmt_ms(percentile(retry_lat, 50) * 1e3)} / "
        f"{fmt_ms(percentile(retry_lat, 99) * 1e3)} |"
    )
    print(f"| errors (non-2xx or transport) | {errors} of {len(sent):,} |")
    print(f"| statuses | {', '.join(f'{k}: {v:,}' for k, v in sorted(statuses.items()))} |")
    print(
        f"| retries: sent / while original in flight / after it completed | {len(run.retries)} / {len(races)} / "
        f"{len(run.retries) - len(races)} (+{run.retry_fallbacks} planned retries had nothing to retry yet) |"
    )
    print(
        f"| retry statuses (in flight; completed) | "
        f"{dict(Counter(s.status for s in races))}; {dict(Counter(s.status for s in run.retries if not s.race))} |"
    )
    print(
        f"| in-flight retries naming a new customer / an existing one | "
        f"{dict(Counter(s.status for s in races if s.new_customer))}; "
        f"{dict(Counter(s.status for s in races if not s.new_customer))} |"
    )
    if run.reconnects:
        print(f"| keep-alive reconnects | {run.reconnects} |")
    failures = [s for s in sent if not 200 <= s.status < 300]
    if failures:
        by_kind = Counter(
            (s.retry, s.race, s.new_customer, s.status, s.error[:160]) for s in failures
        )
        print("\nfailed requests:\n")
        for (retry, race, new_c, status, err), n in by_kind.most_common(8):
            print(
                f"- {n} × retry={retry}, original in flight={race}, new customer={new_c}: HTTP {status} {err}"
            )

    checks = check_database(run, max_id_before=max_id_before, creator=data.CREATE_USER)
    print("\n| database check | result | detail |")
    print("|---|---|---|")
    for name, ok, detail in checks:
        print(f"| {name} | {'ok' if ok else '**FAILED**'} | {detail} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {
                    "db": args.db,
                    "started": started.isoformat(),
                    "machine": machine(),
                    "versions": vers,
                    "tickets_before": n_tickets,
                    "clients": args.clients,
                    "requests": args.requests,
                    "bare": [bare1, bare2],
                    "ceiling": ceiling,
                    "post_rps": req_rps,
                    "created": created,
                    "wall": run.wall,
                    "p50_ms": percentile(lat, 50) * 1e3,
                    "p99_ms": percentile(lat, 99) * 1e3,
                    "errors": errors,
                    "statuses": {str(k): v for k, v in statuses.items()},
                    "retries": len(run.retries),
                    "races": len(races),
                    "checks": [{"check": c, "ok": ok, "detail": d} for c, ok, d in checks],
                },
                fh,
                indent=2,
            )
    return 0 if all(ok for _, ok, _ in checks) and alive else 1


if __name__ == "__main__":
    sys.exit(main())
