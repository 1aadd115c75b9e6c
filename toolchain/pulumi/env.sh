# shellcheck shell=bash
# Source this file to use the Pulumi toolchain built by toolchain/pulumi/install.sh:
#   source toolchain/pulumi/env.sh && pulumi version
# It only sets variables; it never builds or downloads anything.

export PULUMI_TOOLCHAIN_DIR="${PULUMI_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/production-blueprint/pulumi-toolchain}"
export PULUMI_TOOLCHAIN_BIN="$PULUMI_TOOLCHAIN_DIR/bin"
# Plugins and logins live next to the binaries, so the toolchain never mixes with a ~/.pulumi from
# the official installer and deleting one directory removes all of it.
export PULUMI_HOME="${PULUMI_HOME:-$PULUMI_TOOLCHAIN_DIR/pulumi-home}"
# Nothing can be downloaded here: fail on a missing plugin instead of trying, and skip the update check.
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_UPDATE_CHECK=true

case ":$PATH:" in
  *":$PULUMI_TOOLCHAIN_BIN:"*) ;;
  *) export PATH="$PULUMI_TOOLCHAIN_BIN:$PATH" ;;
esac
