#!/usr/bin/env bash
# The whole test suite: formatting and lints (Rust and web), unit and integration tests on
# SQLite — and on PostgreSQL too when SENTIA_TEST_DATABASE_URL is set — the web app's
# component tests, and the end-to-end browser tests against the real binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac

echo "== rust: fmt and clippy"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The forecasting crate's optional models (the LSTM on candle) are linted and tested too.
cargo clippy -p sentia-forecast --all-targets --all-features --locked -- -D warnings

echo "== web: API types, typecheck, lint, unit tests, build"
npm run check:api --prefix web --silent
npm run typecheck --prefix web --silent
npm run lint --prefix web --silent
npm test --prefix web --silent
npm run build --prefix web --silent

echo "== rust: tests (backends: sqlite${SENTIA_TEST_DATABASE_URL:+ and postgres})"
cargo test --workspace --locked
cargo test -p sentia-forecast --all-features --locked -- lstm

echo "== end to end (Chromium)"
cargo build --locked --bin sentia
SENTIA_BIN="$target/debug/sentia" npm run e2e --prefix web
