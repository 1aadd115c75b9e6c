// pulumi-language-nodejs: a thin front for the upstream v3.68.0 Node.js language host, the newest one the
// Go module proxy serves. It gives that host the two things today's engine needs and it lacks:
//   - Pulumi.yaml runtime options (typescript, nodeargs, tsconfig): the engine now sends them with each
//     request, the old host only reads them as command-line flags, so one host process runs per option set;
//   - RunPlugin, which the engine uses to start policy packs (and plugins) written in Node.js.
//
// Every other call is forwarded unchanged. toolchain/pulumi/install.sh builds and installs it.
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
