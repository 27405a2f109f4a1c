#!/usr/bin/env bash
# Runs the whole PolicyCortex loop on example-repo. It makes a real Git
# repository in a temporary folder, starts the daemon with a SQLite file and
# sends the sample events. Then it commits a change that activates and an
# invalid commit that is rejected while the previous set keeps running. It
# stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/bin/policycortex
work=$(mktemp -d "${TMPDIR:-/tmp}/policycortex-demo.XXXXXX")
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "demo files kept in $work (daemon log: $work/daemon.log)"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
git_in() { git -C "$work/policy" -c user.name="Demo Author" -c user.email=demo@company.com "$@"; }

say "Starting a stand-in for the third-party APIs on loopback"
go build -o "$work/demo-sink" ./hack/demo-sink
"$work/demo-sink" -addr-file "$work/sink.addr" >"$work/sink.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -s $work/sink.addr ]] && break; sleep 0.1; done
sink="http://$(cat "$work/sink.addr")"
cat >"$work/connectors.yaml" <<YAML
slack:
  webhook_url: "$sink/slack/webhook"
endpoints:
  cloud: {base_url: "$sink/cloud"}
  iam: {base_url: "$sink/iam"}
  jira: {base_url: "$sink/jira", headers: {Authorization: "Bearer demo-jira-token"}}
  pagerduty: {base_url: "$sink/pagerduty", secrets: {routing_key: "demo-routing-key"}}
  mail: {base_url: "$sink/mail"}
  compliance: {base_url: "$sink/compliance"}
YAML
echo "sink at $sink"

say "Turning example-repo into a Git repository"
cp -r example-repo "$work/policy"
git -C "$work/policy" init -q -b main
git_in add -A
git_in commit -qm "Add the example policies"
git_in log --oneline

say "Linting the repository"
"$bin" lint "$work/policy"
echo "lint: clean"

port=$("$work/demo-sink" -free-port)
export POLICYCORTEX_SERVER="http://127.0.0.1:$port"
say "Starting the daemon on 127.0.0.1:$port"
"$bin" serve --repo "$work/policy" --data-dir "$work/data" --listen "127.0.0.1:$port" \
  --poll-interval 1s --connectors "$work/connectors.yaml" >"$work/daemon.log" 2>&1 &
pids+=($!)
# Ready means the first commit is active and events are accepted.
for _ in $(seq 150); do "$bin" status 2>/dev/null | grep -q '^active: *commit' && break; sleep 0.2; done
"$bin" status
"$bin" workflow list

say "Testing a workflow before merging it (dry run)"
"$bin" workflow test --repo "$work/policy" \
  --workflow-file "$work/policy/workflows/data-exposure-response.yaml" \
  --test-data "$work/policy/test-data/sensitive-data-exposure.json" --dry-run --verbose

say "Sending the sample events"
"$bin" events send "$work/policy"/test-data/*.json
sleep 3
"$bin" workflow history --limit 10

say "What the stand-in APIs received"
cat "$work/sink.log"

say "Committing a change: a new version of data-exposure-response"
sed -i 's/^  version: "1.0"/  version: "1.1"/; s/urgency: "immediate"/urgency: "normal"/' "$work/policy/workflows/data-exposure-response.yaml"
echo "what the change would activate, before it is committed:"
"$bin" diff --repo "$work/policy"
git_in commit -qam "Lower the legal notification urgency"
sleep 3
"$bin" status

say "Committing an invalid workflow: it is rejected whole"
cat >"$work/policy/workflows/broken.yaml" <<'YAML'
workflow:
  name: "broken-workflow"
  tigger:
    event: "policy.violation.created"
  steps:
    - name: "notify"
      action: "send_slack_mesage"
YAML
git_in add -A
git_in commit -qm "Add a broken workflow"
sleep 3
"$bin" status

say "The previous set keeps running"
sed 's/evt-dlp-0001/evt-dlp-0002/' "$work/policy/test-data/sensitive-data-exposure.json" >"$work/event2.json"
"$bin" events send "$work/event2.json"
sleep 2
"$bin" workflow history --workflow data-exposure-response --limit 5
