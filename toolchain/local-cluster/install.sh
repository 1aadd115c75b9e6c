#!/usr/bin/env bash
# Builds the local cluster's programs from the Go module proxy, from the wrapper modules committed in
# toolchain/local-cluster/ (go.mod and go.sum pin every version): kube-apiserver, kube-controller-manager and
# kube-scheduler (k8s.io/kubernetes v1.34.4), etcd v3.6.4, and kwok/kwokctl v0.8.0. They land in
# $PRODUCTION_BLUEPRINT_CACHE/local-cluster/bin; a second run with everything built takes a second.
#
# Usage: bash toolchain/local-cluster/install.sh        then: npm run cluster -- up
# Env:   PRODUCTION_BLUEPRINT_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/production-blueprint)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=toolchain/lib/go-env.sh
source "$HERE/../lib/go-env.sh"
# Where scripts/lib/localCluster.ts (clusterPaths) looks for the programs.
LOCAL_CLUSTER_CACHE="$PRODUCTION_BLUEPRINT_CACHE/local-cluster"
LOCAL_CLUSTER_BIN="$LOCAL_CLUSTER_CACHE/bin"

log() { printf '[local-cluster] %s\n' "$*" >&2; }
command -v go >/dev/null || { log "ERROR: go is not on PATH; install Go 1.25 or newer"; exit 1; }

KUBE_VERSION=v1.34.4
# The version the control plane reports (kubectl version, /version): without it, v0.0.0-master.
KUBE_LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34 -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION"

# name | wrapper module folder | package | ldflags
PROGRAMS=(
  "etcd|etcd|go.etcd.io/etcd/server/v3|-s -w"
  "kwok|kwok|sigs.k8s.io/kwok/cmd/kwok|-s -w"
  "kwokctl|kwok|sigs.k8s.io/kwok/cmd/kwokctl|-s -w"
  "kube-scheduler|kube|k8s.io/kubernetes/cmd/kube-scheduler|$KUBE_LDFLAGS"
  "kube-controller-manager|kube|k8s.io/kubernetes/cmd/kube-controller-manager|$KUBE_LDFLAGS"
  "kube-apiserver|kube|k8s.io/kubernetes/cmd/kube-apiserver|$KUBE_LDFLAGS"
)

mkdir -p "$LOCAL_CLUSTER_BIN" "$LOCAL_CLUSTER_CACHE/logs" "$LOCAL_CLUSTER_CACHE/stamps"
failed=()
for program in "${PROGRAMS[@]}"; do
  IFS='|' read -r name folder pkg ldflags <<<"$program"
  src="$HERE/$folder"
  # Rebuild only when the pins (go.mod, go.sum) or the flags changed.
  stamp="$LOCAL_CLUSTER_CACHE/stamps/$name"
  want="$(cat "$src/go.mod" "$src/go.sum" <(echo "$ldflags") | sha256sum | cut -d' ' -f1)"
  if [[ -x "$LOCAL_CLUSTER_BIN/$name" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
    log "$name: up to date"
    continue
  fi
  logfile="$LOCAL_CLUSTER_CACHE/logs/$name.log"
  log "$name: building $pkg (log: $logfile)"
  started=$SECONDS
  # -mod=readonly: the committed go.sum must already hold every hash; a drifted pin fails loudly.
  if (cd "$src" && with_build_lock go build -mod=readonly -ldflags "$ldflags" -o "$LOCAL_CLUSTER_BIN/$name.tmp" "$pkg") >"$logfile" 2>&1; then
    mv "$LOCAL_CLUSTER_BIN/$name.tmp" "$LOCAL_CLUSTER_BIN/$name"
    echo "$want" >"$stamp"
    log "$name: built in $((SECONDS - started)) s"
  else
    tail -n 20 "$logfile" >&2
    failed+=("$name")
  fi
done
if ((${#failed[@]})); then
  log "ERROR: not built: ${failed[*]} (logs in $LOCAL_CLUSTER_CACHE/logs)"
  exit 1
fi
log "ready: $LOCAL_CLUSTER_BIN"
