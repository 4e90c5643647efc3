#!/usr/bin/env bash
# Installs the Go toolchain and the Go sources the reference programs of the
# tests build against, from Debian's packages: golang-go (archive/tar and
# encoding/json, as the backup image reads archives), golang-github-robfig-cron-dev
# (the CronJob controller's schedule parser), golang-k8s-sigs-yaml-dev (the YAML
# reader of Argo CD's repo server) and golang-github-spf13-pflag-dev (the flag
# parser of the backup image). test/support/go.ts builds them with
# GO111MODULE=off GOPATH=/usr/share/gocode.
set -euo pipefail
packages=(golang-go golang-github-robfig-cron-dev golang-k8s-sigs-yaml-dev golang-github-spf13-pflag-dev)
if command -v go >/dev/null 2>&1 \
  && [ -d /usr/share/gocode/src/github.com/robfig/cron ] \
  && [ -d /usr/share/gocode/src/sigs.k8s.io/yaml ] \
  && [ -d /usr/share/gocode/src/github.com/spf13/pflag ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq "${packages[@]}" >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${packages[@]}" >/dev/null
fi
go version
