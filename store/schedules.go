package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Schedules returns the stored state of every workflow schedule, ordered by
// workflow name.
func (s *Store) Schedules(ctx context.Context) ([]ScheduleState, error) {
	rows, err := s.readDB.QueryContext(ctx, `SELECT workflow, spec, next_at, last_at FROM schedules ORDER BY workflow`)
	if err != nil {
		return nil, fmt.Errorf("load schedules: %w", err)
	}
	defer rows.Close()
	var list []ScheduleState
	for rows.Next() {
		var st ScheduleState
		var next, last sql.NullInt64
		if err := rows.Scan(&st.Workflow, &st.Spec, &next, &last); err != nil {
			return nil, fmt.Errorf("load schedules: %w", err)
		}
		st.NextAt = timeOf(next)
		st.LastAt = timePtrOf(last)
		list = append(list, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load schedules: %w", err)
	}
	return list, nil
}

// SetSchedule inserts or replaces the state of a workflow's schedule, for a
// schedule seen for the first time or one whose spec changed.
func (s *Store) SetSchedule(ctx context.Context, st ScheduleState) error {
	if err := checkSchedule(st); err != nil {
		return fmt.Errorf("set schedule: %w", err)
	}
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		return upsertSchedule(ctx, tx, st)
	})
	if err != nil {
		return fmt.Errorf("set schedule of %s: %w", st.Workflow, err)
	}
	return nil
}

// FireSchedule records one firing in one transaction: the event and its
// runs as IngestEvent stores them, and the schedule's new state. When the
// event's (source, id) is already stored, only the schedule state is
// written and the result is that of a duplicate, so a firing retried after
// a crash neither doubles the runs nor fires again.
func (s *Store) FireSchedule(ctx context.Context, st ScheduleState, ev Event, runs []NewRun) (IngestResult, error) {
	if err := checkSchedule(st); err != nil {
		return IngestResult{}, fmt.Errorf("fire schedule: %w", err)
	}
	ev, runs, err := prepareIngest(ev, runs)
	if err != nil {
		return IngestResult{}, fmt.Errorf("fire schedule of %s: %w", st.Workflow, err)
	}
	var res IngestResult
	err = s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		var err error
		if res, err = ingest(ctx, tx, ev, runs); err != nil {
			return err
		}
		return upsertSchedule(ctx, tx, st)
	})
	if err != nil {
		return IngestResult{}, fmt.Errorf("fire schedule of %s with event %s: %w", st.Workflow, ev.ID, err)
	}
	return res, nil
}

// DeleteSchedule removes a workflow's schedule state. Deleting a schedule
// that is not stored is not an error.
func (s *Store) DeleteSchedule(ctx context.Context, workflow string) error {
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM schedules WHERE workflow = ?`, workflow)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete schedule of %s: %w", workflow, err)
	}
	return nil
}

func checkSchedule(st ScheduleState) error {
	if st.Workflow == "" {
		return errors.New("missing workflow name")
	}
	if st.Spec == "" {
		return fmt.Errorf("schedule of %s: missing spec", st.Workflow)
	}
	return nil
}

func upsertSchedule(ctx context.Context, tx *writeTx, st ScheduleState) error {
	const upsert = `INSERT INTO schedules (workflow, spec, next_at, last_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workflow) DO UPDATE SET spec = excluded.spec, next_at = excluded.next_at,
		last_at = excluded.last_at`
	_, err := tx.ExecContext(ctx, upsert, st.Workflow, st.Spec, nanos(st.NextAt), nanosPtr(st.LastAt))
	if err != nil {
		return fmt.Errorf("store schedule of %s: %w", st.Workflow, err)
	}
	return nil
}
