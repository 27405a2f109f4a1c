package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

func TestCancelInFlightRun(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	rec.delay = 5 * time.Second
	h := newHarness(t, threeStepWorkflow(rec.URL, ""), harnessOptions{})
	h.start()

	id := h.submit(event("e1", "policy.violation.created", violation))[0]
	h.waitRun(id, func(r *store.Run) bool { return r.Steps[0].Status == store.StepRunning })
	began := time.Now()
	if err := h.engine.Cancel(context.Background(), id, "operator request"); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	run := h.waitRun(id, final)
	if run.Status != store.RunCancelled {
		t.Fatalf("run status = %s, want cancelled", run.Status)
	}
	if run.Error != "cancelled: operator request" {
		t.Errorf("run error = %q, want the reason", run.Error)
	}
	if run.Steps[0].Status != store.StepFailed || !strings.Contains(run.Steps[0].Error, "cancelled") {
		t.Errorf("in-flight step = %s %q, want failed as cancelled", run.Steps[0].Status, run.Steps[0].Error)
	}
	if run.Steps[1].Status != store.StepSkipped {
		t.Errorf("next step = %s, want skipped", run.Steps[1].Status)
	}

	// The executor lets go of the run well before the 5s response.
	deadline := time.Now().Add(3 * time.Second)
	for {
		h.engine.mu.Lock()
		_, busy := h.engine.inFlight[id]
		h.engine.mu.Unlock()
		if !busy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run still executing %s after cancel", time.Since(began))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The cancelled step's request may or may not have left before the
	// cancel; no later step may send one.
	for _, r := range rec.Requests() {
		if r.Path != "/contain" {
			t.Errorf("request to %s after the run was cancelled", r.Path)
		}
	}
	if err := h.engine.Cancel(context.Background(), id, ""); !errors.Is(err, ErrRunFinished) {
		t.Errorf("second cancel error = %v, want ErrRunFinished", err)
	}
}

func TestCancelWaitingRun(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	h := newHarness(t, gatedFiles(rec.URL), harnessOptions{})
	h.start()

	id := h.submit(event("a1", "access.request.created", `{"risk_level":"LOW","cost_impact":1}`))[0]
	h.waitRun(id, func(r *store.Run) bool { return r.Status == store.RunWaitingApproval })
	if err := h.engine.Cancel(context.Background(), id, ""); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	run, err := h.store.GetRun(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != store.RunCancelled {
		t.Errorf("run status = %s, want cancelled", run.Status)
	}
	for _, g := range run.Gates {
		if g.Status == store.GatePending {
			t.Errorf("gate %s still pending after cancel", g.Name)
		}
	}
	if err := h.engine.Cancel(context.Background(), "no-such-run", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("cancel unknown run error = %v, want store.ErrNotFound", err)
	}
}

func TestShutdownFinishesStepStartsNoOther(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	rec.delay = 300 * time.Millisecond
	h := newHarness(t, threeStepWorkflow(rec.URL, ""), harnessOptions{})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.engine.Run(ctx) }()

	id := h.submit(event("e1", "policy.violation.created", violation))[0]
	h.waitRun(id, func(r *store.Run) bool { return r.Steps[0].Status == store.StepRunning })
	stop()
	if err := <-done; err != nil {
		t.Fatalf("engine run: %v", err)
	}
	run, err := h.store.GetRun(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if run.Steps[0].Status != store.StepSucceeded {
		t.Errorf("in-flight step status = %s, want succeeded (finished during the drain)", run.Steps[0].Status)
	}
	if run.Steps[1].Status != store.StepPending {
		t.Errorf("next step status = %s, want pending (not started after shutdown)", run.Steps[1].Status)
	}
	if run.Status != store.RunRunning {
		t.Errorf("run status = %s, want running (resumes on restart)", run.Status)
	}
	if n := len(rec.Requests()); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestLapsedLeaseDoesNotRepeatStep(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	rec := newRecorder(t)
	rec.delay = 1500 * time.Millisecond
	files := schema.Files{"workflows/one.yaml": []byte(fmt.Sprintf(`workflow:
  name: "one"
  trigger:
    event: "x.created"
  steps:
    - name: "call"
      action: "http"
      timeout: "1m"
      parameters:
        url: "%s/call"
`, rec.URL))}
	h := newHarness(t, files, harnessOptions{clock: clock})
	h.start()
	id := h.submit(event("e1", "x.created", `{}`))[0]
	h.waitRun(id, func(r *store.Run) bool { return r.Steps[0].Status == store.StepRunning })

	// The clock jumps past the lease while the request is in flight.
	clock.Set(clock.Now().Add(2 * time.Minute))
	run := h.waitRun(id, final)
	if run.Status != store.RunSucceeded {
		t.Errorf("run status = %s (%s), want succeeded", run.Status, run.Error)
	}
	if n := len(rec.Requests()); n != 1 {
		t.Errorf("step sent %d times, want 1", n)
	}
}
