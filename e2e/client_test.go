package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// sentEvent is one element of `events send --output json`.
type sentEvent struct {
	File      string   `json:"file"`
	Seq       int64    `json:"seq"`
	Duplicate bool     `json:"duplicate"`
	Runs      []string `json:"runs"`
}

// decodeOutput decodes a command's JSON standard output into v.
func decodeOutput(t *testing.T, res cliResult, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(res.Stdout), v); err != nil {
		t.Fatalf("command output is not the expected JSON: %v\n%s", err, res.Stdout)
	}
}

func TestClientCommandsAgainstDaemon(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	head := git(t, repo, "rev-parse", "HEAD")
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, head)
	server := []string{"--server", d.url}
	critical := filepath.Join(suite.exampleRepo, "test-data", "critical-security-violation.json")
	staging := filepath.Join(suite.exampleRepo, "test-data", "s3-public-bucket-staging.json")

	res := runCLI(t, "", append([]string{"events", "send", "--output", "json", critical, staging}, server...)...)
	res.wantExit(t, 0, "events send")
	var sent []sentEvent
	decodeOutput(t, res, &sent)
	if len(sent) != 2 || len(sent[0].Runs) != 1 || len(sent[1].Runs) != 1 || sent[0].Duplicate || sent[1].Duplicate {
		t.Fatalf("events send reported %+v, want two new events with one run each", sent)
	}
	runID := sent[0].Runs[0]
	wantRunStatus(t, d, runID, "succeeded")
	wantRunStatus(t, d, sent[1].Runs[0], "succeeded")

	res = runCLI(t, "", append([]string{"events", "send", critical}, server...)...)
	res.wantExit(t, 0, "events send of a duplicate")
	if !strings.Contains(res.Stdout, "duplicate=true") || !strings.Contains(res.Stdout, runID) {
		t.Errorf("events send of a duplicate printed %q, want duplicate=true and the original run %s", res.Stdout, runID)
	}

	res = runCLI(t, "", append([]string{"runs", "show", runID, "--output", "json"}, server...)...)
	res.wantExit(t, 0, "runs show")
	var shownRun run
	decodeOutput(t, res, &shownRun)
	if shownRun.ID != runID || shownRun.Status != "succeeded" || len(shownRun.Steps) != 5 {
		t.Errorf("runs show: id %s status %s with %d steps, want %s succeeded with 5 steps", shownRun.ID, shownRun.Status, len(shownRun.Steps), runID)
	}
	res = runCLI(t, "", append([]string{"runs", "show", "no-such-run"}, server...)...)
	if res.ExitCode == 0 {
		t.Errorf("runs show of an unknown run exited 0, want non-zero")
	}

	res = runCLI(t, "", append([]string{"workflow", "list", "--output", "json"}, server...)...)
	res.wantExit(t, 0, "workflow list")
	for _, name := range []string{"auto-remediate-s3-public-access", "critical-security-incident-response",
		"data-exposure-response", "privileged-access-request", "weekly-compliance-report"} {
		if !strings.Contains(res.Stdout, `"`+name+`"`) {
			t.Errorf("workflow list lacks %s:\n%s", name, res.Stdout)
		}
	}

	res = runCLI(t, "", append([]string{"workflow", "show", "auto-remediate-s3-public-access"}, server...)...)
	res.wantExit(t, 0, "workflow show")
	for _, want := range []string{"1.0", head[:7], "policy.violation.created", "disable_public_access"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("workflow show output lacks %q:\n%s", want, res.Stdout)
		}
	}

	res = runCLI(t, "", append([]string{"workflow", "history", "--workflow", "critical-security-incident-response", "--output", "json"}, server...)...)
	res.wantExit(t, 0, "workflow history")
	if !strings.Contains(res.Stdout, runID) {
		t.Errorf("workflow history lacks run %s:\n%s", runID, res.Stdout)
	}

	res = runCLI(t, "", append([]string{"workflow", "metrics", "--workflow", "critical-security-incident-response", "--include-step-timing"}, server...)...)
	res.wantExit(t, 0, "workflow metrics")
	if !strings.Contains(res.Stdout, "isolate_resource") {
		t.Errorf("workflow metrics with step timing does not list step isolate_resource:\n%s", res.Stdout)
	}

	res = runCLI(t, "", "workflow", "debug", "--workflow", "critical-security-incident-response")
	if res.ExitCode == 0 {
		t.Errorf("workflow debug exited 0, want a non-zero exit for an unsupported command")
	}
	if !strings.Contains(res.Stderr, "not supported") {
		t.Errorf("workflow debug error does not say it is not supported:\n%s", res.Stderr)
	}
}

func TestClientConnectionRefusedHint(t *testing.T) {
	t.Parallel()
	res := runCLI(t, "", "status", "--server", "http://"+freeAddr(t))
	res.wantExit(t, 2, "status against a closed port")
	if !strings.Contains(res.Stderr, "policycortex serve") {
		t.Errorf("status against a closed port gives no hint to start the daemon:\n%s", res.Stderr)
	}
}
