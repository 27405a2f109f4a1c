package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrLeaseLost is returned by RenewLease when another owner holds the run's
// lease or the lease was released.
var ErrLeaseLost = errors.New("lease not held")

// maxClaim caps ClaimRuns' limit so the IN lists stay far below SQLite's
// bound-parameter limit.
const maxClaim = 1000

// ClaimRuns leases up to limit runnable runs to owner until now+lease and
// returns them oldest first with their steps and approval stages. A run is
// runnable when its status is pending or running, its not_before is at or
// before now, and its lease is free or expired at now. Claiming does not
// change a run's status.
func (s *Store) ClaimRuns(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*Run, error) {
	switch {
	case owner == "":
		return nil, errors.New("claim runs: missing owner")
	case lease <= 0:
		return nil, fmt.Errorf("claim runs for %s: invalid lease %s: must be positive", owner, lease)
	case limit <= 0:
		return nil, fmt.Errorf("claim runs for %s: invalid limit %d: must be positive", owner, limit)
	}
	limit = min(limit, maxClaim)
	nowNanos := now.UnixNano()
	until := now.Add(lease).UnixNano()

	var runs []*Run
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		ids, err := runnableIDs(ctx, tx, nowNanos, limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		args := append([]any{owner, until}, stringArgs(ids)...)
		_, err = tx.ExecContext(ctx, `UPDATE runs SET lease_owner = ?, lease_until = ?
			WHERE id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return fmt.Errorf("set leases: %w", err)
		}
		runs, err = queryRuns(ctx, tx, runSelect+` WHERE r.id IN (`+placeholders(len(ids))+`)
			ORDER BY r.created_at, r.rowid`, stringArgs(ids)...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim runs for %s: %w", owner, err)
	}
	return runs, nil
}

// runnableIDs selects the oldest runnable runs. The statuses are literals
// because SQLite uses the partial index runs_runnable only when the query
// repeats its WHERE clause; INDEXED BY makes the query fail rather than
// silently sort the whole backlog if the index cannot be used. A PostgreSQL
// backend would add FOR UPDATE SKIP LOCKED here, which SQLite does not need
// because the writer goroutine runs one claim at a time.
func runnableIDs(ctx context.Context, q querier, now int64, limit int) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM runs INDEXED BY runs_runnable
		WHERE status IN ('pending', 'running') AND not_before <= ? AND (lease_until IS NULL OR lease_until <= ?)
		ORDER BY created_at, rowid LIMIT ?`, now, now, limit)
	if err != nil {
		return nil, fmt.Errorf("select runnable runs: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("select runnable runs: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ReleaseLeases frees every lease held by owner, expired or not. A node
// calls it at startup so the runs it held before a restart are claimable at
// once instead of after their leases expire.
func (s *Store) ReleaseLeases(ctx context.Context, owner string) error {
	if owner == "" {
		return errors.New("release leases: missing owner")
	}
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		_, err := tx.ExecContext(ctx, `UPDATE runs SET lease_owner = NULL, lease_until = NULL
			WHERE lease_owner = ?`, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("release leases of %s: %w", owner, err)
	}
	return nil
}

// RenewLease moves the end of owner's lease on a run to until. It returns
// ErrNotFound for an unknown run and ErrLeaseLost when owner does not hold
// the lease. An expired lease that no other owner has claimed yet is renewed.
func (s *Store) RenewLease(ctx context.Context, runID, owner string, until time.Time) error {
	if owner == "" || until.IsZero() {
		return fmt.Errorf("renew lease of run %s: missing owner or end time", runID)
	}
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET lease_until = ? WHERE id = ? AND lease_owner = ?`,
			until.UnixNano(), runID, owner)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		if err := runExists(ctx, tx, runID); err != nil {
			return err
		}
		return ErrLeaseLost
	})
	if err != nil {
		return fmt.Errorf("renew lease of run %s for %s: %w", runID, owner, err)
	}
	return nil
}

func runExists(ctx context.Context, q querier, id string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE id = ?`, id).Scan(&one)
	return notFound(err)
}
