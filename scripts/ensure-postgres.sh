#!/usr/bin/env bash
# Make sure a throw-away PostgreSQL server for kefu's tests/dev is running.
#
#   scripts/ensure-postgres.sh          # start if needed; last stdout line = DATABASE_URL
#   scripts/ensure-postgres.sh stop     # stop it (fast shutdown)
#   scripts/ensure-postgres.sh status   # exit 0 when running
#   scripts/ensure-postgres.sh url      # just print DATABASE_URL
#
# The server listens on 127.0.0.1:$PGPORT (default 55432, so it never clashes
# with a system cluster on 5432), owns its data under $KEFU_PG_DIR (default
# <repo>/var/pg), runs as the `postgres` OS user when we are root, and is tuned
# for tests (fsync/synchronous_commit/full_page_writes off). It has a login role
# kefu/kefu with CREATEDB (Django creates test_* databases) and a database kefu.
# Debian's postgresql package is apt-installed when no server binaries exist.
# Everything but the URL goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CMD="${1:-start}"
PORT="${PGPORT:-55432}"
PGDIR="${KEFU_PG_DIR:-$ROOT/var/pg}"
DB_USER=kefu DB_PASS=kefu DB_NAME=kefu
URL="postgres://$DB_USER:$DB_PASS@127.0.0.1:$PORT/$DB_NAME"

# Libpq variables of the caller must not redirect our admin connections.
unset PGHOST PGHOSTADDR PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS PGSSLMODE PGPASSFILE || true

log() { echo "ensure-postgres: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case "$CMD" in
    start|stop|status|url) ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown command '$CMD' (use start, stop, status or url)" ;;
esac
if [[ "$CMD" == url ]]; then echo "$URL"; exit 0; fi

IS_ROOT=0; [[ $EUID -eq 0 ]] && IS_ROOT=1

# ---------------------------------------------------------------- apt helpers
wait_for_apt() {
    # Another apt/dpkg (e.g. a background install) holds the locks: wait for it.
    local waited=0
    while pgrep -x 'apt-get|apt|dpkg|aptitude|unattended-upgr' >/dev/null 2>&1; do
        (( waited == 0 )) && log "waiting for a running apt/dpkg to finish..."
        (( waited >= 1800 )) && { log "apt still busy after ${waited}s, trying anyway"; break; }
        sleep 5; waited=$((waited + 5))
    done
}
apt_install() {
    local sudo=()
    (( IS_ROOT )) || sudo=(sudo -n)
    export DEBIAN_FRONTEND=noninteractive
    local opts=(-y -q -o DPkg::Lock::Timeout=900 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    wait_for_apt
    log "apt-get install $*"
    if ! "${sudo[@]}" apt-get install "${opts[@]}" "$@" >&2; then
        log "install failed; running apt-get update and retrying"
        wait_for_apt
        "${sudo[@]}" apt-get update -q -o DPkg::Lock::Timeout=900 >&2
        "${sudo[@]}" apt-get install "${opts[@]}" "$@" >&2
    fi
}

# ------------------------------------------------------------ locate binaries
find_bindir() {
    local want="${1:-}" d
    if [[ -n "${PG_BINDIR:-}" ]]; then echo "$PG_BINDIR"; return 0; fi
    if [[ -n "$want" && -x "/usr/lib/postgresql/$want/bin/postgres" ]]; then
        echo "/usr/lib/postgresql/$want/bin"; return 0
    fi
    [[ -n "$want" ]] && return 1
    if [[ -x /usr/lib/postgresql/15/bin/postgres ]]; then echo /usr/lib/postgresql/15/bin; return 0; fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [[ -x "$d/postgres" && -x "$d/initdb" ]] && { echo "$d"; return 0; }
    done
    return 1
}

DATA="$PGDIR/data"
SOCK="$PGDIR/run"
LOGFILE="$PGDIR/log/postgresql.log"

if [[ "$CMD" == start ]]; then
    if ! BINDIR="$(find_bindir)"; then
        log "PostgreSQL server binaries not found; installing Debian's postgresql"
        apt_install postgresql
        BINDIR="$(find_bindir)" || die "postgresql installed but no /usr/lib/postgresql/*/bin/postgres found"
    fi
else
    BINDIR="$(find_bindir)" || { log "PostgreSQL is not installed"; [[ "$CMD" == stop ]] && exit 0 || exit 3; }
fi
# -------------------------------------------------- run as the postgres user
if (( IS_ROOT )); then
    if ! id -u postgres >/dev/null 2>&1; then
        log "creating system user postgres"
        useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    # fd 9 (our flock) is closed so the postmaster does not inherit it.
    as_pg() { (cd / && exec 9>&- && runuser -u postgres -- "$@"); }
else
    as_pg() { (cd / && exec 9>&- && "$@"); }
fi

prepare_dirs() {
    mkdir -p "$PGDIR" "$PGDIR/log" "$SOCK"
    if (( IS_ROOT )); then chown postgres: "$PGDIR" "$PGDIR/log" "$SOCK"; fi
    chmod 700 "$SOCK"
    # Runtime state only: keep it out of version control.
    [[ -f "$PGDIR/.gitignore" ]] || echo '*' >"$PGDIR/.gitignore"
}

# ------------------------------------------------------------ server status
# Prints the postmaster pid and returns 0 if a live postmaster owns $DATA.
# A pid file whose process is gone (or is not a postgres process, e.g. a
# recycled pid after a container restart) is stale and gets removed.
running_pid() {
    local pidfile="$DATA/postmaster.pid" pid comm
    [[ -f "$pidfile" ]] || return 1
    pid="$(head -1 "$pidfile" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
        if [[ "$comm" == postgres* || "$comm" == postmaster* ]]; then
            echo "$pid"; return 0
        fi
    fi
    log "removing stale pid file $pidfile (pid ${pid:-?} is not a live postmaster)"
    rm -f "$pidfile" "$SOCK"/.s.PGSQL.*.lock
    return 1
}

running_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true; }

stop_server() {
    if running_pid >/dev/null; then
        log "stopping PostgreSQL (data $DATA)"
        as_pg "$BINDIR/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >&2
    else
        log "not running"
    fi
}

prepare_dirs
# The postgres user needs to traverse every parent of $PGDIR; if it cannot
# (e.g. repo checked out under /root), fall back to a directory it owns.
if (( IS_ROOT )) && ! as_pg test -w "$PGDIR" 2>/dev/null; then
    fallback="/var/tmp/kefu-pg-$(echo "$PGDIR" | sha256sum | cut -c1-12)"
    log "user postgres cannot write $PGDIR; using $fallback instead"
    PGDIR="$fallback"; DATA="$PGDIR/data"; SOCK="$PGDIR/run"; LOGFILE="$PGDIR/log/postgresql.log"
    prepare_dirs
fi

# One invocation at a time per data dir (parallel make jobs, xdist, ...).
exec 9>"$PGDIR/.ensure.lock"
flock -w 300 9 || die "timed out waiting for $PGDIR/.ensure.lock"

# An existing cluster must be run by the major version that created it.
if [[ -f "$DATA/PG_VERSION" ]]; then
    v="$(cat "$DATA/PG_VERSION")"
    if [[ "$("$BINDIR/postgres" -V | grep -oE '[0-9]+' | head -1)" != "$v" ]]; then
        BINDIR="$(find_bindir "$v")" \
            || die "$DATA was created by PostgreSQL $v, which is not installed; remove $PGDIR to start afresh"
    fi
fi

case "$CMD" in
    stop) stop_server; exit 0 ;;
    status)
        if pid="$(running_pid)"; then log "running (pid $pid, port $(running_port), data $DATA)"; exit 0; fi
        log "not running"; exit 3 ;;
esac

# ------------------------------------------- port taken by another server?
# E.g. the server of another checkout (CI's fresh clone on a developer's
# machine). If it already serves kefu/kefu with CREATEDB, just use it.
if ! running_pid >/dev/null && "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then
    if [[ "$(PGCONNECT_TIMEOUT=5 "$BINDIR/psql" -X "$URL" -Atc \
            "SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user" 2>/dev/null)" == t ]]; then
        log "127.0.0.1:$PORT is another PostgreSQL server (not $DATA) that already serves $DB_NAME; using it"
        echo "$URL"
        exit 0
    fi
    die "port $PORT is used by another server that does not accept $DB_USER/$DB_PASS; set PGPORT to a free port"
fi

# ---------------------------------------------------------------- initdb
if [[ ! -f "$DATA/PG_VERSION" ]]; then
    log "initdb $DATA ($("$BINDIR/postgres" -V))"
    rm -rf "$DATA" "$DATA.tmp"
    locale_opts=(--no-locale)
    locale -a 2>/dev/null | grep -qix 'c.utf-\?8' && locale_opts=(--locale=C.UTF-8)
    as_pg "$BINDIR/initdb" -D "$DATA.tmp" -U postgres -E UTF8 "${locale_opts[@]}" \
        --auth-local=trust --auth-host=scram-sha-256 >"$PGDIR/log/initdb.log" 2>&1 \
        || { cat "$PGDIR/log/initdb.log" >&2; die "initdb failed"; }
    echo "include_if_exists = 'kefu.conf'" >>"$DATA.tmp/postgresql.conf"
    mv "$DATA.tmp" "$DATA"
fi

# Settings are rewritten every time; they take effect on the next start.
conf_tmp="$(mktemp)"
cat >"$conf_tmp" <<CONF
# Written by scripts/ensure-postgres.sh -- test-only settings, do not use in production.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 200
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = 1GB
checkpoint_timeout = 30min
max_parallel_workers_per_gather = 0
password_encryption = 'scram-sha-256'
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
timezone = 'UTC'
CONF
if ! cmp -s "$conf_tmp" "$DATA/kefu.conf" 2>/dev/null; then
    install -m 600 "$conf_tmp" "$DATA/kefu.conf"
    (( IS_ROOT )) && chown postgres: "$DATA/kefu.conf"
    CONF_CHANGED=1
else
    CONF_CHANGED=0
fi
rm -f "$conf_tmp"

# ------------------------------------------------------------------ start
if pid="$(running_pid)"; then
    if [[ "$(running_port)" != "$PORT" || $CONF_CHANGED == 1 ]]; then
        log "settings changed (port $(running_port) -> $PORT); restarting"
        stop_server
    else
        log "already running (pid $pid, port $PORT)"
    fi
fi
if ! running_pid >/dev/null; then
    if "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then
        die "port $PORT is used by another server; set PGPORT to a free port"
    fi
    log "starting PostgreSQL on 127.0.0.1:$PORT (data $DATA, log $LOGFILE)"
    : >>"$LOGFILE"; (( IS_ROOT )) && chown postgres: "$LOGFILE"
    if ! as_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 120 start >/dev/null; then
        tail -n 30 "$LOGFILE" >&2 || true
        die "PostgreSQL failed to start"
    fi
fi
for _ in $(seq 1 60); do
    "$BINDIR/pg_isready" -q -h "$SOCK" -p "$PORT" && break
    sleep 0.5
done

# ----------------------------------------------------------- role + database
psql_admin() { as_pg "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres "$@"; }
psql_admin <<SQL >&2
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASS';
  ELSIF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER' AND rolcanlogin AND rolcreatedb) THEN
    ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASS';
  END IF;
END
\$\$;
SQL
if [[ "$(psql_admin -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]]; then
    log "creating database $DB_NAME"
    psql_admin -c "CREATE DATABASE $DB_NAME OWNER $DB_USER ENCODING 'UTF8' TEMPLATE template0"
fi

log "ready: $URL"
echo "$URL"
