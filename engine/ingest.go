package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// ErrNoActiveSet is returned by Submit before any policy commit has been
// activated. The event is not stored, so the sender can retry it later
// without it being taken for a duplicate.
var ErrNoActiveSet = errors.New("no policy commit is active yet")

// SubmitResult reports what an accepted event started.
type SubmitResult struct {
	Seq       int64    `json:"seq"`
	Duplicate bool     `json:"duplicate"`
	RunIDs    []string `json:"runs"`
}

// Submit parses a CloudEvent, starts a run of every active workflow whose
// trigger matches it, and returns once the event and its runs are durable.
// Submitting the same (source, id) again starts nothing and returns the
// original result.
func (e *Engine) Submit(ctx context.Context, raw []byte) (SubmitResult, error) {
	ev, err := ParseEvent(raw)
	if err != nil {
		return SubmitResult{}, err
	}
	set := e.active.Load()
	if set == nil {
		return SubmitResult{}, ErrNoActiveSet
	}
	now := e.cfg.Now().UTC()
	runs := matchingRuns(set, ev, now)
	res, err := e.cfg.Store.IngestEvent(ctx, storeEvent(ev, now), runs)
	if err != nil {
		return SubmitResult{}, fmt.Errorf("ingest event %s from %s: %w", ev.ID, ev.Source, err)
	}
	e.cfg.Metrics.eventIngested(res.Duplicate)
	if !res.Duplicate {
		e.cfg.Metrics.runsCreated(len(res.RunIDs))
		for _, r := range runs {
			e.log.Info("run created", "run", r.ID, "workflow", r.Workflow, "event", ev.ID, "source", ev.Source)
		}
		e.notify()
	}
	return SubmitResult{Seq: res.Seq, Duplicate: res.Duplicate, RunIDs: res.RunIDs}, nil
}

// matchingRuns builds a new run for each workflow triggered by the event.
func matchingRuns(set *activeSet, ev *Event, now time.Time) []store.NewRun {
	candidates := set.byType[ev.Type]
	if ev.Type == ScheduleEventType {
		candidates = append(slices.Clone(candidates), set.scheduled...)
		slices.SortFunc(candidates, func(a, b *schema.Workflow) int { return strings.Compare(a.Name, b.Name) })
		candidates = slices.Compact(candidates)
	}
	var runs []store.NewRun
	for _, wf := range candidates {
		if ok, _ := triggerMatches(wf, ev); ok {
			runs = append(runs, newRun(set.id, wf, now))
		}
	}
	return runs
}

// newRun prepares a pending run of a workflow with its step rows. Run ids are
// UUIDv7, so they sort by creation time.
func newRun(snapshotID int64, wf *schema.Workflow, now time.Time) store.NewRun {
	steps := make([]string, len(wf.Steps))
	for i, s := range wf.Steps {
		steps[i] = s.Name
	}
	return store.NewRun{
		ID:         uuid.Must(uuid.NewV7()).String(),
		Workflow:   wf.Name,
		SnapshotID: snapshotID,
		Steps:      steps,
		CreatedAt:  now,
	}
}
