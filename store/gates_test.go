package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// chainGates returns two pending stages whose deadlines are one and two
// hours after baseTime.
func chainGates() []Gate {
	return []Gate{
		{Index: 0, Name: "security_review", Approvers: []string{"security_team"}, Deadline: baseTime.Add(time.Hour)},
		{Index: 1, Name: "cto_signoff", Approvers: []string{"cto"}, Deadline: baseTime.Add(2 * time.Hour)},
	}
}

func TestOpenGatesParksRun(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	ingestRun(t, s, testRun("r1", "deploy", 0, 0, "apply"))
	claimIDs(t, s, "node-a", baseTime, 1)

	started := baseTime.Add(time.Second)
	u := RunUpdate{Status: RunWaitingApproval, StartedAt: &started}
	if err := s.OpenGates(ctx, "r1", chainGates(), u); err != nil {
		t.Fatalf("OpenGates: %v", err)
	}
	r := getRun(t, s, "r1")
	if r.Status != RunWaitingApproval {
		t.Errorf("run status = %s, want waiting_approval", r.Status)
	}
	if len(r.Gates) != 2 {
		t.Fatalf("run has %d gates, want 2", len(r.Gates))
	}
	g := r.Gates[0]
	if g.Name != "security_review" || g.Status != GatePending || !reflect.DeepEqual(g.Approvers, []string{"security_team"}) {
		t.Errorf("first gate = %+v, want pending security_review for security_team", g)
	}
	if !g.Deadline.Equal(baseTime.Add(time.Hour)) {
		t.Errorf("first gate deadline = %v, want %v", g.Deadline, baseTime.Add(time.Hour))
	}
	if got := claimIDs(t, s, "node-b", baseTime.Add(10*time.Minute), 5); len(got) != 0 {
		t.Errorf("claim of a run waiting for approval = %v, want none", got)
	}

	approvedAt := baseTime.Add(5 * time.Minute)
	decision := chainGates()[:1]
	decision[0].Status = GateApproved
	decision[0].DecidedAt = &approvedAt
	decision[0].DecidedBy = "alice"
	if err := s.OpenGates(ctx, "r1", decision, RunUpdate{}); err != nil {
		t.Fatalf("OpenGates recording a decision: %v", err)
	}
	g = getRun(t, s, "r1").Gates[0]
	if g.Status != GateApproved || g.DecidedBy != "alice" || g.DecidedAt == nil || !g.DecidedAt.Equal(approvedAt) {
		t.Errorf("decided gate = %+v, want approved by alice at %v", g, approvedAt)
	}

	if err := s.OpenGates(ctx, "missing", chainGates(), RunUpdate{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("OpenGates on unknown run: got %v, want ErrNotFound", err)
	}
	if err := s.OpenGates(ctx, "r1", []Gate{{Index: 2}}, RunUpdate{}); err == nil {
		t.Error("OpenGates with an unnamed stage: got nil error")
	}
}

func TestExpireGates(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	for _, id := range []string{"r1", "r2", "r3"} {
		ingestRun(t, s, testRun(id, "deploy", 0, 0, "apply"))
		if err := s.OpenGates(ctx, id, chainGates(), RunUpdate{Status: RunWaitingApproval}); err != nil {
			t.Fatalf("OpenGates(%s): %v", id, err)
		}
	}
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "r3", Status: RunCancelled}); err != nil {
		t.Fatalf("cancel r3: %v", err)
	}
	late := []Gate{{Index: 0, Name: "security_review", Deadline: baseTime.Add(3 * time.Hour)}}
	if err := s.OpenGates(ctx, "r2", late, RunUpdate{}); err != nil {
		t.Fatalf("OpenGates(r2) later deadline: %v", err)
	}

	ids, err := s.ExpireGates(ctx, baseTime.Add(30*time.Minute))
	if err != nil {
		t.Fatalf("ExpireGates before deadlines: %v", err)
	}
	if len(ids) != 0 {
		t.Errorf("ExpireGates before deadlines = %v, want none", ids)
	}

	now := baseTime.Add(time.Hour)
	ids, err = s.ExpireGates(ctx, now)
	if err != nil {
		t.Fatalf("ExpireGates: %v", err)
	}
	if !reflect.DeepEqual(ids, []string{"r1"}) {
		t.Errorf("timed out runs = %v, want [r1] (r2 not due, r3 cancelled)", ids)
	}
	r1 := getRun(t, s, "r1")
	if r1.Status != RunTimedOut || !strings.Contains(r1.Error, "security_review") {
		t.Errorf("r1 = %s %q, want timed_out naming security_review", r1.Status, r1.Error)
	}
	if r1.FinishedAt == nil || !r1.FinishedAt.Equal(now) {
		t.Errorf("r1 FinishedAt = %v, want %v", r1.FinishedAt, now)
	}
	if r1.Gates[0].Status != GateExpired || r1.Gates[1].Status != GateSkipped {
		t.Errorf("r1 gates = %s, %s; want expired, skipped", r1.Gates[0].Status, r1.Gates[1].Status)
	}
	r3 := getRun(t, s, "r3")
	if r3.Status != RunCancelled || r3.Gates[0].Status != GateSkipped {
		t.Errorf("r3 = %s with first gate %s, want cancelled with the gate skipped at cancellation", r3.Status, r3.Gates[0].Status)
	}
	if r2 := getRun(t, s, "r2"); r2.Status != RunWaitingApproval || r2.Gates[0].Status != GatePending {
		t.Errorf("r2 = %s with first gate %s, want untouched", r2.Status, r2.Gates[0].Status)
	}

	ids, err = s.ExpireGates(ctx, now)
	if err != nil {
		t.Fatalf("ExpireGates again: %v", err)
	}
	if len(ids) != 0 {
		t.Errorf("second ExpireGates = %v, want none", ids)
	}
}
