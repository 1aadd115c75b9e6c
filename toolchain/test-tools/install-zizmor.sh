#!/usr/bin/env bash
# Installs zizmor (static analysis for GitHub Actions: template injection, credentials left in the checkout,
# excessive permissions, unpinned actions, cache poisoning, …) from PyPI into a virtualenv in the project's
# shared cache, so scripts/lint-workflows.sh can audit .github for real. Idempotent: a second run with the
# pinned version in place returns at once. Prints the binary's path on its last line.
#
# zizmor is a Rust program that PyPI ships as prebuilt wheels with no Python dependencies, so the one pin
# below is the whole set. --only-binary keeps pip from falling back to the source distribution (which needs
# a Rust toolchain) on a platform without a wheel: that fails here with pip's message instead.
#
# Usage: bash toolchain/test-tools/install-zizmor.sh
set -euo pipefail
# The one pin; bump it here.
ZIZMOR_VERSION="1.32.0"

# shellcheck source=toolchain/lib/go-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/go-env.sh" # for PRODUCTION_BLUEPRINT_CACHE and BUILD_NICE only
VENV="$PRODUCTION_BLUEPRINT_CACHE/zizmor/$ZIZMOR_VERSION"
BIN="$VENV/bin/zizmor"
LOG="$PRODUCTION_BLUEPRINT_CACHE/zizmor/install-$ZIZMOR_VERSION.log"
log() { printf '[zizmor] %s\n' "$*" >&2; }

# The version directory is the stamp: the binary must also report exactly the pinned version.
installed() { [[ -x "$BIN" ]] && [[ "$("$BIN" --version 2>/dev/null)" == "zizmor $ZIZMOR_VERSION" ]]; }
if installed; then
  log "already installed: $BIN"
  printf '%s\n' "$BIN"
  exit 0
fi
# Checkouts of the project share the cache: one install at a time, and whoever waited finds it done.
mkdir -p "$(dirname "$VENV")"
exec 9>"$(dirname "$VENV")/install.lock"
flock 9
if installed; then
  log "installed meanwhile: $BIN"
  printf '%s\n' "$BIN"
  exit 0
fi
command -v python3 >/dev/null || { log "ERROR: python3 is not on PATH; zizmor's wheels need Python 3.11 or newer (CI: actions/setup-python)"; exit 1; }
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  { log "ERROR: $(python3 --version) is too old; zizmor $ZIZMOR_VERSION needs Python 3.11 or newer"; exit 1; }
log "installing zizmor==$ZIZMOR_VERSION from PyPI into $VENV (log: $LOG)"
rm -rf "$VENV"
python3 -m venv "$VENV"
nice -n "$BUILD_NICE" "$VENV/bin/pip" install --disable-pip-version-check --no-input --only-binary=:all: --no-deps \
  "zizmor==$ZIZMOR_VERSION" >"$LOG" 2>&1 ||
  { log "ERROR: pip install zizmor==$ZIZMOR_VERSION failed; see $LOG"; rm -rf "$VENV"; exit 1; }
[[ "$("$BIN" --version)" == "zizmor $ZIZMOR_VERSION" ]] ||
  { log "ERROR: $BIN reports '$("$BIN" --version)', not zizmor $ZIZMOR_VERSION"; exit 1; }
log "installed: $BIN"
printf '%s\n' "$BIN"
