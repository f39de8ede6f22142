#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh Debian machine: Chromium for the
# browser tests and the web app's npm packages. Safe to run again; skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

need_chromium="${SENTIA_NEED_CHROMIUM:-1}"
if [ "$need_chromium" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Chromium (Debian package) for the browser tests"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if ! command -v node >/dev/null 2>&1; then
  echo "Node.js 20+ is required to build the web app (apt-get install nodejs npm)" >&2
  exit 1
fi

# Install exactly the versions in the lock file, only when it changed since the last install.
# (`npm install --no-save` rather than `npm ci`: this registry setup records only some of the
# per-platform optional packages in the lock, which `npm ci` refuses; --no-save still follows
# the lock and never rewrites it.)
stamp=web/node_modules/.sentia-lock
if [ ! -f "$stamp" ] || ! cmp -s web/package-lock.json "$stamp"; then
  echo "== installing web packages"
  npm install --prefix web --no-save --no-audit --no-fund --loglevel=error
  cp web/package-lock.json "$stamp"
fi
