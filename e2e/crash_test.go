package e2e

import (
	"fmt"
	"testing"
	"time"
)

// crashWorkflows returns two workflows whose http steps call the fake
// service at base: crash-recovery (three steps, the second of which the test
// holds open) and crash-later (one step, also held open).
func crashWorkflows(base string) map[string]string {
	return map[string]string{
		"workflows/crash-recovery.yaml": fmt.Sprintf(`workflow:
  name: "crash-recovery"
  version: "1.0"
  trigger:
    event: "e2e.crash"
  steps:
    - name: "first"
      action: "http"
      parameters:
        url: "%[1]s/crash/first"
        body: {run: "{{ run.id }}"}
    - name: "held"
      action: "http"
      parameters:
        url: "%[1]s/crash/held"
        body: {run: "{{ run.id }}"}
    - name: "third"
      action: "http"
      parameters:
        url: "%[1]s/crash/third"
        body: {run: "{{ run.id }}"}
`, base),
		"workflows/crash-later.yaml": fmt.Sprintf(`workflow:
  name: "crash-later"
  version: "1.0"
  trigger:
    event: "e2e.crash.later"
  steps:
    - name: "only"
      action: "http"
      parameters:
        url: "%[1]s/crash/later"
`, base),
	}
}

func TestKillDuringRunResumes(t *testing.T) {
	t.Parallel()
	svcs := newServices(t)
	cloud := svcs["cloud"]
	heldArrived, _ := cloud.blockFirst("/crash/held")
	laterArrived, releaseLater := cloud.blockFirst("/crash/later")

	repo := newPolicyRepo(t)
	head := gitCommit(t, repo, "Add the crash recovery workflows", crashWorkflows(cloud.URL()))
	d := serveRepo(t, repo, svcs, head)

	heldRun := submitOne(t, d, cloudEvent(t, "e2e/tests", "crash-1", "e2e.crash", nil), "crash-recovery")
	waitClosed(t, heldArrived, "the held step's request")
	r := getRun(t, d, heldRun)
	if s := r.step(t, "first"); s.Status != "succeeded" {
		t.Fatalf("step first is %s while the second is in flight, want succeeded", s.Status)
	}
	if s := r.step(t, "held"); s.Status != "running" || s.Attempts != 1 {
		t.Fatalf("step held is %s with %d attempts while in flight, want running with 1", s.Status, s.Attempts)
	}

	// Accepted just before the kill: the 202 promises the run is durable.
	laterRun := submitOne(t, d, cloudEvent(t, "e2e/tests", "crash-2", "e2e.crash.later", nil), "crash-later")
	d.kill()
	// Only the first process may find the later request held. If that
	// process never sent it, the restarted one must not be held.
	releaseLater()
	d.restart()

	r = wantRunStatus(t, d, heldRun, "succeeded")
	for _, s := range r.Steps {
		if s.Status != "succeeded" || s.Attempts != 1 {
			t.Errorf("step %s after the restart: %s with %d attempts, want succeeded with 1", s.Name, s.Status, s.Attempts)
		}
	}
	byPath := map[string][]string{}
	for _, req := range cloud.forRun(heldRun) {
		byPath[req.Path] = append(byPath[req.Path], req.IdempotencyKey)
	}
	if n := len(byPath["/crash/first"]); n != 1 {
		t.Errorf("completed step first was sent %d times, want once", n)
	}
	if n := len(byPath["/crash/third"]); n != 1 {
		t.Errorf("step third was sent %d times, want once", n)
	}
	keys := byPath["/crash/held"]
	if len(keys) != 2 {
		t.Fatalf("held step was sent %d times, want twice (before the kill and after the restart)", len(keys))
	}
	if want := heldRun + "/held/1"; keys[0] != want || keys[1] != want {
		t.Errorf("held step Idempotency-Key values %q, want %q both times", keys, want)
	}

	// The later run may or may not have reached its service before the kill.
	// Either way it exists after the restart and its request is retried with
	// the same key.
	wantRunStatus(t, d, laterRun, "succeeded")
	laterKeys := map[string]bool{}
	for _, req := range cloud.forRun(laterRun) {
		laterKeys[req.IdempotencyKey] = true
	}
	if len(laterKeys) != 1 {
		t.Errorf("crash-later requests carried keys %v, want one key", laterKeys)
	}
	select {
	case <-laterArrived:
	default:
		t.Errorf("crash-later's service never received its request")
	}
}

// waitClosed waits up to runTimeout for ch to be closed.
func waitClosed(t *testing.T, ch <-chan struct{}, description string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(runTimeout):
		t.Fatalf("%s did not arrive within %s", description, runTimeout)
	}
}
