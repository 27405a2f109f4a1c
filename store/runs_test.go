package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestListRunsFiltersNewestFirst(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	snap := activate(t, s, "c1", nil, "triage", "report")
	ingestRun(t, s, testRun("t1", "triage", snap, 0, "a"))
	ingestRun(t, s, testRun("r1", "report", snap, time.Second, "a", "b"))
	ingestRun(t, s, testRun("t2", "triage", snap, 2*time.Second, "a"))
	ingestRun(t, s, testRun("t3", "triage", snap, 3*time.Second, "a"))
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "t2", Status: RunSucceeded}); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}

	tests := []struct {
		name   string
		filter RunFilter
		want   []string
	}{
		{"all", RunFilter{}, []string{"t3", "t2", "r1", "t1"}},
		{"workflow", RunFilter{Workflow: "triage"}, []string{"t3", "t2", "t1"}},
		{"status", RunFilter{Status: RunSucceeded}, []string{"t2"}},
		{"since", RunFilter{Since: baseTime.Add(time.Second)}, []string{"t3", "t2", "r1"}},
		{"since after int64 nanoseconds", RunFilter{Since: time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC)}, nil},
		{"since year 3000", RunFilter{Since: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"since year 1600", RunFilter{Since: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{"t3", "t2", "r1", "t1"}},
		{"since year 3000 and workflow", RunFilter{Workflow: "triage", Since: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"limit", RunFilter{Workflow: "triage", Limit: 2}, []string{"t3", "t2"}},
		{"no match", RunFilter{Workflow: "absent"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := s.ListRuns(ctx, tt.filter)
			if err != nil {
				t.Fatalf("ListRuns: %v", err)
			}
			var got []string
			for _, r := range runs {
				got = append(got, r.ID)
			}
			if !equalIDs(got, tt.want) {
				t.Errorf("ListRuns(%+v) = %v, want %v", tt.filter, got, tt.want)
			}
		})
	}

	runs, err := s.ListRuns(ctx, RunFilter{Workflow: "report"})
	if err != nil {
		t.Fatalf("ListRuns report: %v", err)
	}
	if len(runs) != 1 || len(runs[0].Steps) != 2 || runs[0].Commit != "c1" || runs[0].Version != "v1" {
		t.Errorf("listed report run = %+v, want 2 steps pinned to c1/v1", runs[0])
	}
}

func TestCountRuns(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c"} {
		ingestRun(t, s, testRun(id, "triage", 0, 0))
	}
	if err := s.UpdateRun(ctx, RunUpdate{RunID: "c", Status: RunFailed}); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}
	counts, err := s.CountRuns(ctx)
	if err != nil {
		t.Fatalf("CountRuns: %v", err)
	}
	if counts[RunPending] != 2 || counts[RunFailed] != 1 || len(counts) != 2 {
		t.Errorf("CountRuns = %v, want pending 2 and failed 1", counts)
	}
}

func TestGetRunWithoutSnapshot(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ingestRun(t, s, testRun("r1", "adhoc", 0, 0))
	r := getRun(t, s, "r1")
	if r.SnapshotID != 0 || r.Commit != "" || r.Version != "" {
		t.Errorf("run without snapshot = %d/%q/%q, want zero values", r.SnapshotID, r.Commit, r.Version)
	}
	if r.Steps == nil || len(r.Steps) != 0 {
		t.Errorf("Steps = %#v, want empty non-nil slice", r.Steps)
	}
	if _, err := s.GetRun(context.Background(), "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetRun of unknown run: got %v, want ErrNotFound", err)
	}
}
