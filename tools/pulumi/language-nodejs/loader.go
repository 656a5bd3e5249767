package main

import (
	"context"
	"fmt"
	"io"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// schemaLoader returns a loader for the schemas of other packages: the engine's loader service
// when the request names one (the CLI always does), or noLoader otherwise.
func schemaLoader(target string) (schema.ReferenceLoader, io.Closer, error) {
	if target == "" {
		return noLoader{}, io.NopCloser(nil), nil
	}
	client, err := schema.NewLoaderClient(target)
	if err != nil {
		return nil, nil, err
	}
	return schema.NewCachedLoader(client), client, nil
}

// noLoader refuses every request for another package's schema: a schema bound with it must be
// self-contained (reference no other package).
type noLoader struct{}

func (noLoader) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("package %q: no schema loader was given, so no other package can be loaded", pkg)
}

func (noLoader) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("package %q: no schema loader was given, so no other package can be loaded", d.Name)
}

func (noLoader) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("package %q: no schema loader was given, so no other package can be loaded", pkg)
}

func (noLoader) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("package %q: no schema loader was given, so no other package can be loaded", d.Name)
}
