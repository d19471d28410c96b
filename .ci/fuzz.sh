#!/usr/bin/env bash
# Fuzzes each cargo-fuzz target in fuzz/ for a fixed time (not part of CI):
#
#   bash .ci/fuzz.sh [SECONDS_PER_TARGET]      (default 60)
#
# Each target starts from its committed corpus (fuzz/corpus/<target>, read
# only) and writes what it finds to fuzz/target/work-corpus/<target>. A crash
# (a panic: the model and the code disagree) stops that target, leaves the
# input in fuzz/artifacts/<target>/ and makes the script fail; reproduce it
# with `cargo +nightly fuzz run -a <target> fuzz/artifacts/<target>/crash-...`.
#
# FUZZ_MERGE=1 rewrites the committed corpus afterwards as the smallest set of
# inputs (old and new) that keeps every feature libFuzzer saw
# (-set_cover_merge=1, what `cargo fuzz cmin` does, with a smaller result).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets=(stream_reader timer_wheel)

bash .ci/install-fuzz.sh

failed=()
for target in "${targets[@]}"; do
    echo
    echo "=== fuzz $target for ${seconds}s"
    work="fuzz/target/work-corpus/$target"
    mkdir -p "$work" "fuzz/corpus/$target"
    # -a: debug assertions on (the wheel's internal checks); -rss_limit_mb
    # and -malloc_limit_mb make an allocation the input controls a crash.
    if ! cargo +nightly fuzz run -a --fuzz-dir fuzz "$target" "$work" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -timeout=10 -print_final_stats=1; then
        failed+=("$target")
        continue
    fi
    if [[ "${FUZZ_MERGE:-0}" == 1 ]]; then
        echo "--- merging new coverage into fuzz/corpus/$target (minimized)"
        merged="fuzz/target/merged-corpus/$target"
        rm -rf "$merged" && mkdir -p "$merged"
        cargo +nightly fuzz run -a --fuzz-dir fuzz "$target" "$merged" "fuzz/corpus/$target" "$work" -- \
            -set_cover_merge=1
        rm -rf "fuzz/corpus/$target" && mv "$merged" "fuzz/corpus/$target"
    fi
done

if ((${#failed[@]})); then
    echo "fuzz: crashes in ${failed[*]} (inputs under fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz: no crash in ${targets[*]} (${seconds}s each)"
