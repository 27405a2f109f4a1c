package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestFinishStepAtomic(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	ingestRun(t, s, testRun("r1", "triage", 0, 0, "classify", "page"))
	ingestRun(t, s, testRun("r2", "triage", 0, 0, "classify"))
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "r2", Status: RunCancelled}); err != nil {
		t.Fatalf("cancel r2: %v", err)
	}

	// The run update fails, so the step outcome must not be stored either.
	bad := StepFinish{RunID: "r1", Index: 0, Status: StepSucceeded, Output: json.RawMessage(`{"ok":true}`), At: baseTime}
	if err := s.FinishStep(ctx, bad, RunUpdate{Status: "paused"}); err == nil {
		t.Fatal("FinishStep with an invalid run status: got nil error")
	}
	r := getRun(t, s, "r1")
	if r.Steps[0].Status != StepPending || r.Steps[0].Output != nil || r.Steps[0].FinishedAt != nil {
		t.Errorf("step after failed FinishStep = %+v, want untouched pending step", r.Steps[0])
	}

	finishCancelled := StepFinish{RunID: "r2", Index: 0, Status: StepSucceeded, At: baseTime}
	err := s.FinishStep(ctx, finishCancelled, RunUpdate{Status: RunSucceeded})
	if !errors.Is(err, ErrRunFinal) {
		t.Errorf("FinishStep on a cancelled run: got %v, want ErrRunFinal", err)
	}
	if got := getRun(t, s, "r2"); got.Status != RunCancelled || got.Steps[0].Status != StepSkipped {
		t.Errorf("cancelled run after FinishStep = %s with step %s, want cancelled with the never-reached step skipped", got.Status, got.Steps[0].Status)
	}

	next := 1
	if err := s.FinishStep(ctx, bad, RunUpdate{NextStep: &next, KeepLease: true}); err != nil {
		t.Fatalf("FinishStep: %v", err)
	}
	r = getRun(t, s, "r1")
	if r.NextStep != 1 {
		t.Errorf("NextStep = %d, want 1", r.NextStep)
	}
	st := r.Steps[0]
	if st.Status != StepSucceeded || string(st.Output) != `{"ok":true}` || st.FinishedAt == nil || !st.FinishedAt.Equal(baseTime) {
		t.Errorf("finished step = %+v, want succeeded with output and finish time", st)
	}
}

func TestFinishStepRejectsInvalid(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	ingestRun(t, s, testRun("r1", "triage", 0, 0, "classify"))
	tests := []struct {
		name string
		f    StepFinish
		u    RunUpdate
		want error
	}{
		{"running is not an outcome", StepFinish{RunID: "r1", Status: StepRunning}, RunUpdate{}, nil},
		{"update for another run", StepFinish{RunID: "r1", Status: StepFailed}, RunUpdate{RunID: "r2"}, nil},
		{"unknown step", StepFinish{RunID: "r1", Index: 5, Status: StepFailed}, RunUpdate{}, ErrNotFound},
		{"unknown run", StepFinish{RunID: "r9", Status: StepFailed}, RunUpdate{}, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.FinishStep(ctx, tt.f, tt.u)
			if err == nil {
				t.Fatal("got nil error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestStartStepKeepsFirstStart(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	ingestRun(t, s, testRun("r1", "triage", 0, 0, "page"))

	first := StepStart{RunID: "r1", Index: 0, Attempt: 1, Input: json.RawMessage(`{"n":1}`), At: baseTime.Add(time.Minute),
		StartDelay: time.Minute, DeadlineMissed: true}
	if err := s.StartStep(ctx, first); err != nil {
		t.Fatalf("StartStep attempt 1: %v", err)
	}
	retry := StepFinish{RunID: "r1", Index: 0, Status: StepPending, Error: "connection refused", At: baseTime.Add(2 * time.Minute)}
	if err := s.FinishStep(ctx, retry, RunUpdate{NotBefore: ptr(baseTime.Add(3 * time.Minute))}); err != nil {
		t.Fatalf("FinishStep retry: %v", err)
	}
	st := getRun(t, s, "r1").Steps[0]
	if st.Status != StepPending || st.Error != "connection refused" || st.FinishedAt != nil {
		t.Errorf("step awaiting retry = %+v, want pending with error and no finish time", st)
	}

	second := StepStart{RunID: "r1", Index: 0, Attempt: 2, Input: json.RawMessage(`{"n":2}`), At: baseTime.Add(3 * time.Minute)}
	if err := s.StartStep(ctx, second); err != nil {
		t.Fatalf("StartStep attempt 2: %v", err)
	}
	st = getRun(t, s, "r1").Steps[0]
	if st.Status != StepRunning || st.Attempts != 2 || string(st.Input) != `{"n":2}` || st.Error != "" {
		t.Errorf("step on attempt 2 = %+v, want running attempt 2 with the new input and no error", st)
	}
	if st.StartedAt == nil || !st.StartedAt.Equal(first.At) {
		t.Errorf("StartedAt = %v, want first start %v", st.StartedAt, first.At)
	}
	if st.StartDelay != time.Minute || !st.DeadlineMissed {
		t.Errorf("delay %v, missed %v; want the first attempt's 1m and true", st.StartDelay, st.DeadlineMissed)
	}

	if err := s.StartStep(ctx, StepStart{RunID: "r1", Index: 0, Attempt: 0}); err == nil {
		t.Error("StartStep with attempt 0: got nil error")
	}
	if err := s.StartStep(ctx, StepStart{RunID: "r1", Index: 3, Attempt: 1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("StartStep of unknown step: got %v, want ErrNotFound", err)
	}
}

func TestUpdateRun(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	ingestRun(t, s, testRun("r1", "triage", 0, 0, "a"))
	claimIDs(t, s, "node-a", baseTime, 1)

	started := baseTime.Add(time.Second)
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "r1", Status: RunRunning, StartedAt: &started, KeepLease: true}); err != nil {
		t.Fatalf("UpdateRun running: %v", err)
	}
	if err := s.RenewLease(ctx, "r1", "node-a", baseTime.Add(time.Hour)); err != nil {
		t.Errorf("lease after KeepLease update: %v", err)
	}
	finished := baseTime.Add(time.Minute)
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "r1", Status: RunFailed, Error: "step a failed", FinishedAt: &finished}); err != nil {
		t.Fatalf("UpdateRun failed: %v", err)
	}
	r := getRun(t, s, "r1")
	if r.Status != RunFailed || r.Error != "step a failed" {
		t.Errorf("run = %s %q, want failed with its error", r.Status, r.Error)
	}
	if r.StartedAt == nil || !r.StartedAt.Equal(started) || r.FinishedAt == nil || !r.FinishedAt.Equal(finished) {
		t.Errorf("run times = %v..%v, want %v..%v", r.StartedAt, r.FinishedAt, started, finished)
	}
	if err := s.RenewLease(ctx, "r1", "node-a", baseTime.Add(time.Hour)); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("lease after update without KeepLease: got %v, want ErrLeaseLost", err)
	}

	if err := s.UpdateRun(ctx, RunUpdate{RunID: "r1", Status: RunFailed}); err != nil {
		t.Errorf("repeating the final status: %v", err)
	}
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "r1", Status: RunRunning}); !errors.Is(err, ErrRunFinal) {
		t.Errorf("leaving a final status: got %v, want ErrRunFinal", err)
	}
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "nope", Status: RunRunning}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown run: got %v, want ErrNotFound", err)
	}
}

func TestStepWritesCheckLeaseOwner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTemp(t)
	ingestRun(t, s, testRun("r1", "triage", 0, 0, "classify"))
	if _, err := s.ClaimRuns(ctx, "node-a", baseTime, time.Hour, 1); err != nil {
		t.Fatal(err)
	}

	err := s.StartStep(ctx, StepStart{RunID: "r1", Owner: "node-b", Index: 0, Attempt: 1, At: baseTime})
	if !errors.Is(err, ErrLeaseLost) {
		t.Errorf("StartStep by a non-holder: got %v, want ErrLeaseLost", err)
	}
	if err := s.StartStep(ctx, StepStart{RunID: "r1", Owner: "node-a", Index: 0, Attempt: 1, At: baseTime}); err != nil {
		t.Fatalf("StartStep by the holder: %v", err)
	}
	finish := StepFinish{RunID: "r1", Owner: "node-b", Index: 0, Status: StepSucceeded, At: baseTime}
	if err := s.FinishStep(ctx, finish, RunUpdate{KeepLease: true}); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("FinishStep by a non-holder: got %v, want ErrLeaseLost", err)
	}
	if got := getRun(t, s, "r1"); got.Steps[0].Status != StepRunning {
		t.Errorf("step after a rejected FinishStep = %s, want running", got.Steps[0].Status)
	}
	finish.Owner = "node-a"
	if err := s.FinishStep(ctx, finish, RunUpdate{KeepLease: true}); err != nil {
		t.Errorf("FinishStep by the holder: %v", err)
	}
}

func TestFinalRunSettlesLeftoverSteps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTemp(t)
	ingestRun(t, s, testRun("r1", "triage", 0, 0, "fetch", "retrying", "later"))
	if err := s.StartStep(ctx, StepStart{RunID: "r1", Index: 1, Attempt: 1, At: baseTime}); err != nil {
		t.Fatal(err)
	}
	// Step 1 failed once and waits to retry; the run is then cancelled.
	retry := StepFinish{RunID: "r1", Index: 1, Status: StepPending, Error: "connection refused", At: baseTime}
	if err := s.FinishStep(ctx, retry, RunUpdate{RunID: "r1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "r1", Status: RunCancelled}); err != nil {
		t.Fatal(err)
	}

	r := getRun(t, s, "r1")
	want := []StepStatus{StepSkipped, StepFailed, StepSkipped}
	for i, st := range r.Steps {
		if st.Status != want[i] {
			t.Errorf("step %s = %s, want %s", st.Name, st.Status, want[i])
		}
	}
}
