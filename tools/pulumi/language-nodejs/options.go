package main

import "google.golang.org/protobuf/types/known/structpb"

// nodeOptions are the runtime options of a Pulumi.yaml or PulumiPlugin.yaml
// (`runtime: {name: nodejs, options: {...}}`) that this host reads.
type nodeOptions struct {
	typescript     bool   // default true, as with the upstream host
	nodeargs       string // extra arguments for node, split on whitespace
	tsconfig       string
	packagemanager string // npm, yarn, pnpm, bun or auto (default)
}

func parseOptions(s *structpb.Struct) nodeOptions {
	m := s.AsMap() // nil-safe
	opts := nodeOptions{typescript: true, packagemanager: "auto"}
	if v, ok := m["typescript"].(bool); ok {
		opts.typescript = v
	}
	if v, ok := m["nodeargs"].(string); ok {
		opts.nodeargs = v
	}
	if v, ok := m["tsconfig"].(string); ok {
		opts.tsconfig = v
	}
	if v, ok := m["packagemanager"].(string); ok && v != "" {
		opts.packagemanager = v
	}
	return opts
}
