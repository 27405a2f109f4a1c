package e2e

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// e2eWorkflow is a workflow named name that runs one script step on events
// of type eventType.
func e2eWorkflow(name, version, eventType string) string {
	return fmt.Sprintf(`workflow:
  name: %q
  description: "End-to-end test workflow"
  version: %q
  trigger:
    event: %q
  steps:
    - name: "evaluate"
      script: "return True"
`, name, version, eventType)
}

// workflowStatus returns the HTTP status of GET /v1/workflows/{name}.
func workflowStatus(t *testing.T, d *daemon, name string) int {
	t.Helper()
	status, _, err := d.do(http.MethodGet, "/v1/workflows/"+name, nil)
	if err != nil {
		t.Fatalf("GET /v1/workflows/%s: %v", name, err)
	}
	return status
}

// workflowSummary is the JSON form of GET /v1/workflows/{name}.
type workflowSummary struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	File    string `json:"file"`
	Digest  string `json:"digest"`
	Commit  string `json:"commit"`
}

func TestRejectedCommitKeepsLastGoodSet(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	good := git(t, repo, "rev-parse", "HEAD")
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, good)

	bad := gitCommit(t, repo, "Add a workflow with a misspelt key", map[string]string{"workflows/misspelt.yaml": misspeltTrigger})
	st := waitRejected(t, d, bad)

	if got := st.activeCommit(); got != good {
		t.Errorf("active commit after the rejection is %q, want %s", got, good)
	}
	found := false
	for _, p := range st.LastRejection.Problems {
		if p.File == "workflows/misspelt.yaml" && p.Line == 3 && p.Column == 3 && strings.Contains(p.Message, `unknown key "tigger"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("rejection lacks workflows/misspelt.yaml:3:3 unknown key \"tigger\": %+v", st.LastRejection.Problems)
	}
	if rec := st.record(bad); rec == nil || rec.Outcome != "rejected" {
		t.Errorf("history record of %s is %+v, want outcome rejected", bad, rec)
	}
	if code := workflowStatus(t, d, "misspelt-trigger"); code != http.StatusNotFound {
		t.Errorf("GET /v1/workflows/misspelt-trigger after the rejection: status %d, want 404", code)
	}

	// Later polls see the same rejected head and must not record it again.
	rejectedAt := time.Now()
	waitFor(t, reconcileTimeout, func() error {
		var later status
		if err := tryGetJSON(d, "/v1/status", &later); err != nil {
			return err
		}
		if later.Reconciler.LastFetchAt.Before(rejectedAt.Add(2 * time.Second)) {
			return errors.New("waiting for two more polls of the rejected head")
		}
		return nil
	})
	st = getStatus(t, d)
	if n := countRecords(st, bad); n != 1 {
		t.Errorf("history holds %d records of the rejected commit %s, want 1", n, bad)
	}

	id := submitOne(t, d, readTestEvent(t, "critical-security-violation.json"), "critical-security-incident-response")
	if r := wantRunStatus(t, d, id, "succeeded"); r.Commit != good {
		t.Errorf("run during the rejection used commit %s, want the last good %s", r.Commit, good)
	}

	cli := runCLI(t, "", "status", "--server", d.url)
	cli.wantExit(t, 0, "policycortex status")
	if !strings.Contains(cli.Stdout, "workflows/misspelt.yaml") || !strings.Contains(cli.Stdout, "tigger") {
		t.Errorf("policycortex status output does not show the rejected file and problem:\n%s", cli.Stdout)
	}

	fixed := gitCommit(t, repo, "Fix the misspelt trigger key", map[string]string{
		"workflows/misspelt.yaml": strings.Replace(misspeltTrigger, "tigger:", "trigger:", 1),
	})
	st = waitActive(t, d, fixed)
	if st.LastRejection == nil || !st.LastRejection.Superseded {
		t.Errorf("last rejection after the fix is %+v, want it marked superseded", st.LastRejection)
	}
	var wf workflowSummary
	getJSON(t, d, "/v1/workflows/misspelt-trigger", &wf)
	if wf.Commit != fixed {
		t.Errorf("workflow misspelt-trigger commit %q, want %s", wf.Commit, fixed)
	}
	id = submitOne(t, d, cloudEvent(t, "e2e/tests", "after-fix", "e2e.test", nil), "misspelt-trigger")
	wantRunStatus(t, d, id, "succeeded")
}

func TestDiffOfWorkflowChanges(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, git(t, repo, "rev-parse", "HEAD"))

	const name = "auto-remediate-s3-public-access"
	rel := "workflows/" + name + ".yaml"
	original := readRepoFile(t, repo, rel)
	bumped := strings.Replace(original, `version: "1.0"`, `version: "1.1"`, 1)
	bumped = strings.Replace(bumped, `description: "Automatically disable public access on S3 buckets"`,
		`description: "Disable public access on S3 buckets without waiting for a person"`, 1)
	if bumped == original {
		t.Fatalf("%s has no version \"1.0\" or description to change", rel)
	}

	c1 := gitCommit(t, repo, "Bump the S3 remediation workflow to 1.1", map[string]string{rel: bumped})
	st := waitActive(t, d, c1)
	entry := onlyDiffEntry(t, st, c1)
	if entry.Workflow != name || entry.Change != "changed" || entry.OldVersion != "1.0" || entry.NewVersion != "1.1" {
		t.Errorf("diff entry %+v, want %s changed from 1.0 to 1.1", entry, name)
	}
	if entry.OldDigest == "" || entry.NewDigest == "" || entry.OldDigest == entry.NewDigest {
		t.Errorf("diff entry digests %q -> %q, want two different digests", entry.OldDigest, entry.NewDigest)
	}
	if entry.Warning != "" {
		t.Errorf("diff entry of a version bump has warning %q, want none", entry.Warning)
	}
	var wf workflowSummary
	getJSON(t, d, "/v1/workflows/"+name, &wf)
	if wf.Version != "1.1" || wf.Commit != c1 {
		t.Errorf("active workflow is version %q at %q, want 1.1 at %s", wf.Version, wf.Commit, c1)
	}
	id := submitOne(t, d, readTestEvent(t, "s3-public-bucket-staging.json"), name)
	if r := wantRunStatus(t, d, id, "succeeded"); r.Version != "1.1" || r.Commit != c1 {
		t.Errorf("run pinned to version %q at %q, want 1.1 at %s", r.Version, r.Commit, c1)
	}

	silent := strings.Replace(bumped, "without waiting for a person", "at once", 1)
	c2 := gitCommit(t, repo, "Reword the S3 remediation description", map[string]string{rel: silent})
	st = waitActive(t, d, c2)
	entry = onlyDiffEntry(t, st, c2)
	if entry.Change != "changed" || entry.OldVersion != "1.1" || entry.NewVersion != "1.1" {
		t.Errorf("diff entry %+v, want changed with version 1.1 on both sides", entry)
	}
	if entry.Warning != "content changed but version did not" {
		t.Errorf("diff warning %q, want %q", entry.Warning, "content changed but version did not")
	}

	c3 := gitCommit(t, repo, "Replace the data exposure workflow", map[string]string{
		"workflows/data-exposure-response.yaml": "",
		"workflows/e2e-added.yaml":              e2eWorkflow("e2e-added", "1.0", "e2e.added"),
	})
	st = waitActive(t, d, c3)
	rec := st.record(c3)
	if rec == nil {
		t.Fatalf("no history record of %s", c3)
	}
	changes := map[string]string{}
	for _, e := range rec.Diff {
		changes[e.Workflow] = e.Change
	}
	want := map[string]string{"data-exposure-response": "removed", "e2e-added": "added"}
	if fmt.Sprint(changes) != fmt.Sprint(want) {
		t.Errorf("diff of %s is %v, want %v", c3, changes, want)
	}
}

// countRecords counts the history records of commit.
func countRecords(st status, commit string) int {
	n := 0
	for _, rec := range st.History {
		if rec.Commit == commit {
			n++
		}
	}
	return n
}

// onlyDiffEntry returns the single diff entry of commit's activation.
func onlyDiffEntry(t *testing.T, st status, commit string) diffEntry {
	t.Helper()
	rec := st.record(commit)
	if rec == nil {
		t.Fatalf("no history record of %s in %+v", commit, st.History)
	}
	if rec.Outcome != "activated" {
		t.Fatalf("history record of %s has outcome %q, want activated", commit, rec.Outcome)
	}
	if len(rec.Diff) != 1 {
		t.Fatalf("activation of %s has diff %+v, want exactly one entry", commit, rec.Diff)
	}
	return rec.Diff[0]
}

// readRepoFile reads a file of a working tree.
func readRepoFile(t *testing.T, repo, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	return string(data)
}

func TestInvalidFirstCommitThenFix(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	bad := gitCommit(t, repo, "Add a workflow with a misspelt key", map[string]string{"workflows/misspelt.yaml": misspeltTrigger})
	svcs := newServices(t)
	d := startDaemon(t, "--repo", repo, "--poll-interval", pollInterval, "--connectors", svcs.writeConnectors(t))

	st := waitRejected(t, d, bad)
	if st.Active != nil {
		t.Errorf("active snapshot %+v after a rejected first commit, want none", st.Active)
	}
	// Without an active set the event is refused, not stored, so the same
	// event can be sent again once a commit is active.
	early := readTestEvent(t, "critical-security-violation.json")
	if status, body, err := d.do(http.MethodPost, "/v1/events", early); err != nil || status != http.StatusServiceUnavailable {
		t.Errorf("event with no active snapshot: status %d (%v) %s, want 503", status, err, body)
	}
	if code, _, err := d.do(http.MethodGet, "/readyz", nil); err != nil || code != http.StatusServiceUnavailable {
		t.Errorf("readyz with no active snapshot = %d (%v), want 503", code, err)
	}
	var list struct {
		Workflows []workflowSummary `json:"workflows"`
	}
	getJSON(t, d, "/v1/workflows", &list)
	if len(list.Workflows) != 0 {
		t.Errorf("GET /v1/workflows lists %d workflows with no active snapshot, want 0", len(list.Workflows))
	}

	fixed := gitCommit(t, repo, "Fix the misspelt trigger key", map[string]string{
		"workflows/misspelt.yaml": strings.Replace(misspeltTrigger, "tigger:", "trigger:", 1),
	})
	waitActive(t, d, fixed)
	id := submitOne(t, d, readTestEvent(t, "s3-public-bucket-staging.json"), "auto-remediate-s3-public-access")
	wantRunStatus(t, d, id, "succeeded")
	submitOne(t, d, early, "critical-security-incident-response")
}
