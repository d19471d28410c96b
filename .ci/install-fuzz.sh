#!/usr/bin/env bash
# Installs what .ci/fuzz.sh needs: a nightly toolchain (cargo-fuzz builds with
# -Zsanitizer) and cargo-fuzz. Each step only runs when the tool is missing.
set -euo pipefail

if ! command -v rustup >/dev/null; then
    echo "install-fuzz.sh: rustup is required (https://rustup.rs)" >&2
    exit 1
fi
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "--- installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "--- installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
rustup run nightly rustc --version
cargo fuzz --version
