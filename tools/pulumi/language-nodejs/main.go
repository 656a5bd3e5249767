// Command pulumi-language-nodejs is a minimal stand-in for Pulumi's Node.js language host.
//
// Why it exists: the upstream host (module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
// is not served by the Go module proxy this project can reach, so it cannot be built offline, and
// without a language host the engine cannot run a Pulumi.yaml project (`pulumi up` in a folder) or
// `pulumi import`. Inline Automation API programs do not need one.
//
// What it does: it speaks the LanguageRuntime gRPC protocol from github.com/pulumi/pulumi/sdk/v3 and,
// for Run, starts `node <project>/node_modules/@pulumi/pulumi/cmd/run ...` with the same flags and
// environment variables (PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS, PULUMI_NODEJS_TYPESCRIPT, ...)
// that @pulumi/pulumi's run entry point reads. Everything else about running the program (TypeScript
// through ts-node, entry-point resolution, closure serialization) is @pulumi/pulumi's own code.
//
// Besides Run it answers the requests that code generation and source plugins need, each in a file of
// its own: RunPlugin (runplugin.go: a plugin folder with PulumiPlugin.yaml and `runtime: nodejs`),
// GeneratePackage, GenerateProgram and GenerateProject (codegen.go: `pulumi package gen-sdk --language
// nodejs`, `pulumi import` code generation, `pulumi convert --language typescript`), InstallDependencies
// (install.go: `pulumi install`, `pulumi package add`) and Link (link.go: `pulumi package add`). Code
// generation uses the nodejs generator of the github.com/pulumi/pulumi/pkg/v3 this module pins, so
// generated code targets that version's @pulumi/pulumi whichever CLI asks for it.
//
// What it leaves out, on purpose: plugin discovery (it reports no required plugins, which is right for
// dynamic providers: their plugin ships inside @pulumi/pulumi), policy packs, Pack, debugger attach,
// and the synchronous-invoke pipes. Users with internet access should install Pulumi the official
// way, which ships the real host.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is stamped at build time with -ldflags "-X main.version=v<pulumi version>".
var version = "v0.0.0-dev"

// The @pulumi/pulumi exit code meaning "the program already reported an actionable error".
const exitCodeAlreadyReported = 32

func main() {
	// The engine starts a language host as `pulumi-language-nodejs [flags] <engine address>`. Flags
	// (logging, tracing, -root) vary between engine versions; none matter here, so skip them all.
	var engineAddress string
	for _, arg := range os.Args[1:] {
		if !strings.HasPrefix(arg, "-") {
			engineAddress = arg
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &languageHost{engineAddress: engineAddress})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: gRPC server stopped: %v\n", err)
		os.Exit(1)
	}
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *languageHost) GetProgramDependencies(
	context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *languageHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, status.Error(codes.FailedPrecondition, "node is not on PATH")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, status.Errorf(codes.Internal, "node --version failed: %v", err)
	}
	return &pulumirpc.AboutResponse{Executable: node, Version: strings.TrimSpace(string(out))}, nil
}

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	if info == nil {
		return &pulumirpc.RunResponse{Error: "the engine sent no program info: this language host needs a newer Pulumi CLI"}, nil
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on the $PATH: " + err.Error()}, nil
	}
	runEntry, err := findRunEntry(info.GetProgramDirectory())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	options := parseOptions(info.GetOptions())

	// Split on whitespace only: quoted node arguments (rare) are not supported here.
	args := strings.Fields(options.nodeargs)
	args = append(args, runEntry)
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", h.engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", info.GetRootDirectory())
	flag("stack", req.GetStack())
	flag("pwd", info.GetProgramDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flag("parallel", strconv.Itoa(int(req.GetParallel())))
	args = append(args, info.GetEntryPoint())
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(orEmptyMap(req.GetConfig()))
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not serialize config: " + err.Error()}, nil
	}
	secretKeys, err := json.Marshal(orEmptySlice(req.GetConfigSecretKeys()))
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not serialize config secret keys: " + err.Error()}, nil
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))
	// TypeScript is on unless the project turns it off, as with the upstream host.
	if options.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if options.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+options.tsconfig)
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Env = env
	// Wrapping os.Stdout/os.Stderr keeps Node from switching the engine's pipes to non-blocking mode.
	cmd.Stdout = struct{ *os.File }{os.Stdout}
	cmd.Stderr = struct{ *os.File }{os.Stderr}
	// On cancellation (Ctrl-C in the CLI), give the program the chance to finish in-flight operations.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 10 * time.Second

	err = cmd.Run()
	_ = os.Stdout.Sync()
	_ = os.Stderr.Sync()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == exitCodeAlreadyReported:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exitErr):
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
	default:
		return &pulumirpc.RunResponse{Error: "could not start node: " + err.Error()}, nil
	}
}

// findRunEntry finds @pulumi/pulumi's run entry point for a program.
func findRunEntry(programDirectory string) (string, error) {
	entry, err := findPulumiModule(programDirectory, "cmd", "run")
	if err != nil {
		return "", fmt.Errorf("could not find @pulumi/pulumi in node_modules above %s: run `npm install` in the project first", programDirectory)
	}
	return entry, nil
}

// findPulumiModule finds a directory module inside @pulumi/pulumi (one with an index.js, such as
// cmd/run) the way Node resolves packages: in node_modules of dir or of any directory above it.
func findPulumiModule(dir string, parts ...string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		candidate := filepath.Join(append([]string{d, "node_modules", "@pulumi", "pulumi"}, parts...)...)
		if _, err := os.Stat(filepath.Join(candidate, "index.js")); err == nil {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", os.ErrNotExist
		}
	}
}

func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func orEmptySlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
