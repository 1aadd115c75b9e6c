#!/usr/bin/env bash
# Installs gitleaks (the secret scanner scripts/scan-secrets.sh runs over the tree, the git history and the
# renders) from the Go module proxy into the project's shared cache. Idempotent: a second run with the pinned
# version in place returns at once. Prints the binary's path on its last line.
#
# Built with the module's own go.mod and go.sum and Go's standard regexp engine: upstream's release builds
# add the `gore2regex` tag (a faster RE2 engine) that the scan does not need, and the rules are the same.
#
# Usage: bash toolchain/test-tools/install-gitleaks.sh
# Env:   PRODUCTION_BLUEPRINT_CACHE moves the cache (see toolchain/lib/go-env.sh).
set -euo pipefail
# The one pin; bump it here (the proxy serves every tagged v8 release).
GITLEAKS_MODULE="github.com/zricethezav/gitleaks/v8"
GITLEAKS_VERSION="v8.30.1"

# shellcheck source=toolchain/lib/go-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/go-env.sh"
DEST="$PRODUCTION_BLUEPRINT_CACHE/gitleaks/$GITLEAKS_VERSION"
BIN="$DEST/gitleaks"
log() { printf '[gitleaks] %s\n' "$*" >&2; }

# The version directory is the stamp: the binary must also report exactly the pinned version.
if [[ -x "$BIN" ]] && [[ "$("$BIN" version 2>/dev/null)" == "$GITLEAKS_VERSION" ]]; then
  log "already installed: $BIN"
  printf '%s\n' "$BIN"
  exit 0
fi
command -v go >/dev/null || { log "ERROR: go is not on PATH; install Go 1.24 or newer (CI: actions/setup-go)"; exit 1; }
mkdir -p "$DEST"
log "building $GITLEAKS_MODULE@$GITLEAKS_VERSION"
# Installed into a temporary GOBIN and moved into place, so an interrupted build never leaves a half binary
# at $BIN. The version string is what `gitleaks version` prints.
GOBIN="$DEST/gobin.tmp" with_build_lock go install \
  -ldflags "-s -w -X=$GITLEAKS_MODULE/version.Version=$GITLEAKS_VERSION" \
  "$GITLEAKS_MODULE@$GITLEAKS_VERSION"
mv "$DEST/gobin.tmp/gitleaks" "$BIN" && rm -rf "$DEST/gobin.tmp"
[[ "$("$BIN" version)" == "$GITLEAKS_VERSION" ]] || { log "ERROR: $BIN does not report $GITLEAKS_VERSION"; exit 1; }
log "installed: $BIN"
printf '%s\n' "$BIN"
