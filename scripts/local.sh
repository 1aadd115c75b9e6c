#!/usr/bin/env bash
# The main job on the embedded default (the `local` stack): through the real Pulumi engine when the
# toolchain is installed, otherwise through the offline render. Says which one ran and where the manifests are.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v pulumi >/dev/null 2>&1; then
  echo "Pulumi CLI found: running 'pulumi up -s local' (renders into rendered/local)"
  exec bash scripts/pulumi-local.sh up --yes
fi
echo "Pulumi CLI not installed: running the offline render instead (see docs/toolchain.md to install the engine)"
exec tsx scripts/render.ts --stack local --out rendered/local
