// Command pulumi-resource-github is the resource plugin the Pulumi engine starts for the
// github package. The embedded files are written by build.sh (tfgen) and are not committed.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"repo-baseline/engine/provider"
)

//go:embed generated/schema.json
var schema []byte

//go:embed generated/bridge-metadata.json
var metadata []byte

func main() {
	tfbridge.Main("github", provider.Version, provider.Info(metadata), schema)
}
