#!/usr/bin/env bash
# Extracts promtool from Debian's `prometheus` package into .tools/promtool/
# (no install, no service: `apt-get download` and `dpkg -x`). The tests of the
# PrometheusRule run it (`promtool check rules`, `promtool test rules`).
set -euo pipefail
cd "$(dirname "$0")/.."

dest=.tools/promtool
if [ -x "$dest/promtool" ] && "$dest/promtool" --version >/dev/null 2>&1; then
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 0777 "$work"
cd "$work"
if ! apt-get download prometheus >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  apt-get download prometheus >/dev/null
fi
dpkg -x prometheus_*.deb root
cd - >/dev/null
mkdir -p "$dest"
cp "$work/root/usr/bin/promtool" "$dest/promtool"
chmod 0755 "$dest/promtool"
"$dest/promtool" --version | head -1
