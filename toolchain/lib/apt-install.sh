# shellcheck shell=bash
# apt_install_tool TOOL PACKAGE: installs Debian's PACKAGE (without recommends) unless TOOL is already on
# PATH, with sudo when not root. For the test tools Debian ships (promtool, amtool); idempotent.
apt_install_tool() {
  local tool=$1 package=$2 sudo=""
  if command -v "$tool" >/dev/null 2>&1; then
    echo "$tool already installed: $("$tool" --version 2>&1 | head -n 1)"
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$tool is missing and apt-get is not available: install Debian's $package (or its upstream release) by hand" >&2
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$package" >/dev/null
  echo "$tool installed: $("$tool" --version 2>&1 | head -n 1)"
}
