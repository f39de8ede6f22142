#!/usr/bin/env bash
# Benchmark (not a test): latency of the sales summary over the full demo company on the
# embedded SQLite database, 50 concurrent connections, with wrk (apt-get install wrk).
# Usage: scripts/bench-summary.sh [seconds]   — prints wrk's latency distribution.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
cargo build --release --locked --bin sentia
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
SENTIA_DEMO_PASSWORD=bench-Passw0rd DATABASE_URL="sqlite://$dir/sentia.db?mode=rwc" \
  "$target/release/sentia" serve --bind 127.0.0.1:0 >"$dir/out.log" 2>"$dir/err.log" &
pid=$!
until grep -q "listening on" "$dir/out.log"; do
  kill -0 $pid 2>/dev/null || { cat "$dir/err.log"; exit 1; }
  sleep 0.5
done
url=$(grep -o 'http://[0-9.:]*' "$dir/out.log" | tail -1)
cookie=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
  -d '{"email":"admin@sentia.demo","password":"bench-Passw0rd"}' "$url/api/v1/auth/login" |
  grep -i '^set-cookie' | sed -E 's/^[Ss]et-[Cc]ookie: ([^;]*).*/\1/')
through=$(curl -s -H "Cookie: $cookie" "$url/api/v1/kpis/overview" | sed -E 's/.*"data_through":"([0-9-]*)".*/\1/')
from=$(date -d "$through -1095 days" +%F)
for q in "from=$from&to=$through&granularity=month&group_by=region" \
         "from=$from&to=$through&granularity=day&group_by=sku&currency=EUR" \
         "group_by=channel&region=UK"; do
  echo "== GET /api/v1/sales/summary?$q  (50 connections, ${secs}s)"
  wrk -t2 -c50 -d"${secs}s" --latency -H "Cookie: $cookie" "$url/api/v1/sales/summary?$q" |
    grep -E 'Latency|50%|75%|90%|99%|Requests/sec|Non-2xx'
done
