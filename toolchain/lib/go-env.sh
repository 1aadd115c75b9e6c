# shellcheck shell=bash
# Source this before any Go build the project does (the Pulumi toolchain, the local cluster, the systems the
# tests run). Every build then shares one module cache and one build cache, so a module downloaded or a
# package compiled for one program is reused by the next, and deleting one directory starts everything cold.
#
#   source toolchain/lib/go-env.sh && with_build_lock go build ...
#
# PRODUCTION_BLUEPRINT_CACHE moves the whole cache (point it at an empty directory to measure a cold run).
export PRODUCTION_BLUEPRINT_CACHE="${PRODUCTION_BLUEPRINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/production-blueprint}"
export GOMODCACHE="$PRODUCTION_BLUEPRINT_CACHE/go/mod"
export GOCACHE="$PRODUCTION_BLUEPRINT_CACHE/go/build-cache"
# -modcacherw lets the cache be deleted with rm -rf; -trimpath keeps build paths out of the binaries.
export GOFLAGS="-trimpath -buildvcs=false -modcacherw"
export GOTOOLCHAIN=local # never download a Go toolchain: fail with a clear message instead
export CGO_ENABLED=0     # as upstream releases are built; needs no C compiler
mkdir -p "$GOMODCACHE" "$GOCACHE"

# with_build_lock CMD...: runs CMD while holding the project's one build lock, so two large Go builds
# never run at once on a 2-core machine (each would starve the other and both would take longer).
with_build_lock() {
  flock "$PRODUCTION_BLUEPRINT_CACHE/go/build.lock" nice -n 10 "$@"
}
