#!/usr/bin/env bash
# Installs Alertmanager and amtool (Debian's `prometheus-alertmanager` package ships both) so the tests can
# run `amtool check-config` on the rendered config and start a real Alertmanager. Idempotent: does nothing
# when both are already on PATH.
set -euo pipefail
if command -v amtool >/dev/null 2>&1 && command -v prometheus-alertmanager >/dev/null 2>&1; then
  echo "alertmanager already installed: $(amtool --version 2>&1 | head -n 1)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "amtool is missing and apt-get is not available: install Alertmanager (amtool and the server) by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends: the server and amtool only. The package's service is not started in a container
# without systemd, and the tests start their own instance on 127.0.0.1.
$SUDO apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null
echo "alertmanager installed: $(amtool --version 2>&1 | head -n 1)"
