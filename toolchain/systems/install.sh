#!/usr/bin/env bash
# Installs the real programs `npm run test:systems` runs, once, into a cache outside the repo:
#   prometheus  Debian's `prometheus` package (apt-get; promtool comes with it)
#   kafka       Apache Kafka's jars from Maven Central (mvn dependency:copy-dependencies on toolchain/systems/kafka/pom.xml)
#   jaeger      Jaeger v2 (cmd/jaeger) built from the Go module proxy
#   vault       Vault built from the Go module proxy, against a patched copy of its sdk (see the .patch file)
#   kube-state-metrics  built from the Go module proxy with its own go.mod and go.sum; only by name, for
#               `npm run test:engine` (test/e2e/kube-state-metrics.e2e.ts), which runs it against the local cluster
# Idempotent: each program is skipped when its versioned binary or jar directory is already there, so a warm
# run takes seconds. Every Go build goes through toolchain/lib/go-env.sh: the project's shared module and build
# cache, CGO off, and the one build lock (two large builds on 2 cores would starve each other).
#
# Usage: bash toolchain/systems/install.sh [prometheus] [kafka] [jaeger] [vault] [kube-state-metrics]
#        (default: the four test:systems runs)
# Env:   PRODUCTION_BLUEPRINT_CACHE moves the cache (see go-env.sh); the programs land in $it/systems.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=toolchain/lib/go-env.sh
source "$HERE/../lib/go-env.sh"
# shellcheck source=toolchain/systems/versions.env
source "$HERE/versions.env"
SYSTEMS="$PRODUCTION_BLUEPRINT_CACHE/systems"
mkdir -p "$SYSTEMS/bin" "$SYSTEMS/src" "$SYSTEMS/logs"

log() { printf '[systems] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# timed NAME CMD...: runs CMD and says how long it took, so cold and warm installs can be compared.
timed() {
  local name="$1" start=$SECONDS
  shift
  "$@"
  log "$name ready in $((SECONDS - start)) s"
}

install_prometheus() {
  if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
    log "prometheus: $(prometheus --version 2>&1 | head -n 1) (already installed)"
    return
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  command -v apt-get >/dev/null || die "prometheus is missing and apt-get is not available"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # Debian's package starts no daemon here (no systemd in containers); the tests start their own.
  $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  log "prometheus: $(prometheus --version 2>&1 | head -n 1) (installed)"
}

install_kafka() {
  local dest="$SYSTEMS/kafka-$KAFKA_VERSION/libs"
  if [ -f "$dest/kafka_2.13-$KAFKA_VERSION.jar" ]; then
    log "kafka: $KAFKA_VERSION jars in $dest (already installed)"
    return
  fi
  command -v mvn >/dev/null || die "mvn is not on PATH (apt-get install maven)"
  command -v java >/dev/null || die "java is not on PATH (Java 17 or newer)"
  rm -rf "$dest.tmp"
  # The broker's runtime classpath: kafka_2.13, the storage/tools modules and everything they depend on.
  mvn -q -B -f "$HERE/kafka/pom.xml" \
    -Dmaven.repo.local="$PRODUCTION_BLUEPRINT_CACHE/m2" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dest.tmp" \
    >"$SYSTEMS/logs/kafka-mvn.log" 2>&1 || die "mvn failed; see $SYSTEMS/logs/kafka-mvn.log"
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
  log "kafka: $KAFKA_VERSION, $(find "$dest" -name '*.jar' | wc -l) jars in $dest (installed)"
}

# go_copy MODULE@VERSION DIR: a writable copy of a module's source (the module cache is read-only by design).
go_copy() {
  local dir
  dir="$(go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir" ] || die "go mod download $1 gave no directory"
  rm -rf "$2" && cp -r "$dir" "$2" && chmod -R u+w "$2"
}

install_jaeger() {
  local bin="$SYSTEMS/bin/jaeger-$JAEGER_MODULE_VERSION"
  if [ -x "$bin" ]; then log "jaeger: $("$bin" version 2>/dev/null | grep -o '"gitVersion":"[^"]*"' || true) (already installed)"; return; fi
  # go install module@version refuses a go.mod with replace directives (Jaeger's has one), so build a copy
  # of the module as the main module, which honours them.
  local src="$SYSTEMS/src/jaeger-$JAEGER_MODULE_VERSION"
  go_copy "github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION" "$src"
  (cd "$src" && with_build_lock go build -o "$bin.tmp" \
    -ldflags "$GO_LDFLAGS -X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_VERSION" ./cmd/jaeger) \
    >"$SYSTEMS/logs/jaeger-build.log" 2>&1 || die "jaeger build failed; see $SYSTEMS/logs/jaeger-build.log"
  mv "$bin.tmp" "$bin"
  log "jaeger: $JAEGER_VERSION built into $bin"
}

install_vault() {
  local bin="$SYSTEMS/bin/vault-$VAULT_VERSION"
  if [ -x "$bin" ]; then log "vault: $("$bin" version) (already installed)"; return; fi
  local src="$SYSTEMS/src/vault-$VAULT_VERSION" sdk="$SYSTEMS/src/vault-sdk-$VAULT_SDK_VERSION-patched"
  go_copy "github.com/hashicorp/vault@$VAULT_VERSION" "$src"
  go_copy "github.com/hashicorp/vault/sdk@$VAULT_SDK_VERSION" "$sdk"
  (cd "$sdk" && git apply -p1 "$HERE/vault-sdk-$VAULT_SDK_VERSION.patch")
  # The zip has neither ./sdk nor ./api: use the patched sdk, and the api modules at the versions go.mod
  # requires. -mod=mod lets go add the api modules' checksums, which go.sum lacks while they are replaced.
  (cd "$src" && go mod edit -replace "github.com/hashicorp/vault/sdk=$sdk" \
    -dropreplace github.com/hashicorp/vault/api \
    -dropreplace github.com/hashicorp/vault/api/auth/approle \
    -dropreplace github.com/hashicorp/vault/api/auth/kubernetes \
    -dropreplace github.com/hashicorp/vault/api/auth/userpass)
  # The version needs no -ldflags: Vault embeds it from version/VERSION in the module.
  (cd "$src" && with_build_lock go build -mod=mod -o "$bin.tmp" .) \
    >"$SYSTEMS/logs/vault-build.log" 2>&1 || die "vault build failed; see $SYSTEMS/logs/vault-build.log"
  mv "$bin.tmp" "$bin"
  log "vault: $("$bin" version) built into $bin"
}

install_kube_state_metrics() {
  local bin="$SYSTEMS/bin/kube-state-metrics-$KUBE_STATE_METRICS_VERSION"
  if [ -x "$bin" ]; then log "kube-state-metrics: $("$bin" version 2>&1 | head -n 1) (already installed)"; return; fi
  # go install module@version: the module has no replace directives, so its own go.mod and go.sum build it.
  # The version goes where upstream's Makefile puts it, so `version` and the build_info metric name it.
  rm -rf "$SYSTEMS/gobin.tmp"
  GOBIN="$SYSTEMS/gobin.tmp" with_build_lock go install \
    -ldflags "$GO_LDFLAGS -X github.com/prometheus/common/version.Version=$KUBE_STATE_METRICS_VERSION" \
    "k8s.io/kube-state-metrics/v2@$KUBE_STATE_METRICS_VERSION" \
    >"$SYSTEMS/logs/kube-state-metrics-build.log" 2>&1 || die "kube-state-metrics build failed; see $SYSTEMS/logs/kube-state-metrics-build.log"
  mv "$SYSTEMS/gobin.tmp/kube-state-metrics" "$bin" && rm -rf "$SYSTEMS/gobin.tmp"
  log "kube-state-metrics: $("$bin" version 2>&1 | head -n 1) built into $bin"
}

PROGRAMS=("$@")
if [ ${#PROGRAMS[@]} -eq 0 ]; then PROGRAMS=(prometheus kafka jaeger vault); fi
for program in "${PROGRAMS[@]}"; do
  case "$program" in
    prometheus | kafka | jaeger | vault | kube-state-metrics) timed "$program" "install_${program//-/_}" ;;
    *) die "unknown program '$program' (prometheus, kafka, jaeger, vault, kube-state-metrics)" ;;
  esac
done
