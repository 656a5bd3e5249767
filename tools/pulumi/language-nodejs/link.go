package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/cgstrings"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Link adds locally generated SDKs to a program's package.json as `file:` dependencies (the second
// step of `pulumi package add`, after GeneratePackage; the engine then calls InstallDependencies)
// and answers with the import lines to show the user. Same steps as the upstream host: the npm
// package name is the schema's language.nodejs.packageName, else @<namespace>/<name>, else
// @pulumi/<name>.
func (h *languageHost) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	if len(req.GetPackages()) == 0 {
		return &pulumirpc.LinkResponse{}, nil // `pulumi convert` links even when it generated no SDK
	}
	info := req.GetInfo()
	if info == nil || info.GetProgramDirectory() == "" {
		return nil, errors.New("the engine sent no program directory")
	}
	dir := info.GetProgramDirectory()
	opts := parseOptions(info.GetOptions())
	pm, err := npm.ResolvePackageManager(npm.PackageManagerType(opts.packagemanager), dir)
	if err != nil {
		return nil, err
	}
	loader, closer, err := schemaLoader(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer closer.Close()

	var imports strings.Builder
	for _, dep := range req.GetPackages() {
		ref, err := schema.LoadPackageReferenceV2(ctx, loader, packageDescriptor(dep.GetPackage()))
		if err != nil {
			return nil, err
		}
		pkg, err := ref.Definition()
		if err != nil {
			return nil, err
		}
		name, err := nodePackageName(pkg)
		if err != nil {
			return nil, err
		}
		if err := pm.Link(ctx, dir, name, dep.GetPath()); err != nil {
			return nil, err
		}
		// TypeScript, the default, uses module syntax; `typescript: false` programs use require.
		if opts.typescript {
			fmt.Fprintf(&imports, "  import * as %s from \"%s\";\n", cgstrings.Camel(ref.Name()), name)
		} else {
			fmt.Fprintf(&imports, "  const %s = require(\"%s\");\n", cgstrings.Camel(ref.Name()), name)
		}
	}
	lang := "JavaScript"
	if opts.typescript {
		lang = "TypeScript"
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: "You can import the SDK in your " + lang + " code with:\n\n" + imports.String(),
	}, nil
}

func packageDescriptor(dep *pulumirpc.PackageDependency) *schema.PackageDescriptor {
	d := &schema.PackageDescriptor{Name: dep.GetName(), DownloadURL: dep.GetServer()}
	if v, err := semver.ParseTolerant(dep.GetVersion()); err == nil && dep.GetVersion() != "" {
		d.Version = &v
	}
	if p := dep.GetParameterization(); p != nil {
		d.Parameterization = &schema.ParameterizationDescriptor{Name: p.GetName(), Value: p.GetValue()}
		if v, err := semver.ParseTolerant(p.GetVersion()); err == nil && p.GetVersion() != "" {
			d.Parameterization.Version = v
		}
	}
	return d
}

func nodePackageName(pkg *schema.Package) (string, error) {
	if err := pkg.ImportLanguages(map[string]schema.Language{"nodejs": nodejs.Importer}); err != nil {
		return "", err
	}
	if info, ok := pkg.Language["nodejs"].(nodejs.NodePackageInfo); ok && info.PackageName != "" {
		return info.PackageName, nil
	}
	if pkg.Namespace != "" {
		return "@" + pkg.Namespace + "/" + pkg.Name, nil
	}
	return "@pulumi/" + pkg.Name, nil
}
