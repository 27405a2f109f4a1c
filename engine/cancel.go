package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/policycortex/policycortex/store"
)

// ErrRunFinished is returned by Cancel for a run that already finished.
var ErrRunFinished = errors.New("run already finished")

// errCancelled is the cause of a run context cancelled by Cancel.
var errCancelled = errors.New("run cancelled")

// Cancel ends a run that has not finished: it is recorded as cancelled at
// once, a step in flight in this process has its context cancelled, and no
// further step starts. It returns store.ErrNotFound for an unknown run.
func (e *Engine) Cancel(ctx context.Context, runID, reason string) error {
	run, err := e.cfg.Store.GetRun(ctx, runID)
	if err != nil {
		return fmt.Errorf("cancel run %s: %w", runID, err)
	}
	if run.Status.Final() {
		return fmt.Errorf("cancel run %s: %w (status %s)", runID, ErrRunFinished, run.Status)
	}
	now := e.cfg.Now().UTC()
	msg := "cancelled"
	if reason != "" {
		msg = "cancelled: " + reason
	}
	u := store.RunUpdate{RunID: runID, Status: store.RunCancelled, Error: msg, FinishedAt: &now}
	if err := e.cfg.Store.UpdateRun(ctx, u); err != nil {
		if errors.Is(err, store.ErrRunFinal) {
			return fmt.Errorf("cancel run %s: %w", runID, ErrRunFinished)
		}
		return fmt.Errorf("cancel run %s: %w", runID, err)
	}

	e.mu.Lock()
	stop := e.inFlight[runID]
	e.mu.Unlock()
	if stop != nil {
		stop(errCancelled)
	}
	e.log.Info("run cancelled", "run", runID, "reason", reason)
	return nil
}

// track registers a run executing in this process so Cancel can stop it, and
// returns the run's context and a function that unregisters it.
func (e *Engine) track(ctx context.Context, runID string) (context.Context, func()) {
	runCtx, cancel := context.WithCancelCause(ctx)
	e.mu.Lock()
	e.inFlight[runID] = cancel
	e.mu.Unlock()
	return runCtx, func() {
		e.mu.Lock()
		delete(e.inFlight, runID)
		e.mu.Unlock()
		cancel(nil)
	}
}

// executing reports whether this process is executing the run.
func (e *Engine) executing(runID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.inFlight[runID]
	return ok
}
