package e2e

import (
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

func TestAPITokenRequired(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	tokenFile := filepath.Join(t.TempDir(), "api-token")
	const token = "e2e-token-7f3a9c"
	writeFile(t, tokenFile, token+"\n")
	svcs := newServices(t)
	d := startDaemon(t, "--repo", repo, "--poll-interval", pollInterval,
		"--connectors", svcs.writeConnectors(t), "--api-token-file", tokenFile)
	event := readTestEvent(t, "critical-security-violation.json")

	requests := []struct {
		method, path string
		body         []byte
	}{
		{http.MethodGet, "/v1/status", nil},
		{http.MethodGet, "/v1/runs", nil},
		{http.MethodGet, "/v1/workflows", nil},
		{http.MethodPost, "/v1/events", event},
	}
	for _, bad := range []string{"", "wrong-token"} {
		d.token = bad
		for _, req := range requests {
			code, body, err := d.do(req.method, req.path, req.body)
			if err != nil {
				t.Fatalf("%s %s: %v", req.method, req.path, err)
			}
			if code != http.StatusUnauthorized {
				t.Errorf("%s %s with token %q: status %d, want 401; body %s", req.method, req.path, bad, code, body)
			}
		}
	}

	d.token = token
	for _, req := range requests {
		code, body, err := d.do(req.method, req.path, req.body)
		if err != nil {
			t.Fatalf("%s %s: %v", req.method, req.path, err)
		}
		if code != http.StatusOK && code != http.StatusAccepted {
			t.Errorf("%s %s with the token: status %d, want 200 or 202; body %s", req.method, req.path, code, body)
		}
	}

	d.token = ""
	for _, probe := range []string{"/healthz", "/readyz"} {
		if code, _, err := d.do(http.MethodGet, probe, nil); err != nil || code != http.StatusOK {
			t.Errorf("GET %s without a token: status %d, error %v, want 200", probe, code, err)
		}
	}

	cli := runCLI(t, "", "status", "--server", d.url, "--token-file", tokenFile)
	cli.wantExit(t, 0, "policycortex status with --token-file")
	cli = runCLI(t, "", "status", "--server", d.url)
	if cli.ExitCode == 0 {
		t.Errorf("policycortex status without a token exited 0, want non-zero\n%s", cli.Stdout)
	}
}

func TestRestartDoesNotRerun(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	head := git(t, repo, "rev-parse", "HEAD")
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, head)

	id := submitOne(t, d, readTestEvent(t, "critical-security-violation.json"), "critical-security-incident-response")
	wantRunStatus(t, d, id, "succeeded")
	before := getStatus(t, d)
	runsBefore := listRuns(t, d, "limit=1000")
	requestsBefore := svcs.total()

	if err := d.stop(); err != nil {
		t.Errorf("SIGTERM: daemon exited with %s, want exit code 0\n%s", describeExit(err), d.output())
	}
	restartedAt := time.Now()
	d.restart()

	// Wait for the first reconcile pass after the restart, which sees the
	// same head and must record nothing.
	waitFor(t, reconcileTimeout, func() error {
		var st status
		if err := tryGetJSON(d, "/v1/status", &st); err != nil {
			return err
		}
		if st.Reconciler.LastFetchAt.Before(restartedAt) {
			return errors.New("no fetch since the restart yet")
		}
		return nil
	})
	after := getStatus(t, d)

	if got := after.activeCommit(); got != head {
		t.Errorf("active commit after the restart is %q, want %s", got, head)
	}
	if before.Active != nil && after.Active != nil && after.Active.SnapshotID != before.Active.SnapshotID {
		t.Errorf("snapshot after the restart is %d, want the same %d", after.Active.SnapshotID, before.Active.SnapshotID)
	}
	if len(after.History) != len(before.History) || (len(after.History) > 0 && after.History[0].ID != before.History[0].ID) {
		t.Errorf("reconcile history changed across the restart:\nbefore %+v\nafter  %+v", before.History, after.History)
	}
	runsAfter := listRuns(t, d, "limit=1000")
	if len(runsAfter) != len(runsBefore) {
		t.Errorf("runs after the restart: %d, want the same %d", len(runsAfter), len(runsBefore))
	}
	if r := getRun(t, d, id); r.Status != "succeeded" {
		t.Errorf("run %s after the restart is %s, want succeeded", id, r.Status)
	}
	if got := svcs.total(); got != requestsBefore {
		t.Errorf("services received %d requests after the restart, want none", got-requestsBefore)
	}
}
