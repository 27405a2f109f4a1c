package engine

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/policycortex/policycortex/actions"
	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// executeStep runs step i of a run durably: the start of an attempt is
// committed before the action is called, and its outcome before the next
// step begins. It returns true when the run may go on to the next step.
func (e *Engine) executeStep(ctx context.Context, run *store.Run, scope *runScope, i int, log *slog.Logger) bool {
	step := scope.workflow.Steps[i]
	rec := run.Steps[i]
	log = log.With("step", step.Name)
	now := e.cfg.Now().UTC()

	ok, reason, err := conditionsHold(step, scope, now)
	if err != nil {
		return e.settleStep(ctx, run, scope, step, i, rec.Attempts, stepResult{Status: store.StepFailed, Err: err}, log)
	}
	if !ok {
		log.Info("step skipped", "reason", reason)
		return e.recordStep(ctx, run, scope, step, i, stepResult{Status: store.StepSkipped}, reason, log)
	}

	params, err := renderParameters(step, scope.vars(now))
	if err != nil {
		return e.settleStep(ctx, run, scope, step, i, rec.Attempts, stepResult{Status: store.StepFailed, Err: err}, log)
	}

	// A step found in flight was interrupted by a stop: retry that same
	// attempt, so the action receives the same idempotency key.
	attempt := rec.Attempts + 1
	if rec.Status == store.StepRunning && rec.Attempts > 0 {
		attempt = rec.Attempts
		log.Warn("resuming interrupted step attempt", "attempt", attempt)
	}
	timeout := step.Timeout
	if timeout <= 0 {
		timeout = e.cfg.StepTimeout
	}
	if !e.startStep(ctx, run, step, rec, i, attempt, params, now, timeout, log) {
		return false
	}

	call := &stepCall{step: step, scope: scope, attempt: attempt, timeout: timeout, invoke: scope.invoke, scripts: e.cfg.Scripts, now: e.cfg.Now}
	began := time.Now()
	stopRenewing := e.keepLease(ctx, run.ID, log)
	res := call.run(ctx, params)
	stopRenewing()
	e.cfg.Metrics.stepFinished(scope.workflow.Name, step.Name, res.Status, time.Since(began))
	if ctx.Err() != nil && res.Err == nil {
		// The action completed just as the run was cancelled or the engine
		// began to stop: record it, so it is not sent again on restart.
		e.recordStep(context.WithoutCancel(ctx), run, scope, step, i, res, "", log)
		return false
	}
	if ctx.Err() != nil {
		// The run was cancelled or the engine is stopping: a failure caused
		// by that is not the step's own and is not recorded.
		if errors.Is(context.Cause(ctx), errCancelled) {
			log.Info("step interrupted: run cancelled", "attempt", attempt)
		} else {
			log.Warn("step interrupted by shutdown; it resumes on restart", "attempt", attempt)
		}
		return false
	}
	return e.settleStep(ctx, run, scope, step, i, attempt, res, log)
}

// keepLease renews a run's lease every third of the lease period until the
// returned function is called, so a step that runs longer than the lease,
// or a clock that jumps, never lets another claim take the run.
func (e *Engine) keepLease(ctx context.Context, runID string, log *slog.Logger) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		ticker := time.NewTicker(max(e.cfg.Lease/3, time.Millisecond))
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-ticker.C:
				until := e.cfg.Now().UTC().Add(e.cfg.Lease)
				if err := e.cfg.Store.RenewLease(ctx, runID, e.cfg.Owner, until); err != nil && ctx.Err() == nil {
					log.Error("renew run lease during step", "error", err)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// startStep commits the start of an attempt, after renewing the run's lease
// for the attempt's timeout, and measures the step's start deadline.
func (e *Engine) startStep(ctx context.Context, run *store.Run, step *schema.Step, rec *store.Step, i, attempt int, params map[string]any, now time.Time, timeout time.Duration, log *slog.Logger) bool {
	if err := e.cfg.Store.RenewLease(ctx, run.ID, e.cfg.Owner, now.Add(timeout+e.cfg.Lease)); err != nil {
		log.Error("renew run lease", "error", err)
		return false
	}
	input, err := json.Marshal(params)
	if err != nil {
		log.Error("encode step input", "error", err)
		return false
	}
	st := store.StepStart{RunID: run.ID, Owner: e.cfg.Owner, Index: i, Attempt: attempt, Input: input, At: now}
	if rec.StartedAt == nil {
		st.StartDelay = now.Sub(run.CreatedAt)
		st.DeadlineMissed = step.MaxDelay > 0 && st.StartDelay > step.MaxDelay
		if st.DeadlineMissed {
			e.cfg.Metrics.deadlineMissed(run.Workflow, step.Name)
			log.Warn("step started after its max_delay", "max_delay", step.MaxDelay, "delay", st.StartDelay)
		}
	}
	if err := e.cfg.Store.StartStep(ctx, st); err != nil {
		logWriteFailure(log, "record step start", err)
		return false
	}
	log.Debug("step started", "attempt", attempt)
	return true
}

// settleStep records an attempt's outcome: success, a retry after backoff,
// or a failure that ends the run unless the step sets on_failure: continue.
func (e *Engine) settleStep(ctx context.Context, run *store.Run, scope *runScope, step *schema.Step, i, attempt int, res stepResult, log *slog.Logger) bool {
	if res.Err == nil {
		log.Info("step succeeded", "attempt", attempt)
		return e.recordStep(ctx, run, scope, step, i, res, "", log)
	}
	maxAttempts := max(step.Retry.MaxAttempts, 1)
	if res.Retryable && attempt < maxAttempts {
		delay := max(backoff(step.Retry, attempt), actions.RetryAfter(res.Err))
		notBefore := e.cfg.Now().UTC().Add(delay)
		f := store.StepFinish{RunID: run.ID, Owner: e.cfg.Owner, Index: i, Status: store.StepPending, Error: res.Err.Error(), At: e.cfg.Now().UTC()}
		u := store.RunUpdate{RunID: run.ID, NotBefore: &notBefore}
		if err := e.cfg.Store.FinishStep(ctx, f, u); err != nil {
			logWriteFailure(log, "record step retry", err)
			return false
		}
		log.Warn("step attempt failed; retrying", "attempt", attempt, "max_attempts", maxAttempts, "delay", delay, "error", res.Err)
		// Wake the claim loop when the backoff ends rather than at its next
		// poll, so short backoffs are kept.
		time.AfterFunc(delay, e.notify)
		return false
	}
	log.Warn("step failed", "attempt", attempt, "status", res.Status, "error", res.Err)
	if step.OnFailure == schema.OnFailureContinue {
		return e.recordStep(ctx, run, scope, step, i, res, res.Err.Error(), log)
	}

	now := e.cfg.Now().UTC()
	runStatus := store.RunFailed
	if res.Status == store.StepTimedOut {
		runStatus = store.RunTimedOut
	}
	f := store.StepFinish{RunID: run.ID, Owner: e.cfg.Owner, Index: i, Status: res.Status, Error: res.Err.Error(), At: now}
	u := store.RunUpdate{RunID: run.ID, Status: runStatus, Error: res.Err.Error(), FinishedAt: &now}
	if err := e.cfg.Store.FinishStep(ctx, f, u); err != nil {
		logWriteFailure(log, "record step failure", err)
		return false
	}
	e.cfg.Metrics.runFinished(run.Workflow, runStatus)
	log.Info("run finished", "status", runStatus, "error", res.Err)
	return false
}

// recordStep commits a step's final state and moves the run to the next
// step, keeping the lease.
func (e *Engine) recordStep(ctx context.Context, run *store.Run, scope *runScope, step *schema.Step, i int, res stepResult, msg string, log *slog.Logger) bool {
	out, raw, err := roundTrip(res.Output)
	if err != nil {
		log.Error("encode step output", "error", err)
		return false
	}
	next := i + 1
	f := store.StepFinish{RunID: run.ID, Owner: e.cfg.Owner, Index: i, Status: res.Status, Output: raw, Error: msg, At: e.cfg.Now().UTC()}
	u := store.RunUpdate{RunID: run.ID, NextStep: &next, KeepLease: true}
	if err := e.cfg.Store.FinishStep(ctx, f, u); err != nil {
		logWriteFailure(log, "record step outcome", err)
		return false
	}
	run.NextStep = next
	scope.setStep(step.Name, string(res.Status), out)
	return true
}

// logWriteFailure logs a step write that failed. Losing the run to a
// cancellation or to another engine's claim is expected and logged at info
// level; anything else is an error.
func logWriteFailure(log *slog.Logger, operation string, err error) {
	if errors.Is(err, store.ErrRunFinal) || errors.Is(err, store.ErrLeaseLost) {
		log.Info(operation+" skipped: the run was cancelled or is no longer held by this engine", "error", err)
		return
	}
	log.Error(operation, "error", err)
}
