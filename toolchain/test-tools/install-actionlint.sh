#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow checker) from the Go module proxy into the project's
# shared cache, so `npm test` can lint .github/workflows for real. Idempotent: a second run with the pinned
# version in place returns at once. Prints the binary's path on its last line.
#
# Usage: bash toolchain/test-tools/install-actionlint.sh
set -euo pipefail
# The one pin; bump it here (the proxy serves every tagged release).
ACTIONLINT_MODULE="github.com/rhysd/actionlint"
ACTIONLINT_VERSION="v1.7.12"

# shellcheck source=toolchain/lib/go-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/go-env.sh"
# The version string is what `actionlint -version` prints, as in upstream's release builds.
go_install_tool actionlint "$ACTIONLINT_MODULE/cmd/actionlint" "$ACTIONLINT_VERSION" \
  "-X $ACTIONLINT_MODULE.version=$ACTIONLINT_VERSION" -version
