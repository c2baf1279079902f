#!/usr/bin/env bash
# Set up Editron on a fresh Debian machine: system packages when missing, then .venv/ with the
# project and its test tools. Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# chromium: the dashboard's browser tests (Playwright drives it; never `playwright install`);
# nodejs: its npm fetches axe-core for the accessibility checks; fonts-noto-core and
# fonts-noto-cjk: caption fonts for Arabic, Hebrew and CJK (story/fonts.py).
DEB_PACKAGES=(espeak-ng sox curl chromium nodejs fonts-noto-core fonts-noto-cjk)

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PYTHON" -m venv .venv
fi
# The versions come from requirements.lock (every package pinned with its hashes), so every
# fresh machine gets the same ones; the project itself is installed on top without touching
# them. `make lock` regenerates the lock after a change to pyproject.toml's dependencies.
stamp=.venv/.editron-installed
if [ ! -f "$stamp" ] || [ requirements.lock -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages into .venv from requirements.lock" >&2
  .venv/bin/python -m pip install -q --require-hashes -r requirements.lock >&2
  .venv/bin/python -m pip install -q --no-deps -e . >&2
  touch "$stamp"
fi
# axe-core for the dashboard's accessibility tests, from the npm registry at install time
# (tests/e2e/browser.py reads .venv/axe-core/axe.min.js); never committed.
AXE_VERSION=4.14.1
if [ ! -f .venv/axe-core/axe.min.js ] || ! grep -q "axe v$AXE_VERSION" .venv/axe-core/axe.min.js; then
  echo "setup: fetching axe-core $AXE_VERSION" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack "axe-core@$AXE_VERSION" --silent >/dev/null && tar xzf axe-core-*.tgz)
  mkdir -p .venv/axe-core
  cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" .venv/axe-core/
  rm -rf "$tmp"
fi
echo "setup: ready (.venv/bin/editron)" >&2
