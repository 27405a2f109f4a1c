package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// ErrClosed is returned by writes submitted after Close.
var ErrClosed = errors.New("store closed")

// txFunc is the body of one write request. It runs on the writer goroutine
// inside its own savepoint of the batch transaction.
type txFunc func(ctx context.Context, tx *writeTx) error

// writeRequest is one caller's write waiting for the writer goroutine.
type writeRequest struct {
	// ctx is the caller's context. It is checked before the request runs but
	// never passed to statements (see commitBatch).
	ctx  context.Context
	fn   txFunc
	done chan error
}

// writerStats counts committed batches and the requests they carried.
type writerStats struct {
	batches  atomic.Int64
	requests atomic.Int64
}

// write runs fn on the writer goroutine and returns once the transaction
// holding it is committed, or with fn's error after its savepoint was rolled
// back. If ctx ends first, write returns ctx.Err() and the request may still
// be committed later.
func (s *Store) write(ctx context.Context, fn txFunc) error {
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	if err := s.enqueue(ctx, req); err != nil {
		return err
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) enqueue(ctx context.Context, req *writeRequest) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	select {
	case s.requests <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runWriter commits queued requests until Close closes the channel, which
// ends the loop only after every request already queued has been handled.
func (s *Store) runWriter() {
	defer close(s.writerDone)
	batch := make([]*writeRequest, 0, s.maxBatch)
	for first := range s.requests {
		batch = append(batch[:0], first)
		batch = s.drainQueue(batch)
		s.commitBatch(batch)
		clear(batch)
	}
}

// drainQueue appends the requests already queued, without waiting, until the
// batch holds maxBatch requests.
func (s *Store) drainQueue(batch []*writeRequest) []*writeRequest {
	for len(batch) < s.maxBatch {
		select {
		case req, ok := <-s.requests:
			if !ok {
				return batch
			}
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

// commitBatch runs every request of a batch in its own savepoint of one
// transaction, commits once and then replies to each caller. A request that
// fails rolls back to its savepoint and gets its own error while the others
// still commit.
//
// Statements run with a background context: a cancelled context interrupts
// SQLite (sqlite3_interrupt), and an interrupted write inside an explicit
// transaction rolls back the whole transaction, which would undo the other
// callers' requests too.
func (s *Store) commitBatch(batch []*writeRequest) {
	ctx := context.Background()
	errs := make([]error, len(batch))

	tx, err := s.writeDB.BeginTx(ctx, nil)
	if err != nil {
		s.failBatch(batch, errs, fmt.Errorf("begin write transaction: %w", err))
		return
	}
	defer s.stmts.prepareMissed(ctx)
	wtx := &writeTx{tx: tx, cache: s.stmts}
	for i, req := range batch {
		reqErr, fatal := runInSavepoint(ctx, wtx, req)
		if fatal != nil {
			tx.Rollback() //nolint:errcheck // the transaction is already unusable
			s.failBatch(batch, errs, fatal)
			return
		}
		errs[i] = reqErr
	}
	if err := tx.Commit(); err != nil {
		s.failBatch(batch, errs, fmt.Errorf("commit write transaction: %w", err))
		return
	}

	s.stats.batches.Add(1)
	s.stats.requests.Add(int64(len(batch)))
	for i, req := range batch {
		req.done <- errs[i]
	}
}

// runInSavepoint returns the request's own error, or a fatal error when the
// transaction itself can no longer be used.
func runInSavepoint(ctx context.Context, tx *writeTx, req *writeRequest) (reqErr, fatal error) {
	if err := req.ctx.Err(); err != nil {
		return err, nil
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT request"); err != nil {
		return nil, fmt.Errorf("open savepoint: %w", err)
	}
	if err := req.fn(ctx, tx); err != nil {
		if _, rbErr := tx.ExecContext(ctx, "ROLLBACK TO request"); rbErr != nil {
			return nil, fmt.Errorf("roll back savepoint after %v: %w", err, rbErr)
		}
		if _, relErr := tx.ExecContext(ctx, "RELEASE request"); relErr != nil {
			return nil, fmt.Errorf("release savepoint: %w", relErr)
		}
		return err, nil
	}
	if _, err := tx.ExecContext(ctx, "RELEASE request"); err != nil {
		return nil, fmt.Errorf("release savepoint: %w", err)
	}
	return nil, nil
}

// failBatch replies to every request after the batch transaction failed.
// Requests that had already failed on their own keep that error, because
// nothing of theirs was written either way.
func (s *Store) failBatch(batch []*writeRequest, errs []error, err error) {
	s.log.Error("write batch failed; nothing in it was committed", "requests", len(batch), "error", err)
	for i, req := range batch {
		if errs[i] != nil {
			req.done <- errs[i]
			continue
		}
		req.done <- err
	}
}
