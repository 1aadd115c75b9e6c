#!/usr/bin/env bash
# Builds the Pulumi CLI, the Node.js language host and the provider plugins this project needs from the
# Go module proxy (the only place this offline machine and CI can get them), caches them outside the repo,
# and installs the providers as Pulumi plugins. A second run with everything in place takes seconds.
#
# Versions come from package-lock.json so the engine can never drift from the @pulumi/* packages.
# Where the proxy refuses a module version, the nearest published module that contains the same program
# is used instead (FALLBACK below) and the run says so. Anything that cannot be built at all is listed at
# the end and the script exits 1, after building everything else.
#
# Usage: bash scripts/install-pulumi-toolchain.sh [--check]      then: source scripts/pulumi-env.sh
#        --check builds nothing: it says, in seconds, whether everything is installed or can be built,
#        and exits 0 only if so (CI uses it to skip a build that could not complete).
# Env:   PULUMI_TOOLCHAIN_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/production-blueprint/pulumi-toolchain)
#        PULUMI_HOME          (default $PULUMI_TOOLCHAIN_DIR/pulumi-home)
set -euo pipefail

CHECK_ONLY=false
case "${1:-}" in
  "") ;;
  --check) CHECK_ONLY=true ;;
  *) printf 'usage: %s [--check]\n' "$0" >&2; exit 2 ;;
esac

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCKFILE="$REPO_ROOT/package-lock.json"
# shellcheck source=scripts/pulumi-env.sh
source "$REPO_ROOT/scripts/pulumi-env.sh"

WORK_DIR="$PULUMI_TOOLCHAIN_DIR/build"
STAMP_DIR="$PULUMI_TOOLCHAIN_DIR/stamps"
LOG_DIR="$PULUMI_TOOLCHAIN_DIR/logs"
# Kept off PATH: only the front installed as pulumi-language-nodejs starts it (see build_nodejs_host_front).
UPSTREAM_NODEJS_HOST="$PULUMI_TOOLCHAIN_DIR/libexec/pulumi-language-nodejs-upstream"
CLI_VERSION="" # the pulumi version actually built; the host front links against the same SDK

# A private module and build cache keeps the toolchain self-contained (delete one directory to start
# over) and makes a cold run measurably cold. -modcacherw lets that directory be deleted with rm -rf.
export GOMODCACHE="$PULUMI_TOOLCHAIN_DIR/go/mod"
export GOCACHE="$PULUMI_TOOLCHAIN_DIR/go/build-cache"
export GOFLAGS="-trimpath -buildvcs=false -modcacherw"
export GOTOOLCHAIN=local # never try to download a Go toolchain: fail with a clear message instead
export CGO_ENABLED=0     # as upstream releases are built; also needs no C compiler

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
)

# When the proxy refuses the exact version, build this instead: name -> module@version|main package.
# - pulumi: the proxy serves pkg/v3 up to v3.259.0 but refuses v3.260.0 and later (403). A CLI a few
#   minor versions older than the SDK is supported: the SDK only asks the engine for features it has.
# - nodejs: the proxy refuses every version of the language host's own module (403). Up to v3.68.0 the
#   host was a package inside the sdk/v3 module, which the proxy does serve. The engine falls back to
#   the older RPCs when a host does not implement newer ones.
declare -A FALLBACK=(
  [pulumi]="github.com/pulumi/pulumi/pkg/v3@v3.259.0|github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
  [nodejs]="github.com/pulumi/pulumi/sdk/v3@v3.68.0|github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
)

# Prints the GoMod path of module@version, or fails with the proxy's error on stderr.
download_module() {
  local json
  json="$(go mod download -json "$1" 2>/dev/null || true)"
  node -e '
    const raw = process.argv[1];
    let info; try { info = JSON.parse(raw); } catch { console.error(raw || "no answer from go mod download"); process.exit(1); }
    if (info.Error) { console.error(info.Error.replace(/\s+/g, " ")); process.exit(1); }
    console.log(info.GoMod);' "$json"
}

# Writes a wrapper module that requires module@version and copies its replace directives. Directives
# that point into the upstream repository (../sdk) cannot work from the module cache, so the module
# they name is required at the same version instead, which is what the upstream release tag contains.
write_wrapper_module() {
  local dir="$1" module="$2" version="$3" upstream_gomod="$4" main_pkg="$5"
  mkdir -p "$dir"
  # shellcheck disable=SC2016 # ${...} is a JavaScript template literal, not shell
  node -e '
    const fs = require("fs");
    const [gomodPath, module, version, outDir, mainPkg] = process.argv.slice(1);
    const text = fs.readFileSync(gomodPath, "utf8");
    const goVersion = (text.match(/^go\s+(\S+)/m) || [, "1.21"])[1];
    const replaces = [];
    for (const m of text.matchAll(/^replace\s+\(\s*\n([\s\S]*?)^\)/gm)) replaces.push(...m[1].split("\n"));
    for (const m of text.matchAll(/^replace\s+([^(\n].*)$/gm)) replaces.push(m[1]);
    const requires = [`\t${module} ${version}`];
    const kept = [];
    for (const line of replaces.map((l) => l.replace(/\/\/.*$/, "").trim()).filter(Boolean)) {
      const [from, to] = line.split("=>").map((s) => s.trim());
      if (/^\.\.?\//.test(to)) requires.push(`\t${from.split(/\s+/)[0]} ${version}`);
      else kept.push(`\t${from} => ${to}`);
    }
    fs.writeFileSync(`${outDir}/go.mod`,
      `// Generated by scripts/install-pulumi-toolchain.sh from ${module}@${version}; do not edit.\n` +
      `module pulumi-toolchain.invalid/wrapper\n\ngo ${goVersion}\n\nrequire (\n${requires.join("\n")}\n)\n` +
      (kept.length ? `\nreplace (\n${kept.join("\n")}\n)\n` : ""));
    fs.writeFileSync(`${outDir}/tools.go`,
      `//go:build tools\n\npackage tools\n\nimport _ "${mainPkg}"\n`);' \
    "$upstream_gomod" "$module" "$version" "$dir" "$main_pkg"
}

# build_binary NAME MODULE VERSION MAIN_PKG VERSION_VAR OUT: builds one binary from a wrapper module.
build_binary() {
  local name="$1" module="$2" version="$3" main_pkg="$4" version_var="$5" out="$6"
  local gomod dir="$WORK_DIR/$name-$version" logfile="$LOG_DIR/$name-$version.log"
  gomod="$(download_module "$module@$version")" || return 1
  write_wrapper_module "$dir" "$module" "$version" "$gomod" "$main_pkg"
  log "building $main_pkg@$version (log: $logfile)"
  (
    cd "$dir" &&
      go get "$main_pkg@$version" &&
      nice -n 10 go build -ldflags "-s -w -X $version_var=$version" -o "$out.tmp" "$main_pkg" &&
      mv "$out.tmp" "$out"
  ) >"$logfile" 2>&1 || { tail -n 20 "$logfile" >&2; return 1; }
}

# build_nodejs_host_front OUT: the fallback v3.68.0 host predates two things today's engine relies on: it reads
# Pulumi.yaml runtime options (typescript, nodeargs, tsconfig) only as command-line flags, which the engine no
# longer passes, and it has no RunPlugin, which the engine uses to start Node.js policy packs. This front
# serves the engine, starts the upstream host with the flags each request's options ask for, forwards every
# call to it, and implements RunPlugin itself. Hand-written because no published module provides it.
build_nodejs_host_front() {
  local out="$1" dir="$WORK_DIR/nodejs-host-front" logfile="$LOG_DIR/nodejs-host-front.log"
  [[ -n "$CLI_VERSION" ]] || { log "nodejs: no pulumi CLI was built, so there is no SDK version to build the host front with"; return 1; }
  mkdir -p "$dir"
  cat >"$dir/go.mod" <<EOF
// Written by scripts/install-pulumi-toolchain.sh; do not edit.
module pulumi-toolchain.invalid/nodejs-host-front

go 1.25

require (
	github.com/google/shlex v0.0.0-20191202100458-e7afc7fbc510
	github.com/pulumi/pulumi/sdk/v3 $CLI_VERSION
)
EOF
  cat >"$dir/main.go" <<'EOF'
// pulumi-language-nodejs: a thin front for the upstream v3.68.0 Node.js language host, the newest one the
// Go module proxy serves. It gives that host the two things today's engine needs and it lacks:
//   - Pulumi.yaml runtime options (typescript, nodeargs, tsconfig): the engine now sends them with each
//     request, the old host only reads them as command-line flags, so one host process runs per option set;
//   - RunPlugin, which the engine uses to start policy packs (and plugins) written in Node.js.
//
// Every other call is forwarded unchanged. Written by scripts/install-pulumi-toolchain.sh.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/shlex"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
)

// upstreamHost is where the install script puts the real host, relative to this binary.
const upstreamHost = "../libexec/pulumi-language-nodejs-upstream"

type child struct {
	cmd    *exec.Cmd
	client pulumirpc.LanguageRuntimeClient
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	upstream, engineAddress, tracing string

	mu       sync.Mutex
	children map[string]*child
}

func main() {
	var tracing string
	flag.StringVar(&tracing, "tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	flag.String("root", "", "Project root path (accepted for compatibility)")
	flag.Parse()
	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}

	self, err := os.Executable()
	if err != nil {
		cmdutil.Exit(err)
	}
	h := &host{
		upstream:      filepath.Join(filepath.Dir(self), upstreamHost),
		engineAddress: engineAddress,
		tracing:       tracing,
		children:      map[string]*child{},
	}
	defer h.stopChildren()

	ctx, cancel := context.WithCancel(context.Background())
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, cancel); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check host RPC server: %w", err))
		}
	}
	stop := make(chan bool)
	go func() { <-ctx.Done(); close(stop) }()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		h.stopChildren()
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

// flagsFor turns the project's runtime options into the flags the upstream host reads.
func (h *host) flagsFor(info *pulumirpc.ProgramInfo) []string {
	var flags []string
	if h.tracing != "" {
		flags = append(flags, "-tracing="+h.tracing)
	}
	opts := info.GetOptions().AsMap()
	if v, ok := opts["typescript"].(bool); ok {
		flags = append(flags, "-typescript="+strconv.FormatBool(v))
	}
	for _, name := range []string{"tsconfig", "nodeargs"} {
		if v, ok := opts[name].(string); ok && v != "" {
			flags = append(flags, "-"+name+"="+v)
		}
	}
	return flags
}

// child returns the upstream host started with the flags for info, starting it on first use.
func (h *host) child(info *pulumirpc.ProgramInfo) (pulumirpc.LanguageRuntimeClient, error) {
	flags := h.flagsFor(info)
	key := strings.Join(flags, "\x00")
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.children[key]; ok {
		return c.client, nil
	}
	args := flags
	if h.engineAddress != "" {
		args = append(append([]string{}, flags...), h.engineAddress)
	}
	cmd := exec.Command(h.upstream, args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", h.upstream, err)
	}
	reader := bufio.NewReader(stdout)
	line, err := reader.ReadString('\n')
	port, convErr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || convErr != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("%s did not print its port (read %q): %w", h.upstream, line, errors.Join(err, convErr))
	}
	// The host runs the program with its own stdout, which the engine reads after our port line.
	go func() { _, _ = io.Copy(os.Stdout, reader) }()
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", port),
		grpc.WithTransportCredentials(insecure.NewCredentials()), rpcutil.GrpcChannelOptions())
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, err
	}
	c := &child{cmd: cmd, client: pulumirpc.NewLanguageRuntimeClient(conn)}
	h.children[key] = c
	return c.client, nil
}

func (h *host) stopChildren() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.children {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	}
	h.children = map[string]*child{}
}

// forward makes one call on the upstream host chosen by info.
func forward[Req, Resp any](
	h *host, ctx context.Context, info *pulumirpc.ProgramInfo, req Req,
	call func(pulumirpc.LanguageRuntimeClient, context.Context, Req, ...grpc.CallOption) (Resp, error),
) (Resp, error) {
	c, err := h.child(info)
	if err != nil {
		var none Resp
		return none, err
	}
	return call(c, ctx, req)
}

func (h *host) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return forward(h, ctx, req.GetInfo(), req, pulumirpc.LanguageRuntimeClient.GetRequiredPlugins)
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	return forward(h, ctx, req.GetInfo(), req, pulumirpc.LanguageRuntimeClient.Run)
}

func (h *host) GetPluginInfo(ctx context.Context, req *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return forward(h, ctx, nil, req, pulumirpc.LanguageRuntimeClient.GetPluginInfo)
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return forward(h, ctx, req.GetInfo(), req, pulumirpc.LanguageRuntimeClient.About)
}

func (h *host) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return forward(h, ctx, req.GetInfo(), req, pulumirpc.LanguageRuntimeClient.GetProgramDependencies)
}

func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	c, err := h.child(req.GetInfo())
	if err != nil {
		return err
	}
	stream, err := c.InstallDependencies(server.Context(), req)
	if err != nil {
		return err
	}
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := server.Send(msg); err != nil {
			return err
		}
	}
}

// RunPlugin starts a Node.js plugin (a policy pack for kind "analyzer") the way upstream's host does:
// node runs @pulumi/pulumi's run-policy-pack or run-plugin entry from the plugin's own node_modules.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	entry := "run-plugin"
	if req.GetKind() == "analyzer" {
		entry = "run-policy-pack"
	}
	script, err := findPulumiEntry(dir, entry)
	if err != nil {
		return err
	}
	nodeargs, _ := req.GetInfo().GetOptions().AsMap()["nodeargs"].(string)
	args, err := shlex.Split(nodeargs)
	if err != nil {
		return fmt.Errorf("runtime option nodeargs %q: %w", nodeargs, err)
	}
	program := req.GetInfo().GetEntryPoint()
	if program == "" {
		program = "."
	}
	args = append(append(append(args, script), req.GetArgs()...), program)

	cmd := exec.CommandContext(server.Context(), "node", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), req.GetEnv()...) // later entries win
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting node for %s: %w", dir, err)
	}

	var sendMu sync.Mutex
	send := func(resp *pulumirpc.RunPluginResponse) {
		sendMu.Lock()
		defer sendMu.Unlock()
		_ = server.Send(resp)
	}
	var pumps sync.WaitGroup
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		defer pumps.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				send(wrap(append([]byte(nil), buf[:n]...)))
			}
			if err != nil {
				return
			}
		}
	}
	pumps.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	pumps.Wait()

	code := 0
	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		code = exitErr.ExitCode()
	}
	send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
	return nil
}

// findPulumiEntry finds @pulumi/pulumi/cmd/<entry> in the node_modules that node would use from dir.
func findPulumiEntry(dir, entry string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", entry)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("Cannot find module '@pulumi/pulumi/cmd/%s' from %s: run npm install there", entry, dir)
		}
	}
}
EOF
  # Rebuild only when this script's copy of the source (or the SDK it builds against) changed.
  local source_hash
  source_hash="$(cat "$dir/go.mod" "$dir/main.go" | sha256sum | cut -d' ' -f1)"
  if [[ -x "$out" && "$(cat "$dir/built-from.sha256" 2>/dev/null)" == "$source_hash" ]]; then
    return 0
  fi
  log "building the Node.js language host front against sdk/v3@$CLI_VERSION (log: $logfile)"
  (
    cd "$dir" &&
      nice -n 10 go build -mod=mod -ldflags "-s -w" -o "$out.tmp" . &&
      mv "$out.tmp" "$out"
  ) >"$logfile" 2>&1 || { tail -n 20 "$logfile" >&2; return 1; }
  echo "$source_hash" >"$dir/built-from.sha256"
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

  if [[ -f "$stamp" && -x "$out" ]]; then
    read -r built_version built_pkg <"$stamp"
    [[ "$kind" == cli ]] && CLI_VERSION="$built_version"
    if is_up_to_date "$kind" "$name" "$built_version" "v$wanted"; then
      log "$name: up to date ($built_pkg@$built_version for @pulumi/$npm_pkg $wanted)"
      return 0
    fi
  fi

  built_module="$module" built_version="v$wanted" built_pkg="$main_pkg"
  if ! err="$(download_module "$module@v$wanted" 2>&1 >/dev/null)"; then
    if [[ -z "${FALLBACK[$name]:-}" ]]; then
      log "$name: cannot build $module@v$wanted: $err"
      FAILED+=("$name ($module@v$wanted): $err")
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
      FAILED+=("$name ($built_module@$built_version): $err")
    fi
    return 0
  fi

  # The fallback Node.js host runs behind a small front that adds what today's engine expects of it.
  local binary="$out"
  [[ "$kind" == language && "$built_version" != "v$wanted" ]] && binary="$UPSTREAM_NODEJS_HOST"
  mkdir -p "$(dirname "$binary")" "$(dirname "$out")"
  if ! build_binary "$name" "$built_module" "$built_version" "$built_pkg" "$version_var" "$binary"; then
    FAILED+=("$name: build of $built_pkg@$built_version failed, see $LOG_DIR/$name-$built_version.log")
    return 0
  fi
  if [[ "$binary" != "$out" ]] && ! build_nodejs_host_front "$out"; then
    FAILED+=("$name: build of the language host front failed, see $LOG_DIR/nodejs-host-front.log")
    return 0
  fi
  if [[ "$kind" == resource ]] && ! install_plugin "$kind" "$name" "${built_version#v}" "$out"; then
    FAILED+=("$name: built, but 'pulumi plugin install' failed")
    return 0
  fi
  [[ "$kind" == cli ]] && CLI_VERSION="$built_version"
  printf '%s %s\n' "$built_version" "$built_pkg" >"$stamp"
  log "$name: installed $built_pkg@$built_version for @pulumi/$npm_pkg $wanted"
}

# The Node.js host starts these by name for dynamic providers and (older engines) policy packs; upstream
# ships them as scripts in @pulumi/pulumi's dist folder, outside any Go module, so they are written here.
install_node_helper_scripts() {
  write_helper() {
    local file="$PULUMI_TOOLCHAIN_BIN/$1" entry="$2"
    cat >"$file.tmp" <<EOF
#!/bin/sh
# Generated by scripts/install-pulumi-toolchain.sh: runs $entry from the @pulumi/pulumi package that
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
  exit 1
fi
"$CHECK_ONLY" && { log "everything is installed or can be built"; exit 0; }
log "toolchain ready in $PULUMI_TOOLCHAIN_BIN (source scripts/pulumi-env.sh to use it)"
