package main

import (
	"errors"
	"fmt"
	"path"
	"runtime/debug"
	"strings"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"golang.org/x/mod/modfile"
)

const pulumiSDK = "github.com/pulumi/pulumi/sdk/v3"

// withGoModule makes the Go SDK a module of its own that builds against the
// github.com/pulumi/pulumi/sdk/v3 this tool was built with (a version the module cache already holds).
// The generator writes a go.mod only for a schema with "supportPack": true, and then requires an old
// sdk/v3; without supportPack the module path is the import base path's parent, which must match
// the folder the generator put the package in. go.sum is left to `go mod tidy` (scripts/gen-sdks).
func withGoModule(pkg *schema.Package, files map[string][]byte) (map[string][]byte, error) {
	sdkVersion, err := ownSDKVersion()
	if err != nil {
		return nil, err
	}
	var mod *modfile.File
	if raw, ok := files["go.mod"]; ok {
		if mod, err = modfile.Parse("go.mod", raw, nil); err != nil {
			return nil, err
		}
	} else {
		modulePath, err := goModulePath(pkg, files)
		if err != nil {
			return nil, err
		}
		mod = &modfile.File{}
		if err := mod.AddModuleStmt(modulePath); err != nil {
			return nil, err
		}
		if err := mod.AddGoStmt("1.25"); err != nil {
			return nil, err
		}
	}
	if err := mod.AddRequire(pulumiSDK, sdkVersion); err != nil {
		return nil, err
	}
	mod.Cleanup()
	if files["go.mod"], err = mod.Format(); err != nil {
		return nil, err
	}
	return files, nil
}

// goModulePath is the parent of the SDK's import base path (language.go.importBasePath, or the
// generator's default), checked against the folder the generated package is in.
func goModulePath(pkg *schema.Package, files map[string][]byte) (string, error) {
	if err := pkg.ImportLanguages(map[string]schema.Language{"go": gogen.Importer}); err != nil {
		return "", err
	}
	info, _ := pkg.Language["go"].(gogen.GoPackageInfo)
	if info.ModulePath != "" {
		return info.ModulePath, nil
	}
	base := info.ImportBasePath
	if base == "" {
		base = gogen.ExtractImportBasePath(pkg.Reference())
	}
	for name := range files {
		if dir, _, ok := strings.Cut(name, "/"); ok && dir != path.Base(base) {
			return "", fmt.Errorf("the Go SDK's files are in %s/ but its import path is %s; "+
				"set language.go.importBasePath to a path ending in /%s, or \"supportPack\": true, in the schema",
				dir, base, dir)
		}
	}
	return path.Dir(base), nil
}

// ownSDKVersion is the github.com/pulumi/pulumi/sdk/v3 version this binary was built with.
func ownSDKVersion() (string, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", errors.New("no build info in this binary")
	}
	for _, dep := range bi.Deps {
		if dep.Path == pulumiSDK {
			if dep.Replace != nil {
				return dep.Replace.Version, nil
			}
			return dep.Version, nil
		}
	}
	return "", fmt.Errorf("%s is not among this binary's dependencies", pulumiSDK)
}
