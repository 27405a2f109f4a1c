package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// IngestEvent stores an event together with its runs, each pending with one
// pending step row per name in NewRun.Steps, in one transaction that is
// committed when IngestEvent returns. Ingestion is idempotent on (Source,
// ID): for an event already stored nothing is written, and the result has
// Duplicate set, the stored Seq and the run ids created with it first.
// A zero ReceivedAt or CreatedAt means now.
func (s *Store) IngestEvent(ctx context.Context, ev Event, runs []NewRun) (IngestResult, error) {
	ev, runs, err := prepareIngest(ev, runs)
	if err != nil {
		return IngestResult{}, err
	}
	var res IngestResult
	err = s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		var err error
		res, err = ingest(ctx, tx, ev, runs)
		return err
	})
	if err != nil {
		return IngestResult{}, fmt.Errorf("ingest event %s from %s: %w", ev.ID, ev.Source, err)
	}
	return res, nil
}

// GetEvent returns the event with the given sequence number, or ErrNotFound.
func (s *Store) GetEvent(ctx context.Context, seq int64) (*Event, error) {
	ev := &Event{}
	var evTime, received sql.NullInt64
	var body []byte
	err := s.readDB.QueryRowContext(ctx, `SELECT seq, source, id, type, time, body, received_at
		FROM events WHERE seq = ?`, seq).
		Scan(&ev.Seq, &ev.Source, &ev.ID, &ev.Type, &evTime, &body, &received)
	if err != nil {
		return nil, fmt.Errorf("load event %d: %w", seq, notFound(err))
	}
	ev.Time = timeOf(evTime)
	ev.ReceivedAt = timeOf(received)
	ev.Body = rawOrNil(body)
	return ev, nil
}

// prepareIngest checks an event and its runs and fills the default times.
// It copies runs so the caller's slice is left as it was.
func prepareIngest(ev Event, runs []NewRun) (Event, []NewRun, error) {
	if ev.Source == "" || ev.ID == "" {
		return ev, nil, fmt.Errorf("ingest event: missing source or id (source %q, id %q)", ev.Source, ev.ID)
	}
	ev.ReceivedAt = orNow(ev.ReceivedAt)
	out := make([]NewRun, len(runs))
	seen := make(map[string]bool, len(runs))
	for i, r := range runs {
		switch {
		case r.ID == "":
			return ev, nil, fmt.Errorf("ingest event %s: run %d has no id", ev.ID, i)
		case r.Workflow == "":
			return ev, nil, fmt.Errorf("ingest event %s: run %s has no workflow", ev.ID, r.ID)
		case seen[r.ID]:
			return ev, nil, fmt.Errorf("ingest event %s: run id %s appears twice", ev.ID, r.ID)
		}
		seen[r.ID] = true
		if r.CreatedAt.IsZero() {
			r.CreatedAt = ev.ReceivedAt
		}
		r.CreatedAt = r.CreatedAt.UTC()
		out[i] = r
	}
	return ev, out, nil
}

// ingest writes an event and its runs unless (source, id) is already
// stored, in which case it returns the stored event's seq and runs.
func ingest(ctx context.Context, tx *writeTx, ev Event, runs []NewRun) (IngestResult, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, `SELECT seq FROM events WHERE source = ? AND id = ?`, ev.Source, ev.ID).Scan(&seq)
	switch {
	case err == nil:
		ids, err := runIDsOfEvent(ctx, tx, seq)
		return IngestResult{Seq: seq, Duplicate: true, RunIDs: ids}, err
	case !errors.Is(err, sql.ErrNoRows):
		return IngestResult{}, fmt.Errorf("look up event: %w", err)
	}

	const insertEvent = `INSERT INTO events (source, id, type, time, body, received_at) VALUES (?, ?, ?, ?, ?, ?)`
	res, err := tx.ExecContext(ctx, insertEvent, ev.Source, ev.ID, ev.Type, nanos(ev.Time), []byte(ev.Body), ev.ReceivedAt.UnixNano())
	if err != nil {
		return IngestResult{}, fmt.Errorf("insert event: %w", err)
	}
	if seq, err = res.LastInsertId(); err != nil {
		return IngestResult{}, fmt.Errorf("read event seq: %w", err)
	}
	ids := make([]string, 0, len(runs))
	for _, r := range runs {
		if err := insertRun(ctx, tx, seq, r); err != nil {
			return IngestResult{}, err
		}
		ids = append(ids, r.ID)
	}
	return IngestResult{Seq: seq, RunIDs: ids}, nil
}

func insertRun(ctx context.Context, tx *writeTx, seq int64, r NewRun) error {
	var snapshotID sql.NullInt64
	if r.SnapshotID != 0 {
		snapshotID = sql.NullInt64{Int64: r.SnapshotID, Valid: true}
	}
	created := r.CreatedAt.UnixNano()
	const insert = `INSERT INTO runs (id, workflow, snapshot_id, event_seq, status, not_before, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	if _, err := tx.ExecContext(ctx, insert, r.ID, r.Workflow, snapshotID, seq, RunPending, created, created); err != nil {
		return fmt.Errorf("insert run %s: %w", r.ID, err)
	}
	const insertStep = `INSERT INTO steps (run_id, idx, name, status) VALUES (?, ?, ?, ?)`
	for i, name := range r.Steps {
		if _, err := tx.ExecContext(ctx, insertStep, r.ID, i, name, StepPending); err != nil {
			return fmt.Errorf("insert step %s of run %s: %w", name, r.ID, err)
		}
	}
	return nil
}

func runIDsOfEvent(ctx context.Context, q querier, seq int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM runs WHERE event_seq = ? ORDER BY rowid`, seq)
	if err != nil {
		return nil, fmt.Errorf("load runs of event %d: %w", seq, err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
