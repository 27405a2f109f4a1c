package store

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestFireScheduleIdempotentOnEventID(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	first := ScheduleState{Workflow: "report", Spec: "cron(0 9 * * MON)", NextAt: baseTime}
	if err := s.SetSchedule(ctx, first); err != nil {
		t.Fatalf("SetSchedule: %v", err)
	}

	fired := ScheduleState{Workflow: "report", Spec: first.Spec, NextAt: baseTime.Add(7 * 24 * time.Hour), LastAt: ptr(baseTime)}
	ev := testEvent("policycortex/schedule", "report@2030-01-02T09:00:00Z")
	res, err := s.FireSchedule(ctx, fired, ev, []NewRun{testRun("r1", "report", 0, 0, "collect")})
	if err != nil {
		t.Fatalf("FireSchedule: %v", err)
	}
	if res.Duplicate || !reflect.DeepEqual(res.RunIDs, []string{"r1"}) {
		t.Errorf("first firing = %+v, want new event with run r1", res)
	}

	// A retry of the same firing, as after a crash, with a later NextAt.
	retried := fired
	retried.NextAt = baseTime.Add(14 * 24 * time.Hour)
	again, err := s.FireSchedule(ctx, retried, ev, []NewRun{testRun("r2", "report", 0, 0, "collect")})
	if err != nil {
		t.Fatalf("FireSchedule retry: %v", err)
	}
	if !again.Duplicate || again.Seq != res.Seq || !reflect.DeepEqual(again.RunIDs, []string{"r1"}) {
		t.Errorf("retried firing = %+v, want duplicate of seq %d with run r1", again, res.Seq)
	}
	if got := countRows(t, s, "runs"); got != 1 {
		t.Errorf("runs = %d, want 1", got)
	}

	list, err := s.Schedules(ctx)
	if err != nil {
		t.Fatalf("Schedules: %v", err)
	}
	if len(list) != 1 {
		t.Fatalf("schedules = %+v, want one", list)
	}
	if !list[0].NextAt.Equal(retried.NextAt) || list[0].LastAt == nil || !list[0].LastAt.Equal(baseTime) {
		t.Errorf("schedule = %+v, want NextAt %v and LastAt %v", list[0], retried.NextAt, baseTime)
	}
}

func TestSetAndDeleteSchedule(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	for _, st := range []ScheduleState{
		{Workflow: "scan", Spec: "rate(5 minutes)", NextAt: baseTime},
		{Workflow: "audit", Spec: "0 9 * * *", NextAt: baseTime},
		{Workflow: "scan", Spec: "rate(10 minutes)", NextAt: baseTime.Add(time.Minute)},
	} {
		if err := s.SetSchedule(ctx, st); err != nil {
			t.Fatalf("SetSchedule(%s): %v", st.Workflow, err)
		}
	}
	list, err := s.Schedules(ctx)
	if err != nil {
		t.Fatalf("Schedules: %v", err)
	}
	want := []ScheduleState{
		{Workflow: "audit", Spec: "0 9 * * *", NextAt: baseTime},
		{Workflow: "scan", Spec: "rate(10 minutes)", NextAt: baseTime.Add(time.Minute)},
	}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("schedules = %+v, want %+v", list, want)
	}

	if err := s.DeleteSchedule(ctx, "scan"); err != nil {
		t.Fatalf("DeleteSchedule: %v", err)
	}
	if err := s.DeleteSchedule(ctx, "scan"); err != nil {
		t.Errorf("DeleteSchedule of a deleted schedule: %v", err)
	}
	if list, _ := s.Schedules(ctx); len(list) != 1 || list[0].Workflow != "audit" {
		t.Errorf("schedules after delete = %+v, want only audit", list)
	}
	if err := s.SetSchedule(ctx, ScheduleState{Workflow: "scan"}); err == nil {
		t.Error("SetSchedule without spec: got nil error")
	}
}
