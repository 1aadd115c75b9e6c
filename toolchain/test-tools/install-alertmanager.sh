#!/usr/bin/env bash
# Installs Alertmanager and amtool (Debian's `prometheus-alertmanager` package ships both) so the tests can
# run `amtool check-config` on the rendered config and start a real Alertmanager on 127.0.0.1 (the package's
# own service is not started in a container without systemd). Idempotent: nothing to do when amtool is on PATH.
set -euo pipefail
# shellcheck source=toolchain/lib/apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/apt-install.sh"
apt_install_tool amtool prometheus-alertmanager
command -v prometheus-alertmanager >/dev/null || { echo "amtool is installed but not the prometheus-alertmanager server" >&2; exit 1; }
