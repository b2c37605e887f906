"""List-API throughput: `python -m bench.api_load --db sqlite|postgres --tickets N [--duration 20]
[--connections 16] [--workers 2] [--threads 4] [--rounds 2]`.

1. Makes sure the bench database (see bench.data) holds exactly N loaded tickets, and gives the
   agent ``bench1`` a fresh API token; bench1 has open overdue tickets by construction.
2. Starts gunicorn on 127.0.0.1:<free port>: ``python -m gunicorn kefu.wsgi`` with
   DJANGO_SETTINGS_MODULE=bench.settings, gthread workers.
3. Checks each URL once (200, JSON page; the overdue page is non-empty and every item overdue),
   warms every URL up, then measures with ``wrk -t2 -c16 --latency`` in interleaved rounds::

       bare, auth, list, overdue,  bare, auth, list, overdue,  ...,  bare

   so that the machine's noise hits the ceiling and the endpoints alike.

``/bench/bare`` (bench.urls) is the ceiling: the same Django middleware stack, no auth, no
database. ``/bench/auth`` is a diagnostic: the ceiling plus the API's token lookup.
The endpoints are ``/api/tickets?limit=20`` (first page, newest first) and
``/api/tickets?assignee=me&overdue=true&limit=20`` (my overdue work, nearest deadline first).

Goals: an endpoint serves >= 30% of the ceiling's requests/s, with p99 < 100 ms. The ratio is the
median over the rounds of (endpoint req/s / mean of the two ceiling runs around it), so that the
machine drifting between rounds cancels out (mean/mean is shown beside it). p50 and p99 are the
median over an endpoint's runs; the worst run's p99 is shown too (on a shared machine one run's
tail is often the neighbours', the ceiling's included).

Why 2 workers x 4 threads: the machine has 2 cores, shared with wrk (and PostgreSQL). Django's
request handling is CPU-bound Python under a GIL, so one process per core is what can run in
parallel; more processes only time-slice the same 2 cores (and add memory and DB connections).
Threads let a worker overlap the time one request waits on the database (a PostgreSQL round trip,
SQLite I/O), which releases the GIL; 4 per worker keeps 8 requests in flight for 16 connections
(gthread parks idle keep-alive connections without holding a thread). `--workers/--threads`
change it; docs/benchmarks.md has the sweep that backs the choice. Each worker accepts at most
its share of the connections (`--worker-connections`, see balanced_worker_connections): without
that cap one worker regularly takes all 16 keep-alive connections and a run measures one core.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench import data

ROOT = data.ROOT
PYTHON = (
    str(ROOT / ".venv" / "bin" / "python")
    if (ROOT / ".venv" / "bin" / "python").exists()
    else sys.executable
)

GOAL_RATIO = 0.30
GOAL_P99_MS = 100.0

ENDPOINTS = {
    "bare": "/bench/bare",
    "auth": "/bench/auth",
    "list": "/api/tickets?limit=20",
    "overdue": "/api/tickets?assignee=me&overdue=true&limit=20",
}
LABELS = {
    "bare": "ceiling: `GET /bench/bare`",
    "auth": "diagnostic: `GET /bench/auth` (ceiling + token lookup)",
    "list": "first page: `GET /api/tickets?limit=20`",
    "overdue": "my overdue work: `GET /api/tickets?assignee=me&overdue=true&limit=20`",
}


# --- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn serving kefu with bench.settings; a context manager that stops what it started."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 2,
        threads: int = 4,
        settings: str = "bench.settings",
        worker_connections: int | None = None,
    ) -> None:
        self.env = {
            **os.environ,
            **env,
            "DJANGO_SETTINGS_MODULE": settings,
            "PYTHONUNBUFFERED": "1",
        }
        if not env.get("DATABASE_URL"):
            self.env.pop("DATABASE_URL", None)
        self.workers, self.threads = workers, threads
        self.worker_connections = worker_connections
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the server
            prefix="bench-gunicorn-", suffix=".log", delete=False
        )

    def command(self) -> list[str]:
        return [
            PYTHON, "-m", "gunicorn", "kefu.wsgi",
            "--bind", f"127.0.0.1:{self.port}",
            "--worker-class", "gthread", "--workers", str(self.workers), "--threads", str(self.threads),
            "--keep-alive", "5", "--timeout", "120", "--log-level", "warning",
            "--worker-tmp-dir", "/dev/shm" if Path("/dev/shm").is_dir() else tempfile.gettempdir(),
        ] + (["--worker-connections", str(self.worker_connections)]
             if self.worker_connections else [])  # fmt: skip

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}):\n{self.log_text()}")
            try:
                with urllib.request.urlopen(self.base + "/bench/bare", timeout=2) as r:
                    if r.status == 200:
                        # every worker must have imported Django before we measure
                        time.sleep(1.0)
                        return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise SystemExit(f"gunicorn did not answer within 60 s:\n{self.log_text()}")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the master stops its own workers
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def log_text(self) -> str:
        try:
            return Path(self.log.name).read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def balanced_worker_connections(connections: int, workers: int, explicit: int | None) -> int | None:
    """Cap each worker at its share of the client's keep-alive connections.

    A gthread worker accepts connections as fast as it can; when a client opens its 16 keep-alive
    connections at once, one worker often takes all 16 and the other none, and that worker (one
    process, one GIL) serves the whole run on one core: half the throughput, at random. The cap
    makes the split even (8 + 8), for the ceiling and the endpoints alike.
    """
    if explicit is not None:
        return explicit or None
    return -(-connections // workers)


def get_json(url: str, key: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, {"error": e.read().decode(errors="replace")[:500]}


# --- wrk ------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    print("wrk not found: apt-get install -y wrk", file=sys.stderr)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "wrk"], check=False, stdout=subprocess.DEVNULL
    )
    path = shutil.which("wrk")
    if not path:
        raise SystemExit("wrk is not installed (Debian: apt-get install -y wrk)")
    return path


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


@dataclass
class WrkResult:
    name: str
    rps: float
    p50: float
    p75: float
    p90: float
    p99: float
    requests: int
    non2xx: int
    socket_errors: int
    raw: str = field(repr=False, default="")

    @property
    def ok(self) -> bool:
        return self.non2xx == 0 and self.socket_errors == 0 and self.requests > 0


def parse_wrk(name: str, out: str) -> WrkResult:
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.M))
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    reqs = re.search(r"^\s+(\d+) requests in", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if not (rps and reqs and len(pct) == 4):
        raise ValueError(f"cannot parse wrk output:\n{out}")
    return WrkResult(
        name=name, rps=float(rps.group(1)), p50=_ms(pct["50"]), p75=_ms(pct["75"]), p90=_ms(pct["90"]),
        p99=_ms(pct["99"]), requests=int(reqs.group(1)), non2xx=int(non2xx.group(1)) if non2xx else 0,
        socket_errors=sum(int(x) for x in sock.groups()) if sock else 0, raw=out,
    )  # fmt: skip


def run_wrk(
    wrk: str, url: str, key: str, *, name: str, duration: float, connections: int, threads: int = 2
) -> WrkResult:
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{int(round(duration))}s", "--latency",
           "--timeout", "10s", "-H", f"Authorization: Bearer {key}", url]  # fmt: skip
    out = subprocess.run(
        cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ).stdout
    return parse_wrk(name, out)


# --- reporting ------------------------------------------------------------------------------------


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def versions(db: str) -> str:
    import django
    import gunicorn
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SHOW server_version")
            dbv = "PostgreSQL " + cur.fetchone()[0].split()[0]
        else:
            cur.execute("select sqlite_version()")
            dbv = "SQLite " + cur.fetchone()[0]
    try:
        import ninja

        nv = f", django-ninja {ninja.__version__}"
    except ImportError:
        nv = ""
    return f"Django {django.get_version()}{nv}, gunicorn {gunicorn.__version__}, {dbv}"


def fmt_ms(v: float) -> str:
    return f"{v:.1f} ms" if v >= 1 else f"{v * 1000:.0f} µs"


def local_ratios(results: list[WrkResult]) -> list[float | None]:
    """Each run's req/s over the mean of the ceiling runs just before and after it (the bare runs
    bracket every round), so that a slow drift of the machine cancels out; None for bare runs."""
    out: list[float | None] = []
    for i, r in enumerate(results):
        if r.name == "bare":
            out.append(None)
            continue
        before = next((x.rps for x in reversed(results[:i]) if x.name == "bare"), None)
        after = next((x.rps for x in results[i + 1 :] if x.name == "bare"), None)
        near = [v for v in (before, after) if v]
        out.append(r.rps / statistics.fmean(near) if near else None)
    return out


def summarise(results: list[WrkResult]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    ratios = local_ratios(results)
    bare = statistics.fmean(r.rps for r in results if r.name == "bare")
    for name in dict.fromkeys(r.name for r in results):
        rs = [r for r in results if r.name == name]
        mine = [q for r, q in zip(results, ratios, strict=True) if r.name == name and q is not None]
        out[name] = {
            "ratio": statistics.median(mine) if mine else 1.0,
            "ratio_of_means": statistics.fmean(r.rps for r in rs) / bare,
            "rps": statistics.fmean(r.rps for r in rs),
            "rps_min": min(r.rps for r in rs),
            "rps_max": max(r.rps for r in rs),
            "p50": statistics.median(r.p50 for r in rs),
            "p99": statistics.median(r.p99 for r in rs),
            "p99_worst": max(r.p99 for r in rs),
            "runs": len(rs),
            "ok": all(r.ok for r in rs),
        }
    return out


def table(
    summary: dict[str, dict[str, float]], *, goals: tuple[str, ...] = ("list", "overdue")
) -> str:
    lines = [
        "| endpoint | req/s: mean (min–max) of runs | ratio to ceiling: median of rounds "
        "(mean/mean) | p50 | p99 | p99, worst run | goals (≥ 30 %, p99 < 100 ms) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, s in summary.items():
        ratio = s["ratio"]
        if name in goals:
            met_ratio, met_p99 = ratio >= GOAL_RATIO, s["p99"] < GOAL_P99_MS
            verdict = (
                "**met**"
                if met_ratio and met_p99 and s["ok"]
                else "**missed**"
                + ("" if met_ratio else " (throughput)")
                + ("" if met_p99 else " (p99)")
                + ("" if s["ok"] else " (errors)")
            )
        else:
            verdict = "—" if s["ok"] else "errors"
        spread = f" ({s['rps_min']:,.0f}–{s['rps_max']:,.0f})" if s["runs"] > 1 else ""
        lines.append(
            f"| {LABELS.get(name, name)} | {s['rps']:,.0f}{spread} | {ratio:.0%} "
            f"({s['ratio_of_means']:.0%}) | {fmt_ms(s['p50'])} | "
            f"{fmt_ms(s['p99'])} | {fmt_ms(s['p99_worst'])} | {verdict} |"
        )
    return "\n".join(lines)


def runs_table(results: list[WrkResult]) -> str:
    lines = [
        "| # | endpoint | req/s | ratio to the ceiling runs around it | p50 | p99 | requests | non-2xx |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for i, (r, q) in enumerate(zip(results, local_ratios(results), strict=True), 1):
        ratio = "" if q is None else f"{q:.0%}"
        lines.append(
            f"| {i} | {r.name} | {r.rps:,.0f} | {ratio} | {fmt_ms(r.p50)} | {fmt_ms(r.p99)} | "
            f"{r.requests:,} | {r.non2xx} |"
        )
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------------


def check_endpoints(base: str, key: str) -> dict[str, str]:
    """One request per URL before measuring: right status, right shape, overdue page really overdue."""
    notes = {}
    for name, path in ENDPOINTS.items():
        status, body = get_json(base + path, key)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status} {body}")
        items = body.get("items")
        if not isinstance(items, list) or "next_cursor" not in body:
            raise SystemExit(f"{path}: not a page: {str(body)[:300]}")
        if name == "list" and len(items) != 20:
            raise SystemExit(f"{path}: expected a full page of 20 items, got {len(items)}")
        if name == "overdue" and not items:
            raise SystemExit(f"{path}: {data.BENCH_USER} has no overdue work")
        if name == "overdue" and not all(i.get("overdue") is True for i in items):
            raise SystemExit(f"{path}: items that are not overdue: {items[:2]}")
        notes[name] = (
            f"{len(items)} items, {len(json.dumps(body, ensure_ascii=False).encode()):,} bytes"
        )
    return notes


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.api_load", description=__doc__.split("\n")[0])
    p.add_argument("--db", choices=("sqlite", "postgres"), required=True)
    p.add_argument("--tickets", type=int, required=True)
    p.add_argument("--duration", type=float, default=20, help="seconds per wrk run (default 20)")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers (default 2: one per core)"
    )
    p.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    p.add_argument(
        "--worker-connections",
        type=int,
        help="gunicorn --worker-connections (default: connections / workers, rounded up, so that "
        "the keep-alive connections are spread evenly; 0 = gunicorn's default of 1000)",
    )
    p.add_argument("--rounds", type=int, default=2, help="interleaved rounds (default 2)")
    p.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per URL (default 3)")
    p.add_argument(
        "--only", default="bare,auth,list,overdue", help="URLs to measure (names, comma-separated)"
    )
    p.add_argument("--json", type=Path, help="also write the results to this JSON file")
    p.add_argument(
        "--settings",
        default="bench.settings",
        help="DJANGO_SETTINGS_MODULE of the server (A/B experiments; default bench.settings)",
    )
    args = p.parse_args(argv)

    wrk = ensure_wrk()
    env = data.setup_django(args.db)
    info = data.ensure(args.tickets)
    key = data.new_token(data.BENCH_USER)
    vers = versions(args.db)
    from django.db import connections

    connections.close_all()
    names = [n for n in args.only.split(",") if n]
    if "bare" not in names:
        names.insert(0, "bare")
    started = datetime.now().astimezone()
    print(f"# api_load {args.db}, {args.tickets:,} tickets — {started:%Y-%m-%d %H:%M %z}")
    print(f"machine: {machine()}; {vers}")
    print(
        f"data: {info['tickets']:,} tickets ({info['open']:,} open); bench1: {info['mine']:,} assigned, "
        f"{info['mine_open']:,} open, {info['mine_overdue']:,} overdue"
    )
    print(
        f"server: gunicorn gthread {args.workers} workers x {args.threads} threads, worker-connections "
        f"{balanced_worker_connections(args.connections, args.workers, args.worker_connections) or 1000}"
        f" ({args.settings}); "
        f"client: wrk -t2 -c{args.connections} -d{args.duration:.0f}s, {args.rounds} interleaved rounds\n"
    )
    results: list[WrkResult] = []
    wc = balanced_worker_connections(args.connections, args.workers, args.worker_connections)
    with Server(
        env,
        workers=args.workers,
        threads=args.threads,
        settings=args.settings,
        worker_connections=wc,
    ) as server:
        notes = check_endpoints(server.base, key)
        for name in names:
            print(f"  check {name}: {notes[name]}", file=sys.stderr)
        for name in names:
            run_wrk(
                wrk,
                server.base + ENDPOINTS[name],
                key,
                name=name,
                duration=args.warmup,
                connections=args.connections,
            )
        order = names * args.rounds + ["bare"]
        for i, name in enumerate(order, 1):
            r = run_wrk(
                wrk,
                server.base + ENDPOINTS[name],
                key,
                name=name,
                duration=args.duration,
                connections=args.connections,
            )
            results.append(r)
            flag = "" if r.ok else f"  !! non-2xx {r.non2xx}, socket errors {r.socket_errors}"
            print(
                f"  [{i}/{len(order)}] {name:8s} {r.rps:8,.0f} req/s  p50 {fmt_ms(r.p50):>8s}  "
                f"p99 {fmt_ms(r.p99):>8s}{flag}",
                file=sys.stderr,
            )
        if not server.alive():
            raise SystemExit(f"gunicorn died during the run:\n{server.log_text()}")
    summary = summarise(results)
    print(table(summary))
    print("\nruns in order:\n")
    print(runs_table(results))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "db": args.db,
                    "tickets": args.tickets,
                    "started": started.isoformat(),
                    "machine": machine(),
                    "versions": vers,
                    "data": info,
                    "workers": args.workers,
                    "threads": args.threads,
                    "connections": args.connections,
                    "duration": args.duration,
                    "summary": summary,
                    "runs": [{k: v for k, v in r.__dict__.items() if k != "raw"} for r in results],
                },
                indent=2,
            )
        )
    goals = [summary[n] for n in ("list", "overdue") if n in summary]
    ok = all(s["ok"] and s["ratio"] >= GOAL_RATIO and s["p99"] < GOAL_P99_MS for s in goals)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
