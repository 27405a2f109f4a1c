package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// claimIDs claims runs and returns their ids in the order returned.
func claimIDs(t *testing.T, s *Store, owner string, now time.Time, limit int) []string {
	t.Helper()
	runs, err := s.ClaimRuns(context.Background(), owner, now, time.Minute, limit)
	if err != nil {
		t.Fatalf("ClaimRuns(%s): %v", owner, err)
	}
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	return ids
}

func equalIDs(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func TestClaimRunsRespectsLeaseAndNotBefore(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	ingestRun(t, s, testRun("old", "triage", 0, 0, "a"))
	ingestRun(t, s, testRun("new", "triage", 0, time.Second, "a"))
	ingestRun(t, s, testRun("later", "triage", 0, 2*time.Second, "a"))
	ingestRun(t, s, testRun("done", "triage", 0, 3*time.Second, "a"))
	ingestRun(t, s, testRun("waiting", "triage", 0, 4*time.Second, "a"))
	notBefore := baseTime.Add(time.Hour)
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "later", NotBefore: &notBefore}); err != nil {
		t.Fatalf("UpdateRun later: %v", err)
	}
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "done", Status: RunSucceeded}); err != nil {
		t.Fatalf("UpdateRun done: %v", err)
	}
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "waiting", Status: RunWaitingApproval}); err != nil {
		t.Fatalf("UpdateRun waiting: %v", err)
	}
	now := baseTime.Add(10 * time.Second)

	if got := claimIDs(t, s, "node-a", now, 1); !equalIDs(got, []string{"old"}) {
		t.Errorf("first claim = %v, want [old]", got)
	}
	if got := claimIDs(t, s, "node-b", now, 10); !equalIDs(got, []string{"new"}) {
		t.Errorf("second claim = %v, want [new] (old is leased, later not due, done final, waiting parked)", got)
	}
	if got := claimIDs(t, s, "node-b", now.Add(30*time.Second), 10); len(got) != 0 {
		t.Errorf("claim before leases expire = %v, want none", got)
	}
	afterExpiry := now.Add(time.Minute)
	if got := claimIDs(t, s, "node-c", afterExpiry, 10); !equalIDs(got, []string{"old", "new"}) {
		t.Errorf("claim at lease expiry = %v, want [old new]", got)
	}
	// By not_before every earlier lease has expired too.
	if got := claimIDs(t, s, "node-d", notBefore, 10); !equalIDs(got, []string{"old", "new", "later"}) {
		t.Errorf("claim at not_before = %v, want [old new later]", got)
	}
}

func TestClaimRunsFillsStepsAndGates(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	snap := activate(t, s, "c1", nil, "triage")
	ingestRun(t, s, testRun("r1", "triage", snap, 0, "classify", "page"))
	gates := []Gate{{Index: 0, Name: "security", Approvers: []string{"security_team"}, Deadline: baseTime.Add(time.Hour)}}
	if err := s.OpenGates(ctx, "r1", gates, RunUpdate{Status: RunRunning}); err != nil {
		t.Fatalf("OpenGates: %v", err)
	}

	runs, err := s.ClaimRuns(ctx, "node-a", baseTime, time.Minute, 5)
	if err != nil {
		t.Fatalf("ClaimRuns: %v", err)
	}
	if len(runs) != 1 {
		t.Fatalf("claimed %d runs, want 1", len(runs))
	}
	r := runs[0]
	if len(r.Steps) != 2 || r.Steps[1].Name != "page" {
		t.Errorf("claimed run steps = %+v, want classify and page", r.Steps)
	}
	if len(r.Gates) != 1 || r.Gates[0].Name != "security" || r.Gates[0].Status != GatePending {
		t.Errorf("claimed run gates = %+v, want pending security", r.Gates)
	}
	if r.Commit != "c1" || r.Version != "v1" {
		t.Errorf("claimed run pinned to %s/%s, want c1/v1", r.Commit, r.Version)
	}
}

func TestClaimRunsRejectsInvalidArguments(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	tests := []struct {
		name  string
		owner string
		lease time.Duration
		limit int
	}{
		{"missing owner", "", time.Minute, 1},
		{"zero lease", "node-a", 0, 1},
		{"zero limit", "node-a", time.Minute, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.ClaimRuns(context.Background(), tt.owner, baseTime, tt.lease, tt.limit); err == nil {
				t.Error("got nil error")
			}
		})
	}
}

func TestReleaseLeases(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	ingestRun(t, s, testRun("mine", "triage", 0, 0, "a"))
	ingestRun(t, s, testRun("theirs", "triage", 0, time.Second, "a"))
	now := baseTime.Add(time.Minute)
	if got := claimIDs(t, s, "node-a", now, 1); !equalIDs(got, []string{"mine"}) {
		t.Fatalf("node-a claimed %v, want [mine]", got)
	}
	if got := claimIDs(t, s, "node-b", now, 1); !equalIDs(got, []string{"theirs"}) {
		t.Fatalf("node-b claimed %v, want [theirs]", got)
	}

	if err := s.ReleaseLeases(ctx, "node-a"); err != nil {
		t.Fatalf("ReleaseLeases: %v", err)
	}
	if got := claimIDs(t, s, "node-a", now, 10); !equalIDs(got, []string{"mine"}) {
		t.Errorf("claim after release = %v, want only [mine], node-b's lease must hold", got)
	}
	if err := s.ReleaseLeases(ctx, ""); err == nil {
		t.Error("ReleaseLeases without owner: got nil error")
	}
}

func TestRenewLease(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	ingestRun(t, s, testRun("r1", "triage", 0, 0, "a"))
	now := baseTime.Add(time.Minute)
	claimIDs(t, s, "node-a", now, 1)

	if err := s.RenewLease(ctx, "r1", "node-a", now.Add(time.Hour)); err != nil {
		t.Fatalf("RenewLease by holder: %v", err)
	}
	if got := claimIDs(t, s, "node-b", now.Add(30*time.Minute), 1); len(got) != 0 {
		t.Errorf("claim inside renewed lease = %v, want none", got)
	}
	if err := s.RenewLease(ctx, "r1", "node-b", now.Add(2*time.Hour)); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("RenewLease by other owner: got %v, want ErrLeaseLost", err)
	}
	if err := s.RenewLease(ctx, "missing", "node-a", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("RenewLease of unknown run: got %v, want ErrNotFound", err)
	}
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "r1"}); err != nil {
		t.Fatalf("UpdateRun releasing the lease: %v", err)
	}
	if err := s.RenewLease(ctx, "r1", "node-a", now.Add(time.Hour)); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("RenewLease after release: got %v, want ErrLeaseLost", err)
	}
}
