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
# No DWARF debug information (compiler and linker) and no symbol table: nobody attaches a debugger to these
# programs (a panic's stack trace needs neither), and leaving them out shortens every cold build, e.g.
# kube-state-metrics from 102 s to 87 s on 2 idle cores. A build that passes its own -ldflags replaces the
# `-ldflags` here, so it starts its value with `-s -w` too ($GO_LDFLAGS).
export GO_LDFLAGS="-s -w"
export GOFLAGS="-trimpath -buildvcs=false -modcacherw '-ldflags=$GO_LDFLAGS' -gcflags=all=-dwarf=false"
export GOTOOLCHAIN=local # never download a Go toolchain: fail with a clear message instead
export CGO_ENABLED=0     # as upstream releases are built; needs no C compiler
mkdir -p "$GOMODCACHE" "$GOCACHE"

# How nice the builds (and the pip installs) are. On a developer's machine they yield to the person's own
# work (10). A CI job owns its runner, so there they run at normal priority (0): niced, any other load at
# normal priority takes most of the CPU from them (two busy loops made Jaeger's 195 s build run over 18 min).
# PRODUCTION_BLUEPRINT_BUILD_NICE overrides both.
if [[ "${CI:-}" == "true" ]]; then BUILD_NICE_DEFAULT=0; else BUILD_NICE_DEFAULT=10; fi
export BUILD_NICE="${PRODUCTION_BLUEPRINT_BUILD_NICE:-$BUILD_NICE_DEFAULT}"
[[ "$BUILD_NICE" =~ ^[0-9]+$ && "$BUILD_NICE" -le 19 ]] || { echo "PRODUCTION_BLUEPRINT_BUILD_NICE must be a niceness from 0 to 19, not '$BUILD_NICE'" >&2; return 1 2>/dev/null || exit 1; }

# with_build_lock CMD...: runs CMD while holding the project's one build lock, so two large Go builds
# never run at once on a 2-core machine (each would starve the other and both would take longer).
with_build_lock() {
  flock "$PRODUCTION_BLUEPRINT_CACHE/go/build.lock" nice -n "$BUILD_NICE" "$@"
}

# go_install_tool NAME PACKAGE VERSION LDFLAGS VERSION_ARG...: builds (LDFLAGS after $GO_LDFLAGS) the Go command PACKAGE at VERSION with
# `go install` (the module's own go.mod and go.sum) into $PRODUCTION_BLUEPRINT_CACHE/NAME/VERSION/NAME, once:
# a binary there whose `NAME VERSION_ARG...` prints exactly VERSION on its first line is kept. The build goes
# through a temporary GOBIN and is moved into place, so an interrupted one never leaves a half binary, and it
# runs under the build lock. Logs to stderr; prints the binary's path on its last line.
go_install_tool() {
  local name="$1" package="$2" version="$3" ldflags="$4"
  shift 4
  local dest="$PRODUCTION_BLUEPRINT_CACHE/$name/$version"
  local bin="$dest/$name"
  if [[ -x "$bin" ]] && [[ "$("$bin" "$@" 2>/dev/null | head -n 1)" == "$version" ]]; then
    printf '[%s] already installed: %s\n' "$name" "$bin" >&2
    printf '%s\n' "$bin"
    return 0
  fi
  command -v go >/dev/null || { printf '[%s] ERROR: go is not on PATH; install Go 1.26 or newer (CI: actions/setup-go)\n' "$name" >&2; return 1; }
  mkdir -p "$dest"
  printf '[%s] building %s@%s\n' "$name" "$package" "$version" >&2
  GOBIN="$dest/gobin.tmp" with_build_lock go install -ldflags "$GO_LDFLAGS $ldflags" "$package@$version" || return 1
  mv "$dest/gobin.tmp/$name" "$bin" && rm -rf "$dest/gobin.tmp"
  [[ "$("$bin" "$@" | head -n 1)" == "$version" ]] || { printf '[%s] ERROR: %s does not report %s\n' "$name" "$bin" "$version" >&2; return 1; }
  printf '[%s] installed: %s\n' "$name" "$bin" >&2
  printf '%s\n' "$bin"
}
