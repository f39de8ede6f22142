#!/usr/bin/env bash
# Imports benchmark: a deterministic 1,000,000-line sales CSV (250,000 orders × 4 lines, GBP
# and EUR channels) imported with `sentia import sales_orders` (release build) into a fresh
# database holding a 30-day demo company, on SQLite and on PostgreSQL; prints rows/s.
#
#   BENCH_ROWS=1000000 BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres \
#     bash scripts/bench-import.sh [sqlite|postgres|both]
#
# Uses $CARGO_TARGET_DIR/release/sentia (built with `cargo build --release --bin sentia` when
# missing). Set BENCH_PG_URL empty to skip PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-both}"
rows="${BENCH_ROWS:-1000000}"
pg_admin="${BENCH_PG_URL-postgres://postgres@127.0.0.1:5432/postgres}"
target="${CARGO_TARGET_DIR:-target}"
bin="${BENCH_BIN:-$target/release/sentia}"
[ -x "$bin" ] || cargo build --release --locked --bin sentia
work="$(mktemp -d "${TMPDIR:-/tmp}/sentia-bench-import.XXXXXX")"
trap 'rm -rf "$work"' EXIT
file="$work/sales-$rows.csv"

# Orders dated on the demo's last day, so the demo's FX rates cover them.
day="$(date -u +%Y-%m-%d)"
awk -v rows="$rows" -v day="$day" 'BEGIN {
  print "order_number,line,ordered_at,channel,sku,quantity,unit_price,discount";
  split("SHOP-UK SHOP-EU AMZ-UK", ch, " ");
  split("GIN-70 RUM-70 WHS-70 GIN-50 RUM-50 WHS-50", sku, " ");
  n = 0;
  for (o = 0; n < rows; o++) {
    c = ch[o % 3 + 1];
    for (l = 1; l <= 4 && n < rows; l++) {
      price = 1500 + (o * 7 + l * 13) % 3000;
      printf "B-%d,%d,%sT%02d:%02d:00Z,%s,%s,%d,%d.%02d,%s\n", o, l, day, o % 24, o % 60, c, sku[(o + l) % 6 + 1], 1 + (o + l) % 3, price / 100, price % 100, (l == 2 ? "1.00" : "");
      n++;
    }
  }
}' > "$file"
echo "generated $(($(wc -l < "$file") - 1)) rows ($(du -h "$file" | cut -f1)) in $file"

run() {
  local name="$1" url="$2"
  DATABASE_URL="$url" SENTIA_LOG=error SENTIA_DEMO_PASSWORD=bench-Passw0rd-123 "$bin" demo --days 30 > /dev/null
  local out
  out="$(DATABASE_URL="$url" SENTIA_LOG=error "$bin" import sales_orders "$file" 2> /dev/null)"
  echo "$name first import:  $(echo "$out" | tail -1)"
  out="$(DATABASE_URL="$url" SENTIA_LOG=error "$bin" import sales_orders "$file" 2> /dev/null)"
  echo "$name re-import:     $(echo "$out" | tail -1)"
}

if [ "$which" = sqlite ] || [ "$which" = both ]; then
  run sqlite "sqlite://$work/bench.db?mode=rwc"
fi
if { [ "$which" = postgres ] || [ "$which" = both ]; } && [ -n "$pg_admin" ]; then
  db="sentia_bench_import_$$"
  psql -q "$pg_admin" -c "CREATE DATABASE $db"
  run postgres "${pg_admin%/*}/$db"
  psql -q "$pg_admin" -c "DROP DATABASE $db WITH (FORCE)"
fi
