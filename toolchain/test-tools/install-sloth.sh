#!/usr/bin/env bash
# Installs Sloth (github.com/slok/sloth), the SLO rule generator the SLO tests compare the platform's own
# generated rules with (test/unit/observability/slo-sloth.test.ts). Built from the Go module proxy with the module's own go.mod
# and go.sum, once, into the project's cache; a second run with the binary in place returns at once.
#
# Usage: bash toolchain/test-tools/install-sloth.sh        prints the binary's path on stdout
# Env:   PRODUCTION_BLUEPRINT_CACHE moves the cache (see toolchain/lib/go-env.sh).
set -euo pipefail

# shellcheck source=toolchain/lib/go-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/go-env.sh"
SLOTH_VERSION=v0.16.0
DEST="$PRODUCTION_BLUEPRINT_CACHE/sloth"
BIN="$DEST/bin/sloth-$SLOTH_VERSION"

log() { printf '[sloth] %s\n' "$*" >&2; }

if [ -x "$BIN" ]; then
  log "sloth $SLOTH_VERSION (already installed)"
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || { log "ERROR: go is not on PATH; install Go 1.26 or newer"; exit 1; }
mkdir -p "$DEST/bin" "$DEST/logs"
# go install module@version builds with the module's own go.mod and go.sum (Sloth's has no replace directives).
# The time is taken inside the build lock, so it is the build's own, not the wait for another build.
if ! GOBIN="$DEST/gobin.tmp" with_build_lock bash -c 'start=$SECONDS; go install "$1" && echo "$((SECONDS - start))" >"$2"' build \
  "github.com/slok/sloth/cmd/sloth@$SLOTH_VERSION" "$DEST/logs/build-seconds" >"$DEST/logs/build.log" 2>&1; then
  log "ERROR: go install github.com/slok/sloth/cmd/sloth@$SLOTH_VERSION failed; see $DEST/logs/build.log"
  exit 1
fi
mv "$DEST/gobin.tmp/sloth" "$BIN" && rm -rf "$DEST/gobin.tmp"
log "sloth $SLOTH_VERSION built into $BIN in $(cat "$DEST/logs/build-seconds") s"
echo "$BIN"
