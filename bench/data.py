"""Benchmark data: `python -m bench.data --db sqlite|postgres --tickets N [--fresh]`.

Creates (or reuses) a database of its own, never the developer's:

- ``--db sqlite``: ``var/bench/kefu_bench.sqlite3`` (or ``$BENCH_SQLITE_PATH``);
- ``--db postgres``: database ``kefu_bench`` on the server ``scripts/ensure-postgres.sh`` starts
  (or ``$BENCH_DATABASE_URL``).

then migrates, runs ``seed_all()`` and loads a realistic data set:

- 10 teams of 10 agents (``bench1`` .. ``bench100``; ``bench1`` is in team 1), a manager, and an
  intake agent ``benchcreate`` that bench.create_load posts as;
- N/10 customers (Chinese names, 11-digit mobiles, 5% VIP);
- N tickets received over the last 365 days, ids in receiving order, numbers
  ``KF<yyyymmdd>-<nnnnnn>`` per local day (6 digits, so they never collide with the 4-digit numbers
  the application hands out); the kind/channel/priority/scope mix of a call centre; each ticket
  assigned to a random agent of a random team; 80% closed, 20% open (new, assigned, in progress,
  waiting, transferred, replied); an open ticket's ``next_due_at`` is spread over
  [now - 48 h, now + 120 h], so ~29% of open tickets are overdue (bench1 gets ~0.2% of all rows
  as overdue open work: ~570 of 1,000,000).

Rows are written without the services and without model instances: batched ``executemany`` on
SQLite and ``COPY ... FROM STDIN`` (psycopg ``cursor.copy``) on PostgreSQL. ``bulk_create`` would
overwrite ``created_at``/``updated_at`` (auto_now) and build a model instance per row.
PostgreSQL then gets ``VACUUM ANALYZE`` (what autovacuum would do soon after a load); SQLite is
left without statistics, as Django leaves a deployed database (``--analyze`` runs ``ANALYZE``).

With ``--fresh`` the database is dropped and recreated first. Without it, an existing load of
exactly N tickets is kept; any other count is an error (use --fresh). ``ensure()`` is what the
load tests call: it reloads whenever the count differs.

Prints the API key of a fresh token for ``bench1`` (only its sha256 is stored).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SQLITE_DEFAULT = ROOT / "var" / "bench" / "kefu_bench.sqlite3"
PG_DB_NAME = "kefu_bench"
SEED = 20261001
NUMBER_LEN = len("KF20261001-000001")  # bench-loaded ticket numbers have exactly this length

TEAMS = 10
AGENTS_PER_TEAM = 10
BENCH_USER = "bench1"
CREATE_USER = "benchcreate"
TOKEN_NAME = "bench"


# --- which database -------------------------------------------------------------------------------


def _pg_admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/kefu"))


def postgres_url() -> str:
    """DATABASE_URL of the bench database (ensure-postgres.sh's server, database kefu_bench)."""
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    out = (
        subprocess.run(
            [str(ROOT / "scripts" / "ensure-postgres.sh")],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        .stdout.strip()
        .splitlines()
    )
    if not out or not out[-1].startswith("postgres://"):
        raise SystemExit("scripts/ensure-postgres.sh printed no DATABASE_URL")
    parts = urlsplit(out[-1])
    return urlunsplit(parts._replace(path="/" + PG_DB_NAME))


def db_env(db: str) -> dict[str, str]:
    """Environment variables that point kefu's settings at the bench database."""
    env = {"DJANGO_SETTINGS_MODULE": "bench.settings"}
    if db == "sqlite":
        env["SQLITE_PATH"] = os.environ.get("BENCH_SQLITE_PATH", str(SQLITE_DEFAULT))
        env["DATABASE_URL"] = ""
    elif db == "postgres":
        env["DATABASE_URL"] = postgres_url()
    else:
        raise SystemExit(f"unknown --db {db!r} (sqlite or postgres)")
    return env


def _pg_create(url: str, *, drop: bool) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_pg_admin_url(url), autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")


def prepare_database(db: str, *, fresh: bool) -> dict[str, str]:
    """Creates (or with fresh: drops and recreates) the bench database; sets os.environ for Django.

    Must run before django.setup().
    """
    env = db_env(db)
    if db == "sqlite":
        path = Path(env["SQLITE_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        _pg_create(env["DATABASE_URL"], drop=fresh)
    os.environ.update(env)
    if db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    return env


def setup_django(db: str, *, fresh: bool = False) -> dict[str, str]:
    env = prepare_database(db, fresh=fresh)
    import django

    django.setup()
    return env


# --- progress ---------------------------------------------------------------------------------------


class Progress:
    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.start, self.done = label, total, time.perf_counter(), 0
        self.last = 0.0

    def add(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self.last >= 1.0 or self.done >= self.total:
            self.last = now
            rate = self.done / max(now - self.start, 1e-9)
            eta = (self.total - self.done) / rate if rate else 0
            end = "\n" if self.done >= self.total else ""
            print(
                f"\r  {self.label}: {self.done:>9,}/{self.total:,}  {rate:,.0f} rows/s  eta {eta:4.0f}s ",
                end=end,
                file=sys.stderr,
                flush=True,
            )


# --- schema, users, token -----------------------------------------------------------------------


def migrate() -> None:
    from django.core.management import call_command

    from kefu.core.seed import seed_all

    call_command("migrate", verbosity=0, interactive=False, skip_checks=True)
    seed_all()


def ensure_people() -> dict[str, object]:
    """Teams, agents (bench1..bench100), a manager, the intake agent. Idempotent."""
    from django.contrib.auth.hashers import make_password

    from kefu.accounts.models import Role, Team, User

    teams = []
    for t in range(1, TEAMS + 1):
        team, _ = Team.objects.get_or_create(
            code=f"bench-t{t:02d}", defaults={"name": f"坐席{t}组", "kind": Team.Kind.TEAM}
        )
        teams.append(team)
    existing = set(
        User.objects.filter(username__startswith="bench").values_list("username", flat=True)
    )
    unusable = make_password(None)
    new = []
    for i in range(1, TEAMS * AGENTS_PER_TEAM + 1):
        username = f"bench{i}"
        if username not in existing:
            new.append(
                User(
                    username=username,
                    password=unusable,
                    role=Role.AGENT,
                    employee_no=f"B{i:04d}",
                    display_name=f"坐席{i:03d}",
                    team=teams[(i - 1) // AGENTS_PER_TEAM],
                )
            )
    for username, role, no, name, team in (
        ("benchmgr", Role.MANAGER, "B9001", "值班经理", None),
        (CREATE_USER, Role.AGENT, "B9002", "接入坐席", teams[-1]),
    ):
        if username not in existing:
            new.append(
                User(
                    username=username,
                    password=unusable,
                    role=role,
                    employee_no=no,
                    display_name=name,
                    team=team,
                )
            )
    User.objects.bulk_create(new)
    agents = list(
        User.objects.filter(username__regex=r"^bench[0-9]+$")
        .order_by("id")
        .values_list("id", "team_id")
    )
    return {"teams": [t.pk for t in teams], "agents": agents}


def new_token(username: str = BENCH_USER) -> str:
    """A fresh API key for the user, valid for this run.

    Other bench tokens of the user are left alone (a run started meanwhile by someone else keeps
    working) unless they are more than a day old.
    """
    import secrets
    from datetime import timedelta

    from django.utils import timezone

    from kefu.accounts.models import ApiToken, User

    user = User.objects.get(username=username)
    ApiToken.objects.filter(
        user=user, name__startswith=TOKEN_NAME, created_at__lt=timezone.now() - timedelta(days=1)
    ).delete()
    while True:
        key = secrets.token_urlsafe(32)
        if not ApiToken.objects.filter(prefix=key[:8]).exists():
            break
    ApiToken.objects.create(
        name=TOKEN_NAME, user=user, key_hash=ApiToken.hash_key(key), prefix=key[:8]
    )
    return key


# --- row generators ---------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬辉鹏丹建国文斌宇浩凯俊峰琳雪梅晨欣怡子涵梓轩一诺雨泽思远"
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "182",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
)

KINDS = (
    ("consultation", 40),
    ("after_sales", 20),
    ("complaint", 15),
    ("transaction", 12),
    ("suggestion", 8),
    ("praise", 5),
)
CHANNELS = (
    ("phone", 50),
    ("chat", 20),
    ("email", 8),
    ("walk_in", 8),
    ("social", 7),
    ("letter", 4),
    ("comment_card", 3),
)
PRIORITIES = (("normal", 80), ("high", 12), ("low", 5), ("urgent", 3))
SCOPES = (("local", 85), ("cross_department", 10), ("cross_province", 5))
OPEN_STATUS = (
    ("assigned", 30),
    ("in_progress", 25),
    ("replied", 20),
    ("new", 10),
    ("waiting_on_customer", 10),
    ("transferred", 5),
)
CATEGORIES = (
    "service_attitude",
    "service_error",
    "product_quality",
    "billing",
    "delivery",
    "other",
)
PRODUCTS = ("空调", "冰箱", "洗衣机", "电视", "热水器", "手机", "宽带", "会员卡", "快递", "订单")
ISSUES = (
    "无法正常使用,已多次尝试重启",
    "安装预约一直没有人联系",
    "收到的商品与描述不符,要求退换",
    "扣费金额与套餐不一致,请核实账单",
    "配送延误超过承诺时间",
    "客服人员态度不好,未解决问题",
    "咨询保修政策和维修网点",
    "希望增加周末上门服务",
    "发票信息填写错误需要重开",
    "表扬上门师傅服务认真",
)
KIND_LABEL = {
    "consultation": "咨询",
    "after_sales": "售后",
    "complaint": "投诉",
    "suggestion": "建议",
    "praise": "表扬",
    "transaction": "业务办理",
}
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
REPLY_HOURS = {"local": 24, "cross_department": 48, "cross_province": 72}
RESOLUTION_HOURS = {"local": 72, "cross_department": 144, "cross_province": 216}
OPEN_DUE_FROM_H, OPEN_DUE_TO_H = -48, 120  # open tickets: next_due_at in [now-48h, now+120h]


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...], k: int) -> list[str]:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table], k=k)


def customer_rows(rng: random.Random, n: int, now: datetime):  # type: ignore[no-untyped-def]
    """(name, phone, phone2, email, customer_class, member_no, organisation, id_number, notes,
    created_at, updated_at, version)"""
    for i in range(n):
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        vip = rng.random() < 0.05
        created = now - timedelta(days=400) + timedelta(seconds=i)
        yield (
            name,
            phone,
            "",
            "",
            "vip" if vip else "normal",
            f"M{i:08d}" if vip else "",
            "",
            "",
            "",
            created,
            created,
            1,
        )


TICKET_COLUMNS = (
    "number",
    "kind",
    "channel",
    "priority",
    "priority_rank",
    "scope",
    "special_due_at",
    "complaint_category",
    "status",
    "is_open",
    "subject",
    "description",
    "customer_id",
    "contact_phone",
    "received_at",
    "created_at",
    "updated_at",
    "created_by_id",
    "assignee_id",
    "team_id",
    "department_id",
    "escalated_to_id",
    "order_no",
    "product_model",
    "policy_id",
    "sla_calendar",
    "first_response_due_at",
    "reply_due_at",
    "resolution_due_at",
    "reply_warn_at",
    "resolution_warn_at",
    "first_response_warn_at",
    "calendar_warning",
    "next_due_at",
    "first_responded_at",
    "replied_at",
    "resolved_at",
    "closed_at",
    "version",
)


def ticket_columns() -> tuple[str, ...]:
    """TICKET_COLUMNS plus next_alert_at (the SLA scanner's next check) where the schema has it."""
    from kefu.tickets.models import Ticket

    names = {f.column for f in Ticket._meta.concrete_fields}
    return TICKET_COLUMNS + (("next_alert_at",) if "next_alert_at" in names else ())


def ticket_rows(
    rng: random.Random,
    n: int,
    *,
    now: datetime,
    customers: list[tuple[int, str]],
    agents: list[tuple[int, int]],
    policies: dict[str, int],
):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    h = timedelta(hours=1)
    start = now - timedelta(days=365)
    step = (now - timedelta(hours=1) - start) / max(n, 1)
    day_seq: dict[str, int] = {}
    with_alert = "next_alert_at" in ticket_columns()
    batch = 4096
    for base in range(0, n, batch):
        k = min(batch, n - base)
        kinds = _weighted(rng, KINDS, k)
        channels = _weighted(rng, CHANNELS, k)
        prios = _weighted(rng, PRIORITIES, k)
        scopes = _weighted(rng, SCOPES, k)
        open_statuses = _weighted(rng, OPEN_STATUS, k)
        for j in range(k):
            i = base + j
            received = start + step * i + step * rng.random() * 0.9
            local_day = timezone.localtime(received).strftime("%Y%m%d")
            seq = day_seq.get(local_day, 0) + 1
            day_seq[local_day] = seq
            number = f"KF{local_day}-{seq:06d}"
            kind, channel, priority, scope = kinds[j], channels[j], prios[j], scopes[j]
            cust_id, phone = customers[rng.randrange(len(customers))]
            assignee, team = agents[rng.randrange(len(agents))]
            category = rng.choice(CATEGORIES) if kind == "complaint" else ""
            reply_h = REPLY_HOURS[scope]
            res_h = RESOLUTION_HOURS[scope]
            if kind == "complaint":
                policy = policies.get(f"complaint.{category}.normal") or policies.get("general")
                reply_h, res_h = 24, 72
            else:
                policy = policies.get(scope if scope != "local" else "general")
            product = rng.choice(PRODUCTS)
            issue = rng.choice(ISSUES)
            subject = f"{KIND_LABEL[kind]}:{product}{issue[:12]}"
            description = (
                f"客户来电反映{product}{issue}。客户希望尽快处理并回电告知结果,联系时间工作日白天。"
            )
            first_due = received + 2 * h
            reply_due = received + reply_h * h
            res_due = received + res_h * h
            first_resp = received + timedelta(minutes=rng.randrange(3, 110))
            is_open = rng.random() < 0.20
            created_by = assignee
            replied = resolved = closed = next_due = None
            if is_open:
                status = open_statuses[j]
                due = now + timedelta(hours=rng.uniform(OPEN_DUE_FROM_H, OPEN_DUE_TO_H))
                if status in ("replied", "waiting_on_customer"):
                    replied = received + timedelta(hours=rng.uniform(0.5, reply_h * 0.8))
                    res_due = max(due, replied + h)
                    next_due = res_due
                else:
                    reply_due = max(due, received + h)
                    next_due = reply_due
                if status == "new":
                    assignee = None
                    first_resp = None
                updated = now - timedelta(minutes=rng.randrange(1, 600))
            else:
                status = "closed"
                replied = received + timedelta(hours=rng.uniform(0.3, reply_h * 0.9))
                resolved = replied + timedelta(hours=rng.uniform(0.1, 24))
                closed = resolved + timedelta(hours=rng.uniform(0.1, 48))
                updated = closed
            yield (
                number,
                kind,
                channel,
                priority,
                PRIORITY_RANK[priority],
                scope,
                None,
                category,
                status,
                is_open,
                subject,
                description,
                cust_id,
                phone,
                received,
                received,
                updated,
                created_by,
                assignee,
                team,
                None,
                None,
                f"JD{rng.randrange(10**10):010d}" if kind == "after_sales" else "",
                f"MX-{rng.randrange(100, 999)}" if kind == "after_sales" else "",
                policy,
                "working_days" if scope == "cross_province" else "clock",
                first_due,
                reply_due,
                res_due,
                received + reply_h * 0.75 * h,
                received + res_h * 0.75 * h,
                received + 1.5 * h,
                "",
                next_due,
                first_resp,
                replied,
                resolved,
                closed,
                rng.randrange(3, 9),
            ) + (
                (next_due if next_due is not None and next_due > now else None,)
                if with_alert
                else ()
            )


# --- writers ------------------------------------------------------------------------------------------


def _insert(table: str, columns: tuple[str, ...], rows, total: int, label: str) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    progress = Progress(label, total)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        raw = connection.connection
        cols = ", ".join(columns)
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for n, row in enumerate(rows, 1):
                copy.write_row(row)
                if n % 10000 == 0:
                    progress.add(10000)
        if not raw.autocommit:
            raw.commit()
        if total > progress.done:
            progress.add(total - progress.done)
        return
    adapt = connection.ops.adapt_datetimefield_value
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    chunk: list[tuple] = []
    with connection.cursor() as cur:
        for row in rows:
            chunk.append(tuple(adapt(v) if isinstance(v, datetime) else v for v in row))
            if len(chunk) >= 10000:
                with _atomic():
                    cur.executemany(sql, chunk)
                progress.add(len(chunk))
                chunk = []
        if chunk:
            with _atomic():
                cur.executemany(sql, chunk)
            progress.add(len(chunk))


def _atomic():  # type: ignore[no-untyped-def]
    from django.db import transaction

    return transaction.atomic()


def loaded_tickets() -> int:
    """Tickets bench.data loaded (6-digit numbers); those the API creates are not counted."""
    from django.db.models.functions import Length

    from kefu.tickets.models import Ticket

    return Ticket.objects.annotate(n=Length("number")).filter(n=NUMBER_LEN).count()


def load(n: int, *, analyze: bool = False) -> None:
    from django.db import connection
    from django.utils import timezone

    from kefu.customers.models import Customer
    from kefu.tickets.models import SlaPolicy, Ticket

    rng = random.Random(SEED)
    now = timezone.now()
    people = ensure_people()
    agents = [(uid, team) for uid, team in people["agents"]]  # type: ignore[attr-defined]
    n_customers = max(n // 10, 1)
    t0 = time.perf_counter()
    start_id = Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0
    _insert(
        Customer._meta.db_table,
        (
            "name",
            "phone",
            "phone2",
            "email",
            "customer_class",
            "member_no",
            "organisation",
            "id_number",
            "notes",
            "created_at",
            "updated_at",
            "version",
        ),
        customer_rows(rng, n_customers, now),
        n_customers,
        "customers",
    )
    customers = list(
        Customer.objects.filter(id__gt=start_id).order_by("id").values_list("id", "phone")
    )
    policies = dict(SlaPolicy.objects.values_list("code", "id"))
    _insert(
        Ticket._meta.db_table,
        ticket_columns(),
        ticket_rows(rng, n, now=now, customers=customers, agents=agents, policies=policies),
        n,
        "tickets",
    )
    t1 = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            print("  VACUUM ANALYZE ...", file=sys.stderr, flush=True)
            cur.execute(f"VACUUM ANALYZE {Customer._meta.db_table}, {Ticket._meta.db_table}")
        elif analyze:
            print("  ANALYZE ...", file=sys.stderr, flush=True)
            cur.execute(f"ANALYZE {Customer._meta.db_table}")
            cur.execute(f"ANALYZE {Ticket._meta.db_table}")
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(
        f"  loaded {n_customers:,} customers and {n:,} tickets in {t1 - t0:.0f}s "
        f"(+{time.perf_counter() - t1:.0f}s analyze)",
        file=sys.stderr,
    )


def summary(username: str = BENCH_USER) -> dict[str, int]:
    from django.utils import timezone

    from kefu.tickets.models import Ticket

    now = timezone.now()
    mine = Ticket.objects.filter(assignee__username=username)
    return {
        "tickets": Ticket.objects.count(),
        "open": Ticket.objects.filter(is_open=True).count(),
        "mine": mine.count(),
        "mine_open": mine.filter(is_open=True).count(),
        "mine_overdue": mine.filter(is_open=True, next_due_at__lt=now).count(),
    }


def ensure(n: int, *, analyze: bool = False) -> dict[str, int]:
    """Schema, seeds, people and exactly n loaded tickets (reloads from scratch when the count differs).

    Django must be set up (setup_django) on the bench database.
    """
    from django.db import connections

    migrate()
    ensure_people()
    have = loaded_tickets()
    if have != n:
        print(f"bench database has {have:,} loaded tickets, want {n:,}: reloading", file=sys.stderr)
        if have:
            db = "postgres" if connections["default"].vendor == "postgresql" else "sqlite"
            connections.close_all()
            prepare_database(db, fresh=True)
            migrate()
        if n:
            load(n, analyze=analyze)
        else:
            ensure_people()
    info = summary()
    if n and info["mine_overdue"] == 0:
        raise SystemExit(f"{BENCH_USER} has no overdue open tickets: {info}")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.data", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument(
        "--fresh", action="store_true", help="drop and recreate the bench database first"
    )
    parser.add_argument("--analyze", action="store_true", help="SQLite: run ANALYZE after loading")
    args = parser.parse_args(argv)
    env = setup_django(args.db, fresh=args.fresh)
    target = env.get("DATABASE_URL") or env.get("SQLITE_PATH")
    print(f"bench database: {target}", file=sys.stderr)
    migrate()
    ensure_people()
    have = loaded_tickets()
    if have == args.tickets:
        print(f"already loaded: {have:,} tickets", file=sys.stderr)
    elif have:
        raise SystemExit(
            f"the bench database has {have:,} loaded tickets, not {args.tickets:,}: use --fresh"
        )
    else:
        load(args.tickets, analyze=args.analyze)
    info = summary()
    print(
        f"tickets {info['tickets']:,}, open {info['open']:,}; {BENCH_USER}: {info['mine']:,} assigned, "
        f"{info['mine_open']:,} open, {info['mine_overdue']:,} overdue",
        file=sys.stderr,
    )
    key = new_token(BENCH_USER)
    print(f"API key of {BENCH_USER} (Authorization: Bearer <key>):", file=sys.stderr)
    print(key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
