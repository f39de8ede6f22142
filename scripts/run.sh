#!/usr/bin/env bash
# Builds everything (web app + release binary) and starts Sentia on the embedded SQLite
# database. On first start the demo company is loaded and the demo logins are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
SENTIA_NEED_CHROMIUM=0 scripts/setup.sh
echo "== building the web app"
npm run build --prefix web --silent
echo "== building the server (release)"
cargo build --release --locked --bin sentia
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
exec "$target/release/sentia" serve "$@"
