#!/usr/bin/env bash
# Regenerates web/openapi.json from the server and the web app's TypeScript types from it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --locked --bin sentia -- openapi > web/openapi.json
npm run gen:api --prefix web --silent
