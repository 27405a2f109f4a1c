package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

func gatedFiles(url string) schema.Files {
	return schema.Files{
		"conditions.yaml": []byte(`conditions:
  - name: "production_environment"
    expression: "resource.tags.Environment == 'production'"
`),
		"workflows/access.yaml": []byte(fmt.Sprintf(`workflow:
  name: "access"
  trigger:
    event: "access.request.created"
  approval_chain:
    - step: "technical_review"
      approvers: ["tech_lead"]
      timeout: "1h"
    - step: "security_review"
      approvers: ["security_team"]
      condition: "risk_level >= MEDIUM"
      timeout: "2h"
    - step: "executive_approval"
      approvers: ["cto"]
      condition: "cost_impact > 10000"
  steps:
    - name: "grant"
      action: "http"
      parameters:
        url: "%s/grant"
`, url)),
	}
}

func TestApprovalChainWaitsAndExpires(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	rec := newRecorder(t)
	h := newHarness(t, gatedFiles(rec.URL), harnessOptions{clock: clock})
	h.start()

	id := h.submit(event("a1", "access.request.created", `{"risk_level":"HIGH","cost_impact":2500}`))[0]
	run := h.waitRun(id, func(r *store.Run) bool { return r.Status == store.RunWaitingApproval })
	want := []store.GateStatus{store.GatePending, store.GatePending, store.GateSkipped}
	if len(run.Gates) != len(want) {
		t.Fatalf("gates = %d, want %d", len(run.Gates), len(want))
	}
	for i, g := range run.Gates {
		if g.Status != want[i] {
			t.Errorf("gate %s status = %s, want %s", g.Name, g.Status, want[i])
		}
	}
	if len(rec.Requests()) != 0 {
		t.Errorf("requests before approval = %d, want 0", len(rec.Requests()))
	}

	clock.Set(clock.Now().Add(90 * time.Minute))
	run = h.waitRun(id, final)
	if run.Status != store.RunTimedOut {
		t.Errorf("run status after deadline = %s, want timed_out", run.Status)
	}
	if !strings.Contains(run.Error, "technical_review") {
		t.Errorf("run error %q does not name the expired stage", run.Error)
	}
}

func TestApprovalNotRequiredRunsAtOnce(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	files := schema.Files{
		"conditions.yaml": gatedFiles("")["conditions.yaml"],
		"workflows/fix.yaml": []byte(fmt.Sprintf(`workflow:
  name: "fix"
  trigger:
    event: "violation"
  approval:
    required_for: [production_environment]
    approvers: [security_team]
  steps:
    - name: "fix"
      action: "http"
      parameters:
        url: "%s/fix"
`, rec.URL)),
	}
	h := newHarness(t, files, harnessOptions{})
	h.start()

	staging := h.submit(event("s", "violation", `{"resource":{"tags":{"Environment":"staging"}}}`))[0]
	if run := h.waitRun(staging, final); run.Status != store.RunSucceeded {
		t.Errorf("staging run = %s (%s), want succeeded", run.Status, run.Error)
	}
	prod := h.submit(event("p", "violation", `{"resource":{"tags":{"Environment":"production"}}}`))[0]
	h.waitRun(prod, func(r *store.Run) bool { return r.Status == store.RunWaitingApproval })
}

func TestInFlightStepResumesWithSameKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := newRecorder(t)
	h := newHarness(t, threeStepWorkflow(rec.URL, ""), harnessOptions{})

	// A run whose first step was in flight, attempt 1, when the daemon died.
	id := h.submit(event("e1", "policy.violation.created", violation))[0]
	claimed, err := h.store.ClaimRuns(ctx, "dead-node", time.Now().UTC(), time.Hour, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim = %d runs, %v", len(claimed), err)
	}
	now := time.Now().UTC()
	if err := h.store.UpdateRun(ctx, store.RunUpdate{RunID: id, Status: store.RunRunning, StartedAt: &now, KeepLease: true}); err != nil {
		t.Fatal(err)
	}
	if err := h.store.StartStep(ctx, store.StepStart{RunID: id, Index: 0, Attempt: 1, At: now}); err != nil {
		t.Fatal(err)
	}
	// The restarted node has the same owner name, so it frees the lease.
	if err := h.store.ReleaseLeases(ctx, "dead-node"); err != nil {
		t.Fatal(err)
	}
	h.start()

	run := h.waitRun(id, final)
	if run.Status != store.RunSucceeded {
		t.Fatalf("run status = %s (%s), want succeeded", run.Status, run.Error)
	}
	if got := run.Steps[0].Attempts; got != 1 {
		t.Errorf("contain attempts = %d, want 1 (the interrupted attempt retried)", got)
	}
	if got, want := rec.Requests()[0].Key, IdempotencyKey(id, "contain", 1); got != want {
		t.Errorf("resumed key = %q, want %q", got, want)
	}
}

func TestCompletedStepNotRunAgainAfterRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := newRecorder(t)
	h := newHarness(t, threeStepWorkflow(rec.URL, ""), harnessOptions{})

	id := h.submit(event("e1", "policy.violation.created", violation))[0]
	now := time.Now().UTC()
	next := 1
	out := []byte(`{"status":200,"body":{"n":7}}`)
	if err := h.store.UpdateRun(ctx, store.RunUpdate{RunID: id, Status: store.RunRunning, StartedAt: &now}); err != nil {
		t.Fatal(err)
	}
	if err := h.store.StartStep(ctx, store.StepStart{RunID: id, Index: 0, Attempt: 1, At: now}); err != nil {
		t.Fatal(err)
	}
	f := store.StepFinish{RunID: id, Index: 0, Status: store.StepSucceeded, Output: out, At: now}
	if err := h.store.FinishStep(ctx, f, store.RunUpdate{RunID: id, NextStep: &next}); err != nil {
		t.Fatal(err)
	}
	h.start()

	run := h.waitRun(id, final)
	if run.Status != store.RunSucceeded {
		t.Fatalf("run status = %s (%s), want succeeded", run.Status, run.Error)
	}
	for _, r := range rec.Requests() {
		if r.Path == "/contain" {
			t.Errorf("completed step contain was sent again")
		}
	}
	if got := rec.Requests()[0].Body["count"]; got != float64(7) {
		t.Errorf("notify count = %v, want 7 from the stored output", got)
	}
}

func scheduledFiles(url string) schema.Files {
	return schema.Files{"workflows/report.yaml": []byte(fmt.Sprintf(`workflow:
  name: "report"
  trigger:
    schedule: "cron(0 9 * * MON)"
    timezone: "Europe/Berlin"
  steps:
    - name: "send"
      action: "http"
      parameters:
        url: "%s/report"
        body:
          week: "{{ current_week }}"
`, url))}
}

func TestScheduleCatchUpFiresOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	clock := &fakeClock{now: time.Date(2026, 3, 4, 12, 0, 0, 0, berlin)} // a Wednesday
	rec := newRecorder(t)
	h := newHarness(t, scheduledFiles(rec.URL), harnessOptions{clock: clock})

	states, err := h.store.Schedules(ctx)
	if err != nil || len(states) != 1 {
		t.Fatalf("schedules = %v, %v", states, err)
	}
	if want := time.Date(2026, 3, 9, 9, 0, 0, 0, berlin); !states[0].NextAt.Equal(want) {
		t.Errorf("next firing = %s, want %s", states[0].NextAt, want)
	}

	// Three Mondays pass while the daemon is down: one catch-up run.
	clock.Set(time.Date(2026, 3, 25, 8, 0, 0, 0, berlin))
	for range 3 {
		if err := h.engine.FireDueSchedules(ctx); err != nil {
			t.Fatal(err)
		}
	}
	runs, _ := h.store.ListRuns(ctx, store.RunFilter{Workflow: "report"})
	if len(runs) != 1 {
		t.Fatalf("runs after downtime = %d, want 1", len(runs))
	}
	states, _ = h.store.Schedules(ctx)
	if want := time.Date(2026, 3, 30, 9, 0, 0, 0, berlin); !states[0].NextAt.Equal(want) {
		t.Errorf("next firing after catch-up = %s, want %s (after the DST change)", states[0].NextAt, want)
	}

	// A restarted engine on the same store does not fire again.
	h2 := newHarness(t, scheduledFiles(rec.URL), harnessOptions{clock: clock, store: h.store})
	if err := h2.engine.FireDueSchedules(ctx); err != nil {
		t.Fatal(err)
	}
	runs, _ = h.store.ListRuns(ctx, store.RunFilter{Workflow: "report"})
	if len(runs) != 1 {
		t.Errorf("runs after restart = %d, want 1", len(runs))
	}
}

func TestWorkflowTestDryRunSendsNothing(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	files := threeStepWorkflow(rec.URL, "")
	withoutOutputRefs(files)
	repo, problems := schema.LoadRepository(files, schema.LoadOptions{})
	if len(problems.Errors()) > 0 {
		t.Fatal(problems)
	}
	var out bytes.Buffer
	report, err := TestWorkflow(context.Background(), TestOptions{
		Repo: repo, Workflow: repo.Workflow("remediate"),
		Event:  []byte(event("e1", "policy.violation.created", violation)),
		DryRun: true, Verbose: true, Out: &out,
	})
	if err != nil {
		t.Fatalf("test workflow: %v\n%s", err, out.String())
	}
	if len(rec.Requests()) != 0 {
		t.Errorf("dry run sent %d requests", len(rec.Requests()))
	}
	if len(report.Steps) != 3 {
		t.Errorf("steps reported = %d, want 3", len(report.Steps))
	}
	if !strings.Contains(out.String(), rec.URL+"/contain") {
		t.Errorf("output does not show the rendered request URL:\n%s", out.String())
	}

	_, err = TestWorkflow(context.Background(), TestOptions{
		Repo: repo, Workflow: repo.Workflow("remediate"),
		Event: []byte(event("e2", "policy.violation.created", `{"severity":"LOW"}`)), DryRun: true,
	})
	if !errors.Is(err, ErrNoMatch) {
		t.Errorf("non-matching event error = %v, want ErrNoMatch", err)
	}
}

func TestWorkflowTestRetriesLikeEngine(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	rec.status = func(n int, path string) int {
		if path == "/contain" && n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	files := threeStepWorkflow(rec.URL, "")
	files["workflows/remediate.yaml"] = bytes.Replace(files["workflows/remediate.yaml"],
		[]byte(`    - name: "contain"
      action: "http"`), []byte(`    - name: "contain"
      action: "http"
      retry: {max_attempts: 3, backoff: 10ms}`), 1)
	repo, problems := schema.LoadRepository(files, schema.LoadOptions{})
	if len(problems.Errors()) > 0 {
		t.Fatal(problems)
	}
	var out bytes.Buffer
	report, err := TestWorkflow(context.Background(), TestOptions{
		Repo: repo, Workflow: repo.Workflow("remediate"),
		Event: []byte(event("e1", "policy.violation.created", violation)), Out: &out,
	})
	if err != nil {
		t.Fatalf("test workflow: %v\n%s", err, out.String())
	}
	if report.Steps[0].Status != store.StepSucceeded {
		t.Errorf("contain status = %s, want succeeded", report.Steps[0].Status)
	}
	if n := len(rec.Requests()); n != 4 {
		t.Errorf("requests = %d, want 4 (three attempts of contain, then notify)", n)
	}
	if !strings.Contains(out.String(), "attempt 1/3 failed") {
		t.Errorf("output does not report the failed attempt:\n%s", out.String())
	}
}
