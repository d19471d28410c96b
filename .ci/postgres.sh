#!/usr/bin/env bash
# A throw-away PostgreSQL server for corio's tests and examples.
#
#   bash .ci/postgres.sh install      installs Debian's `postgresql` if initdb/pg_ctl are missing
#   bash .ci/postgres.sh start        install if needed, then initdb a fresh data directory and
#                                     start a server on 127.0.0.1 (trust auth, fsync off); prints
#                                     the settings as shell `export` lines on stdout:
#                                         eval "$(bash .ci/postgres.sh start)"
#                                     sets CORIO_PG_URL (postgresql://postgres@127.0.0.1:PORT/postgres)
#                                     and CORIO_PG_DIR (the directory `stop` removes)
#   bash .ci/postgres.sh stop [DIR]   stops the server of DIR (default: $CORIO_PG_DIR) and removes DIR
#   bash .ci/postgres.sh bindir       prints the directory of the server binaries (exit 1 if none)
#
# Progress goes to stderr; only the export lines go to stdout. The port is the
# first free one from a random start in 20000-29999 (or CORIO_PG_PORT if set).
# initdb refuses to run as root, so as root the server runs as the `postgres`
# user (created by the Debian package), which owns the data directory.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

install() {
    if bindir >/dev/null; then
        return 0
    fi
    [[ $(id -u) == 0 ]] || die "PostgreSQL's server binaries are missing and installing them needs root: apt-get install -y postgresql"
    log "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    # Do not let the package start its own cluster service.
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        added_policy=1
    fi
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
    if [[ $added_policy == 1 ]]; then rm -f "$policy"; fi
    bindir >/dev/null || die "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb was found"
}

# Runs "$@" as the server's user: the current one, or `postgres` when root.
as_owner() {
    if [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_free() {
    # A connection that fails means nobody listens there.
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
    install
    local bin dir port tries
    bin=$(bindir)
    if [[ $(id -u) == 0 ]] && ! id postgres >/dev/null 2>&1; then
        log "creating the system user postgres"
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/corio-pg.XXXXXX")
    chmod 755 "$dir"
    if [[ $(id -u) == 0 ]]; then chown postgres: "$dir"; fi
    log "initdb in $dir/data ($bin)"
    if ! as_owner "$bin/initdb" --pgdata="$dir/data" --username=postgres --auth=trust \
        --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        die "initdb failed (log above)"
    fi
    port=${CORIO_PG_PORT:-$((20000 + RANDOM % 10000))}
    for tries in 1 2 3 4 5 6 7 8 9 10; do
        if port_free "$port"; then
            if as_owner "$bin/pg_ctl" start --wait --timeout=30 --pgdata="$dir/data" \
                --log="$dir/server.log" --silent \
                -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
                >&2; then
                log "server on 127.0.0.1:$port (data in $dir, log in $dir/server.log)"
                echo "export CORIO_PG_URL=postgresql://postgres@127.0.0.1:$port/postgres"
                echo "export CORIO_PG_DIR=$dir"
                return 0
            fi
            log "the server did not start on port $port (try $tries):"
            tail -n 5 "$dir/server.log" >&2 || true
        fi
        [[ -z ${CORIO_PG_PORT:-} ]] || break
        port=$((20000 + RANDOM % 10000))
    done
    rm -rf "$dir"
    die "could not start PostgreSQL on 127.0.0.1"
}

stop() {
    local dir=${1:-${CORIO_PG_DIR:-}} bin
    [[ -n $dir ]] || die "stop needs the directory printed by start (argument or CORIO_PG_DIR)"
    [[ $(basename "$dir") == corio-pg.* ]] || die "refusing to remove $dir: not a directory made by start"
    if [[ -f $dir/data/postmaster.pid ]] && bin=$(bindir); then
        as_owner "$bin/pg_ctl" stop --pgdata="$dir/data" --mode=immediate --wait --silent >&2 || true
    fi
    rm -rf "$dir"
    log "stopped and removed $dir"
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop "${2:-}" ;;
    bindir) bindir ;;
    *) die "usage: $0 install | start | stop [DIR] | bindir" ;;
esac
