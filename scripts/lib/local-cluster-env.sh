# shellcheck shell=bash
# Where the local cluster's programs and state live. Sourced by the installer and by scripts/cluster.sh;
# it only sets variables.
export PRODUCTION_BLUEPRINT_CACHE="${PRODUCTION_BLUEPRINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/production-blueprint}"
export LOCAL_CLUSTER_CACHE="$PRODUCTION_BLUEPRINT_CACHE/local-cluster"
export LOCAL_CLUSTER_BIN="$LOCAL_CLUSTER_CACHE/bin"
