package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestActivateThenRejectKeepsActive(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()

	if _, err := s.ActiveSnapshot(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ActiveSnapshot before any activation: got %v, want ErrNotFound", err)
	}
	diff := []DiffEntry{{Workflow: "triage", Change: ChangeAdded, NewVersion: "v1", NewDigest: "d-triage"}}
	id, err := s.Activate(ctx, Activation{
		Commit: "c1", Branch: "main", At: baseTime,
		Files:     map[string][]byte{"workflows/triage.yaml": []byte("name: triage\n")},
		Workflows: []WorkflowRecord{{Name: "triage", Version: "v1", File: "workflows/triage.yaml", Digest: "d-triage"}},
		Diff:      diff,
	})
	if err != nil {
		t.Fatalf("Activate: %v", err)
	}
	problems := []ProblemRecord{{File: "workflows/bad.yaml", Line: 3, Col: 5, Message: "unknown field"}}
	if err := s.RecordRejection(ctx, Rejection{Commit: "c2", Branch: "main", At: baseTime.Add(1), Problems: problems}); err != nil {
		t.Fatalf("RecordRejection: %v", err)
	}

	active, err := s.ActiveSnapshot(ctx)
	if err != nil {
		t.Fatalf("ActiveSnapshot: %v", err)
	}
	if active.ID != id || active.Commit != "c1" {
		t.Errorf("active snapshot = %d/%s, want %d/c1", active.ID, active.Commit, id)
	}
	if !active.ActivatedAt.Equal(baseTime) || active.ActivatedAt.Location().String() != "UTC" {
		t.Errorf("ActivatedAt = %v, want %v in UTC", active.ActivatedAt, baseTime)
	}
	if len(active.Workflows) != 1 || active.Workflows[0].Version != "v1" {
		t.Errorf("active workflows = %+v, want triage v1", active.Workflows)
	}

	history, err := s.ReconcileHistory(ctx, 10)
	if err != nil {
		t.Fatalf("ReconcileHistory: %v", err)
	}
	if len(history) != 2 {
		t.Fatalf("history has %d records, want 2", len(history))
	}
	rejected, activated := history[0], history[1]
	if rejected.Outcome != OutcomeRejected || rejected.Commit != "c2" || rejected.SnapshotID != 0 {
		t.Errorf("newest record = %+v, want rejection of c2 without snapshot", rejected)
	}
	if !reflect.DeepEqual(rejected.Problems, problems) {
		t.Errorf("rejection problems = %+v, want %+v", rejected.Problems, problems)
	}
	if activated.Outcome != OutcomeActivated || activated.SnapshotID != id {
		t.Errorf("oldest record = %+v, want activation of snapshot %d", activated, id)
	}
	if !reflect.DeepEqual(activated.Diff, diff) {
		t.Errorf("activation diff = %+v, want %+v", activated.Diff, diff)
	}
}

func TestActivateDeduplicatesBlobs(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()

	shared := []byte("name: triage\nsteps: []\n")
	first := activate(t, s, "c1", map[string][]byte{
		"workflows/triage.yaml": shared,
		"approvers.yaml":        []byte("groups: {}\n"),
	}, "triage")
	second := activate(t, s, "c2", map[string][]byte{
		"workflows/triage.yaml":      shared,
		"workflows/triage-copy.yaml": shared,
		"approvers.yaml":             []byte("groups: {security_team: []}\n"),
		"empty.yaml":                 {},
	}, "triage")

	if got := countRows(t, s, "blobs"); got != 4 {
		t.Errorf("blobs = %d, want 4 distinct contents", got)
	}
	// triage.yaml keeps its span, while approvers.yaml ends one and starts one.
	if got := countRows(t, s, "file_spans"); got != 5 {
		t.Errorf("file_spans = %d, want 2 from the first snapshot and 3 started by the second", got)
	}
	files, err := s.SnapshotFiles(ctx, second)
	if err != nil {
		t.Fatalf("SnapshotFiles(%d): %v", second, err)
	}
	if len(files) != 4 {
		t.Errorf("second snapshot has %d files, want 4", len(files))
	}
	if string(files["workflows/triage-copy.yaml"]) != string(shared) {
		t.Errorf("triage-copy.yaml = %q, want %q", files["workflows/triage-copy.yaml"], shared)
	}
	if empty, ok := files["empty.yaml"]; !ok || len(empty) != 0 {
		t.Errorf("empty.yaml = %q (present %v), want present and empty", empty, ok)
	}
	old, err := s.SnapshotFiles(ctx, first)
	if err != nil {
		t.Fatalf("SnapshotFiles(%d): %v", first, err)
	}
	if string(old["approvers.yaml"]) != "groups: {}\n" {
		t.Errorf("first snapshot approvers.yaml = %q, want its own content", old["approvers.yaml"])
	}
}

func TestSnapshotNotFound(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	if _, err := s.Snapshot(ctx, 42); !errors.Is(err, ErrNotFound) {
		t.Errorf("Snapshot(42) error = %v, want ErrNotFound", err)
	}
	if _, err := s.SnapshotFiles(ctx, 42); !errors.Is(err, ErrNotFound) {
		t.Errorf("SnapshotFiles(42) error = %v, want ErrNotFound", err)
	}
}

func TestActivateRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	if _, err := s.Activate(ctx, Activation{Branch: "main"}); err == nil {
		t.Error("Activate without commit: got nil error")
	}
	dup := []WorkflowRecord{{Name: "triage"}, {Name: "triage"}}
	if _, err := s.Activate(ctx, Activation{Commit: "c1", Workflows: dup}); err == nil {
		t.Error("Activate with a workflow listed twice: got nil error")
	}
	if got := countRows(t, s, "snapshots"); got != 0 {
		t.Errorf("snapshots after failed activations = %d, want 0", got)
	}
	if _, err := s.ActiveSnapshot(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("ActiveSnapshot after failed activations: got %v, want ErrNotFound", err)
	}
}

func TestReconcileHistoryLimit(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	for _, c := range []string{"c1", "c2", "c3"} {
		if err := s.RecordRejection(ctx, Rejection{Commit: c, At: baseTime}); err != nil {
			t.Fatalf("RecordRejection(%s): %v", c, err)
		}
	}
	history, err := s.ReconcileHistory(ctx, 2)
	if err != nil {
		t.Fatalf("ReconcileHistory: %v", err)
	}
	if len(history) != 2 || history[0].Commit != "c3" || history[1].Commit != "c2" {
		t.Errorf("history = %+v, want c3 then c2", history)
	}
}
