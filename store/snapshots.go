package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Activate stores a validated commit as a new snapshot and makes it active
// in one transaction. Files and workflow records are stored as spans of
// consecutive snapshots (see migrations/0002_snapshot_spans.sql), so its
// cost follows the number of files and records that differ from the newest
// snapshot, plus hashing every file. File contents go to the blobs table
// once per distinct SHA-256. The activated ReconcileRecord with the diff is
// written in the same transaction. A zero a.At means now.
func (s *Store) Activate(ctx context.Context, a Activation) (snapshotID int64, err error) {
	if a.Commit == "" {
		return 0, errors.New("activate snapshot: missing commit")
	}
	next, err := newHeadState(a)
	if err != nil {
		return 0, fmt.Errorf("activate commit %s: %w", a.Commit, err)
	}
	at := orNow(a.At)
	diff, err := marshalList(a.Diff)
	if err != nil {
		return 0, fmt.Errorf("activate commit %s: encode diff: %w", a.Commit, err)
	}

	err = s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		prev, err := s.currentHead(ctx, tx)
		if err != nil {
			return err
		}
		if next.snapshotID, err = insertSnapshot(ctx, tx, a, at); err != nil {
			return err
		}
		if err := writeSpans(ctx, tx, prev, next, a.Files); err != nil {
			return err
		}
		return markActive(ctx, tx, a, at, next.snapshotID, diff)
	})
	if err != nil {
		return 0, fmt.Errorf("activate commit %s: %w", a.Commit, err)
	}
	s.keepHead(next)
	return next.snapshotID, nil
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

func insertSnapshot(ctx context.Context, tx *writeTx, a Activation, at time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO snapshots (commit_hash, branch, activated_at) VALUES (?, ?, ?)`,
		a.Commit, a.Branch, at.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("insert snapshot: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("read snapshot id: %w", err)
	}
	return id, nil
}

// markActive makes snapshot id the active one and appends its activation
// to the reconcile history.
func markActive(ctx context.Context, tx *writeTx, a Activation, at time.Time, id int64, diff sql.NullString) error {
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
}
