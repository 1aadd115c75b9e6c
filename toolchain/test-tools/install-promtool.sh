#!/usr/bin/env bash
# Installs promtool (Debian's `prometheus` package ships it) so the alert-rule tests can run
# `promtool check rules`. Idempotent: does nothing when promtool is already on PATH.
set -euo pipefail
# shellcheck source=toolchain/lib/apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/apt-install.sh"
apt_install_tool promtool prometheus
