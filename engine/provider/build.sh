#!/usr/bin/env bash
# Build the pulumi-resource-github plugin into OUT_DIR.
#
# Usage: engine/provider/build.sh OUT_DIR
#
# Three steps: build tfgen, run it to generate the Pulumi schema and bridge metadata into
# cmd/pulumi-resource-github/generated/ (git-ignored), then build the plugin that embeds them.
# The plugin is our wrapper of terraform-provider-github v6.13.0 and pulumi-terraform-bridge
# v3.137.0, not pulumi-github's own build (see provider.go and ../shared/facts/engine.md).
set -euo pipefail

out_dir=${1:?usage: $0 OUT_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)

go=${GO:-go}
if ! command -v "$go" >/dev/null 2>&1; then
    if [[ -x /usr/local/go/bin/go ]]; then
        go=/usr/local/go/bin/go
    else
        echo "build.sh: no Go toolchain: put go 1.26 on PATH or set GO=/path/to/go" >&2
        exit 1
    fi
fi

generated=$here/cmd/pulumi-resource-github/generated
tfgen_bin=$here/.build/pulumi-tfgen-github
export CGO_ENABLED=0

start=$(date +%s)
cd "$here"

echo "build.sh: building tfgen" >&2
"$go" build -trimpath -o "$tfgen_bin" ./cmd/pulumi-tfgen-github

echo "build.sh: generating the schema into $generated" >&2
rm -rf "$generated"
mkdir -p "$generated"
# Examples are left out: converting them needs the pulumi CLI, and the plugin never serves them.
"$tfgen_bin" schema --skip-examples --out "$generated"

echo "build.sh: building $out_dir/pulumi-resource-github" >&2
"$go" build -trimpath -o "$out_dir/pulumi-resource-github" ./cmd/pulumi-resource-github

echo "build time: $(( $(date +%s) - start ))s"
echo "version: $("$out_dir/pulumi-resource-github" -version)"
