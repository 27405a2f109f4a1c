#!/usr/bin/env bash
# Checks for Go and installs git when it is missing (Debian, as root), so that
# `make demo` and `make test` work on a fresh machine.
set -euo pipefail

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    echo "go is at /usr/local/go/bin but not on PATH: export PATH=\$PATH:/usr/local/go/bin" >&2
  else
    echo "go is required (1.26 or newer): https://go.dev/doc/install" >&2
  fi
  exit 1
fi

if ! command -v git >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing git with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git >/dev/null
  else
    echo "git is required: install it with your package manager" >&2
    exit 1
  fi
fi
