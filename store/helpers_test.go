package store

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"
)

// baseTime is the fixed clock of the tests.
var baseTime = time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// openAt opens a store on path and closes it when the test ends.
func openAt(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, Options{Logger: quietLogger()})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// openTemp opens a store on a new file in a temporary directory.
func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	return openAt(t, path), path
}

// testEvent returns an event with a JSON body naming its id.
func testEvent(source, id string) Event {
	return Event{
		Source:     source,
		ID:         id,
		Type:       "security.finding",
		Time:       baseTime,
		Body:       json.RawMessage(fmt.Sprintf(`{"id":%q}`, id)),
		ReceivedAt: baseTime,
	}
}

// testRun returns a run with the given steps, created at baseTime plus offset.
func testRun(id, workflow string, snapshotID int64, offset time.Duration, steps ...string) NewRun {
	return NewRun{
		ID:         id,
		Workflow:   workflow,
		SnapshotID: snapshotID,
		Steps:      steps,
		CreatedAt:  baseTime.Add(offset),
	}
}

// ingestRun stores one event that creates one run and fails the test on error.
func ingestRun(t testing.TB, s *Store, run NewRun) {
	t.Helper()
	_, err := s.IngestEvent(context.Background(), testEvent("test", "ev-"+run.ID), []NewRun{run})
	if err != nil {
		t.Fatalf("IngestEvent for run %s: %v", run.ID, err)
	}
}

// getRun loads a run and fails the test on error.
func getRun(t testing.TB, s *Store, id string) *Run {
	t.Helper()
	r, err := s.GetRun(context.Background(), id)
	if err != nil {
		t.Fatalf("GetRun(%s): %v", id, err)
	}
	return r
}

// countRows counts the rows of a table through the reader pool.
func countRows(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.readDB.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// activate stores a snapshot with one workflow per name, all at version v1.
func activate(t testing.TB, s *Store, commit string, files map[string][]byte, workflows ...string) int64 {
	t.Helper()
	a := Activation{Commit: commit, Branch: "main", Files: files, At: baseTime}
	for _, w := range workflows {
		a.Workflows = append(a.Workflows, WorkflowRecord{Name: w, Version: "v1", File: "workflows/" + w + ".yaml", Digest: "d-" + w})
	}
	id, err := s.Activate(context.Background(), a)
	if err != nil {
		t.Fatalf("Activate(%s): %v", commit, err)
	}
	return id
}

func ptr[T any](v T) *T { return &v }
