package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/policycortex/policycortex/api"
	"github.com/policycortex/policycortex/engine"
	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/reconciler"
	"github.com/policycortex/policycortex/store"
)

// testDaemon is the HTTP API over loopback with a real store, engine and
// reconciler that has activated triageWorkflow.
type testDaemon struct {
	env    map[string]string
	commit string
}

func newTestDaemon(t *testing.T, token string) *testDaemon {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "policycortex.db"), store.Options{Logger: logger})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	env, err := expr.NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Config{Store: st, Env: env, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}

	repoDir, commit := newPolicyRepo(t)
	rec, err := reconciler.New(reconciler.Config{
		Repo: repoDir, DataDir: t.TempDir(), Store: st, Env: env, Logger: logger, OnActivate: eng.Activate,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Reconcile(ctx); err != nil {
		t.Fatalf("reconcile: %v", err)
	}

	server, err := api.New(api.Config{Engine: eng, Store: st, Reconciler: rec, Token: token, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	server.SetReady(true)
	ts := httptest.NewServer(server.Handler())
	t.Cleanup(ts.Close)
	return &testDaemon{env: map[string]string{"POLICYCORTEX_SERVER": ts.URL}, commit: commit}
}

// sendEvent posts an event file through the CLI and returns the run id.
func (d *testDaemon) sendEvent(t *testing.T, id string) string {
	t.Helper()
	file := writeFile(t, filepath.Join(t.TempDir(), id+".json"), violationEvent(id, "CRITICAL"))
	r := runCLI(t, d.env, "", "events", "send", file)
	r.wantCode(t, exitOK)
	m := regexp.MustCompile(`runs=(\S+)`).FindStringSubmatch(r.stdout)
	if m == nil || m[1] == "-" {
		t.Fatalf("events send output %q has no run id", r.stdout)
	}
	return m[1]
}

func TestEventsSend(t *testing.T) {
	t.Parallel()
	d := newTestDaemon(t, "")
	dir := t.TempDir()
	good := writeFile(t, filepath.Join(dir, "good.json"), violationEvent("evt-1", "HIGH"))
	invalid := writeFile(t, filepath.Join(dir, "invalid.json"), `{"specversion":"1.0","id":"x"}`)

	r := runCLI(t, d.env, "", "events", "send", good)
	r.wantCode(t, exitOK)
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(good) + `: seq=\d+ duplicate=false runs=[0-9a-f-]{36}\n$`).MatchString(r.stdout) {
		t.Errorf("stdout = %q, want seq, duplicate=false and one run id", r.stdout)
	}

	r = runCLI(t, d.env, "", "events", "send", good, invalid)
	r.wantCode(t, exitFailure)
	if !strings.Contains(r.stdout, "duplicate=true") {
		t.Errorf("stdout = %q, want the resent event marked duplicate", r.stdout)
	}
	if !strings.Contains(r.stderr, "invalid.json") {
		t.Errorf("stderr = %q, want the rejected file", r.stderr)
	}
	if !strings.Contains(r.stderr, "400") {
		t.Errorf("stderr = %q, want status 400", r.stderr)
	}

	r = runCLI(t, d.env, violationEvent("evt-stdin", "LOW"), "events", "send", "--output", "json", "-")
	r.wantCode(t, exitOK)
	var results []sentEvent
	if err := json.Unmarshal([]byte(r.stdout), &results); err != nil {
		t.Fatalf("decode %q: %v", r.stdout, err)
	}
	if len(results) != 1 || results[0].Seq == 0 || len(results[0].Runs) != 0 {
		t.Errorf("results = %+v, want one stored event without runs", results)
	}

	r = runCLI(t, d.env, "", "events", "send", filepath.Join(dir, "absent.json"))
	r.wantCode(t, exitUsage)
}

func TestReadCommands(t *testing.T) {
	t.Parallel()
	d := newTestDaemon(t, "")
	runID := d.sendEvent(t, "evt-read")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"status", []string{"status"}, []string{"commit " + d.commit, "1 workflow,", "runs:        1 (pending 1)"}},
		{"workflow list", []string{"workflow", "list"}, []string{"violation-triage", "event policy.violation.created"}},
		{"workflow show", []string{"workflow", "show", "violation-triage"}, []string{"version:     3", "1. assess (evaluation)", `severity in ["HIGH","CRITICAL"]`}},
		{"history", []string{"workflow", "history", "--workflow", "violation-triage"}, []string{runID, "pending", "0/1"}},
		{"history empty", []string{"workflow", "history", "--status", "failed"}, []string{"no runs found"}},
		{"runs show", []string{"runs", "show", runID}, []string{"run:      " + runID, "status:   pending", "assess"}},
		{"metrics", []string{"workflow", "metrics", "--workflow", "violation-triage", "--include-step-timing"}, []string{"runs:         1 (pending 1)", "no finished runs", "assess"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, d.env, "", tt.args...)
			r.wantCode(t, exitOK)
			for _, want := range tt.want {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout does not contain %q:\n%s", want, r.stdout)
				}
			}
		})
	}
}

func TestReadCommandsJSON(t *testing.T) {
	t.Parallel()
	d := newTestDaemon(t, "")
	runID := d.sendEvent(t, "evt-json")
	var status api.StatusResponse
	decodeCLI(t, runCLI(t, d.env, "", "status", "--output", "json"), &status)
	if status.Active == nil || status.Active.Commit != d.commit {
		t.Errorf("status active = %+v, want commit %s", status.Active, d.commit)
	}
	var run store.Run
	decodeCLI(t, runCLI(t, d.env, "", "runs", "show", runID, "--output", "json"), &run)
	if run.ID != runID || len(run.Steps) != 1 {
		t.Errorf("run = %+v, want %s with one step", run, runID)
	}
	var report metricsReport
	decodeCLI(t, runCLI(t, d.env, "", "workflow", "metrics", "--workflow", "violation-triage", "--output", "json"), &report)
	if report.Runs != 1 || report.ByStatus[store.RunPending] != 1 || report.SuccessRate != nil {
		t.Errorf("metrics = %+v, want one pending run and no success rate", report)
	}
}

func decodeCLI(t *testing.T, r cliResult, v any) {
	t.Helper()
	r.wantCode(t, exitOK)
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("decode %q: %v", r.stdout, err)
	}
}

func TestRunsShowUnknown(t *testing.T) {
	t.Parallel()
	d := newTestDaemon(t, "")
	r := runCLI(t, d.env, "", "runs", "show", "0190c2a4-0000-7000-8000-000000000000")
	r.wantCode(t, exitFailure)
	if !strings.Contains(r.stderr, "404") {
		t.Errorf("stderr = %q, want status 404", r.stderr)
	}
	if !strings.Contains(r.stderr, "not found") {
		t.Errorf("stderr = %q, want the daemon's message", r.stderr)
	}
}

func TestClientToken(t *testing.T) {
	t.Parallel()
	d := newTestDaemon(t, "cli-token")
	r := runCLI(t, d.env, "", "status")
	r.wantCode(t, exitFailure)
	if !strings.Contains(r.stderr, "401") {
		t.Errorf("stderr = %q, want status 401", r.stderr)
	}
	if !strings.Contains(r.stderr, "--token-file") {
		t.Errorf("stderr = %q, want a --token-file hint", r.stderr)
	}
	tokenFile := writeFile(t, filepath.Join(t.TempDir(), "token"), "cli-token\n")
	r = runCLI(t, d.env, "", "status", "--token-file", tokenFile)
	r.wantCode(t, exitOK)
	d.env["POLICYCORTEX_TOKEN_FILE"] = tokenFile
	runCLI(t, d.env, "", "workflow", "list").wantCode(t, exitOK)
}

func TestConnectionRefusedHint(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := runCLI(t, nil, "", "status", "--server", "http://"+addr)
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.stderr, "is `policycortex serve` running at http://"+addr) {
		t.Errorf("stderr = %q, want the serve hint", r.stderr)
	}
}

func TestRunsCancel(t *testing.T) {
	t.Parallel()
	d := newTestDaemon(t, "")
	runID := d.sendEvent(t, "evt-cancel")

	r := runCLI(t, d.env, "", "runs", "cancel", runID, "--reason", "duplicate alert")
	r.wantCode(t, exitOK)
	for _, want := range []string{"status:   cancelled", "cancelled: duplicate alert"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, r.stdout)
		}
	}
	r = runCLI(t, d.env, "", "runs", "cancel", runID)
	r.wantCode(t, exitFailure)
	if !strings.Contains(r.stderr, "409") {
		t.Errorf("second cancel stderr = %q, want status 409", r.stderr)
	}
	runCLI(t, d.env, "", "runs", "cancel", "a/b").wantCode(t, exitUsage)
}

func TestMetricsUnknownWorkflow(t *testing.T) {
	t.Parallel()
	d := newTestDaemon(t, "")
	r := runCLI(t, d.env, "", "workflow", "metrics", "--workflow", "no-such-workflow")
	r.wantCode(t, exitFailure)
	if !strings.Contains(r.stderr, "not in the active set") {
		t.Errorf("stderr = %q, want it to say the workflow is unknown", r.stderr)
	}
}

func TestDiffAgainstActiveSet(t *testing.T) {
	t.Parallel()
	d := newTestDaemon(t, "")
	local := t.TempDir()
	// The same version with other content, and one new workflow.
	changed := strings.Replace(triageWorkflow, `- environment: "production"`, `- environment: "staging"`, 1)
	added := strings.Replace(triageWorkflow, `name: "violation-triage"`, `name: "violation-digest"`, 1)
	for name, content := range map[string]string{"workflows/triage.yaml": changed, "workflows/digest.yaml": added} {
		path := filepath.Join(local, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	r := runCLI(t, d.env, "", "diff", "--repo", local)
	r.wantCode(t, exitOK)
	for _, want := range []string{"added    violation-digest", "changed  violation-triage version 3 -> 3", "warning: content changed but version did not"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, r.stdout)
		}
	}

	if err := os.WriteFile(filepath.Join(local, "workflows", "broken.yaml"), []byte("workflow:\n  tigger: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, d.env, "", "diff", "--repo", local)
	r.wantCode(t, exitFailure)
	if !strings.Contains(r.stderr, "workflows/broken.yaml:2:3") {
		t.Errorf("stderr = %q, want the problem with its position", r.stderr)
	}
}

func TestDiffJSONAndErrors(t *testing.T) {
	t.Parallel()
	d := newTestDaemon(t, "secret-token")
	local := t.TempDir()
	writeFile(t, filepath.Join(local, "workflows", "triage.yaml"), triageWorkflow)

	// The daemon refuses the request: an I/O error, not a verdict.
	r := runCLI(t, d.env, "", "diff", "--repo", local)
	r.wantCode(t, exitUsage)

	writeFile(t, filepath.Join(local, "workflows", "broken.yaml"), "workflow:\n  tigger: {}\n")
	r = runCLI(t, d.env, "", "diff", "--repo", local, "--output", "json")
	r.wantCode(t, exitFailure)
	var report diffReport
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("decode %q: %v", r.stdout, err)
	}
	if len(report.Problems) == 0 || report.Problems[0].File != "workflows/broken.yaml" {
		t.Errorf("problems = %+v, want the broken file's", report.Problems)
	}
}
