#!/usr/bin/env bash
# Builds the `pulumi` CLI from this folder's go.mod into OUT_DIR (make engine calls it).
# A `pulumi` already on PATH is used instead when its version is exactly the pinned one.
set -euo pipefail
out=$(realpath -m "${1:?usage: build.sh OUT_DIR}")
here=$(cd "$(dirname "$0")" && pwd)
# The version this folder's go.mod pins (see the comment there for why not 3.272.0).
version=$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2 }' "$here/go.mod")
mkdir -p "$out"

# Dynamic resources (pipeline.replaces) run in the Python SDK's provider plugin, a script the CLI
# ships next to itself: the one of this sdk/v3 module, python/dist/pulumi-resource-pulumi-python.
dynamic_plugin() {
  local dir
  dir=$(cd "$here" && go mod download -json "github.com/pulumi/pulumi/sdk/v3@$version" \
    | awk -F'"' '$2 == "Dir" { print $4 }')
  install -m 0755 "$dir/python/dist/pulumi-resource-pulumi-python" "$out/pulumi-resource-pulumi-python"
  echo "pulumi-resource-pulumi-python: from github.com/pulumi/pulumi/sdk/v3@$version"
}

on_path=$(PATH=$(echo "$PATH" | tr ':' '\n' | grep -vxF "$out" | paste -sd:) command -v pulumi || true)
if [ -n "$on_path" ] && [ "$("$on_path" version 2>/dev/null)" = "$version" ]; then
  ln -sf "$on_path" "$out/pulumi"
  echo "pulumi: using $on_path ($version, the pinned version)"
  dynamic_plugin
  exit 0
fi
[ -z "$on_path" ] || echo "pulumi: $on_path is $("$on_path" version 2>/dev/null || echo '?'), not $version: building"

start=$(date +%s)
cd "$here"
# Release builds' flags (../shared/facts/engine.md): no cgo, trimmed paths, the version stamped.
CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$out/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
mv "$out/pulumi.tmp" "$out/pulumi"
echo "pulumi: built $("$out/pulumi" version) in $(( $(date +%s) - start )) s"
dynamic_plugin
