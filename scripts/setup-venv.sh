#!/usr/bin/env bash
# Create/refresh the project virtualenv (.venv) and install kefu into it in
# editable mode, with versions pinned by requirements.lock (pip constraints).
#
#   scripts/setup-venv.sh          # runtime dependencies only
#   scripts/setup-venv.sh --dev    # plus the [dev] extra (pytest, ruff, playwright, ...)
#
# Both install the [compiled] extra (mypy) and then build the inspection engine's
# hot modules with mypyc (scripts/build-compiled.py; skipped when current, and
# the engine runs as pure Python where no C compiler is found).
#
# Idempotent: a stamp file in .venv records a hash of pyproject.toml,
# requirements.lock and the chosen extras; when nothing changed the install is
# skipped (a dev install also satisfies a plain one).
# Env: PYTHON (default python3), KEFU_VENV (default <repo>/.venv),
#      KEFU_FORCE_INSTALL=1 to reinstall regardless of the stamp.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DEV=0
for arg in "$@"; do
    case "$arg" in
        --dev) DEV=1 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "setup-venv: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

PYTHON="${PYTHON:-python3}"
VENV="${KEFU_VENV:-$ROOT/.venv}"
LOCK="$ROOT/requirements.lock"
STAMP="$VENV/.kefu-install-stamp"

log() { echo "setup-venv: $*" >&2; }

# A venv whose interpreter is gone (e.g. pyenv version removed) is rebuilt.
if [[ -d "$VENV" ]] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "existing $VENV is broken; recreating it"
    rm -rf "$VENV"
fi
if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
    rm -f "$STAMP"
fi

inputs_hash() {
    # $1 = extras mode ("dev" or "base")
    { echo "mode=$1"; cat "$ROOT/pyproject.toml"; [[ -f "$LOCK" ]] && cat "$LOCK"; } \
        | sha256sum | cut -d' ' -f1
}

want_mode=base; [[ $DEV == 1 ]] && want_mode=dev
installed=0
if [[ -z "${KEFU_FORCE_INSTALL:-}" && -f "$STAMP" && -x "$VENV/bin/kefu" ]]; then
    have="$(cat "$STAMP")"
    if [[ "$have" == "$(inputs_hash "$want_mode")" ]] \
        || [[ $want_mode == base && "$have" == "$(inputs_hash dev)" ]]; then
        log "up to date ($VENV)"
        installed=1
    fi
fi

if [[ $installed == 0 ]]; then
    export PIP_DISABLE_PIP_VERSION_CHECK=1
    log "upgrading pip"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip

    constraints=()
    if [[ -f "$LOCK" ]]; then
        constraints=(-c "$LOCK")
    else
        log "warning: $LOCK missing, installing unpinned versions"
    fi
    target=".[compiled]"; [[ $DEV == 1 ]] && target=".[dev,compiled]"
    log "installing -e $target ${constraints[*]:+(pinned by requirements.lock)}"
    "$VENV/bin/python" -m pip install --quiet "${constraints[@]}" -e "$target"

    inputs_hash "$want_mode" > "$STAMP"
    log "done ($VENV)"
fi

# Best effort here; `make test` requires the build (scripts/build-compiled.py --require).
"$VENV/bin/python" "$ROOT/scripts/build-compiled.py"
