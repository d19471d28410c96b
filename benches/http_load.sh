#!/usr/bin/env bash
# HTTP load comparison: the same hyper 1.x "Hello, World!" server on corio
# (crates/corio/examples/hello_http.rs) and on tokio
# (benches/src/bin/hello_http_tokio.rs), each under `wrk -t2 -c128 -d10s`,
# alternately (corio, tokio) for three rounds, then a side-by-side table of
# requests/s and latency percentiles.
#
#   bash benches/http_load.sh                # from anywhere in the repository
#   ROUNDS=5 DURATION=20s bash benches/http_load.sh
#
# Works from a clean clone: installs wrk (Debian package) if it is missing,
# builds both servers in release mode, lets each server pick a free port on
# 127.0.0.1 (it binds port 0 and prints its address), and kills the servers
# on exit, Ctrl-C included. Only loopback traffic; every run is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-128}
TARGET_DIR=${CARGO_TARGET_DIR:-target}

if ! command -v wrk >/dev/null 2>&1; then
    echo "== installing wrk (Debian package)"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi

echo "== building both servers (release)"
cargo build --release --quiet -p corio --features hyper --example hello_http
cargo build --release --quiet -p corio-benches --bin hello_http_tokio
CORIO_BIN="$TARGET_DIR/release/examples/hello_http"
TOKIO_BIN="$TARGET_DIR/release/hello_http_tokio"

WORK=$(mktemp -d)
SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server BIN: starts BIN on 127.0.0.1:0 and sets URL from the address it prints.
start_server() {
    local bin=$1 out="$WORK/server.out"
    : >"$out"
    "$bin" 127.0.0.1:0 >"$out" 2>"$WORK/server.err" &
    SERVER_PID=$!
    URL=""
    for _ in $(seq 1 100); do
        URL=$(grep -o 'http://[0-9.:]*' "$out" | head -n1 || true)
        if [ -n "$URL" ]; then return 0; fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "error: $bin did not start; its stderr:" >&2
    cat "$WORK/server.err" >&2
    exit 1
}

# to_ms VALUE: wrk's latency ("812.00us", "1.23ms", "2.01s") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n
    }'
}

# run_one NAME BIN: one wrk run; appends "name rps p50 p75 p90 p99 errors" to $WORK/results.
run_one() {
    local name=$1 bin=$2 log="$WORK/wrk.log"
    start_server "$bin"
    # A first request proves the server answers before the clock starts.
    wrk -t1 -c1 -d1s "$URL/" >/dev/null
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$URL/" >"$log"
    stop_server
    local rps p50 p75 p90 p99 errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$log")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$log")")
    p75=$(to_ms "$(awk '$1 == "75%" {print $2}' "$log")")
    p90=$(to_ms "$(awk '$1 == "90%" {print $2}' "$log")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$log")")
    errors=$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' "$log")
    echo "$name $rps $p50 $p75 $p90 $p99" >>"$WORK/results"
    printf '  %-6s %12s req/s   p50 %8s ms   p99 %8s ms  %s\n' "$name" "$rps" "$p50" "$p99" "$errors"
}

echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds (corio, tokio alternately), $(nproc) cores"
: >"$WORK/results"
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round"
    run_one corio "$CORIO_BIN"
    run_one tokio "$TOKIO_BIN"
done

echo
echo "== medians over $ROUNDS rounds (latency in ms)"
summary() {
    # median COLUMN for runtime $1
    local name=$1
    for col in 2 3 4 5 6; do
        awk -v n="$name" -v c="$col" '$1 == n {print $c}' "$WORK/results" | sort -g |
            awk '{a[NR] = $1} END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
    done | paste -sd' '
}
read -r c_rps c_p50 c_p75 c_p90 c_p99 <<<"$(summary corio)"
read -r t_rps t_p50 t_p75 t_p90 t_p99 <<<"$(summary tokio)"
printf '%-8s %12s %9s %9s %9s %9s\n' runtime "req/s" p50 p75 p90 p99
printf '%-8s %12s %9s %9s %9s %9s\n' corio "$c_rps" "$c_p50" "$c_p75" "$c_p90" "$c_p99"
printf '%-8s %12s %9s %9s %9s %9s\n' tokio "$t_rps" "$t_p50" "$t_p75" "$t_p90" "$t_p99"
awk -v c="$c_rps" -v t="$t_rps" 'BEGIN { printf "corio/tokio requests/s: %.3f\n", c / t }'
