#!/usr/bin/env bash
# Usage: scripts/python-venv.sh REQUIREMENTS_FILE
# Prints the path of a virtualenv holding exactly the pinned requirements, creating it on first use. The venv
# lives in a cache outside the repository, keyed by the requirements' hash, so a pin change builds a new one and
# a warm run costs nothing. Packages come from PyPI through pip; nothing else is downloaded.
set -euo pipefail

requirements="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/production-blueprint/python"
key="$(basename "$(dirname "$requirements")")-$(sha256sum "$requirements" | cut -c1-12)"
venv="$cache_root/$key"

if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  python="${PYTHON:-$(command -v python3)}"
  rm -rf "$venv"
  mkdir -p "$cache_root"
  "$python" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements" >&2
  touch "$venv/.complete"
fi
echo "$venv"
