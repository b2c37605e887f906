#!/usr/bin/env bash
# Make sure Debian's Chromium (/usr/bin/chromium) is installed, for the
# Playwright browser tests, then print its version.
#
# Installs with `apt-get install -y chromium` (noninteractive); `apt-get update`
# is run only if the install fails without it. Waits for any apt/dpkg already
# running (e.g. a background install) instead of racing it.
# Env: KEFU_CHROMIUM (default /usr/bin/chromium).
set -euo pipefail

CHROMIUM="${KEFU_CHROMIUM:-/usr/bin/chromium}"
log() { echo "ensure-chromium: $*" >&2; }

wait_for_apt() {
    local waited=0
    while pgrep -x 'apt-get|apt|dpkg|aptitude|unattended-upgr' >/dev/null 2>&1; do
        (( waited == 0 )) && log "waiting for a running apt/dpkg to finish..."
        (( waited >= 1800 )) && { log "apt still busy after ${waited}s, trying anyway"; break; }
        sleep 5; waited=$((waited + 5))
    done
}

if [[ ! -x "$CHROMIUM" ]]; then
    # A background install may be about to provide it.
    wait_for_apt
fi
if [[ ! -x "$CHROMIUM" ]]; then
    sudo=(); [[ $EUID -eq 0 ]] || sudo=(sudo -n)
    export DEBIAN_FRONTEND=noninteractive
    opts=(-y -q -o DPkg::Lock::Timeout=900 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    log "installing chromium with apt-get"
    if ! "${sudo[@]}" apt-get install "${opts[@]}" chromium >&2; then
        log "install failed; running apt-get update and retrying"
        wait_for_apt
        "${sudo[@]}" apt-get update -q -o DPkg::Lock::Timeout=900 >&2
        "${sudo[@]}" apt-get install "${opts[@]}" chromium >&2
    fi
    [[ -x "$CHROMIUM" ]] || { log "ERROR: $CHROMIUM still missing after install"; exit 1; }
fi

# A Chinese font so that pages and screenshots show characters, not boxes (best effort).
if command -v fc-list >/dev/null && [[ -z "$(fc-list :lang=zh 2>/dev/null | head -n 1)" ]]; then
    sudo=(); [[ $EUID -eq 0 ]] || sudo=(sudo -n)
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q fonts-wqy-microhei >&2 || log "no Chinese font installed"
fi

# Debian's launcher script emits a harmless shell warning on stderr; hide it.
"$CHROMIUM" --version 2>/dev/null
