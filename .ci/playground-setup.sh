#!/usr/bin/env bash
# Browser for the playground tests: Debian's chromium, driven headless by playwright-core
# (a devDependency; it downloads nothing). Idempotent; .ci/run calls it before the tests.
# The tests fail, never skip, without it.
set -euo pipefail
chromium_bin="${EDGECOG_CHROMIUM:-/usr/bin/chromium}"
log() { printf 'playground-setup: %s\n' "$*" >&2; }

if [ ! -x "$chromium_bin" ]; then
  log "installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
# A browser that cannot start headless fails here, with its own words, not in the tests.
if ! out="$("$chromium_bin" --headless --no-sandbox --disable-gpu --dump-dom about:blank 2>&1)"; then
  log "chromium at $chromium_bin does not start headless:"
  printf '%s\n' "$out" | tail -n 20 >&2
  exit 1
fi
log "$("$chromium_bin" --version 2>/dev/null | head -n 1)"
