package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// Schedule events are ordinary stored events, so a firing is idempotent on
// (source, id) like any other event: the id is the workflow name and the
// scheduled time.
const (
	ScheduleSource    = "policycortex/schedule"
	ScheduleEventType = "policycortex.schedule.fired"
)

// scheduleKey identifies a schedule's timing; a change re-plans the next
// firing from now.
func scheduleKey(s *schema.Schedule) string {
	loc := "UTC"
	if s.Location != nil {
		loc = s.Location.String()
	}
	return s.Spec + " " + loc
}

// syncSchedules stores a next firing time for each newly scheduled workflow
// and drops schedules of workflows that are gone. A schedule whose spec did
// not change keeps its stored next firing.
func (e *Engine) syncSchedules(ctx context.Context, set *activeSet) error {
	e.scheduleMu.Lock()
	defer e.scheduleMu.Unlock()
	states, err := e.cfg.Store.Schedules(ctx)
	if err != nil {
		return fmt.Errorf("list schedules: %w", err)
	}
	stored := make(map[string]store.ScheduleState, len(states))
	for _, st := range states {
		stored[st.Workflow] = st
	}
	now := e.cfg.Now().UTC()
	for _, wf := range set.repo.Workflows {
		sched := wf.Trigger.Schedule
		if sched == nil {
			continue
		}
		key := scheduleKey(sched)
		old, ok := stored[wf.Name]
		delete(stored, wf.Name)
		if ok && old.Spec == key {
			continue
		}
		st := store.ScheduleState{Workflow: wf.Name, Spec: key, NextAt: sched.Next(now).UTC()}
		if err := e.cfg.Store.SetSchedule(ctx, st); err != nil {
			return fmt.Errorf("store schedule of %s: %w", wf.Name, err)
		}
		e.log.Info("schedule planned", "workflow", wf.Name, "schedule", key, "next", st.NextAt)
	}
	for name := range stored {
		if err := e.cfg.Store.DeleteSchedule(ctx, name); err != nil {
			return fmt.Errorf("delete schedule of %s: %w", name, err)
		}
		e.log.Info("schedule removed", "workflow", name)
	}
	return nil
}

// runScheduler fires due schedules every poll interval until ctx ends.
func (e *Engine) runScheduler(ctx context.Context) {
	ticker := time.NewTicker(e.cfg.PollInterval)
	defer ticker.Stop()
	for {
		if err := e.FireDueSchedules(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("fire schedules", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// FireDueSchedules starts one run of each scheduled workflow whose next
// firing time has passed. After downtime that spans several firings, it
// starts a single catch-up run and plans the next firing after now.
func (e *Engine) FireDueSchedules(ctx context.Context) error {
	e.scheduleMu.Lock()
	defer e.scheduleMu.Unlock()
	set := e.active.Load()
	if set == nil {
		return nil
	}
	states, err := e.cfg.Store.Schedules(ctx)
	if err != nil {
		return fmt.Errorf("list schedules: %w", err)
	}
	now := e.cfg.Now().UTC()
	for _, st := range states {
		if st.NextAt.After(now) {
			continue
		}
		wf := set.repo.Workflow(st.Workflow)
		if wf == nil || wf.Trigger.Schedule == nil {
			continue
		}
		if err := e.fire(ctx, set, wf, st, now); err != nil {
			return err
		}
	}
	return nil
}

// fire records one schedule firing, its event and its run in one transaction.
func (e *Engine) fire(ctx context.Context, set *activeSet, wf *schema.Workflow, st store.ScheduleState, now time.Time) error {
	scheduled := st.NextAt
	body, err := json.Marshal(map[string]any{
		"specversion": "1.0",
		"id":          wf.Name + "/" + scheduled.Format(time.RFC3339),
		"source":      ScheduleSource,
		"type":        ScheduleEventType,
		"time":        now.Format(time.RFC3339Nano),
		"data": map[string]any{
			"workflow":       wf.Name,
			"scheduled_time": scheduled.Format(time.RFC3339),
		},
	})
	if err != nil {
		return fmt.Errorf("encode schedule event of %s: %w", wf.Name, err)
	}
	ev, err := ParseEvent(body)
	if err != nil {
		return fmt.Errorf("build schedule event of %s: %w", wf.Name, err)
	}
	next := wf.Trigger.Schedule.Next(now).UTC()
	state := store.ScheduleState{Workflow: wf.Name, Spec: st.Spec, NextAt: next, LastAt: &scheduled}
	res, err := e.cfg.Store.FireSchedule(ctx, state, storeEvent(ev, now), []store.NewRun{newRun(set.id, wf, now)})
	if err != nil {
		return fmt.Errorf("fire schedule of %s at %s: %w", wf.Name, scheduled.Format(time.RFC3339), err)
	}
	e.log.Info("schedule fired", "workflow", wf.Name, "scheduled", scheduled, "next", next,
		"late", now.Sub(scheduled).Round(time.Second), "duplicate", res.Duplicate, "runs", res.RunIDs)
	if !res.Duplicate {
		e.cfg.Metrics.runsCreated(len(res.RunIDs))
		e.notify()
	}
	return nil
}
