#!/usr/bin/env bash
# Runs the benchmarks and writes their results, with the machine and the
# commands, to BENCHMARKS.md. Load runs send traffic to loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=bin/policycortex
results=$(mktemp -d "${TMPDIR:-/tmp}/policycortex-bench.XXXXXX")
trap 'rm -rf "$results"' EXIT

echo "== Go benchmarks" >&2
go test -run '^$' -bench . -benchmem -count 1 -timeout 30m \
  ./schema ./reconciler ./store ./expr ./sandbox 2>&1 | tee "$results/go.txt" >&2

echo "== End-to-end load on loopback" >&2
go run ./hack/loadgen -bin "$bin" 2>&1 | tee "$results/load.txt" >&2

echo "== Lint of 1,000 workflow files" >&2
lintdir="$results/lint-repo"
mkdir -p "$lintdir/workflows"
for i in $(seq 1000); do
  cat >"$lintdir/workflows/wf-$i.yaml" <<YAML
workflow:
  name: "generated-$i"
  version: "1"
  trigger:
    event: "policy.violation.created"
    conditions:
      - severity: ["HIGH", "CRITICAL"]
  steps:
    - name: "notify"
      action: "http"
      condition: "severity == 'CRITICAL' or risk_level >= MEDIUM"
      parameters:
        url: "http://127.0.0.1:9/hook"
        body: {resource: "{{ violation.resource.name }}", n: $i}
YAML
done
best=""
for run in 1 2 3; do
  start=$(date +%s%N)
  "$bin" lint "$lintdir" >/dev/null
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  if [[ -z $best || $ms -lt $best ]]; then best=$ms; fi
done
echo "lint: 1000 files, best of 3 whole-process runs: ${best} ms" | tee "$results/lint.txt" >&2

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  echo "# Benchmarks"
  echo
  echo "Measured by \`make bench\` (hack/bench.sh) on $(date -u +%Y-%m-%d):"
  echo "$(nproc) cores ($cpu), $(free -g | awk '/Mem:/{print $2}') GiB, $(go version | cut -d' ' -f3), Linux $(uname -r)."
  echo "The machine is shared, so figures vary between runs by tens of percent."
  echo
  echo "## End to end (hack/loadgen: the built daemon on loopback, SQLite with synchronous=FULL)"
  echo
  echo '```'
  cat "$results/load.txt"
  cat "$results/lint.txt"
  echo '```'
  echo
  echo "## Go benchmarks"
  echo
  echo '```'
  grep -E '^(Benchmark|goos|goarch|cpu|pkg)' "$results/go.txt" || true
  echo '```'
  if [[ -f hack/bench-notes.md ]]; then
    echo
    cat hack/bench-notes.md
  fi
} >BENCHMARKS.md
echo "wrote BENCHMARKS.md" >&2
