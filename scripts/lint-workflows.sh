#!/usr/bin/env bash
# Lints .github/workflows and the composite action with actionlint (installed from the Go module proxy by
# toolchain/test-tools/install-actionlint.sh). Any finding fails: the workflows must lint clean.
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIONLINT="$(bash toolchain/test-tools/install-actionlint.sh | tail -n 1)"
"$ACTIONLINT" -version | head -n 1
"$ACTIONLINT" -no-color
echo "actionlint: no findings in .github/workflows"
