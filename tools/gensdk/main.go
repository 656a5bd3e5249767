// Command gensdk generates a Pulumi SDK from a package schema with the code generators inside
// github.com/pulumi/pulumi/pkg/v3 (nodejs, python, go), in-process: no language plugin, no network.
//
//	gensdk <schema.json> <nodejs|python|go> <out dir>
//
// Why: `pulumi package gen-sdk` asks a language host (pulumi-language-<lang>) to generate, and the
// upstream Python and Go hosts are not served by the Go module proxy this project can reach. .NET and
// Java generators are not in pkg/v3 (they live in pulumi-dotnet and pulumi-java), so they are not
// offered. The generators are those of the pkg/v3 version that go.mod pins, the same one the
// repository's stand-in Node.js language host (tools/pulumi/language-nodejs) uses, so this tool and
// `pulumi package gen-sdk --language nodejs` through that host write the same nodejs SDK, byte for byte.
//
// The out dir must not exist or be empty: stale files from an earlier run are never mixed in. The
// same schema and the same build give byte-identical files. scripts/gen-sdks builds and runs this.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// toolName is the generator name written into every generated file's header: the upstream language
// host's, as that host passes it, so that these files match `pulumi package gen-sdk` byte for byte.
func toolName(lang string) string { return "pulumi-language-" + lang }

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: gensdk <schema.json> <nodejs|python|go> <out dir>")
		os.Exit(2)
	}
	schemaPath, lang, outDir := os.Args[1], os.Args[2], os.Args[3]
	if err := run(schemaPath, lang, outDir); err != nil {
		fmt.Fprintln(os.Stderr, "gensdk:", err)
		os.Exit(1)
	}
}

func run(schemaPath, lang, outDir string) error {
	files, err := generate(schemaPath, lang)
	if err != nil {
		return err
	}
	if entries, err := os.ReadDir(outDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty; remove it first so that no stale file stays behind", outDir)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(outDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "gensdk: wrote %d %s files to %s\n", len(files), lang, outDir)
	return nil
}

func generate(schemaPath, lang string) (map[string][]byte, error) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	// No engine, so no loader for other packages' schemas: the schema must be self-contained.
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %w", schemaPath, diags)
	}
	switch lang {
	case "nodejs":
		return nodejs.GeneratePackage(toolName(lang), pkg, nil, nil, false, noLoader{})
	case "python":
		return python.GeneratePackage(toolName(lang), pkg, nil, noLoader{})
	case "go":
		files, err := gogen.GeneratePackage(toolName(lang), pkg, nil)
		if err != nil {
			return nil, err
		}
		return withGoModule(pkg, files)
	default:
		return nil, fmt.Errorf("language %q: only nodejs, python and go have generators in pkg/v3", lang)
	}
}
