package store

import (
	"context"
	"database/sql"
	"fmt"
)

// ActiveSnapshot returns the active snapshot with its workflow records, or
// ErrNotFound when no commit has been activated yet.
func (s *Store) ActiveSnapshot(ctx context.Context) (*Snapshot, error) {
	var snap *Snapshot
	err := s.read(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT snapshot_id FROM active_snapshot WHERE singleton = 1`).Scan(&id)
		if err != nil {
			return notFound(err)
		}
		snap, err = loadSnapshot(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load active snapshot: %w", err)
	}
	return snap, nil
}

// Snapshot returns one snapshot with its workflow records, or ErrNotFound.
func (s *Store) Snapshot(ctx context.Context, id int64) (*Snapshot, error) {
	var snap *Snapshot
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		snap, err = loadSnapshot(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load snapshot %d: %w", id, err)
	}
	return snap, nil
}

// SnapshotFiles returns the files of a snapshot by path, or ErrNotFound when
// the snapshot does not exist.
func (s *Store) SnapshotFiles(ctx context.Context, id int64) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := snapshotExists(ctx, tx, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT f.path, b.content FROM file_spans f
			JOIN blobs b ON b.hash = f.blob_hash WHERE f.last_snapshot >= ?1 AND f.first_snapshot <= ?1`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var path string
			var content []byte
			if err := rows.Scan(&path, &content); err != nil {
				return err
			}
			if content == nil {
				content = []byte{}
			}
			files[path] = content
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("load files of snapshot %d: %w", id, err)
	}
	return files, nil
}

// ReconcileHistory returns the latest activations and rejections, newest
// first. A limit of zero or less means 50, and limits above 1000 are capped.
func (s *Store) ReconcileHistory(ctx context.Context, limit int) ([]ReconcileRecord, error) {
	rows, err := s.readDB.QueryContext(ctx, `SELECT id, commit_hash, branch, outcome, at, snapshot_id, diff, problems
		FROM reconcile_history ORDER BY id DESC LIMIT ?`, normalLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("load reconcile history: %w", err)
	}
	defer rows.Close()
	var list []ReconcileRecord
	for rows.Next() {
		rec, err := scanReconcileRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("load reconcile history: %w", err)
		}
		list = append(list, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load reconcile history: %w", err)
	}
	return list, nil
}

func scanReconcileRecord(rows *sql.Rows) (ReconcileRecord, error) {
	var rec ReconcileRecord
	var at sql.NullInt64
	var snapshotID sql.NullInt64
	var diff, problems sql.NullString
	if err := rows.Scan(&rec.ID, &rec.Commit, &rec.Branch, &rec.Outcome, &at, &snapshotID, &diff, &problems); err != nil {
		return rec, err
	}
	rec.At = timeOf(at)
	rec.SnapshotID = snapshotID.Int64
	var err error
	if rec.Diff, err = unmarshalList[DiffEntry](diff); err != nil {
		return rec, fmt.Errorf("decode diff of record %d: %w", rec.ID, err)
	}
	if rec.Problems, err = unmarshalList[ProblemRecord](problems); err != nil {
		return rec, fmt.Errorf("decode problems of record %d: %w", rec.ID, err)
	}
	return rec, nil
}

func snapshotExists(ctx context.Context, q querier, id int64) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM snapshots WHERE id = ?`, id).Scan(&one)
	return notFound(err)
}

// snapshotWorkflows reads the workflow records of snapshot ?1 in the order
// Activate received them. The names come from the newest workflow order not
// after the snapshot, and each name's record from its span that contains
// the snapshot.
const snapshotWorkflows = `SELECT w.name, w.version, w.file, w.digest
	FROM json_each((SELECT names FROM workflow_orders WHERE snapshot_id <= ?1
		ORDER BY snapshot_id DESC LIMIT 1)) o
	JOIN workflow_spans w ON w.name = CAST(unhex(o.value) AS TEXT)
		AND w.first_snapshot <= ?1 AND w.last_snapshot >= ?1
	ORDER BY o.key`

func loadSnapshot(ctx context.Context, q querier, id int64) (*Snapshot, error) {
	snap := &Snapshot{Workflows: []WorkflowRecord{}}
	var at sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT id, commit_hash, branch, activated_at FROM snapshots WHERE id = ?`, id).
		Scan(&snap.ID, &snap.Commit, &snap.Branch, &at)
	if err != nil {
		return nil, notFound(err)
	}
	snap.ActivatedAt = timeOf(at)

	rows, err := q.QueryContext(ctx, snapshotWorkflows, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var w WorkflowRecord
		if err := rows.Scan(&w.Name, &w.Version, &w.File, &w.Digest); err != nil {
			return nil, err
		}
		snap.Workflows = append(snap.Workflows, w)
	}
	return snap, rows.Err()
}
