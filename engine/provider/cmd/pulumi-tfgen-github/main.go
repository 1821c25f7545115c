// Command pulumi-tfgen-github writes the Pulumi schema and the bridge metadata of the github
// provider (`pulumi-tfgen-github schema --out DIR`); build.sh embeds both in the plugin.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	"github.com/spf13/afero"

	"repo-baseline/engine/provider"
)

func main() {
	// No metadata yet: tfgen records it into DIR/bridge-metadata.json.
	info := provider.Info(nil)
	if err := info.P.InternalValidate(); err != nil {
		fmt.Fprintf(os.Stderr, "the Terraform provider failed its own validation: %v\n", err)
		os.Exit(1)
	}
	tfgen.MainWithCustomGenerate("github", provider.Version, info, func(opts tfgen.GeneratorOptions) error {
		g, err := tfgen.NewGenerator(opts)
		if err != nil {
			return err
		}
		if _, err := g.Generate(context.Background()); err != nil {
			return err
		}
		if opts.Language != tfgen.Schema {
			return nil
		}
		return stampVersion(opts.Root, "schema.json", provider.Version)
	})
}

// stampVersion sets the schema's "version", which tfgen leaves out so that a committed schema
// stays stable; ours is a build output, and the plugin serves it as version 6.15.0.
func stampVersion(root afero.Fs, path, version string) error {
	raw, err := afero.ReadFile(root, path)
	if err != nil {
		return err
	}
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	spec["version"], _ = json.Marshal(version)
	stamped, err := json.MarshalIndent(spec, "", "    ")
	if err != nil {
		return err
	}
	return afero.WriteFile(root, path, stamped, 0o644)
}
