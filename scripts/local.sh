#!/usr/bin/env bash
# The main job on the embedded default (the `local` stack), `npm run local`: `pulumi up` of the local stack
# through the real Pulumi engine. It installs the toolchain first when it is missing (idempotent: seconds
# when built; the first build is long, docs/toolchain.md), then deploys
#   - into the local cluster when it is up (npm run cluster -- up), or
#   - through the Kubernetes provider's renderYamlToDirectory into rendered/local otherwise,
# and says which. Only if the toolchain cannot be built here (no Go) does it fall back to the offline
# render (the program under mocks), saying why. `npm run local -- --offline` asks for that render.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

offline() {
  echo "local: offline render, because $1"
  tsx scripts/render.ts --stack local --out rendered/local
  echo "local: manifests are in rendered/local (offline render: the program under mocks, no state)"
  exit 0
}
usage() {
  cat <<'USAGE'
usage: npm run local -- [--offline]

Runs `pulumi up` of the local stack through the real Pulumi engine: into the local cluster when it is up, else
rendered into rendered/local. Builds the toolchain first when it is missing.

options:
  --offline   render with the program under mocks instead (no engine, no state)
  -h, --help  print this help and exit

docs: docs/toolchain.md
USAGE
}
case "${1:-}" in
  "") ;;
  --offline) offline "--offline was asked for" ;;
  -h | --help) usage; exit 0 ;;
  *) printf 'local: unknown option %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
esac
[[ $# -le 1 ]] || { printf 'local: takes at most one option, got %s\n\n' "$*" >&2; usage >&2; exit 2; }

# Your own Pulumi CLI if you have one, else the project's toolchain (scripts/lib/pulumi-cli-choice.sh).
# shellcheck source=scripts/lib/pulumi-cli-choice.sh
source scripts/lib/pulumi-cli-choice.sh
echo "local: Pulumi CLI: $PULUMI_CLI_REASON"
if [[ "$PULUMI_CLI_CHOICE" == official ]]; then
  echo "local: engine path: your Pulumi CLI, which fetches any missing provider plugin itself"
else
  if ! status="$(tsx toolchain/pulumi/engine-status.ts)"; then
    echo "local: the engine is not ready ($(head -n1 <<<"$status")); installing the toolchain (npm run toolchain)"
    bash toolchain/pulumi/install.sh || true
    status="$(tsx toolchain/pulumi/engine-status.ts)" || offline "the engine cannot run the local stack here: $(head -n1 <<<"$status")"
  fi
  echo "local: engine path: $(head -n1 <<<"$status")"
  tail -n +2 <<<"$status" | sed 's/^/local: /' # one line per stand-in plugin
fi

if tsx scripts/cluster.ts status >/dev/null 2>&1; then
  export PRODUCTION_BLUEPRINT_LOCAL_CLUSTER_KUBECONFIG="$PWD/.cluster/kubeconfig"
  echo "local: the local cluster is up ($(tsx scripts/cluster.ts status | head -n1)): 'pulumi up -s local' deploys into it"
else
  echo "local: the local cluster is not up (npm run cluster -- up starts it): 'pulumi up -s local' renders the manifests into rendered/local"
fi
exec bash scripts/pulumi-local.sh up --yes --skip-preview
