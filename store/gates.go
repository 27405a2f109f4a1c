package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// OpenGates stores a run's approval stages and applies u in one
// transaction. A stage replaces the stored one with the same Index, so the
// same call also records a decision (approved, with DecidedAt and
// DecidedBy). An empty Status means pending. An empty u.RunID means runID.
func (s *Store) OpenGates(ctx context.Context, runID string, gates []Gate, u RunUpdate) error {
	if u.RunID == "" {
		u.RunID = runID
	}
	if u.RunID != runID {
		return fmt.Errorf("open approval stages of run %s: the run update is for run %s", runID, u.RunID)
	}
	rows, err := gateRows(gates)
	if err != nil {
		return fmt.Errorf("open approval stages of run %s: %w", runID, err)
	}
	const upsert = `INSERT INTO gates (run_id, idx, name, approvers, status, deadline, decided_at, decided_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, idx) DO UPDATE SET name = excluded.name, approvers = excluded.approvers,
		status = excluded.status, deadline = excluded.deadline, decided_at = excluded.decided_at,
		decided_by = excluded.decided_by`
	err = s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		// The run update goes first so an unknown run fails with ErrNotFound
		// rather than with a foreign key error from the stage insert.
		if err := applyRunUpdate(ctx, tx, u); err != nil {
			return err
		}
		for _, g := range rows {
			_, err := tx.ExecContext(ctx, upsert, runID, g.Index, g.Name, g.approvers, g.Status,
				nanos(g.Deadline), nanosPtr(g.DecidedAt), g.DecidedBy)
			if err != nil {
				return fmt.Errorf("store approval stage %s: %w", g.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("open approval stages of run %s: %w", runID, err)
	}
	return nil
}

// gateRow is a Gate with its approvers encoded for the approvers column.
type gateRow struct {
	Gate
	approvers string
}

func gateRows(gates []Gate) ([]gateRow, error) {
	rows := make([]gateRow, 0, len(gates))
	for _, g := range gates {
		if g.Name == "" {
			return nil, fmt.Errorf("approval stage %d has no name", g.Index)
		}
		if g.Status == "" {
			g.Status = GatePending
		}
		switch g.Status {
		case GatePending, GateApproved, GateSkipped, GateExpired:
		default:
			return nil, fmt.Errorf("approval stage %s: invalid status %q", g.Name, g.Status)
		}
		approvers := g.Approvers
		if approvers == nil {
			approvers = []string{}
		}
		b, err := json.Marshal(approvers)
		if err != nil {
			return nil, fmt.Errorf("encode approvers of stage %s: %w", g.Name, err)
		}
		rows = append(rows, gateRow{Gate: g, approvers: string(b)})
	}
	return rows, nil
}

// ExpireGates marks every pending approval stage whose deadline is at or
// before now as expired. Each run that had such a stage and is not final
// moves to timed_out, with an error naming its first expired stage, and its
// other pending stages become skipped. It returns the ids of those runs.
func (s *Store) ExpireGates(ctx context.Context, now time.Time) ([]string, error) {
	at := now.UnixNano()
	var timedOut []string
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		expired, err := expiredStages(ctx, tx, at)
		if err != nil || len(expired) == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE gates SET status = ?, decided_at = ?
			WHERE status = 'pending' AND deadline IS NOT NULL AND deadline <= ?`, GateExpired, at, at)
		if err != nil {
			return fmt.Errorf("mark stages expired: %w", err)
		}
		for _, e := range expired {
			if e.runStatus.Final() {
				continue
			}
			if err := timeOutRun(ctx, tx, e, at); err != nil {
				return err
			}
			timedOut = append(timedOut, e.runID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("expire approval stages: %w", err)
	}
	return timedOut, nil
}

// expiredStage is the first expired pending stage of one run.
type expiredStage struct {
	runID     string
	runStatus RunStatus
	stage     string
	deadline  int64
}

// expiredStages returns, per run and ordered by run id, the lowest-index
// pending stage whose deadline is at or before now. The status is a literal
// in this query and in ExpireGates' update so that SQLite can use the
// partial index gates_pending_deadline.
func expiredStages(ctx context.Context, q querier, now int64) ([]expiredStage, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.run_id, r.status, g.name, g.deadline FROM gates g
		JOIN runs r ON r.id = g.run_id
		WHERE g.status = 'pending' AND g.deadline IS NOT NULL AND g.deadline <= ?
		ORDER BY g.run_id, g.idx`, now)
	if err != nil {
		return nil, fmt.Errorf("select expired stages: %w", err)
	}
	defer rows.Close()
	var list []expiredStage
	for rows.Next() {
		var e expiredStage
		if err := rows.Scan(&e.runID, &e.runStatus, &e.stage, &e.deadline); err != nil {
			return nil, fmt.Errorf("select expired stages: %w", err)
		}
		if n := len(list); n > 0 && list[n-1].runID == e.runID {
			continue
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

func timeOutRun(ctx context.Context, tx *writeTx, e expiredStage, now int64) error {
	deadline := time.Unix(0, e.deadline).UTC().Format(time.RFC3339)
	msg := fmt.Sprintf("approval stage %q expired at %s without approval", e.stage, deadline)
	_, err := tx.ExecContext(ctx, `UPDATE runs SET status = ?, error = ?, finished_at = ?,
		lease_owner = NULL, lease_until = NULL WHERE id = ?`, RunTimedOut, msg, now, e.runID)
	if err != nil {
		return fmt.Errorf("time out run %s: %w", e.runID, err)
	}
	finished := time.Unix(0, now)
	if err := settleLeftovers(ctx, tx, RunUpdate{RunID: e.runID, Status: RunTimedOut, FinishedAt: &finished}); err != nil {
		return fmt.Errorf("skip remaining stages and steps of run %s: %w", e.runID, err)
	}
	return nil
}
