package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrRunFinal is returned when an update would move a run out of a final
// status (succeeded, failed, cancelled or timed_out), for example when the
// engine finishes a step of a run that was cancelled meanwhile.
var ErrRunFinal = errors.New("run already in a final status")

// UpdateRun applies u to its run. It returns ErrNotFound for an unknown run
// and ErrRunFinal when the run is final and u sets another status.
func (s *Store) UpdateRun(ctx context.Context, u RunUpdate) error {
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		return applyRunUpdate(ctx, tx, u)
	})
	if err != nil {
		return fmt.Errorf("update run %s: %w", u.RunID, err)
	}
	return nil
}

// StartStep records the start of a step attempt: status running, attempts
// set to st.Attempt, the input, and no output, error or finish time. The
// start time, start delay and missed-deadline flag are kept from the first
// attempt. A zero st.At means now. It returns ErrRunFinal when the run has
// already finished, for example after a cancellation.
func (s *Store) StartStep(ctx context.Context, st StepStart) error {
	if st.Attempt < 1 {
		return fmt.Errorf("start step %d of run %s: invalid attempt %d: attempts count from 1", st.Index, st.RunID, st.Attempt)
	}
	at := orNow(st.At).UnixNano()
	// SET expressions read the row as it was before the update, so
	// "started_at IS NULL" means that no attempt had started yet.
	const update = `UPDATE steps SET status = ?, attempts = ?, input = ?, output = NULL, error = '',
		finished_at = NULL,
		start_delay_ns = CASE WHEN started_at IS NULL THEN ? ELSE start_delay_ns END,
		deadline_missed = CASE WHEN started_at IS NULL THEN ? ELSE deadline_missed END,
		started_at = COALESCE(started_at, ?)
		WHERE run_id = ? AND idx = ?`
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		// A cancelled or otherwise finished run starts no further step.
		var status RunStatus
		var owner sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT status, lease_owner FROM runs WHERE id = ?`, st.RunID).Scan(&status, &owner); err != nil {
			return notFound(err)
		}
		if status.Final() {
			return fmt.Errorf("run is %s: %w", status, ErrRunFinal)
		}
		if st.Owner != "" && owner.String != st.Owner {
			return fmt.Errorf("lease held by %q, not %q: %w", owner.String, st.Owner, ErrLeaseLost)
		}
		res, err := tx.ExecContext(ctx, update, StepRunning, st.Attempt, []byte(st.Input),
			int64(st.StartDelay), st.DeadlineMissed, at, st.RunID, st.Index)
		if err != nil {
			return err
		}
		return expectOneRow(res)
	})
	if err != nil {
		return fmt.Errorf("start step %d of run %s: %w", st.Index, st.RunID, err)
	}
	return nil
}

// FinishStep records the outcome of a step attempt and applies u in one
// transaction, so the step and the run never disagree. f.Status is a final
// step status, or pending when the attempt failed and will be retried. A
// pending step keeps its error and gets no finish time. An empty u.RunID
// means f.RunID. A zero f.At means now.
func (s *Store) FinishStep(ctx context.Context, f StepFinish, u RunUpdate) error {
	switch f.Status {
	case StepSucceeded, StepFailed, StepSkipped, StepTimedOut, StepPending:
	default:
		return fmt.Errorf("finish step %d of run %s: invalid status %q", f.Index, f.RunID, f.Status)
	}
	if u.RunID == "" {
		u.RunID = f.RunID
	}
	if u.RunID != f.RunID {
		return fmt.Errorf("finish step %d of run %s: the run update is for run %s", f.Index, f.RunID, u.RunID)
	}
	finished := nanos(orNow(f.At))
	if f.Status == StepPending {
		finished = sql.NullInt64{}
	}
	const update = `UPDATE steps SET status = ?, output = ?, error = ?, finished_at = ? WHERE run_id = ? AND idx = ?`
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		if err := checkLeaseOwner(ctx, tx, f.RunID, f.Owner); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, update, f.Status, []byte(f.Output), f.Error, finished, f.RunID, f.Index)
		if err != nil {
			return err
		}
		if err := expectOneRow(res); err != nil {
			return err
		}
		return applyRunUpdate(ctx, tx, u)
	})
	if err != nil {
		return fmt.Errorf("finish step %d of run %s: %w", f.Index, f.RunID, err)
	}
	return nil
}

// checkLeaseOwner returns ErrLeaseLost when owner is set and does not hold
// the run's lease.
func checkLeaseOwner(ctx context.Context, tx *writeTx, runID, owner string) error {
	if owner == "" {
		return nil
	}
	var holder sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT lease_owner FROM runs WHERE id = ?`, runID).Scan(&holder); err != nil {
		return notFound(err)
	}
	if holder.String != owner {
		return fmt.Errorf("lease held by %q, not %q: %w", holder.String, owner, ErrLeaseLost)
	}
	return nil
}

// applyRunUpdate writes the non-zero fields of u and, unless u.KeepLease,
// releases the run's lease.
func applyRunUpdate(ctx context.Context, tx *writeTx, u RunUpdate) error {
	if u.RunID == "" {
		return errors.New("missing run id")
	}
	if u.Status != "" && !validRunStatus(u.Status) {
		return fmt.Errorf("invalid run status %q", u.Status)
	}
	var current RunStatus
	if err := tx.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, u.RunID).Scan(&current); err != nil {
		return notFound(err)
	}
	if u.Status != "" && u.Status != current && current.Final() {
		return fmt.Errorf("set status %s on run in status %s: %w", u.Status, current, ErrRunFinal)
	}

	var sets []string
	var args []any
	set := func(column string, value any) {
		sets = append(sets, column+" = ?")
		args = append(args, value)
	}
	if u.Status != "" {
		set("status", u.Status)
	}
	if u.Error != "" {
		set("error", u.Error)
	}
	if u.NextStep != nil {
		set("next_step", *u.NextStep)
	}
	if u.NotBefore != nil {
		set("not_before", u.NotBefore.UnixNano())
	}
	if u.StartedAt != nil {
		set("started_at", u.StartedAt.UnixNano())
	}
	if u.FinishedAt != nil {
		set("finished_at", u.FinishedAt.UnixNano())
	}
	if !u.KeepLease {
		sets = append(sets, "lease_owner = NULL", "lease_until = NULL")
	}
	if len(sets) == 0 {
		return nil
	}
	args = append(args, u.RunID)
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...); err != nil {
		return err
	}
	if u.Status.Final() && u.Status != current {
		return settleLeftovers(ctx, tx, u)
	}
	return nil
}

// settleLeftovers gives the steps and approval stages of a run that just
// finished a final state of their own: a step still running, or waiting to
// retry, failed with the run, and steps and stages never reached are
// skipped.
func settleLeftovers(ctx context.Context, tx *writeTx, u RunUpdate) error {
	at := time.Now().UnixNano()
	if u.FinishedAt != nil {
		at = u.FinishedAt.UnixNano()
	}
	msg := fmt.Sprintf("stopped: the run ended as %s while the step ran", u.Status)
	if _, err := tx.ExecContext(ctx, `UPDATE steps SET status = ?, error = ?, finished_at = ? WHERE run_id = ? AND status = ?`,
		StepFailed, msg, at, u.RunID, StepRunning); err != nil {
		return err
	}
	// A pending step with attempts was waiting to retry after a failure.
	if _, err := tx.ExecContext(ctx, `UPDATE steps SET status = CASE WHEN attempts > 0 THEN ? ELSE ? END
		WHERE run_id = ? AND status = ?`, StepFailed, StepSkipped, u.RunID, StepPending); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE gates SET status = ? WHERE run_id = ? AND status = ?`,
		GateSkipped, u.RunID, GatePending)
	return err
}

func validRunStatus(s RunStatus) bool {
	switch s {
	case RunPending, RunRunning, RunWaitingApproval, RunSucceeded, RunFailed, RunCancelled, RunTimedOut:
		return true
	}
	return false
}

// expectOneRow returns ErrNotFound when an update matched no row.
func expectOneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
