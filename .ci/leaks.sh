#!/usr/bin/env bash
# Runs a chosen set of test binaries under valgrind's leak checker and fails
# on any definite or indirect leak (or any other memory error valgrind finds).
#
#   bash .ci/leaks.sh            (CI runs it after `cargo test --workspace`)
#
# The set covers the executor's task cells and shutdown, the sync
# primitives' waiter lists, timers (sleep, timeout, the wheel) and the facade
# with sockets and timers together. Each entry is "package kind target
# [test-name filters]"; the filters keep each binary to tests that finish in
# seconds under valgrind (it runs code 20-50 times slower, one thread at a time).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
    echo "--- installing valgrind"
    if [[ $(id -u) == 0 ]]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq valgrind
fi

# Left out: tests that leak on purpose (a `mem::forget` to keep a timer
# registered), that race a wall-clock budget valgrind's slowness breaks, and
# the bulk ones (a million timers, a thousand connections, a 1 MiB drain:
# up to a minute each here).
SET=(
    "corio-executor lib corio_executor"
    "corio-sync test semantics"
    "corio-timer test sleep --skip timers_registered_on_one_thread_fire_from_another --skip a_million_timers"
    "corio-timer test timeout"
    "corio-tests test shutdown"
    "corio-tests test executor --skip blocking_calls_do_not_stall_the_workers"
    "corio-tests test io --skip a_thousand_connections --skip drain_keeps_a_fast_writer"
    "corio-tests test time"
)

# The whole workspace, with the features `cargo test --workspace` unifies:
# right after CI's test step this builds nothing.
echo "--- building the test binaries"
json=$(cargo test --workspace --no-run --message-format=json)

binaries=0
tests=0
failed=()
for entry in "${SET[@]}"; do
    read -r _pkg kind target filters <<<"$entry"
    # The target's name and kind pick its line (names are unique in this set).
    exe=$(grep -F "\"kind\":[\"$kind\"]" <<<"$json" | grep -F "\"name\":\"$target\"" \
        | grep -o '"executable":"/[^"]*"' | cut -d'"' -f4 || true)
    if [[ -z "$exe" || "$exe" == *$'\n'* ]]; then
        echo "leaks.sh: not exactly one test binary for $entry: ${exe:-none}" >&2
        exit 1
    fi
    echo
    echo "=== valgrind: $entry"
    log=$(mktemp)
    # shellcheck disable=SC2086 # the filters are separate words
    if valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --error-exitcode=1 --quiet \
        --log-file="$log" "$exe" --test-threads=1 $filters >"$log.out" 2>&1; then
        :
    else
        failed+=("$target")
    fi
    cat "$log"
    grep -E '^test result:' "$log.out" || tail -n 20 "$log.out"
    n=$(grep -oE '^test result: .* ([0-9]+) passed' "$log.out" | grep -oE '[0-9]+ passed' | cut -d' ' -f1)
    tests=$((tests + ${n:-0}))
    binaries=$((binaries + 1))
    rm -f "$log" "$log.out"
done

echo
if ((${#failed[@]})); then
    echo "leaks: valgrind found leaks or errors in ${failed[*]}" >&2
    exit 1
fi
echo "leaks: $binaries binaries, $tests tests under valgrind, 0 bytes definitely or indirectly lost"
