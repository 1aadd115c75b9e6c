#!/usr/bin/env bash
# Lints .github (the workflows, the composite action and dependabot.yml) with two tools; any finding fails,
# so the workflows must lint clean:
# - actionlint (installed from the Go module proxy by toolchain/test-tools/install-actionlint.sh): syntax,
#   expressions, action inputs, and shellcheck over the `run:` scripts.
# - zizmor (installed from PyPI by toolchain/test-tools/install-zizmor.sh): security audits (template
#   injection, credentials persisted by checkout, permissions, unpinned actions, dangerous triggers, cache
#   poisoning, …). --offline: no GitHub API calls (the audits that need them, and a token, are skipped), so
#   the result depends on the tree alone. Its exemptions, each with its reason, are in .github/zizmor.yml,
#   passed explicitly so it is used however the tree was obtained (zizmor finds it unaided only in a git
#   checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIONLINT="$(bash toolchain/test-tools/install-actionlint.sh | tail -n 1)"
"$ACTIONLINT" -version | head -n 1
"$ACTIONLINT" -no-color
echo "actionlint: no findings in .github/workflows"

ZIZMOR="$(bash toolchain/test-tools/install-zizmor.sh | tail -n 1)"
"$ZIZMOR" --version
# zizmor exits non-zero on any finding (on every severity and confidence); --no-progress keeps CI logs plain.
"$ZIZMOR" --offline --no-progress --color never --config .github/zizmor.yml .github/
echo "zizmor: no findings in .github"
