package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Activate stores a validated commit as a new snapshot and makes it active
// in one transaction. File contents go to the blobs table once per distinct
// SHA-256. The workflow records and an activated ReconcileRecord with the
// diff are written in the same transaction. A zero a.At means now.
func (s *Store) Activate(ctx context.Context, a Activation) (snapshotID int64, err error) {
	if a.Commit == "" {
		return 0, errors.New("activate snapshot: missing commit")
	}
	at := orNow(a.At)
	files := hashFiles(a.Files)
	diff, err := marshalList(a.Diff)
	if err != nil {
		return 0, fmt.Errorf("activate commit %s: encode diff: %w", a.Commit, err)
	}

	var id int64
	err = s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		var err error
		id, err = insertSnapshot(ctx, tx, a, at, files)
		if err != nil {
			return err
		}
		const setActive = `INSERT INTO active_snapshot (singleton, snapshot_id) VALUES (1, ?)
			ON CONFLICT (singleton) DO UPDATE SET snapshot_id = excluded.snapshot_id`
		if _, err := tx.ExecContext(ctx, setActive, id); err != nil {
			return fmt.Errorf("mark snapshot %d active: %w", id, err)
		}
		const record = `INSERT INTO reconcile_history (commit_hash, branch, outcome, at, snapshot_id, diff)
			VALUES (?, ?, ?, ?, ?, ?)`
		if _, err := tx.ExecContext(ctx, record, a.Commit, a.Branch, OutcomeActivated, at.UnixNano(), id, diff); err != nil {
			return fmt.Errorf("record activation: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("activate commit %s: %w", a.Commit, err)
	}
	return id, nil
}

// RecordRejection appends a rejected ReconcileRecord with its problems. The
// active snapshot stays as it is. A zero r.At means now.
func (s *Store) RecordRejection(ctx context.Context, r Rejection) error {
	if r.Commit == "" {
		return errors.New("record rejection: missing commit")
	}
	at := orNow(r.At)
	problems, err := marshalList(r.Problems)
	if err != nil {
		return fmt.Errorf("record rejection of %s: encode problems: %w", r.Commit, err)
	}
	err = s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		const record = `INSERT INTO reconcile_history (commit_hash, branch, outcome, at, problems)
			VALUES (?, ?, ?, ?, ?)`
		_, err := tx.ExecContext(ctx, record, r.Commit, r.Branch, OutcomeRejected, at.UnixNano(), problems)
		return err
	})
	if err != nil {
		return fmt.Errorf("record rejection of %s: %w", r.Commit, err)
	}
	return nil
}

// hashedFile is one snapshot file with its content hash, computed before
// the write so the writer goroutine does not spend time hashing.
type hashedFile struct {
	path    string
	hash    string
	content []byte
}

func hashFiles(files map[string][]byte) []hashedFile {
	out := make([]hashedFile, 0, len(files))
	for p, content := range files {
		sum := sha256.Sum256(content)
		out = append(out, hashedFile{path: p, hash: hex.EncodeToString(sum[:]), content: content})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

func insertSnapshot(ctx context.Context, tx *writeTx, a Activation, at time.Time, files []hashedFile) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO snapshots (commit_hash, branch, activated_at) VALUES (?, ?, ?)`,
		a.Commit, a.Branch, at.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("insert snapshot: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("read snapshot id: %w", err)
	}

	const insertBlob = `INSERT INTO blobs (hash, size, content) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING`
	const insertFile = `INSERT INTO snapshot_files (snapshot_id, path, blob_hash) VALUES (?, ?, ?)`
	for _, f := range files {
		if _, err := tx.ExecContext(ctx, insertBlob, f.hash, len(f.content), f.content); err != nil {
			return 0, fmt.Errorf("insert blob of %s: %w", f.path, err)
		}
		if _, err := tx.ExecContext(ctx, insertFile, id, f.path, f.hash); err != nil {
			return 0, fmt.Errorf("insert file %s: %w", f.path, err)
		}
	}

	const insertWorkflow = `INSERT INTO snapshot_workflows (snapshot_id, name, version, file, digest, position)
		VALUES (?, ?, ?, ?, ?, ?)`
	for i, w := range a.Workflows {
		if _, err := tx.ExecContext(ctx, insertWorkflow, id, w.Name, w.Version, w.File, w.Digest, i); err != nil {
			return 0, fmt.Errorf("insert workflow %s: %w", w.Name, err)
		}
	}
	return id, nil
}
