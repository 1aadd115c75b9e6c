#!/usr/bin/env bash
# The main job on the embedded default (the `local` stack), `npm run local`: through the real Pulumi engine
# when the CLI and the local stack's provider plugins are installed, otherwise through the offline render.
# Says which path ran, why, and where the manifests are.
set -euo pipefail
cd "$(dirname "$0")/.."
# Your own Pulumi CLI if you have one, else the project's toolchain (scripts/lib/pulumi-cli-choice.sh).
# shellcheck source=scripts/lib/pulumi-cli-choice.sh
source scripts/lib/pulumi-cli-choice.sh
echo "local: Pulumi CLI: $PULUMI_CLI_REASON"
export PATH="$PWD/node_modules/.bin:$PATH"

if status="$(tsx scripts/pulumi-toolchain/engine-status.ts)"; then
  echo "local: engine path: $status"
  echo "local: running 'pulumi up -s local'; the Kubernetes provider writes the manifests into rendered/local"
  exec bash scripts/pulumi-local.sh up --yes
fi
echo "local: offline render, because the engine cannot run the local stack here: $status"
tsx scripts/render.ts --stack local --out rendered/local
echo "local: manifests are in rendered/local (offline render: the program under mocks, no state)"
