#!/usr/bin/env bash
# Installs the system tools the test suite runs for real (promtool for the alert rules, amtool and
# Alertmanager for the Alertmanager config, Sloth for the SLO rules' cross-check, vrl-runner for the
# Vector configs' VRL, gitleaks for the secret scan's own tests). The manifest
# checkers and the Pulumi toolchain install themselves in their own test steps. In CI a missing tool is an
# error; on a workstation without root it is a warning and the tests that need it say they were skipped.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! bash install-promtool.sh; then
  if [ "${CI:-}" = "true" ]; then
    echo "test-tools: promtool could not be installed, and CI must run the alert-rule checks" >&2
    exit 1
  fi
  echo "test-tools: WARNING promtool is unavailable; the promtool tests will be skipped" >&2
fi
if ! bash install-alertmanager.sh; then
  if [ "${CI:-}" = "true" ]; then
    echo "test-tools: Alertmanager could not be installed, and CI must run amtool check-config" >&2
    exit 1
  fi
  echo "test-tools: WARNING amtool is unavailable; the amtool tests will be skipped" >&2
fi
# The SLO tests compare the generated rules with Sloth's and fail without it, on a workstation too.
if ! bash install-sloth.sh >/dev/null; then
  echo "test-tools: Sloth could not be built (see the message above); test/unit/observability/slo-sloth.test.ts needs it" >&2
  exit 1
fi
# The VRL tests compile and run the Vector configs' programs with the real VRL engine and fail without it.
if ! bash ../vrl/install.sh >/dev/null; then
  echo "test-tools: vrl-runner could not be built (see the message above); test/unit/observability/vrl.test.ts needs it" >&2
  exit 1
fi
# The secret scan's tests run gitleaks on planted secrets and fail without it, on a workstation too.
if ! bash install-gitleaks.sh >/dev/null; then
  echo "test-tools: gitleaks could not be built (see the message above); test/unit/scripts/secret-scan.test.ts needs it" >&2
  exit 1
fi
