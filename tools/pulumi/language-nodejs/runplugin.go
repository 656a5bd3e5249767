package main

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// RunPlugin runs a source-based plugin: a folder with a PulumiPlugin.yaml (`runtime: nodejs`) and no
// pulumi-resource-<name> executable. Like the upstream host it starts
// `node [nodeargs] <@pulumi/pulumi>/cmd/run-plugin <plugin folder> <engine args...>`, which loads the
// folder's package.json "main" (through ts-node unless the `typescript` option is false) and, for a
// folder that exports components, serves them as a component provider. A plugin folder with no
// @pulumi/pulumi in node_modules above it (for example one bundled into a single file) is started
// as `node [nodeargs] <plugin folder> <engine args...>`. The engine reads the plugin's gRPC port from
// its first line of stdout, which is streamed back together with stderr and the exit code.
func (h *languageHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("could not find node on the $PATH: " + err.Error())
	}
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	if dir == "" {
		dir = req.GetProgram() // engines that predate ProgramInfo
	}
	if dir == "" {
		return errors.New("the engine sent no plugin directory")
	}
	opts := parseOptions(info.GetOptions())

	args := strings.Fields(opts.nodeargs)
	env := req.GetEnv()
	if runPlugin, err := findPulumiModule(dir, "cmd", "run-plugin"); err == nil {
		args = append(args, runPlugin)
		if opts.typescript {
			env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
		}
		if opts.tsconfig != "" {
			env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
		}
	}
	args = append(args, dir)
	args = append(args, req.GetArgs()...)

	stdout, stderr := streamWriters(
		func(b []byte) error {
			return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
		},
		func(b []byte) error {
			return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
		},
	)
	// The engine cancels the stream when it is done with the plugin; the plugin then gets SIGTERM,
	// and SIGKILL if it has not exited 5 s later.
	cmd := exec.CommandContext(server.Context(), node, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second

	code := int32(0)
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("could not run the plugin in %s: %w", dir, err)
		}
		code = int32(exitErr.ExitCode())
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}
