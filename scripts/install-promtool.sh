#!/usr/bin/env bash
# Installs promtool (Debian's `prometheus` package ships it) so the alert-rule tests can run
# `promtool check rules`. Idempotent: does nothing when promtool is already on PATH.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then
  echo "promtool already installed: $(promtool --version 2>&1 | head -n 1)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "promtool is missing and apt-get is not available: install Prometheus' promtool by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps the install to promtool and the server binary, without the exporters.
$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
echo "promtool installed: $(promtool --version 2>&1 | head -n 1)"
