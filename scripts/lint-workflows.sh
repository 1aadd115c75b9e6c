#!/usr/bin/env bash
# Lints .github/workflows and the composite action with actionlint (installed by scripts/install-actionlint.sh
# from the Go module proxy). Any finding fails: the workflows must lint clean.
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIONLINT="$(bash scripts/install-actionlint.sh | tail -n 1)"
"$ACTIONLINT" -version | head -n 1
"$ACTIONLINT" -no-color
echo "actionlint: no findings in .github/workflows"
