#!/usr/bin/env bash
# Installs the third-party manifest checkers (kube-linter, kube-score, kubeconform, checkov) and the
# kubeconform schemas of the pinned Kubernetes version into a cache outside the repo. Every version comes
# from toolchain/manifest-tools/versions.json. A second run with everything in place returns in seconds.
#
# - The Go tools are built from the Go module proxy: the module zip is downloaded, its checksum compared
#   with the pinned one, and its main package built with the module's own go.mod/go.sum (what the upstream
#   release builds), niced (BUILD_NICE, toolchain/lib/go-env.sh) on a shared machine.
# - kube-linter: the proxy refuses the vanity path golang.stackrox.io/kube-linter (403) but serves the same
#   module under github.com/stackrox/kube-linter; `go install` rejects the path mismatch, building inside
#   the downloaded module does not. The script checks the go.mod really declares golang.stackrox.io/kube-linter.
# - checkov comes from PyPI into a virtualenv, with its dependencies pinned by toolchain/manifest-tools/checkov-constraints.txt.
# - The schemas are generated from the OpenAPI spec inside k8s.io/kubernetes@<pinned version>.
#
# Usage: bash toolchain/manifest-tools/install.sh
# Env:   MANIFEST_TOOLS_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/production-blueprint/manifest-tools)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
PINS="$HERE/versions.json"
CONSTRAINTS="$HERE/checkov-constraints.txt"
TOOLS_DIR="${MANIFEST_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/production-blueprint/manifest-tools}"
BIN_DIR="$TOOLS_DIR/bin"
STAMP_DIR="$TOOLS_DIR/stamps"
LOG_DIR="$TOOLS_DIR/logs"

# The project's one Go module and build cache and its build lock (toolchain/lib/go-env.sh): modules and
# packages shared with the other Go programs are fetched and compiled once.
# shellcheck source=toolchain/lib/go-env.sh
source "$HERE/../lib/go-env.sh"
# Node 24 from the project (tsx runs the schema generator), never the machine's node 20.
export PATH="$REPO_ROOT/node_modules/.bin:$PATH"

log() { printf '[manifest-tools] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v go >/dev/null || die "go is not on PATH; install Go 1.26 or newer"
command -v python3 >/dev/null || die "python3 is not on PATH; checkov needs Python 3.9 or newer"
[[ -x "$REPO_ROOT/node_modules/.bin/tsx" ]] || die "node_modules/.bin/tsx is missing; run npm ci first"
mkdir -p "$BIN_DIR" "$STAMP_DIR" "$LOG_DIR"

# Every pin as a shell variable, read once: PIN_kubernetes_version, PIN_tools_kube_score_module, …
eval "$(python3 -c 'import json, re, shlex, sys
def flatten(prefix, value):
    if isinstance(value, dict):
        for key, child in value.items(): yield from flatten(prefix + "_" + re.sub(r"\W", "_", key), child)
    else: yield prefix, str(value)
for name, value in flatten("PIN", json.load(open(sys.argv[1]))): print(f"{name}={shlex.quote(value)}")' "$PINS")"
pin() { # pin <json path, dot separated>; empty when not pinned
  local name="PIN_${1//[.-]/_}"
  printf '%s' "${!name-}"
}

# True when <stamp> records exactly <content> (and so the thing it stands for is installed).
is_current() { [[ -f "$STAMP_DIR/$1" && "$(cat "$STAMP_DIR/$1")" == "$2" ]]; }

# Downloads module@version through the proxy, checks its sum, prints the source directory.
module_dir() {
  local module=$1 version=$2 expected_sum=$3 json dir sum
  json=$(go mod download -json "$module@$version") || die "go mod download $module@$version failed"
  dir=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir",""))' <<<"$json")
  sum=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Sum",""))' <<<"$json")
  [[ -n "$dir" ]] || die "$module@$version: $(python3 -c 'import json,sys; print(json.load(sys.stdin).get("Error"))' <<<"$json")"
  [[ -z "$expected_sum" || "$sum" == "$expected_sum" ]] ||
    die "$module@$version has checksum $sum, toolchain/manifest-tools/versions.json pins $expected_sum"
  printf '%s\n' "$dir"
}

install_go_tool() {
  local name=$1 module version sum declared package version_var dir stamp
  module=$(pin "tools.$name.module")
  version=$(pin "tools.$name.version")
  sum=$(pin "tools.$name.sum")
  package=$(pin "tools.$name.package")
  version_var=$(pin "tools.$name.versionVariable")
  declared=$(pin "tools.$name.declaredModule")
  stamp="$module@$version"
  if is_current "$name" "$stamp" && [[ -x "$BIN_DIR/$name" ]]; then
    log "$name $version: already installed"
    return
  fi
  log "$name $version: building from $module (log: $LOG_DIR/$name.log)"
  dir=$(module_dir "$module" "$version" "$sum")
  if [[ -n "$declared" ]]; then
    grep -qx "module $declared" "$dir/go.mod" || die "$module@$version does not declare module $declared"
  fi
  (cd "$dir" && with_build_lock go build -o "$BIN_DIR/$name" -ldflags "$GO_LDFLAGS -X $version_var=$version" "$package") \
    >"$LOG_DIR/$name.log" 2>&1 || die "building $name failed; see $LOG_DIR/$name.log"
  printf '%s' "$stamp" >"$STAMP_DIR/$name"
}

install_checkov() {
  local version venv stamp
  version=$(pin tools.checkov.version)
  venv="$TOOLS_DIR/checkov-venv"
  stamp="checkov==$version $(sha256sum "$CONSTRAINTS" | cut -c1-16)"
  if is_current checkov "$stamp" && [[ -x "$venv/bin/checkov" ]]; then
    log "checkov $version: already installed"
    return
  fi
  log "checkov $version: installing from PyPI into $venv (log: $LOG_DIR/checkov.log)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  nice -n "$BUILD_NICE" "$venv/bin/pip" install --disable-pip-version-check --no-input \
    -c "$CONSTRAINTS" "checkov==$version" >"$LOG_DIR/checkov.log" 2>&1 ||
    die "pip install checkov==$version failed; see $LOG_DIR/checkov.log"
  ln -sf "$venv/bin/checkov" "$BIN_DIR/checkov"
  printf '%s' "$stamp" >"$STAMP_DIR/checkov"
}

install_schemas() {
  local k8s_version module generator dir out stamp
  k8s_version=$(pin kubernetes.version)
  module=$(pin kubernetes.openapiModule)
  generator="$HERE/generate-kubeconform-schemas.ts"
  out="$TOOLS_DIR/schemas/v$k8s_version-standalone-strict"
  # The generator's content, not its path, so every checkout of the same code shares the schemas.
  stamp="$module@v$k8s_version $(cat "$generator" "$HERE/kubeconformSchemas.ts" | sha256sum | cut -c1-16)"
  if is_current schemas "$stamp" && [[ -d "$out" ]]; then
    log "kubeconform schemas v$k8s_version: already generated"
    return
  fi
  log "kubeconform schemas v$k8s_version: generating from $module@v$k8s_version api/openapi-spec"
  dir=$(module_dir "$module" "v$k8s_version" "")
  rm -rf "$out"
  tsx "$generator" --spec "$dir/api/openapi-spec/swagger.json" --out "$out" >"$LOG_DIR/schemas.log" 2>&1 ||
    die "schema generation failed; see $LOG_DIR/schemas.log"
  printf '%s' "$stamp" >"$STAMP_DIR/schemas"
}

install_go_tool kube-linter
install_go_tool kube-score
install_go_tool kubeconform
install_checkov
install_schemas
log "ready in $TOOLS_DIR"
