package store

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"reflect"
	"testing"
)

// version1Snapshot is a snapshot as schema version 1 stored it: one row per
// file and per workflow record, the records in listed order.
type version1Snapshot struct {
	id        int64
	files     map[string]string
	workflows []WorkflowRecord
}

// version1History has a file that never changes, one that changes and
// changes back, one that disappears, one that comes back after a snapshot
// without it, and one that spans the missing id 3. The workflows change
// order, version, and finally disappear.
func version1History() []version1Snapshot {
	return []version1Snapshot{
		{1, map[string]string{"keep": "K", "flip": "A", "gone": "G", "hole": "H"},
			[]WorkflowRecord{record("x", "v1"), record("y", "v1")}},
		{2, map[string]string{"keep": "K", "flip": "B", "gone": "G", "gap": "P"},
			[]WorkflowRecord{record("y", "v1"), record("x", "v1")}},
		{4, map[string]string{"keep": "K", "flip": "A", "hole": "H", "gap": "P"},
			[]WorkflowRecord{record("x", "v2"), record("y", "v1")}},
		{5, map[string]string{"keep": "K", "flip": "A"}, nil},
	}
}

// writeVersion1Database creates a database at schema version 1 holding
// history, with snapshot 5 active and a run of workflow x in each snapshot.
func writeVersion1Database(t *testing.T, path string, history []version1Snapshot) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	schema, err := fs.ReadFile(migrationFiles, "migrations/0001_init.sql")
	if err != nil {
		t.Fatalf("read migration 0001: %v", err)
	}
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.Exec(query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}

	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`)
	exec(string(schema))
	exec(`INSERT INTO schema_migrations VALUES (1, '0001_init.sql', 0)`)
	exec(`INSERT INTO events (seq, source, id, type, received_at) VALUES (1, 'test', 'e1', 'security.finding', 0)`)

	for _, snap := range history {
		exec(`INSERT INTO snapshots (id, commit_hash, branch, activated_at) VALUES (?, ?, 'main', ?)`,
			snap.id, commitOf(snap.id), baseTime.UnixNano())
		for path, content := range snap.files {
			exec(`INSERT INTO blobs (hash, size, content) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				contentHash([]byte(content)), len(content), []byte(content))
			exec(`INSERT INTO snapshot_files VALUES (?, ?, ?)`, snap.id, path, contentHash([]byte(content)))
		}
		for i, w := range snap.workflows {
			exec(`INSERT INTO snapshot_workflows VALUES (?, ?, ?, ?, ?, ?)`, snap.id, w.Name, w.Version, w.File, w.Digest, i)
		}
		exec(`INSERT INTO runs (id, workflow, snapshot_id, event_seq, status, not_before, created_at)
			VALUES (?, 'x', ?, 1, 'pending', 0, ?)`, commitOf(snap.id), snap.id, snap.id)
	}
	exec(`INSERT INTO active_snapshot VALUES (1, 5)`)
}

func commitOf(id int64) string {
	return "commit-" + string(rune('0'+id))
}

func TestMigrateVersion1Snapshots(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	history := version1History()
	writeVersion1Database(t, path, history)
	s := openAt(t, path)
	ctx := context.Background()

	// keep 1, flip 3, gone 1, hole 2 and gap 1.
	if got := countRows(t, s, "file_spans"); got != 8 {
		t.Errorf("file_spans = %d, want 8", got)
	}
	checkVersion1History(t, s, history)
	wantVersions := map[int64]string{1: "v1", 2: "v1", 4: "v2", 5: ""}
	for id, version := range wantVersions {
		r := getRun(t, s, commitOf(id))
		if r.Version != version || r.Commit != commitOf(id) {
			t.Errorf("run in snapshot %d = %s/%q, want %s/%q", id, r.Commit, r.Version, commitOf(id), version)
		}
	}

	// The first activation after the migration starts from its open spans.
	files := map[string][]byte{"keep": []byte("K"), "flip": []byte("C")}
	next, err := s.Activate(ctx, Activation{Commit: "c6", Files: files, Workflows: []WorkflowRecord{record("x", "v3")}})
	if err != nil {
		t.Fatalf("Activate after migration: %v", err)
	}
	got, err := s.SnapshotFiles(ctx, next)
	if err != nil {
		t.Fatalf("SnapshotFiles(%d): %v", next, err)
	}
	checkFiles(t, "snapshot activated after migration", got, files)
	// keep's span reaches the new snapshot, while flip ends one span and starts one.
	if got := countRows(t, s, "file_spans"); got != 9 {
		t.Errorf("file_spans after the activation = %d, want 9", got)
	}
	checkVersion1History(t, s, history)
}

func checkVersion1History(t *testing.T, s *Store, history []version1Snapshot) {
	t.Helper()
	ctx := context.Background()
	for _, snap := range history {
		got, err := s.Snapshot(ctx, snap.id)
		if err != nil {
			t.Fatalf("Snapshot(%d): %v", snap.id, err)
		}
		want := snap.workflows
		if want == nil {
			want = []WorkflowRecord{}
		}
		if got.Commit != commitOf(snap.id) || !reflect.DeepEqual(got.Workflows, want) {
			t.Errorf("snapshot %d = %s %+v, want %s %+v", snap.id, got.Commit, got.Workflows, commitOf(snap.id), want)
		}
		files, err := s.SnapshotFiles(ctx, snap.id)
		if err != nil {
			t.Fatalf("SnapshotFiles(%d): %v", snap.id, err)
		}
		wantFiles := map[string][]byte{}
		for path, content := range snap.files {
			wantFiles[path] = []byte(content)
		}
		checkFiles(t, "migrated snapshot "+commitOf(snap.id), files, wantFiles)
	}
}
