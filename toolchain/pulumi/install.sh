#!/usr/bin/env bash
# Builds the Pulumi CLI, the Node.js language host and the provider plugins this project needs from the
# Go module proxy (the only source an offline machine and CI can reach), caches them outside the repo,
# and installs the providers as Pulumi plugins. A second run with everything in place takes seconds.
#
# Versions come from package-lock.json so the engine can never drift from the @pulumi/* packages.
# Where the proxy refuses a module version, the nearest published module that contains the same program
# is used instead (FALLBACK below) and the run says so. Anything that cannot be built at all is listed at
# the end and the script exits 1, after building everything else.
#
# Usage: bash toolchain/pulumi/install.sh [--check] [--allow-missing-providers]
#                                                              then: source toolchain/pulumi/env.sh
#        --check builds nothing: it says, in seconds, whether everything is installed or can be built,
#        and exits 0 only if so (CI uses it to skip a build that could not complete).
#        --allow-missing-providers still lists every provider plugin that cannot be built, but exits 0
#        when only providers are missing (the CLI and the Node.js host are there, or can be built with
#        --check). CI uses it to install what it can; the e2e tests then say which tests the missing
#        providers skip. Without it the script is strict.
# Env:   PULUMI_TOOLCHAIN_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/production-blueprint/pulumi-toolchain)
#        PULUMI_HOME          (default $PULUMI_TOOLCHAIN_DIR/pulumi-home)
set -euo pipefail

CHECK_ONLY=false
ALLOW_MISSING_PROVIDERS=false
for arg in "$@"; do
  case "$arg" in
    --check) CHECK_ONLY=true ;;
    --allow-missing-providers) ALLOW_MISSING_PROVIDERS=true ;;
    *) printf 'usage: %s [--check] [--allow-missing-providers]\n' "$0" >&2; exit 2 ;;
  esac
done

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOCKFILE="$(cd "$HERE/../.." && pwd)/package-lock.json"
# shellcheck source=toolchain/pulumi/env.sh
source "$HERE/env.sh"

WORK_DIR="$PULUMI_TOOLCHAIN_DIR/build"
STAMP_DIR="$PULUMI_TOOLCHAIN_DIR/stamps"
LOG_DIR="$PULUMI_TOOLCHAIN_DIR/logs"
# Kept off PATH: only the front installed as pulumi-language-nodejs starts it (see build_nodejs_host_front).
UPSTREAM_NODEJS_HOST="$PULUMI_TOOLCHAIN_DIR/libexec/pulumi-language-nodejs-upstream"
HOST_FRONT_SOURCE="$HERE/nodejs-host-front"
CLI_VERSION="" # the pulumi version actually built; the host front links against the same SDK

# The project's one Go module and build cache, shared with the local cluster and the systems the tests run
# (toolchain/lib/go-env.sh), and its build lock, so two large builds never compete for the 2 cores.
# shellcheck source=toolchain/lib/go-env.sh
source "$HERE/../lib/go-env.sh"

log() { printf '[pulumi-toolchain] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v go >/dev/null || die "go is not on PATH; install Go 1.25 or newer"
command -v node >/dev/null || die "node is not on PATH; it is needed to read $LOCKFILE"
[[ -f "$LOCKFILE" ]] || die "missing $LOCKFILE; run npm install first"

# Version of node_modules/@pulumi/<name> in the lockfile.
locked_version() {
  # shellcheck disable=SC2016 # ${...} is a JavaScript template literal, not shell
  node -e '
    const [file, name] = process.argv.slice(1);
    const entry = require(file).packages?.["node_modules/@pulumi/" + name];
    if (!entry?.version) { console.error(`@pulumi/${name} is not in ${file}`); process.exit(1); }
    console.log(entry.version);' "$LOCKFILE" "$1"
}

# What to build: name | kind | @pulumi package whose version it must match | Go module | main package |
# variable the version is linked into.
# The providers keep their version in <module>/pkg/version.Version (see each provider's Makefile, LDFLAGS).
COMPONENTS=(
  "pulumi|cli|pulumi|github.com/pulumi/pulumi/pkg/v3|github.com/pulumi/pulumi/pkg/v3/cmd/pulumi|github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
  "nodejs|language|pulumi|github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3|github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3|github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
  "kubernetes|resource|kubernetes|github.com/pulumi/pulumi-kubernetes/provider/v4|github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes|github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version"
  "random|resource|random|github.com/pulumi/pulumi-random/provider/v4|github.com/pulumi/pulumi-random/provider/v4/cmd/pulumi-resource-random|github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version"
  "tls|resource|tls|github.com/pulumi/pulumi-tls/provider/v5|github.com/pulumi/pulumi-tls/provider/v5/cmd/pulumi-resource-tls|github.com/pulumi/pulumi-tls/provider/v5/pkg/version.Version"
)

# Releases whose Go module carries a pseudo-version instead of the release tag: @pulumi/<name>@<version> ->
# module version. pulumi-kubernetes tags its releases `vX.Y.Z` at the repository root while the provider
# module lives in provider/, so the proxy serves release v4.25.0 (commit f47bc2d6f199) only under this
# pseudo-version. A lockfile version missing here is tried as the tag itself.
declare -A MODULE_VERSION=(
  [kubernetes@4.25.0]="v4.0.0-20260115033456-f47bc2d6f199"
)

# Providers whose main package embeds files that `go generate` writes and the module zip lacks: the main
# package is copied into the wrapper, its own generate.go run with VERSION set, and the copy built.
declare -A GENERATED_MAIN=(
  [kubernetes]="cmd/pulumi-resource-kubernetes"
)

# Providers the proxy refuses at every version, for which the repository carries a stand-in plugin
# (toolchain/pulumi/standin-providers, docs/toolchain.md): installed only where the real plugin is
# absent, under the version the npm SDK asks for, and marked so every command that loads it says so.
STANDIN_SOURCE="$HERE/standin-providers"
PATCH_DIR="$HERE/patches"
STANDIN_MARKER="STAND-IN"

# When the proxy refuses the exact version, build this instead: name -> module@version|main package.
# - pulumi: the proxy refuses pkg/v3@v3.270.0 (the SDK's version) and serves v3.274.1, the newest CLI it
#   has. A CLI newer than the SDK is the supported direction: the SDK asks the engine which features it has.
# - nodejs: the proxy refuses every version of the language host's own module (403). Up to v3.68.0 the
#   host was a package inside the sdk/v3 module, which the proxy does serve. The engine falls back to
#   the older RPCs when a host does not implement newer ones.
declare -A FALLBACK=(
  [pulumi]="github.com/pulumi/pulumi/pkg/v3@v3.274.1|github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
  [nodejs]="github.com/pulumi/pulumi/sdk/v3@v3.68.0|github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
)

# Prints the GoMod path of module@version and, on a second line, its extracted source directory, or fails
# with the proxy's error on stderr.
download_module() {
  local json
  json="$(go mod download -json "$1" 2>/dev/null || true)"
  node -e '
    const raw = process.argv[1];
    let info; try { info = JSON.parse(raw); } catch { console.error(raw || "no answer from go mod download"); process.exit(1); }
    if (info.Error) { console.error(info.Error.replace(/\s+/g, " ")); process.exit(1); }
    console.log(`${info.GoMod}\n${info.Dir}`);' "$json"
}

# Writes a wrapper module that requires module@version and copies its replace directives. Directives
# that point into the upstream repository (../sdk) cannot work from the module cache, so the module
# they name is required at the release version instead (SIBLING_VERSION: the tag itself, or the release a
# pseudo-version stands for), which is what the upstream release contains. MAIN_PKG empty: no tools.go.
write_wrapper_module() {
  local dir="$1" module="$2" version="$3" upstream_gomod="$4" main_pkg="$5" sibling_version="$6"
  mkdir -p "$dir"
  # shellcheck disable=SC2016 # ${...} is a JavaScript template literal, not shell
  node -e '
    const fs = require("fs");
    const [gomodPath, module, version, outDir, mainPkg, siblingVersion] = process.argv.slice(1);
    const text = fs.readFileSync(gomodPath, "utf8");
    const goVersion = (text.match(/^go\s+(\S+)/m) || [, "1.21"])[1];
    const replaces = [];
    for (const m of text.matchAll(/^replace\s+\(\s*\n([\s\S]*?)^\)/gm)) replaces.push(...m[1].split("\n"));
    for (const m of text.matchAll(/^replace\s+([^(\n].*)$/gm)) replaces.push(m[1]);
    const requires = [`\t${module} ${version}`];
    const kept = [];
    for (const line of replaces.map((l) => l.replace(/\/\/.*$/, "").trim()).filter(Boolean)) {
      const [from, to] = line.split("=>").map((s) => s.trim());
      if (/^\.\.?\//.test(to)) requires.push(`\t${from.split(/\s+/)[0]} ${siblingVersion}`);
      else kept.push(`\t${from} => ${to}`);
    }
    fs.writeFileSync(`${outDir}/go.mod`,
      `// Generated by toolchain/pulumi/install.sh from ${module}@${version}; do not edit.\n` +
      `module pulumi-toolchain.invalid/wrapper\n\ngo ${goVersion}\n\nrequire (\n${requires.join("\n")}\n)\n` +
      (kept.length ? `\nreplace (\n${kept.join("\n")}\n)\n` : ""));
    if (mainPkg) fs.writeFileSync(`${outDir}/tools.go`,
      `//go:build tools\n\npackage tools\n\nimport _ "${mainPkg}"\n`);' \
    "$upstream_gomod" "$module" "$version" "$dir" "$main_pkg" "$sibling_version"
}

# build_binary NAME MODULE VERSION MAIN_PKG VERSION_VAR OUT [RELEASE]: builds one binary from a wrapper
# module. RELEASE is the version the binary reports (default VERSION).
build_binary() {
  local name="$1" module="$2" version="$3" main_pkg="$4" version_var="$5" out="$6" release="${7:-$3}"
  local found gomod source dir="$WORK_DIR/$name-$version" logfile="$LOG_DIR/$name-$version.log"
  found="$(download_module "$module@$version")" || return 1
  gomod="${found%%$'\n'*}" source="${found#*$'\n'}"
  rm -rf "$dir"
  local generated="${GENERATED_MAIN[$name]:-}"
  if [[ -n "$generated" ]]; then
    write_wrapper_module "$dir" "$module" "$version" "$gomod" "" "v${release#v}"
    log "building $main_pkg@$version as release $release, after its own go generate (log: $logfile)"
    (
      cd "$dir" &&
        mkdir -p "$dir/$generated" &&
        cp "$source/$generated"/* "$dir/$generated/" &&
        chmod -R u+w "$dir/$generated" &&
        apply_patches "$name" "v${release#v}" "$module" "$source" "$dir" &&
        go mod tidy &&
        (cd "$dir/$generated" && VERSION="${release#v}" go run -mod=mod generate.go) &&
        with_build_lock go build -mod=mod -ldflags "$GO_LDFLAGS -X $version_var=$release" -o "$out.tmp" "./$generated" &&
        mv "$out.tmp" "$out"
    ) >"$logfile" 2>&1 || { tail -n 20 "$logfile" >&2; return 1; }
    return 0
  fi
  write_wrapper_module "$dir" "$module" "$version" "$gomod" "$main_pkg" "$version"
  log "building $main_pkg@$version (log: $logfile)"
  (
    cd "$dir" &&
      go get "$main_pkg@$version" &&
      with_build_lock go build -ldflags "$GO_LDFLAGS -X $version_var=$release" -o "$out.tmp" "$main_pkg" &&
      mv "$out.tmp" "$out"
  ) >"$logfile" 2>&1 || { tail -n 20 "$logfile" >&2; return 1; }
}

# apply_patches NAME RELEASE MODULE SOURCE_DIR WRAPPER_DIR: when toolchain/pulumi/patches holds
# NAME-RELEASE-*.patch files (each says why), builds against a patched copy of MODULE in WRAPPER_DIR/module
# instead of the module cache, which stays untouched.
apply_patches() {
  local name="$1" release="$2" module="$3" source="$4" dir="$5" patch
  local patches=("$PATCH_DIR/$name-$release"-*.patch)
  [[ -e "${patches[0]}" ]] || return 0
  cp -r "$source" "$dir/module" && chmod -R u+w "$dir/module" || return 1
  for patch in "${patches[@]}"; do
    echo "applying $(basename "$patch")"
    (cd "$dir/module" && git apply -p1 "$patch") || return 1
  done
  go mod edit -replace="$module=./module"
}

# patches_hash NAME RELEASE: what the patches for NAME RELEASE hash to (empty: none), so a changed patch rebuilds.
# Only what git apply reads counts, from each file's first `diff`/`---` line on: the explanation above it
# can be edited without a rebuild.
patches_hash() {
  local patches=("$PATCH_DIR/$1-$2"-*.patch)
  [[ -e "${patches[0]}" ]] && awk 'FNR == 1 { body = 0 } /^(diff |--- )/ { body = 1 } body' "${patches[@]}" | sha256sum | cut -d' ' -f1
  return 0
}

# build_nodejs_host_front OUT: the fallback v3.68.0 host lacks two things the engine relies on: it reads
# Pulumi.yaml runtime options (typescript, nodeargs, tsconfig) only as command-line flags, which the engine does
# not pass, and it has no RunPlugin, which the engine uses to start Node.js policy packs. The front in
# toolchain/pulumi/nodejs-host-front serves the engine, starts the upstream host with the flags each
# request's options ask for, forwards every call to it, and implements RunPlugin itself. Hand-written
# because no published module provides it. It is built from a copy in the cache (so the build never
# rewrites the committed go.mod), against the sdk/v3 of the CLI that was built.
build_nodejs_host_front() {
  local out="$1" dir="$WORK_DIR/nodejs-host-front" logfile="$LOG_DIR/nodejs-host-front.log"
  [[ -n "$CLI_VERSION" ]] || { log "nodejs: no pulumi CLI was built, so there is no SDK version to build the host front with"; return 1; }
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$HOST_FRONT_SOURCE"/{go.mod,go.sum,main.go} "$dir/"
  (cd "$dir" && go mod edit -require="github.com/pulumi/pulumi/sdk/v3@$CLI_VERSION") || return 1
  # Rebuild only when the front's source (or the SDK it builds against) changed.
  local source_hash
  source_hash="$(cat "$dir/go.mod" "$dir/go.sum" "$dir/main.go" | sha256sum | cut -d' ' -f1)"
  if [[ -x "$out" && "$(cat "$STAMP_DIR/nodejs-host-front.sha256" 2>/dev/null)" == "$source_hash" ]]; then
    return 0
  fi
  log "building the Node.js language host front against sdk/v3@$CLI_VERSION (log: $logfile)"
  (
    cd "$dir" &&
      with_build_lock go build -mod=mod -ldflags "$GO_LDFLAGS" -o "$out.tmp" . &&
      mv "$out.tmp" "$out"
  ) >"$logfile" 2>&1 || { tail -n 20 "$logfile" >&2; return 1; }
  echo "$source_hash" >"$STAMP_DIR/nodejs-host-front.sha256"
  log "nodejs: installed the language host front ($out)"
}

plugin_installed() { [[ -d "$PULUMI_HOME/plugins/$1-$2-v$3" ]]; }

# is_up_to_date KIND NAME BUILT_VERSION WANTED_VERSION, for a component whose stamp and binary exist.
is_up_to_date() {
  case "$1" in
    resource) plugin_installed "$1" "$2" "${3#v}" ;;
    language)
      [[ "$3" == "$4" ]] && return 0
      [[ -x "$UPSTREAM_NODEJS_HOST" ]] && { "$CHECK_ONLY" || build_nodejs_host_front "$PULUMI_TOOLCHAIN_BIN/pulumi-language-$2"; }
      ;;
    *) return 0 ;;
  esac
}

install_plugin() {
  local kind="$1" name="$2" version="$3" file="$4"
  [[ -x "$PULUMI_TOOLCHAIN_BIN/pulumi" ]] || { log "$name: no pulumi CLI to install the plugin with"; return 1; }
  "$PULUMI_TOOLCHAIN_BIN/pulumi" plugin install "$kind" "$name" "$version" --file "$file" --reinstall
}

FAILED=()
CORE_FAILED=false # the CLI or the language host is missing: nothing can run, whatever the flags
record_failure() { FAILED+=("$2"); [[ "$1" == resource ]] || CORE_FAILED=true; }

build_component() {
  local name="$1" kind="$2" npm_pkg="$3" module="$4" main_pkg="$5" version_var="$6"
  local wanted stamp out built_module built_version built_pkg err
  wanted="$(locked_version "$npm_pkg")"
  stamp="$STAMP_DIR/$name-$wanted"
  case "$kind" in
    cli) out="$PULUMI_TOOLCHAIN_BIN/pulumi" ;;
    language) out="$PULUMI_TOOLCHAIN_BIN/pulumi-language-$name" ;;
    *) out="$WORK_DIR/bin/pulumi-$kind-$name" ;;
  esac

  # A real plugin someone else installed (pulumi plugin install, a copied ~/.pulumi) is never replaced.
  if [[ "$kind" == resource && ! -f "$stamp" ]] && plugin_installed "$kind" "$name" "$wanted" &&
    [[ ! -f "$PULUMI_HOME/plugins/$kind-$name-v$wanted/$STANDIN_MARKER" ]]; then
    log "$name: the real plugin v$wanted is already installed"
    return 0
  fi

  if [[ -f "$stamp" && -x "$out" ]]; then
    local built_patches
    read -r built_version built_pkg built_patches <"$stamp"
    [[ "$kind" == cli ]] && CLI_VERSION="$built_version"
    if [[ "$built_pkg" == stand-in ]]; then
      if "$CHECK_ONLY" || install_standin "$name" "$wanted" "$out" "$stamp"; then return 0; fi
    elif [[ "${built_patches:-}" == "$(patches_hash "$name" "v$wanted")" ]] && is_up_to_date "$kind" "$name" "$built_version" "v$wanted"; then
      log "$name: up to date ($built_pkg@$built_version for @pulumi/$npm_pkg $wanted)"
      return 0
    fi
  fi

  built_module="$module" built_version="${MODULE_VERSION[$name@$wanted]:-v$wanted}" built_pkg="$main_pkg"
  if ! err="$(download_module "$module@$built_version" 2>&1 >/dev/null)"; then
    if [[ -d "$STANDIN_SOURCE/cmd/pulumi-resource-$name" ]]; then
      log "$name: the proxy refuses $module@$built_version ($err)"
      if "$CHECK_ONLY"; then log "$name: would build the stand-in plugin for @pulumi/$npm_pkg $wanted"; return 0; fi
      install_standin "$name" "$wanted" "$out" "$stamp" || record_failure "$kind" "$name: stand-in build failed, see $LOG_DIR/standin-$name.log"
      return 0
    fi
    if [[ -z "${FALLBACK[$name]:-}" ]]; then
      log "$name: cannot build $module@$built_version: $err"
      record_failure "$kind" "$name ($module@$built_version): $err"
      return 0
    fi
    IFS='|' read -r built_module built_pkg <<<"${FALLBACK[$name]}"
    built_version="${built_module#*@}" built_module="${built_module%@*}"
    log "$name: the proxy refuses $module@v$wanted ($err)"
    log "$name: using $built_module@$built_version instead"
  fi

  if "$CHECK_ONLY"; then
    if err="$(download_module "$built_module@$built_version" 2>&1 >/dev/null)"; then
      log "$name: would build $built_pkg@$built_version for @pulumi/$npm_pkg $wanted"
    else
      record_failure "$kind" "$name ($built_module@$built_version): $err"
    fi
    return 0
  fi

  # A resource plugin reports (without a v, as upstream's Makefiles link it) and is installed under the
  # SDK's version, even when its module carries a pseudo-version; the CLI and host report the tag they were
  # built from (v3.274.1, as `pulumi version` prints an official build).
  local release="$built_version"
  [[ "$kind" == resource ]] && release="$wanted"
  # The fallback Node.js host runs behind a small front that adds what today's engine expects of it.
  local binary="$out"
  [[ "$kind" == language && "$built_version" != "v$wanted" ]] && binary="$UPSTREAM_NODEJS_HOST"
  mkdir -p "$(dirname "$binary")" "$(dirname "$out")"
  local started=$SECONDS
  if ! build_binary "$name" "$built_module" "$built_version" "$built_pkg" "$version_var" "$binary" "$release"; then
    record_failure "$kind" "$name: build of $built_pkg@$built_version failed, see $LOG_DIR/$name-$built_version.log"
    return 0
  fi
  log "$name: built in $((SECONDS - started)) s"
  [[ "$kind" == cli ]] && CLI_VERSION="$built_version"
  if [[ "$binary" != "$out" ]] && ! build_nodejs_host_front "$out"; then
    record_failure "$kind" "$name: build of the language host front failed, see $LOG_DIR/nodejs-host-front.log"
    return 0
  fi
  if [[ "$kind" == resource ]] && ! install_plugin "$kind" "$name" "$release" "$out"; then
    record_failure "$kind" "$name: built, but 'pulumi plugin install' failed"
    return 0
  fi
  printf '%s %s %s\n' "$([[ "$kind" == resource ]] && echo "v$release" || echo "$built_version")" "$built_pkg" "$(patches_hash "$name" "v${release#v}")" >"$stamp"
  log "$name: installed $built_pkg@$built_version for @pulumi/$npm_pkg $wanted"
}

# install_standin NAME VERSION OUT STAMP: builds the repository's stand-in plugin for NAME (when its source
# changed) and installs it as resource plugin NAME vVERSION, with the marker that makes every command that
# loads it say so. The real plugin is never replaced: this runs only where it is absent.
install_standin() {
  local name="$1" version="$2" out="$3" stamp="$4" logfile="$LOG_DIR/standin-$name.log" source_hash
  source_hash="$( (cd "$STANDIN_SOURCE" && find . -type f -name '*.go' -o -name 'go.*' | sort | xargs cat) | sha256sum | cut -d' ' -f1)"
  local plugin_dir="$PULUMI_HOME/plugins/resource-$name-v$version"
  if [[ -x "$out" && "$(cat "$STAMP_DIR/standin-$name.sha256" 2>/dev/null)" == "$source_hash" && -f "$plugin_dir/$STANDIN_MARKER" ]]; then
    log "$name: stand-in plugin v$version up to date (real plugin not installed)"
    return 0
  fi
  log "$name: building the stand-in plugin from toolchain/pulumi/standin-providers (log: $logfile)"
  (
    cd "$STANDIN_SOURCE" &&
      with_build_lock go build -ldflags "$GO_LDFLAGS -X main.version=$version" -o "$out.tmp" "./cmd/pulumi-resource-$name" &&
      mv "$out.tmp" "$out"
  ) >"$logfile" 2>&1 || { tail -n 20 "$logfile" >&2; return 1; }
  install_plugin resource "$name" "$version" "$out" >>"$logfile" 2>&1 || { tail -n 20 "$logfile" >&2; return 1; }
  printf '%s\n' "stand-in for pulumi-resource-$name v$version, built from toolchain/pulumi/standin-providers" >"$plugin_dir/$STANDIN_MARKER"
  echo "$source_hash" >"$STAMP_DIR/standin-$name.sha256"
  printf 'v%s stand-in\n' "$version" >"$stamp"
  log "$name: stand-in plugin v$version installed (real plugin not installed)"
}

# The Node.js host starts these by name for dynamic providers and (older engines) policy packs; upstream
# ships them as scripts in @pulumi/pulumi's dist folder, outside any Go module, so they are written here.
install_node_helper_scripts() {
  write_helper() {
    local file="$PULUMI_TOOLCHAIN_BIN/$1" entry="$2"
    cat >"$file.tmp" <<EOF
#!/bin/sh
# Generated by toolchain/pulumi/install.sh: runs $entry from the @pulumi/pulumi package that
# node resolves from the current directory (the program's or the policy pack's node_modules).
script=\$(node -e "try { console.log(require.resolve('$entry')) } catch (e) { console.error(e.message) }")
[ -n "\$script" ] || exit 1
exec node "\$script" "\$@"
EOF
    chmod +x "$file.tmp" && mv "$file.tmp" "$file"
  }
  write_helper pulumi-resource-pulumi-nodejs @pulumi/pulumi/cmd/dynamic-provider
  write_helper pulumi-analyzer-policy @pulumi/pulumi/cmd/run-policy-pack
}

mkdir -p "$PULUMI_TOOLCHAIN_BIN" "$WORK_DIR/bin" "$STAMP_DIR" "$LOG_DIR" "$PULUMI_HOME"
"$CHECK_ONLY" || install_node_helper_scripts
for component in "${COMPONENTS[@]}"; do
  IFS='|' read -r name kind npm_pkg module main_pkg version_var <<<"$component"
  build_component "$name" "$kind" "$npm_pkg" "$module" "$main_pkg" "$version_var"
done

if ((${#FAILED[@]})); then
  if "$CHECK_ONLY"; then log "cannot be built here:"; else log "not installed (everything else is):"; fi
  printf '  - %s\n' "${FAILED[@]}" >&2
  if "$ALLOW_MISSING_PROVIDERS" && ! "$CORE_FAILED"; then
    log "--allow-missing-providers: only provider plugins are missing, so exiting 0; a stack that uses them stops at its first resource of theirs"
    exit 0
  fi
  exit 1
fi
"$CHECK_ONLY" && { log "everything is installed or can be built"; exit 0; }
log "toolchain ready in $PULUMI_TOOLCHAIN_BIN (source toolchain/pulumi/env.sh to use it)"
