package main

import (
	"testing"
	"time"

	"github.com/policycortex/policycortex/store"
)

func TestParseTimeRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"last-30-days", 30 * 24 * time.Hour, false},
		{"last-7-days", 7 * 24 * time.Hour, false},
		{"last-24-hours", 24 * time.Hour, false},
		{"last-1-day", 24 * time.Hour, false},
		{"14d", 14 * 24 * time.Hour, false},
		{"6h", 6 * time.Hour, false},
		{"0h", 0, true},
		{"last-0-days", 0, true},
		{"30", 0, true},
		{"last-week", 0, true},
		{"-3d", 0, true},
		{"99999999999999999999d", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseTimeRange(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseTimeRange(%q) error = %v, want error %t", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseTimeRange(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestSummarizeDurations(t *testing.T) {
	t.Parallel()
	if s := summarizeDurations(nil); s != nil {
		t.Errorf("summary of nothing = %+v, want nil", s)
	}
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := summarizeDurations(ds)
	want := durationStats{Count: 100, P50: 50, P95: 95, Max: 100}
	if *got != want {
		t.Errorf("summary = %+v, want %+v", *got, want)
	}
	one := summarizeDurations([]time.Duration{1500 * time.Microsecond})
	if one.P50 != 1.5 || one.P95 != 1.5 || one.Max != 1.5 {
		t.Errorf("summary of one = %+v, want 1.5 ms everywhere", *one)
	}
}

func TestBuildMetrics(t *testing.T) {
	t.Parallel()
	created := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time {
		t := created.Add(d)
		return &t
	}
	runs := []*store.Run{
		{Status: store.RunSucceeded, CreatedAt: created, FinishedAt: at(2 * time.Second), Steps: []*store.Step{
			{Index: 0, Name: "scan", Status: store.StepSucceeded, Attempts: 1, StartedAt: at(0), FinishedAt: at(time.Second), StartDelay: 0},
			{Index: 1, Name: "notify", Status: store.StepSucceeded, Attempts: 3, StartedAt: at(time.Second), FinishedAt: at(2 * time.Second), StartDelay: time.Second},
		}},
		{Status: store.RunFailed, CreatedAt: created, FinishedAt: at(4 * time.Second), Steps: []*store.Step{
			{Index: 0, Name: "scan", Status: store.StepFailed, Attempts: 1, StartedAt: at(0), FinishedAt: at(4 * time.Second), DeadlineMissed: true},
			{Index: 1, Name: "notify", Status: store.StepPending},
		}},
		{Status: store.RunRunning, CreatedAt: created, Steps: []*store.Step{
			{Index: 0, Name: "scan", Status: store.StepRunning, Attempts: 1, StartedAt: at(0)},
			{Index: 1, Name: "notify", Status: store.StepPending},
		}},
	}

	report := buildMetrics(metricsOptions{workflow: "w", timeRange: "7d", stepTiming: true}, created, runs)
	if report.Runs != 3 {
		t.Errorf("runs = %d, want 3", report.Runs)
	}
	if report.Finished != 2 {
		t.Errorf("finished = %d, want 2", report.Finished)
	}
	if report.SuccessRate == nil || *report.SuccessRate != 0.5 {
		t.Errorf("success rate = %v, want 0.5", report.SuccessRate)
	}
	if report.Duration == nil || report.Duration.Count != 2 || report.Duration.Max != 4000 || report.Duration.P50 != 2000 {
		t.Errorf("duration = %+v, want 2 runs, p50 2000 ms, max 4000 ms", report.Duration)
	}
	if report.Truncated {
		t.Error("truncated = true for 3 runs")
	}

	if len(report.Steps) != 2 || report.Steps[0].Name != "scan" || report.Steps[1].Name != "notify" {
		t.Fatalf("steps = %+v, want scan then notify", report.Steps)
	}
	scan, notify := report.Steps[0], report.Steps[1]
	if scan.ByStatus[store.StepFailed] != 1 || scan.DeadlineMissed != 1 || scan.Duration.Count != 2 {
		t.Errorf("scan = %+v, want 1 failure, 1 missed deadline, 2 timed attempts", scan)
	}
	if notify.Retried != 1 || notify.Attempts != 3 || notify.StartDelay.Max != 1000 {
		t.Errorf("notify = %+v, want 1 retried step with 3 attempts and a 1000 ms start delay", notify)
	}
}
