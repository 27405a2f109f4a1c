package e2e

import (
	"errors"
	"net/http"
	"os"
	"testing"
)

func TestForcePushedBranchActivates(t *testing.T) {
	t.Parallel()
	bare, work := newRemotePair(t)
	base := git(t, work, "rev-parse", "HEAD")
	svcs := newServices(t)
	d := serveRepo(t, "file://"+bare, svcs, base)

	rewritten := gitCommit(t, work, "Add a workflow that the force push drops", map[string]string{
		"workflows/dropped.yaml": e2eWorkflow("dropped", "1.0", "e2e.dropped"),
	})
	git(t, work, "push", "--quiet", "origin", "main")
	waitActive(t, d, rewritten)

	git(t, work, "reset", "--quiet", "--hard", base)
	forced := gitCommit(t, work, "Add a workflow on the rewritten history", map[string]string{
		"workflows/forced.yaml": e2eWorkflow("forced", "1.0", "e2e.forced"),
	})
	git(t, work, "push", "--quiet", "--force", "origin", "main")
	st := waitActive(t, d, forced)

	if st.Reconciler.Head != forced {
		t.Errorf("reconciler head %q, want the force-pushed %s", st.Reconciler.Head, forced)
	}
	if code := workflowStatus(t, d, "dropped"); code != http.StatusNotFound {
		t.Errorf("GET /v1/workflows/dropped after the force push: status %d, want 404", code)
	}
	var wf workflowSummary
	getJSON(t, d, "/v1/workflows/forced", &wf)
	if wf.Commit != forced {
		t.Errorf("workflow forced is at commit %q, want %s", wf.Commit, forced)
	}
	id := submitOne(t, d, cloudEvent(t, "e2e/tests", "forced-1", "e2e.forced", nil), "forced")
	wantRunStatus(t, d, id, "succeeded")
}

func TestUnreachableRepositoryKeepsServing(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	head := git(t, repo, "rev-parse", "HEAD")
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, head)

	away := repo + ".away"
	if err := os.Rename(repo, away); err != nil {
		t.Fatalf("move the repository away: %v", err)
	}
	restored := false
	t.Cleanup(func() {
		if !restored {
			_ = os.Rename(away, repo)
		}
	})

	waitFor(t, reconcileTimeout, func() error {
		var st status
		if err := tryGetJSON(d, "/v1/status", &st); err != nil {
			return err
		}
		if st.Reconciler.LastFetchError == "" {
			return errors.New("reconciler shows no fetch error yet")
		}
		return nil
	})
	st := getStatus(t, d)
	if got := st.activeCommit(); got != head {
		t.Errorf("active commit while the repository is away is %q, want %s", got, head)
	}
	if code, body, err := d.do(http.MethodGet, "/healthz", nil); err != nil || code != http.StatusOK {
		t.Errorf("GET /healthz while the repository is away: status %d, error %v, body %s", code, err, body)
	}
	id := submitOne(t, d, readTestEvent(t, "s3-public-bucket-staging.json"), "auto-remediate-s3-public-access")
	if r := wantRunStatus(t, d, id, "succeeded"); r.Commit != head {
		t.Errorf("run while the repository is away used commit %s, want %s", r.Commit, head)
	}

	if err := os.Rename(away, repo); err != nil {
		t.Fatalf("move the repository back: %v", err)
	}
	restored = true
	next := gitCommit(t, repo, "Add a workflow after the outage", map[string]string{
		"workflows/after-outage.yaml": e2eWorkflow("after-outage", "1.0", "e2e.after-outage"),
	})
	st = waitActive(t, d, next)
	if st.Reconciler.LastFetchError != "" {
		t.Errorf("fetch error %q remains after the repository came back", st.Reconciler.LastFetchError)
	}
}
