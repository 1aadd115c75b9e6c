#!/usr/bin/env bash
# Installs gitleaks (the secret scanner scripts/scan-secrets.sh runs over the tree, the git history and the
# renders) from the Go module proxy into the project's shared cache. Idempotent: a second run with the pinned
# version in place returns at once. Prints the binary's path on its last line.
#
# Built with the module's own go.mod and go.sum and Go's standard regexp engine: upstream's release builds
# add the `gore2regex` tag (a faster RE2 engine) that the scan does not need, and the rules are the same.
#
# Usage: bash toolchain/test-tools/install-gitleaks.sh
# Env:   PRODUCTION_BLUEPRINT_CACHE moves the cache (see toolchain/lib/go-env.sh).
set -euo pipefail
# The one pin; bump it here (the proxy serves every tagged v8 release).
GITLEAKS_MODULE="github.com/zricethezav/gitleaks/v8"
GITLEAKS_VERSION="v8.30.1"

# shellcheck source=toolchain/lib/go-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/go-env.sh"
# The version string is what `gitleaks version` prints.
go_install_tool gitleaks "$GITLEAKS_MODULE" "$GITLEAKS_VERSION" \
  "-X=$GITLEAKS_MODULE/version.Version=$GITLEAKS_VERSION" version
