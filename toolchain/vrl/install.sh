#!/usr/bin/env bash
# Builds vrl-runner (this directory), the program that compiles and runs the platform's Vector VRL with the
# real VRL engine (test/unit/observability/vrl.test.ts). Built from crates.io with the committed Cargo.lock,
# once, into the project's cache; a second run with the binary in place returns at once. The binary's name
# carries a hash of its sources and lock file, so a change to either builds a new one.
#
# Usage: bash toolchain/vrl/install.sh        prints the binary's path on stdout
# Env:   PRODUCTION_BLUEPRINT_CACHE moves the cache (see toolchain/lib/go-env.sh); CARGO_BUILD_JOBS caps
#        cargo's parallel jobs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=toolchain/lib/go-env.sh
source "$HERE/../lib/go-env.sh"
VRL_VERSION=0.35.0
DEST="$PRODUCTION_BLUEPRINT_CACHE/vrl"
SOURCES_HASH="$(cd "$HERE" && cat Cargo.toml Cargo.lock src/*.rs | sha256sum | cut -c1-12)"
BIN="$DEST/bin/vrl-runner-$VRL_VERSION-$SOURCES_HASH"

log() { printf '[vrl] %s\n' "$*" >&2; }

if [ -x "$BIN" ]; then
  log "vrl-runner with vrl $VRL_VERSION (already built)"
  echo "$BIN"
  exit 0
fi
command -v cargo >/dev/null || { log "ERROR: cargo is not on PATH; install Rust 1.95 or newer (vrl $VRL_VERSION's minimum)"; exit 1; }
grep -q "^version = \"$VRL_VERSION\"" <(grep -A1 '^name = "vrl"$' "$HERE/Cargo.lock") ||
  { log "ERROR: Cargo.lock does not lock vrl $VRL_VERSION"; exit 1; }
mkdir -p "$DEST/bin" "$DEST/logs"
# The crates and the build outputs live in the cache too, so deleting it starts everything cold.
export CARGO_HOME="$PRODUCTION_BLUEPRINT_CACHE/cargo"
export CARGO_TARGET_DIR="$DEST/target"
# The one build lock the Go builds take: two large builds at once on a small machine starve each other.
# The time is taken inside the lock, so it is the build's own, not the wait for another build.
if ! with_build_lock bash -c 'start=$SECONDS; cargo build --release --locked --manifest-path "$1" && echo "$((SECONDS - start))" >"$2"' build \
  "$HERE/Cargo.toml" "$DEST/logs/build-seconds" >"$DEST/logs/build.log" 2>&1; then
  log "ERROR: cargo build of $HERE failed; see $DEST/logs/build.log"
  tail -n 20 "$DEST/logs/build.log" >&2
  exit 1
fi
cp "$CARGO_TARGET_DIR/release/vrl-runner" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
# Binaries of earlier sources are not kept: another one is a build of seconds from the kept target directory.
find "$DEST/bin" -name 'vrl-runner-*' ! -name "${BIN##*/}" -delete
log "vrl-runner with vrl $VRL_VERSION built into $BIN in $(cat "$DEST/logs/build-seconds") s"
echo "$BIN"
