package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// InstallDependencies installs a program's or a source plugin's npm dependencies: `pulumi install`,
// `pulumi package add` (after Link) and `pulumi plugin install` of a source plugin. Unlike the
// upstream host it does nothing when every dependency that package.json declares is already in
// node_modules, so a checked-out tree installed by `npm ci` (this repository's, for one) is left as
// it is; otherwise it runs the project's package manager (the `packagemanager` option, or the one its
// lock file shows; npm by default) the way the upstream host does.
func (h *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory() // engines that predate ProgramInfo
	}
	if dir == "" {
		return errors.New("the engine sent no program directory")
	}
	stdout, stderr := streamWriters(
		func(b []byte) error { return server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b}) },
		func(b []byte) error { return server.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b}) },
	)
	missing, err := missingDependencies(dir)
	if err != nil {
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	opts := parseOptions(req.GetInfo().GetOptions())
	fmt.Fprintf(stderr, "installing dependencies in %s (not yet in node_modules: %v)\n", dir, missing)
	_, err = npm.Install(server.Context(), npm.PackageManagerType(opts.packagemanager), dir, false, stdout, stderr)
	return err
}

// missingDependencies lists the dependencies and devDependencies of dir/package.json that no
// node_modules folder in dir or above it holds (Node's own lookup). No package.json: nothing.
func missingDependencies(dir string) ([]string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var manifest struct {
		Dependencies    map[string]string `json:"dependencies"`
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return nil, fmt.Errorf("could not parse %s: %w", filepath.Join(dir, "package.json"), err)
	}
	var missing []string
	for _, deps := range []map[string]string{manifest.Dependencies, manifest.DevDependencies} {
		for name := range deps {
			if !installed(dir, name) {
				missing = append(missing, name)
			}
		}
	}
	sort.Strings(missing)
	return missing, nil
}

func installed(dir, name string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "node_modules", filepath.FromSlash(name), "package.json")); err == nil {
			return true
		}
		if filepath.Dir(d) == d {
			return false
		}
	}
}
