package store

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// historyStep is one activation of the snapshot history tests.
type historyStep struct {
	files     map[string][]byte
	workflows []WorkflowRecord
}

func record(name, version string) WorkflowRecord {
	return WorkflowRecord{Name: name, Version: version, File: "workflows/" + name + ".yaml", Digest: "d-" + name + "-" + version}
}

// historySteps returns activations that cover the changes a new snapshot can make to the spans of
// the one before it.
func historySteps() []historyStep {
	shared := []byte("shared: true\n")
	first := historyStep{
		files: map[string][]byte{
			"a.yaml": []byte("a: 1\n"), "b.yaml": []byte("b: 1\n"), "c.yaml": []byte("c: 1\n"),
			"copy-1.yaml": shared, "copy-2.yaml": shared,
		},
		workflows: []WorkflowRecord{record("x", "v1"), record("y", "v1"), record("z", "v1")},
	}
	moved := record("x", "v1")
	moved.File = "workflows/moved/x.yaml"
	return []historyStep{
		first,
		{ // one file and one record change
			files: map[string][]byte{
				"a.yaml": []byte("a: 1\n"), "b.yaml": []byte("b: 2\n"), "c.yaml": []byte("c: 1\n"),
				"copy-1.yaml": shared, "copy-2.yaml": shared,
			},
			workflows: []WorkflowRecord{record("x", "v1"), record("y", "v2"), record("z", "v1")},
		},
		{ // a file and a record go, others come, and an empty file
			files: map[string][]byte{
				"a.yaml": []byte("a: 1\n"), "b.yaml": []byte("b: 2\n"), "d.yaml": []byte("d: 1\n"),
				"copy-1.yaml": shared, "copy-2.yaml": shared, "empty.yaml": {},
			},
			workflows: []WorkflowRecord{record("w", "v1"), record("x", "v1"), record("y", "v2")},
		},
		{ // b.yaml gets its first content back, and the same records come in a new order
			files: map[string][]byte{
				"a.yaml": []byte("a: 1\n"), "b.yaml": []byte("b: 1\n"), "d.yaml": []byte("d: 1\n"),
				"copy-1.yaml": shared, "copy-2.yaml": shared, "empty.yaml": {},
			},
			workflows: []WorkflowRecord{record("y", "v2"), record("x", "v1"), record("w", "v1")},
		},
		{}, // nothing at all
		first,
		first, // no change
		{files: first.files, workflows: []WorkflowRecord{moved, record("y", "v1"), record("z", "v1")}},
	}
}

func activateStep(t *testing.T, s *Store, i int, step historyStep) int64 {
	t.Helper()
	id, err := s.Activate(context.Background(), Activation{
		Commit: fmt.Sprint("c", i), Branch: "main", Files: step.files, Workflows: step.workflows,
		At: baseTime.Add(time.Duration(i) * time.Second),
	})
	if err != nil {
		t.Fatalf("Activate step %d: %v", i, err)
	}
	return id
}

// checkSnapshots compares every stored snapshot with the step that made it.
func checkSnapshots(t *testing.T, s *Store, steps []historyStep, ids []int64) {
	t.Helper()
	ctx := context.Background()
	for i, id := range ids {
		snap, err := s.Snapshot(ctx, id)
		if err != nil {
			t.Fatalf("Snapshot(%d) of step %d: %v", id, i, err)
		}
		if snap.Commit != fmt.Sprint("c", i) {
			t.Errorf("snapshot %d commit = %q, want c%d", id, snap.Commit, i)
		}
		want := steps[i].workflows
		if want == nil {
			want = []WorkflowRecord{}
		}
		if !reflect.DeepEqual(snap.Workflows, want) {
			t.Errorf("snapshot %d of step %d workflows = %+v, want %+v", id, i, snap.Workflows, want)
		}
		files, err := s.SnapshotFiles(ctx, id)
		if err != nil {
			t.Fatalf("SnapshotFiles(%d) of step %d: %v", id, i, err)
		}
		checkFiles(t, fmt.Sprintf("snapshot %d of step %d", id, i), files, steps[i].files)
	}
	active, err := s.ActiveSnapshot(ctx)
	if err != nil {
		t.Fatalf("ActiveSnapshot: %v", err)
	}
	if active.ID != ids[len(ids)-1] {
		t.Errorf("active snapshot = %d, want the newest %d", active.ID, ids[len(ids)-1])
	}
}

func checkFiles(t *testing.T, label string, got, want map[string][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s has %d files, want %d: %q", label, len(got), len(want), got)
	}
	for path, content := range want {
		stored, ok := got[path]
		if !ok {
			t.Errorf("%s lacks %s", label, path)
			continue
		}
		if !bytes.Equal(stored, content) || stored == nil {
			t.Errorf("%s %s = %q, want %q", label, path, stored, content)
		}
	}
}

func TestActivateKeepsEverySnapshot(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	steps := historySteps()
	var ids []int64
	for i, step := range steps {
		if i == 4 {
			// A reopened Store reads the newest snapshot from the open spans.
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s = openAt(t, path)
		}
		ids = append(ids, activateStep(t, s, i, step))
		checkSnapshots(t, s, steps[:i+1], ids)
	}
	if got := countRows(t, s, "blobs"); got != 7 {
		t.Errorf("blobs = %d, want 7 distinct contents", got)
	}
	checkRunVersions(t, s, steps, ids)
}

// checkRunVersions stores a run of each workflow in each snapshot, plus one
// of a workflow absent from it, and checks the version GetRun and ListRuns
// report for each.
func checkRunVersions(t *testing.T, s *Store, steps []historyStep, ids []int64) {
	t.Helper()
	want := map[string]string{}
	for i, step := range steps {
		for _, w := range step.workflows {
			id := fmt.Sprintf("run-%d-%s", i, w.Name)
			ingestRun(t, s, testRun(id, w.Name, ids[i], time.Duration(len(want)), "a"))
			want[id] = w.Version
		}
		id := fmt.Sprintf("run-%d-absent", i)
		ingestRun(t, s, testRun(id, "absent", ids[i], time.Duration(len(want)), "a"))
		want[id] = ""
	}
	for id, version := range want {
		if got := getRun(t, s, id).Version; got != version {
			t.Errorf("GetRun(%s).Version = %q, want %q", id, got, version)
		}
	}
	runs, err := s.ListRuns(context.Background(), RunFilter{Limit: 1000})
	if err != nil {
		t.Fatalf("ListRuns: %v", err)
	}
	if len(runs) != len(want) {
		t.Errorf("ListRuns returned %d runs, want %d", len(runs), len(want))
	}
	for _, r := range runs {
		if r.Version != want[r.ID] {
			t.Errorf("ListRuns run %s version = %q, want %q", r.ID, r.Version, want[r.ID])
		}
	}
}

func TestActivateAfterAnotherStoreWrote(t *testing.T) {
	t.Parallel()
	first, path := openTemp(t)
	second := openAt(t, path)
	steps := historySteps()

	// second drops c.yaml and workflow z, but the snapshot that first cached
	// still contains them. first must notice and start their spans again.
	ids := []int64{activateStep(t, first, 0, steps[0])}
	ids = append(ids, activateStep(t, second, 1, steps[2]))
	ids = append(ids, activateStep(t, first, 2, steps[0]))
	checkSnapshots(t, first, []historyStep{steps[0], steps[2], steps[0]}, ids)
}

func TestActivateRejectsDuplicateWorkflowBeforeWriting(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	steps := historySteps()
	id := activateStep(t, s, 0, steps[0])
	dup := steps[1]
	dup.workflows = append(dup.workflows, record("x", "v9"))
	if _, err := s.Activate(context.Background(), Activation{Commit: "dup", Files: dup.files, Workflows: dup.workflows}); err == nil {
		t.Fatal("Activate with workflow x listed twice: got nil error")
	}
	if got := countRows(t, s, "snapshots"); got != 1 {
		t.Errorf("snapshots after the rejected activation = %d, want 1", got)
	}
	checkSnapshots(t, s, steps[:1], []int64{id})
}

func TestActivateKeepsNonUTF8Names(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	odd := WorkflowRecord{Name: "odd-\xff", Version: "v\xfe", File: "workflows/odd-\xff.yaml", Digest: "d"}
	steps := []historyStep{
		{files: map[string][]byte{odd.File: []byte("name: odd\n"), "a.yaml": []byte("a: 1\n")},
			workflows: []WorkflowRecord{odd, record("x", "v1")}},
		{files: map[string][]byte{odd.File: []byte("name: odd\n"), "a.yaml": []byte("a: 2\n")},
			workflows: []WorkflowRecord{record("x", "v1"), odd}},
		{files: map[string][]byte{odd.File: []byte("name: odd 2\n")},
			workflows: []WorkflowRecord{odd}},
	}
	var ids []int64
	for i, step := range steps {
		if i == 2 {
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s = openAt(t, path)
		}
		ids = append(ids, activateStep(t, s, i, step))
		checkSnapshots(t, s, steps[:i+1], ids)
	}
	ingestRun(t, s, testRun("odd-run", odd.Name, ids[1], 0, "a"))
	if got := getRun(t, s, "odd-run").Version; got != odd.Version {
		t.Errorf("run of %q version = %q, want %q", odd.Name, got, odd.Version)
	}
}
