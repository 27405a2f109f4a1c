package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// gatedWorkflow requires an approval from security_team that expires after
// one second.
const gatedWorkflow = `workflow:
  name: "gated"
  version: "1.0"
  trigger:
    event: "e2e.gated"
  approval:
    approvers: ["security_team"]
    timeout: 1s
  steps:
    - name: "evaluate"
      script: "return True"
`

// slowWorkflow calls a service that does not respond within the step's
// one-second timeout.
func slowWorkflow(base string) string {
	return fmt.Sprintf(`workflow:
  name: "slow"
  version: "1.0"
  trigger:
    event: "e2e.slow"
  steps:
    - name: "call"
      action: "http"
      timeout: 1s
      parameters:
        url: "%s/slow"
`, base)
}

func TestRunPinnedToStartingVersion(t *testing.T) {
	t.Parallel()
	svcs := newServices(t)
	cloud := svcs["cloud"]
	heldArrived, _ := cloud.blockFirst("/crash/held")
	repo := newPolicyRepo(t)
	v1 := gitCommit(t, repo, "Add the crash recovery workflows", crashWorkflows(cloud.URL()))
	d := serveRepo(t, repo, svcs, v1)

	id := submitOne(t, d, cloudEvent(t, "e2e/tests", "pinned-1", "e2e.crash", nil), "crash-recovery")
	waitClosed(t, heldArrived, "the held step's request")

	rel := "workflows/crash-recovery.yaml"
	v2Content := strings.Replace(readRepoFile(t, repo, rel), `version: "1.0"`, `version: "2.0"`, 1)
	v2Content = strings.Replace(v2Content, "/crash/third", "/crash/third-v2", 1)
	v2 := gitCommit(t, repo, "Move the third step to a new path in version 2.0", map[string]string{rel: v2Content})
	waitActive(t, d, v2)

	// After a kill the restarted daemon has only the store to rebuild the
	// run's snapshot from.
	d.kill()
	d.restart()

	r := wantRunStatus(t, d, id, "succeeded")
	if r.Version != "1.0" || r.Commit != v1 {
		t.Errorf("run is pinned to version %q at %q, want 1.0 at %s", r.Version, r.Commit, v1)
	}
	paths := map[string]int{}
	for _, req := range cloud.forRun(id) {
		paths[req.Path]++
	}
	if paths["/crash/third"] != 1 || paths["/crash/third-v2"] != 0 {
		t.Errorf("run calls by path %v, want version 1.0's /crash/third once and no /crash/third-v2", paths)
	}

	next := submitOne(t, d, cloudEvent(t, "e2e/tests", "pinned-2", "e2e.crash", nil), "crash-recovery")
	r = wantRunStatus(t, d, next, "succeeded")
	if r.Version != "2.0" || r.Commit != v2 {
		t.Errorf("new run has version %q at %q, want 2.0 at %s", r.Version, r.Commit, v2)
	}
}

func TestApprovalGateExpires(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	head := gitCommit(t, repo, "Add a workflow with a short approval timeout", map[string]string{
		"workflows/gated.yaml": gatedWorkflow,
	})
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, head)

	id := submitOne(t, d, cloudEvent(t, "e2e/tests", "gated-1", "e2e.gated", nil), "gated")
	waitFor(t, runTimeout, func() error {
		r := getRun(t, d, id)
		if settled(r.Status) && r.Status != "waiting_approval" {
			return nil
		}
		return fmt.Errorf("run %s is %s", id, r.Status)
	})
	r := getRun(t, d, id)
	if r.Status != "timed_out" {
		t.Errorf("run past its approval timeout is %s, want timed_out", r.Status)
	}
	if got := describeApprovals(r); got != "approval=expired" {
		t.Errorf("approval stages %q, want approval=expired", got)
	}
	if s := r.step(t, "evaluate"); s.Status != "pending" && s.Status != "skipped" {
		t.Errorf("step evaluate of an expired run is %s, want it never run", s.Status)
	}
}

func TestStepTimeoutEndsRun(t *testing.T) {
	t.Parallel()
	svcs := newServices(t)
	cloud := svcs["cloud"]
	cloud.blockFirst("/slow")
	repo := newPolicyRepo(t)
	head := gitCommit(t, repo, "Add a workflow with a short step timeout", map[string]string{
		"workflows/slow.yaml": slowWorkflow(cloud.URL()),
	})
	d := serveRepo(t, repo, svcs, head)

	id := submitOne(t, d, cloudEvent(t, "e2e/tests", "slow-1", "e2e.slow", nil), "slow")
	r := wantRunStatus(t, d, id, "timed_out")
	s := r.step(t, "call")
	if s.Status != "timed_out" || s.Attempts != 1 {
		t.Errorf("step call: %s with %d attempts, want timed_out with 1", s.Status, s.Attempts)
	}
	if !strings.Contains(s.Error, "timed out") {
		t.Errorf("step error %q does not say the step timed out", s.Error)
	}
}
