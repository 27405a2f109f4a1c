package e2e

import (
	"errors"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
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
	waiting := submitOne(t, d, readTestEvent(t, "s3-public-bucket-production.json"), "auto-remediate-s3-public-access")
	approvalsBefore := describeApprovals(wantRunStatus(t, d, waiting, "waiting_approval"))
	before := getStatus(t, d)
	runsBefore := listRuns(t, d, "limit=1000")
	requestsBefore := svcs.total()

	if err := d.stop(); err != nil {
		t.Errorf("SIGTERM: daemon exited with %s, want exit code 0\n%s", describeExit(err), d.output())
	}
	restartedAt := time.Now()
	d.restart()

	// Wait for the first reconcile pass after the restart. It fetches the
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
	r := getRun(t, d, waiting)
	if r.Status != "waiting_approval" {
		t.Errorf("run %s after the restart is %s, want still waiting_approval", waiting, r.Status)
	}
	if got := describeApprovals(r); got != approvalsBefore {
		t.Errorf("approval stages after the restart %q, want the same %q", got, approvalsBefore)
	}
	status, dup := postEvent(t, d, readTestEvent(t, "critical-security-violation.json"))
	if status != http.StatusOK || !dup.Duplicate {
		t.Errorf("event posted again after the restart: status %d duplicate %v, want 200 and a duplicate", status, dup.Duplicate)
	}
	if got := svcs.total(); got != requestsBefore {
		t.Errorf("services received %d requests after the restart, want none", got-requestsBefore)
	}
}

func TestServeSubsecondPollInterval(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	head := git(t, repo, "rev-parse", "HEAD")
	d := startDaemon(t, "--repo", repo, "--poll-interval", "200ms")
	waitActive(t, d, head)

	next := gitCommit(t, repo, "Add a workflow for the fast poll", map[string]string{
		"workflows/fast-poll.yaml": e2eWorkflow("fast-poll", "1.0", "e2e.fast-poll"),
	})
	waitActive(t, d, next)
}

func TestMetricsCountReconcilesAndRuns(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, git(t, repo, "rev-parse", "HEAD"))
	bad := gitCommit(t, repo, "Add a workflow with a misspelt key", map[string]string{"workflows/misspelt.yaml": misspeltTrigger})
	waitRejected(t, d, bad)
	id := submitOne(t, d, readTestEvent(t, "critical-security-violation.json"), "critical-security-incident-response")
	wantRunStatus(t, d, id, "succeeded")

	status, body, err := d.do(http.MethodGet, "/metrics", nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET /metrics: status %d, error %v", status, err)
	}
	text := string(body)
	checks := []struct {
		metric string
		labels string
		want   float64
	}{
		{"policycortex_reconcile_activations_total", "", 1},
		{"policycortex_reconcile_rejections_total", "", 1},
		{"policycortex_runs_created_total", "", 1},
		{"policycortex_runs_finished_total", `status="succeeded"`, 1},
	}
	for _, c := range checks {
		got, found := metricSum(text, c.metric, c.labels)
		if !found {
			t.Errorf("GET /metrics has no %s{%s}", c.metric, c.labels)
			continue
		}
		if got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.metric, c.labels, got, c.want)
		}
	}
	if _, found := metricSum(text, "policycortex_reconcile_last_success_timestamp_seconds", ""); !found {
		t.Errorf("GET /metrics has no policycortex_reconcile_last_success_timestamp_seconds")
	}
}

// metricSum adds the samples of metric in Prometheus text exposition whose
// label set contains labels, and reports whether there was any.
func metricSum(text, metric, labels string) (float64, bool) {
	var sum float64
	found := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		name, labelSet, _ := strings.Cut(name, "{")
		if name != metric || !strings.Contains(labelSet, labels) {
			continue
		}
		value, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err != nil {
			continue
		}
		sum += value
		found = true
	}
	return sum, found
}
