package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReopenAfterCloseKeepsEverything(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	ctx := context.Background()
	snap := activate(t, s, "c1", map[string][]byte{"workflows/triage.yaml": []byte("name: triage\n")}, "triage")
	if err := s.RecordRejection(ctx, Rejection{Commit: "c2", At: baseTime}); err != nil {
		t.Fatalf("RecordRejection: %v", err)
	}
	ingestRun(t, s, testRun("r1", "triage", snap, 0, "classify", "page"))
	start := StepStart{RunID: "r1", Index: 0, Attempt: 1, Input: json.RawMessage(`{"a":1}`), At: baseTime}
	if err := s.StartStep(ctx, start); err != nil {
		t.Fatalf("StartStep: %v", err)
	}
	if err := s.OpenGates(ctx, "r1", chainGates(), RunUpdate{Status: RunWaitingApproval}); err != nil {
		t.Fatalf("OpenGates: %v", err)
	}
	if err := s.SetSchedule(ctx, ScheduleState{Workflow: "triage", Spec: "rate(1 hour)", NextAt: baseTime}); err != nil {
		t.Fatalf("SetSchedule: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openAt(t, path)
	active, err := s.ActiveSnapshot(ctx)
	if err != nil || active.ID != snap || active.Commit != "c1" {
		t.Errorf("active snapshot after reopen = %+v, %v; want %d/c1", active, err, snap)
	}
	files, err := s.SnapshotFiles(ctx, snap)
	if err != nil || string(files["workflows/triage.yaml"]) != "name: triage\n" {
		t.Errorf("snapshot files after reopen = %q, %v", files, err)
	}
	if history, err := s.ReconcileHistory(ctx, 0); err != nil || len(history) != 2 {
		t.Errorf("history after reopen has %d records (%v), want 2", len(history), err)
	}
	r := getRun(t, s, "r1")
	if r.Status != RunWaitingApproval || r.Version != "v1" || len(r.Gates) != 2 {
		t.Errorf("run after reopen = %s, version %q, %d gates; want waiting_approval, v1, 2", r.Status, r.Version, len(r.Gates))
	}
	if r.Steps[0].Status != StepRunning || string(r.Steps[0].Input) != `{"a":1}` {
		t.Errorf("step after reopen = %+v, want running with its input", r.Steps[0])
	}
	if list, err := s.Schedules(ctx); err != nil || len(list) != 1 {
		t.Errorf("schedules after reopen = %+v, %v; want one", list, err)
	}
}

func TestMigrationsIdempotentAcrossReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	list, err := loadMigrations()
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if len(list) == 0 || list[0].version != 1 {
		t.Fatalf("embedded migrations = %+v, want versions from 1", list)
	}
	for i := range 3 {
		s, err := Open(context.Background(), path, Options{Logger: quietLogger()})
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		got := countRows(t, s, "schema_migrations")
		if err := s.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
		if got != len(list) {
			t.Errorf("after open #%d schema_migrations has %d rows, want %d", i+1, got, len(list))
		}
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(context.Background(), path, Options{Logger: quietLogger()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	s.Close()

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open raw: %v", err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatalf("insert future version: %v", err)
	}
	db.Close()

	_, err = Open(context.Background(), path, Options{Logger: quietLogger()})
	if err == nil || !strings.Contains(err.Error(), "9999") {
		t.Errorf("Open of a newer database: got %v, want an error naming version 9999", err)
	}
}

func TestOpenRejectsInvalidOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		opts Options
	}{
		{"empty path", "", Options{}},
		{"path with query", filepath.Join(dir, "a.db?mode=ro"), Options{}},
		{"memory", ":memory:", Options{}},
		{"unknown synchronous", filepath.Join(dir, "b.db"), Options{Synchronous: "OFF"}},
		{"negative batch", filepath.Join(dir, "c.db"), Options{MaxBatch: -1}},
		{"negative busy timeout", filepath.Join(dir, "d.db"), Options{BusyTimeout: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Logger = quietLogger()
			s, err := Open(context.Background(), tt.path, tt.opts)
			if err == nil {
				s.Close()
				t.Error("got nil error")
			}
		})
	}
}

func TestOpenSetsPragmas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		synchronous string
		want        int
	}{
		{"", 2},
		{"full", 2},
		{"NORMAL", 1},
	}
	for _, tt := range tests {
		t.Run("synchronous "+tt.synchronous, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			s, err := Open(context.Background(), path, Options{Synchronous: tt.synchronous, Logger: quietLogger()})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			checks := []struct {
				db     *sql.DB
				pragma string
				want   string
			}{
				{s.writeDB, "journal_mode", "wal"},
				{s.writeDB, "foreign_keys", "1"},
				{s.writeDB, "busy_timeout", "5000"},
				{s.writeDB, "temp_store", "2"},
				{s.writeDB, "synchronous", string(rune('0' + tt.want))},
				{s.readDB, "query_only", "1"},
				{s.readDB, "foreign_keys", "1"},
			}
			for _, c := range checks {
				var got string
				if err := c.db.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil {
					t.Fatalf("PRAGMA %s: %v", c.pragma, err)
				}
				if got != c.want {
					t.Errorf("PRAGMA %s = %s, want %s", c.pragma, got, c.want)
				}
			}
		})
	}
}
