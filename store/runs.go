package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// runSelect reads runs with the commit of their snapshot and the version of
// their workflow in that snapshot. Both are empty for a run created without
// a snapshot. The version comes from the workflow's last span that starts
// at or before the run's snapshot, found with one index seek. The spans of
// one name do not overlap, so the run's snapshot lies in that span or in
// none.
const runSelect = `SELECT r.id, r.workflow, COALESCE(r.snapshot_id, 0), COALESCE(s.commit_hash, ''),
	COALESCE((SELECT CASE WHEN w.last_snapshot >= r.snapshot_id THEN w.version END
		FROM workflow_spans w WHERE w.name = r.workflow AND w.first_snapshot <= r.snapshot_id
		ORDER BY w.first_snapshot DESC LIMIT 1), ''),
	r.event_seq, r.status, r.error, r.next_step, r.not_before, r.created_at,
	r.started_at, r.finished_at
	FROM runs r
	LEFT JOIN snapshots s ON s.id = r.snapshot_id`

// GetRun returns a run with its steps and approval stages, or ErrNotFound.
func (s *Store) GetRun(ctx context.Context, id string) (*Run, error) {
	var runs []*Run
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		runs, err = queryRuns(ctx, tx, runSelect+` WHERE r.id = ?`, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load run %s: %w", id, err)
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("load run %s: %w", id, ErrNotFound)
	}
	return runs[0], nil
}

// ListRuns returns the runs that match f, newest first, with steps and
// approval stages filled. A limit of zero or less means 50, and limits above
// 1000 are capped. An f.Since after 2262-04-11, where int64 nanoseconds end,
// matches no run, and one before 1677-09-21 matches every run.
func (s *Store) ListRuns(ctx context.Context, f RunFilter) ([]*Run, error) {
	var where []string
	var args []any
	if f.Workflow != "" {
		where = append(where, "r.workflow = ?")
		args = append(args, f.Workflow)
	}
	if f.Status != "" {
		where = append(where, "r.status = ?")
		args = append(args, f.Status)
	}
	if !f.Since.IsZero() {
		since, matchable := sinceNanos(f.Since)
		if !matchable {
			return nil, nil
		}
		where = append(where, "r.created_at >= ?")
		args = append(args, since)
	}
	query := runSelect
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?"
	args = append(args, normalLimit(f.Limit))

	var runs []*Run
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		runs, err = queryRuns(ctx, tx, query, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

// CountRuns returns the number of runs in each status. Statuses without runs
// are absent from the map.
func (s *Store) CountRuns(ctx context.Context) (map[RunStatus]int, error) {
	rows, err := s.readDB.QueryContext(ctx, `SELECT status, COUNT(*) FROM runs GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count runs: %w", err)
	}
	defer rows.Close()
	counts := map[RunStatus]int{}
	for rows.Next() {
		var status RunStatus
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("count runs: %w", err)
		}
		counts[status] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count runs: %w", err)
	}
	return counts, nil
}

// queryRuns runs a query built on runSelect and fills each run's steps and
// approval stages, keeping the query's order.
func queryRuns(ctx context.Context, q querier, query string, args ...any) ([]*Run, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var runs []*Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		runs = append(runs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := fillSteps(ctx, q, runs); err != nil {
		return nil, err
	}
	if err := fillGates(ctx, q, runs); err != nil {
		return nil, err
	}
	return runs, nil
}

func scanRun(rows *sql.Rows) (*Run, error) {
	r := &Run{Steps: []*Step{}}
	var notBefore, created, started, finished sql.NullInt64
	err := rows.Scan(&r.ID, &r.Workflow, &r.SnapshotID, &r.Commit, &r.Version, &r.EventSeq, &r.Status,
		&r.Error, &r.NextStep, &notBefore, &created, &started, &finished)
	if err != nil {
		return nil, err
	}
	r.NotBefore = timeOf(notBefore)
	r.CreatedAt = timeOf(created)
	r.StartedAt = timePtrOf(started)
	r.FinishedAt = timePtrOf(finished)
	return r, nil
}

// runIndex maps run ids to runs, and lists the ids as query arguments.
func runIndex(runs []*Run) (map[string]*Run, []any) {
	byID := make(map[string]*Run, len(runs))
	args := make([]any, 0, len(runs))
	for _, r := range runs {
		byID[r.ID] = r
		args = append(args, r.ID)
	}
	return byID, args
}

func fillSteps(ctx context.Context, q querier, runs []*Run) error {
	if len(runs) == 0 {
		return nil
	}
	byID, args := runIndex(runs)
	rows, err := q.QueryContext(ctx, `SELECT run_id, idx, name, status, attempts, input, output, error,
		started_at, finished_at, start_delay_ns, deadline_missed
		FROM steps WHERE run_id IN (`+placeholders(len(args))+`) ORDER BY run_id, idx`, args...)
	if err != nil {
		return fmt.Errorf("load steps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var runID string
		var st Step
		var input, output []byte
		var started, finished sql.NullInt64
		var delay int64
		err := rows.Scan(&runID, &st.Index, &st.Name, &st.Status, &st.Attempts, &input, &output, &st.Error,
			&started, &finished, &delay, &st.DeadlineMissed)
		if err != nil {
			return fmt.Errorf("load steps: %w", err)
		}
		st.Input = rawOrNil(input)
		st.Output = rawOrNil(output)
		st.StartedAt = timePtrOf(started)
		st.FinishedAt = timePtrOf(finished)
		st.StartDelay = time.Duration(delay)
		byID[runID].Steps = append(byID[runID].Steps, &st)
	}
	return rows.Err()
}

func fillGates(ctx context.Context, q querier, runs []*Run) error {
	if len(runs) == 0 {
		return nil
	}
	byID, args := runIndex(runs)
	rows, err := q.QueryContext(ctx, `SELECT run_id, idx, name, approvers, status, deadline, decided_at, decided_by
		FROM gates WHERE run_id IN (`+placeholders(len(args))+`) ORDER BY run_id, idx`, args...)
	if err != nil {
		return fmt.Errorf("load approval stages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var runID string
		var g Gate
		var approvers sql.NullString
		var deadline, decided sql.NullInt64
		if err := rows.Scan(&runID, &g.Index, &g.Name, &approvers, &g.Status, &deadline, &decided, &g.DecidedBy); err != nil {
			return fmt.Errorf("load approval stages: %w", err)
		}
		if g.Approvers, err = unmarshalList[string](approvers); err != nil {
			return fmt.Errorf("decode approvers of stage %s of run %s: %w", g.Name, runID, err)
		}
		if g.Approvers == nil {
			g.Approvers = []string{}
		}
		g.Deadline = timeOf(deadline)
		g.DecidedAt = timePtrOf(decided)
		byID[runID].Gates = append(byID[runID].Gates, &g)
	}
	return rows.Err()
}
