# shellcheck shell=bash
# Source this to pick the Pulumi CLI for `npm run local`, `history` and `rollback`:
#   - the user's own, official CLI (`pulumi` on PATH outside the project's toolchain, plugins in
#     ~/.pulumi/plugins): used as it is, with the user's login and plugin handling, and none of the
#     offline toolchain's settings;
#   - otherwise the toolchain built by toolchain/pulumi/install.sh, with toolchain/pulumi/env.sh.
# PULUMI_CLI=toolchain or PULUMI_CLI=official forces one. Sets PULUMI_CLI_CHOICE and PULUMI_CLI_REASON.

_pulumi_cli_toolchain_dir="${PULUMI_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/production-blueprint/pulumi-toolchain}"

# Prints the path of an official `pulumi` on PATH (not the toolchain's), or nothing.
_pulumi_cli_official() {
  local candidate
  candidate="$(command -v pulumi 2>/dev/null || true)"
  [[ -n "$candidate" && "$candidate" != "$_pulumi_cli_toolchain_dir"/* ]] || return 0
  [[ -d "${PULUMI_HOME:-$HOME/.pulumi}/plugins" ]] || return 0
  printf '%s\n' "$candidate"
}

case "${PULUMI_CLI:-auto}" in
  official)
    export PULUMI_CLI_CHOICE=official PULUMI_CLI_REASON="PULUMI_CLI=official"
    ;;
  toolchain)
    export PULUMI_CLI_CHOICE=toolchain PULUMI_CLI_REASON="PULUMI_CLI=toolchain"
    ;;
  *)
    if _pulumi_official_path="$(_pulumi_cli_official)" && [[ -n "$_pulumi_official_path" ]]; then
      export PULUMI_CLI_CHOICE=official PULUMI_CLI_REASON="your Pulumi CLI at $_pulumi_official_path with plugins in ${PULUMI_HOME:-$HOME/.pulumi}/plugins"
    else
      export PULUMI_CLI_CHOICE=toolchain PULUMI_CLI_REASON="no Pulumi CLI of your own with plugins in ~/.pulumi: the project's toolchain"
    fi
    unset _pulumi_official_path
    ;;
esac

# The offline toolchain's environment (its PULUMI_HOME, no plugin downloads) only when it is what runs.
if [[ "$PULUMI_CLI_CHOICE" == toolchain ]]; then
  # shellcheck source=toolchain/pulumi/env.sh
  source "$(dirname "${BASH_SOURCE[0]}")/../../toolchain/pulumi/env.sh"
fi
unset -f _pulumi_cli_official
unset _pulumi_cli_toolchain_dir
