package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/policycortex/policycortex/actions"
	"github.com/policycortex/policycortex/store"
)

// ShutdownGrace is how long Run waits for in-flight steps after its context
// ends before cancelling them. A cancelled step is left in flight in the
// store and retried with the same idempotency key on the next start.
const ShutdownGrace = 10 * time.Second

// Run executes runnable runs, expires approval gates and fires schedules
// until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	if err := e.cfg.Store.ReleaseLeases(ctx, e.cfg.Owner); err != nil {
		return fmt.Errorf("release leases of %s: %w", e.cfg.Owner, err)
	}
	execCtx, cancelExec := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelExec()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.runScheduler(ctx)
	}()

	slots := make(chan struct{}, e.cfg.Workers)
	ticker := time.NewTicker(e.cfg.PollInterval)
	defer ticker.Stop()
	e.log.Info("engine started", "owner", e.cfg.Owner, "workers", e.cfg.Workers)
	for {
		e.claimAndStart(ctx, execCtx, slots, &wg)
		select {
		case <-ctx.Done():
			e.stopping.Store(true)
			e.drain(&wg, cancelExec)
			e.log.Info("engine stopped", "owner", e.cfg.Owner)
			return nil
		case <-e.wake:
		case <-ticker.C:
			e.expireGates(ctx)
		}
	}
}

// drain waits for in-flight runs, cancelling them after ShutdownGrace.
func (e *Engine) drain(wg *sync.WaitGroup, cancel context.CancelFunc) {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(ShutdownGrace):
		e.log.Warn("cancelling in-flight steps at shutdown", "grace", ShutdownGrace)
		cancel()
		<-done
	}
}

// claimAndStart claims as many runs as there are free workers and starts
// them. It loops while claims fill every free worker, since more may wait.
func (e *Engine) claimAndStart(ctx, execCtx context.Context, slots chan struct{}, wg *sync.WaitGroup) {
	for ctx.Err() == nil {
		free := cap(slots) - len(slots)
		if free == 0 {
			return
		}
		runs, err := e.cfg.Store.ClaimRuns(ctx, e.cfg.Owner, e.cfg.Now().UTC(), e.cfg.Lease, free)
		if err != nil {
			if ctx.Err() == nil {
				e.log.Error("claim runs", "owner", e.cfg.Owner, "error", err)
			}
			return
		}
		for _, run := range runs {
			// A run this process already executes can be claimed again
			// only if its lease lapsed; a second executor would repeat
			// its step.
			if e.executing(run.ID) {
				continue
			}
			slots <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.execute(execCtx, run)
				<-slots
				e.notify()
			}()
		}
		if len(runs) < free {
			return
		}
	}
}

// execute drives one claimed run as far as it can go now: through the
// approval gate and the steps, until it finishes, waits or backs off.
func (e *Engine) execute(ctx context.Context, run *store.Run) {
	ctx, untrack := e.track(ctx, run.ID)
	defer untrack()
	log := e.log.With("run", run.ID, "workflow", run.Workflow)
	scope, wfErr := e.loadScope(ctx, run)
	if wfErr != nil {
		if ctx.Err() != nil {
			return
		}
		log.Error("run cannot start", "error", wfErr)
		e.finishRun(ctx, run, store.RunFailed, wfErr.Error(), log)
		return
	}
	log = log.With("commit", scope.commit)
	if run.Status == store.RunPending {
		if !e.enterRun(ctx, run, scope, log) {
			return
		}
	}
	for i := run.NextStep; i < len(scope.workflow.Steps); i++ {
		if ctx.Err() != nil {
			return
		}
		if e.stopping.Load() {
			e.releaseAtStop(ctx, run, log)
			return
		}
		if !e.executeStep(ctx, run, scope, i, log) {
			return
		}
	}
	e.finishRun(ctx, run, store.RunSucceeded, "", log)
}

// loadScope rebuilds a run's expression scope from its pinned snapshot, its
// event and the outputs of its finished steps.
func (e *Engine) loadScope(ctx context.Context, run *store.Run) (*runScope, error) {
	set, err := e.snapshot(ctx, run.SnapshotID)
	if err != nil {
		return nil, err
	}
	wf := set.repo.Workflow(run.Workflow)
	if wf == nil {
		return nil, fmt.Errorf("workflow %s not found in snapshot %d", run.Workflow, run.SnapshotID)
	}
	rec, err := e.cfg.Store.GetEvent(ctx, run.EventSeq)
	if err != nil {
		return nil, fmt.Errorf("load event %d: %w", run.EventSeq, err)
	}
	ev, err := ParseEvent(rec.Body)
	if err != nil {
		return nil, fmt.Errorf("parse stored event %d: %w", run.EventSeq, err)
	}
	started := run.CreatedAt
	if run.StartedAt != nil {
		started = *run.StartedAt
	}
	scope := newRunScope(set, wf, ev, run.ID, started)
	for _, st := range run.Steps {
		if st.Index >= run.NextStep {
			break
		}
		out, err := decodeJSON(st.Output)
		if err != nil {
			return nil, fmt.Errorf("decode output of step %s: %w", st.Name, err)
		}
		scope.setStep(st.Name, string(st.Status), out)
	}
	return scope, nil
}

// enterRun moves a pending run to running, or parks it at its approval gate.
// It returns false when the run must not go on now.
func (e *Engine) enterRun(ctx context.Context, run *store.Run, scope *runScope, log *slog.Logger) bool {
	now := e.cfg.Now().UTC()
	gates, err := gateStages(scope, now, e.cfg.ApprovalTimeout)
	if err != nil {
		log.Error("evaluate approval gate", "error", err)
		e.finishRun(ctx, run, store.RunFailed, err.Error(), log)
		return false
	}
	if pendingGates(gates) {
		u := store.RunUpdate{RunID: run.ID, Status: store.RunWaitingApproval, StartedAt: &now}
		if err := e.cfg.Store.OpenGates(ctx, run.ID, gates, u); err != nil {
			log.Error("open approval gate", "error", err)
			return false
		}
		log.Info("run waiting for approval", "stages", len(gates))
		return false
	}
	u := store.RunUpdate{RunID: run.ID, Status: store.RunRunning, StartedAt: &now, KeepLease: true}
	if len(gates) > 0 {
		if err := e.cfg.Store.OpenGates(ctx, run.ID, gates, u); err != nil {
			log.Error("record skipped approval stages", "error", err)
			return false
		}
	} else if err := e.cfg.Store.UpdateRun(ctx, u); err != nil {
		log.Error("start run", "error", err)
		return false
	}
	run.Status = store.RunRunning
	log.Info("run started")
	return true
}

// releaseAtStop frees the lease of a run left between steps at shutdown, so
// that any engine can take it up at once.
func (e *Engine) releaseAtStop(ctx context.Context, run *store.Run, log *slog.Logger) {
	if err := e.cfg.Store.UpdateRun(ctx, store.RunUpdate{RunID: run.ID}); err != nil {
		log.Error("release run lease at shutdown", "error", err)
		return
	}
	log.Info("run paused by shutdown; it resumes on restart", "next_step", run.NextStep)
}

// finishRun records a final run state.
func (e *Engine) finishRun(ctx context.Context, run *store.Run, status store.RunStatus, msg string, log *slog.Logger) {
	now := e.cfg.Now().UTC()
	u := store.RunUpdate{RunID: run.ID, Status: status, Error: msg, FinishedAt: &now}
	err := e.cfg.Store.UpdateRun(ctx, u)
	switch {
	case errors.Is(err, store.ErrRunFinal):
		log.Info("run already finished, probably cancelled", "status", status)
		return
	case err != nil:
		log.Error("finish run", "status", status, "error", err)
		return
	}
	e.cfg.Metrics.runFinished(run.Workflow, status)
	log.Info("run finished", "status", status, "error", msg)
}

// invoke sends a real action request through the run's catalog.
func (s *runScope) invoke(ctx context.Context, name string, inv actions.Invocation) (any, error) {
	action, err := s.catalog.Lookup(name)
	if err != nil {
		return nil, err
	}
	return action.Execute(ctx, inv)
}
