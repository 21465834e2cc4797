#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this script).
#
# It first installs and starts what the tests need, idempotently, so a fresh Debian machine
# passes too: PostgreSQL on 127.0.0.1:5432 (user postgres, trust), Prometheus' binaries
# (prometheus, promtool), BoaviztAPI 2.5.0 in a virtualenv (target/boavizta-venv), which the
# footprint tests start on a free 127.0.0.1 port, and aiosmtpd in another (target/smtp-venv),
# for the alert email tests, schemathesis in a third (target/schemathesis-venv), for the API
# fuzzing tests, snmpsim and snmpd for the printer tests, Dovecot for the mail tests, and
# Chromium with the npm packages playwright-core and axe-core (target/web-node) for the web
# view's browser test. Every server a test starts listens on loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
    # Debian starts a package's service on install; a policy-rc.d that answers 101 stops
    # that, so nothing is left listening beyond what the tests start themselves.
    local made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
        as_root chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@"
    if [ $made_policy = 1 ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
}

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

ensure_postgres() {
    if command -v pg_isready >/dev/null && pg_up; then return; fi
    log "starting PostgreSQL on 127.0.0.1:5432"
    if ! command -v pg_ctlcluster >/dev/null; then
        apt_install postgresql postgresql-client
    fi
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$version" ]; then
        version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
        as_root pg_createcluster "$version" main
    fi
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    # The tests connect as postgres without a password, over TCP on loopback only.
    if ! as_root grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
        as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
    fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    for _ in $(seq 1 30); do pg_up && return; sleep 1; done
    echo "PostgreSQL did not start on 127.0.0.1:5432" >&2
    exit 1
}

ensure_prometheus() {
    if command -v prometheus >/dev/null && command -v promtool >/dev/null; then return; fi
    log "installing prometheus and promtool"
    apt_install prometheus
}

# A virtualenv under target/ holding exactly PACKAGE==VERSION, made anew when it does not.
ensure_venv() {
    local venv=$1 package=$2 version=$3
    local check="import importlib.metadata as m, sys; sys.exit(m.version('$package') != '$version')"
    if ! "$venv/bin/python" -c "$check" 2>/dev/null; then
        log "installing $package $version into $venv"
        command -v python3 >/dev/null || apt_install python3
        rm -rf "$venv"
        # Debian's python3 lacks ensurepip until python3-venv is installed.
        if ! python3 -m venv "$venv" 2>/dev/null; then
            rm -rf "$venv"
            apt_install python3-venv
            python3 -m venv "$venv"
        fi
        "$venv/bin/pip" install --quiet --disable-pip-version-check "$package==$version"
    fi
}

# The footprint engine is checked against the real BoaviztAPI (tests/it/footprint/boaviztapi.rs).
ensure_boaviztapi() {
    ensure_venv target/boavizta-venv boaviztapi 2.5.0
    export PARCD_BOAVIZTAPI_BIN="$PWD/target/boavizta-venv/bin/uvicorn"
}

# The alert email tests (tests/it/alert_channels.rs) send to a real SMTP server, aiosmtpd,
# started by each test on a free 127.0.0.1 port through tests/support/smtp_sink.py.
ensure_smtp_sink() {
    ensure_venv target/smtp-venv aiosmtpd 1.4.6
    export PARCD_SMTP_SINK_PYTHON="$PWD/target/smtp-venv/bin/python"
}

# The API tests (tests/it/api.rs) fuzz the running daemon's /api/v1 from its OpenAPI
# document with schemathesis.
ensure_schemathesis() {
    ensure_venv target/schemathesis-venv schemathesis 4.32.5
    export PARCD_SCHEMATHESIS_BIN="$PWD/target/schemathesis-venv/bin/schemathesis"
}

# The snmp_printers connector's tests start their own agents on free 127.0.0.1 UDP ports:
# snmpsimd serving connectors/snmp_printers/testdata, and net-snmp's snmpd with a private
# config for SNMPv3. The system snmpd service stays stopped (policy-rc.d above).
ensure_snmp_agents() {
    if ! command -v snmpsimd >/dev/null || ! command -v snmpd >/dev/null; then
        log "snmpsim and snmpd"
        apt_install snmpsim snmpd
    fi
}

# The doveadm connector's tests and the mail tests of the daemon start their own Dovecot
# (connectors/doveadm/fake): Debian's dovecot-imapd as root, on free 127.0.0.1 ports, with
# its own base_dir and configuration. The system dovecot service stays stopped (policy-rc.d).
# The imap connector's TLS tests make their CA and certificate with openssl.
ensure_dovecot() {
    if ! command -v dovecot >/dev/null || ! command -v doveadm >/dev/null; then
        log "dovecot-imapd"
        apt_install dovecot-core dovecot-imapd
    fi
    if ! command -v openssl >/dev/null; then
        log "openssl"
        apt_install openssl
    fi
}

# The web view's browser test (tests/it/web_view.rs) drives Debian's Chromium headless through
# playwright-core and audits each page with axe-core, both pinned by tests/web/package-lock.json
# and installed into target/web-node as `npm ci` installs them (again only when the lock
# changed).
ensure_web_browser() {
    if [ ! -x /usr/bin/chromium ]; then
        log "chromium"
        apt_install chromium
    fi
    command -v npm >/dev/null || apt_install nodejs npm
    local dir=target/web-node
    if ! cmp -s tests/web/package-lock.json "$dir/package-lock.json" || [ ! -d "$dir/node_modules" ]; then
        log "installing playwright-core and axe-core into $dir"
        rm -rf "$dir"
        mkdir -p "$dir"
        cp tests/web/package.json tests/web/package-lock.json "$dir/"
        (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    fi
    export PARCD_WEB_NODE_MODULES="$PWD/$dir/node_modules"
}

drop_old_test_databases() {
    local dbs
    dbs=$(psql -h 127.0.0.1 -U postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'parcd_t_%'" postgres)
    # One in use (a test running from another checkout) is left to its test.
    for db in $dbs; do
        psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" postgres 2>/dev/null || true
    done
}

ensure_postgres
ensure_prometheus
ensure_boaviztapi
ensure_smtp_sink
ensure_schemathesis
ensure_snmp_agents
ensure_dovecot
ensure_web_browser
drop_old_test_databases

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
log "cargo test"
cargo test --workspace
