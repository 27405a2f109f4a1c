package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// httpStepWorkflow is a workflow of one http step that calls url, retried
// up to maxAttempts times 200ms apart.
func httpStepWorkflow(name, eventType, url string, maxAttempts int) string {
	return fmt.Sprintf(`workflow:
  name: %q
  version: "1.0"
  trigger:
    event: %q
  steps:
    - name: "call"
      action: "http"
      retry:
        max_attempts: %d
        backoff: 200ms
        max_backoff: 200ms
      parameters:
        url: %q
        body: {run: "{{ run.id }}"}
`, name, eventType, maxAttempts, url)
}

func TestStepRetriesServerErrors(t *testing.T) {
	t.Parallel()
	svcs := newServices(t)
	cloud := svcs["cloud"]
	cloud.failNext("/flaky", http.StatusServiceUnavailable, http.StatusBadGateway)
	cloud.failNext("/rejects", http.StatusBadRequest)
	repo := newPolicyRepo(t)
	head := gitCommit(t, repo, "Add workflows calling unreliable services", map[string]string{
		"workflows/flaky.yaml":   httpStepWorkflow("flaky", "e2e.flaky", cloud.URL()+"/flaky", 3),
		"workflows/rejects.yaml": httpStepWorkflow("rejects", "e2e.rejects", cloud.URL()+"/rejects", 3),
	})
	d := serveRepo(t, repo, svcs, head)

	flaky := submitOne(t, d, cloudEvent(t, "e2e/tests", "flaky-1", "e2e.flaky", nil), "flaky")
	r := wantRunStatus(t, d, flaky, "succeeded")
	if s := r.step(t, "call"); s.Attempts != 3 {
		t.Errorf("step call of flaky: %d attempts, want 3 (two server errors, then success)", s.Attempts)
	}
	var keys []string
	for _, req := range cloud.forRun(flaky) {
		keys = append(keys, req.IdempotencyKey)
	}
	want := []string{flaky + "/call/1", flaky + "/call/2", flaky + "/call/3"}
	if strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Errorf("Idempotency-Key values of the retries %q, want %q", keys, want)
	}

	rejects := submitOne(t, d, cloudEvent(t, "e2e/tests", "rejects-1", "e2e.rejects", nil), "rejects")
	r = wantRunStatus(t, d, rejects, "failed")
	if s := r.step(t, "call"); s.Attempts != 1 || !strings.Contains(s.Error, "400") {
		t.Errorf("step call of rejects: %d attempts with error %q, want 1 attempt naming status 400", s.Attempts, s.Error)
	}
	if n := len(cloud.forRun(rejects)); n != 1 {
		t.Errorf("a 400 response was retried: %d requests, want 1", n)
	}
}

func TestConcurrentEventsAllRun(t *testing.T) {
	t.Parallel()
	const events, senders = 200, 8
	svcs := newServices(t)
	cloud := svcs["cloud"]
	repo := newPolicyRepo(t)
	head := gitCommit(t, repo, "Add a workflow for a burst of events", map[string]string{
		"workflows/burst.yaml": httpStepWorkflow("burst", "e2e.burst", cloud.URL()+"/burst", 1),
	})
	d := serveRepo(t, repo, svcs, head)

	bodies := make(chan []byte, events)
	for i := range events {
		bodies <- cloudEvent(t, "e2e/burst", fmt.Sprintf("burst-%03d", i), "e2e.burst", map[string]any{"n": i})
	}
	close(bodies)
	var mu sync.Mutex
	seqs := map[int64]bool{}
	var runIDs []string
	var failures []string
	var wg sync.WaitGroup
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range bodies {
				status, reply, err := d.do(http.MethodPost, "/v1/events", body)
				mu.Lock()
				if err != nil || status != http.StatusAccepted {
					failures = append(failures, fmt.Sprintf("status %d error %v body %s", status, err, reply))
				} else {
					seqs[seqOf(reply)] = true
					runIDs = append(runIDs, runsOf(reply)...)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	if len(failures) > 0 {
		t.Fatalf("%d of %d events failed, first: %s", len(failures), events, failures[0])
	}
	if len(seqs) != events {
		t.Errorf("%d distinct sequence numbers for %d events", len(seqs), events)
	}
	if len(runIDs) != events {
		t.Fatalf("%d runs started for %d events", len(runIDs), events)
	}
	for _, id := range runIDs {
		wantRunStatus(t, d, id, "succeeded")
	}
	keys := map[string]bool{}
	for _, req := range cloud.received() {
		keys[req.IdempotencyKey] = true
	}
	if len(keys) != events || len(cloud.received()) != events {
		t.Errorf("the service received %d requests with %d distinct keys, want %d of each", len(cloud.received()), len(keys), events)
	}
}

func TestSigtermDuringStepResumes(t *testing.T) {
	t.Parallel()
	svcs := newServices(t)
	cloud := svcs["cloud"]
	heldArrived, _ := cloud.blockFirst("/crash/held")
	repo := newPolicyRepo(t)
	head := gitCommit(t, repo, "Add the crash recovery workflows", crashWorkflows(cloud.URL()))
	d := serveRepo(t, repo, svcs, head)

	id := submitOne(t, d, cloudEvent(t, "e2e/tests", "term-1", "e2e.crash", nil), "crash-recovery")
	waitClosed(t, heldArrived, "the held step's request")

	// The held request outlasts the engine's shutdown grace, so the daemon
	// cancels the step and leaves it to the next start.
	if err := d.stop(); err != nil {
		t.Errorf("SIGTERM with a step in flight: daemon exited with %s, want exit code 0", describeExit(err))
	}
	d.restart()

	r := wantRunStatus(t, d, id, "succeeded")
	if s := r.step(t, "held"); s.Attempts != 1 {
		t.Errorf("step held: %d attempts after the restart, want the interrupted attempt 1 resumed", s.Attempts)
	}
	var keys []string
	for _, req := range cloud.forRun(id) {
		if req.Path == "/crash/held" {
			keys = append(keys, req.IdempotencyKey)
		}
	}
	if want := id + "/held/1"; len(keys) != 2 || keys[0] != want || keys[1] != want {
		t.Errorf("held step Idempotency-Key values %q, want %q twice", keys, want)
	}
}
