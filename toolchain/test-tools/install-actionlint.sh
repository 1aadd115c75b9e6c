#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow checker) from the Go module proxy into the project's
# shared cache, so `npm test` can lint .github/workflows for real. Idempotent: a second run with the pinned
# version in place returns at once. Prints the binary's path on its last line.
#
# Usage: bash toolchain/test-tools/install-actionlint.sh
set -euo pipefail
# The one pin; bump it here (the proxy serves every tagged release).
ACTIONLINT_MODULE="github.com/rhysd/actionlint"
ACTIONLINT_VERSION="v1.7.12"

# shellcheck source=toolchain/lib/go-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/go-env.sh"
BIN_DIR="$PRODUCTION_BLUEPRINT_CACHE/actionlint/$ACTIONLINT_VERSION"
BIN="$BIN_DIR/actionlint"
log() { printf '[actionlint] %s\n' "$*" >&2; }

if [[ -x "$BIN" ]] && "$BIN" -version 2>/dev/null | head -n 1 | grep -qx "${ACTIONLINT_VERSION}"; then
  log "already installed: $BIN"
  printf '%s\n' "$BIN"
  exit 0
fi
command -v go >/dev/null || { log "ERROR: go is not on PATH; install Go 1.24 or newer (CI: actions/setup-go)"; exit 1; }
mkdir -p "$BIN_DIR"
log "building $ACTIONLINT_MODULE@$ACTIONLINT_VERSION"
# The version string is what `actionlint -version` prints, as in upstream's release builds.
GOBIN="$BIN_DIR" with_build_lock go install \
  -ldflags "-s -w -X $ACTIONLINT_MODULE.version=$ACTIONLINT_VERSION" \
  "$ACTIONLINT_MODULE/cmd/actionlint@$ACTIONLINT_VERSION"
"$BIN" -version >/dev/null
log "installed: $BIN"
printf '%s\n' "$BIN"
