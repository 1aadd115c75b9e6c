#!/usr/bin/env bash
# Runs `pulumi <args> -s local` on the embedded default stack, offline:
#   bash scripts/pulumi-local.sh up --yes        bash scripts/pulumi-local.sh destroy --yes
# - the toolchain from toolchain/pulumi/install.sh (toolchain/pulumi/env.sh: no plugin downloads);
# - Node 24 from node_modules/.bin first on PATH, as `npm run` sets it;
# - the file backend in .pulumi-state/ (gitignored), whatever PULUMI_BACKEND_URL the shell holds, so the
#   local stack can never land in a shared bucket;
# - the local stack's fixed passphrase, not a secret: that stack holds only throwaway values the program
#   generated (docs/toolchain.md, "The local stack"). Only this script sets it, so it never reaches
#   staging or production, and a real passphrase in the shell never encrypts the local stack.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/pulumi-cli-choice.sh
source scripts/lib/pulumi-cli-choice.sh
export PATH="$PWD/node_modules/.bin:$PATH"

# Keep in step with LOCAL_STACK_PASSPHRASE in toolchain/pulumi/engine-status.ts.
LOCAL_STACK_PASSPHRASE="production-blueprint-local-stack-not-a-secret"

command -v pulumi >/dev/null || { echo "pulumi-local: no Pulumi CLI on PATH: run bash toolchain/pulumi/install.sh (docs/toolchain.md)" >&2; exit 1; }
[[ "$(node --version 2>/dev/null)" == v24.* ]] || { echo "pulumi-local: node_modules/.bin/node is not Node 24: run npm ci" >&2; exit 1; }

mkdir -p .pulumi-state
export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE="$LOCAL_STACK_PASSPHRASE"
unset PULUMI_CONFIG_PASSPHRASE_FILE

pulumi stack select --create local >&2
exec pulumi "$@" -s local
