package main

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/policycortex/policycortex/store"
)

// parseTimeRange converts a --time-range value into a duration. It accepts
// last-N-days, last-N-hours, Nd and Nh.
func parseTimeRange(value string) (time.Duration, error) {
	pattern := regexp.MustCompile(`^(?:last-(\d+)-(days?|hours?)|(\d+)([dh]))$`)
	m := pattern.FindStringSubmatch(value)
	if m == nil {
		return 0, usageErrorf("invalid --time-range %q: use last-30-days, last-7-days, last-24-hours, Nd or Nh", value)
	}
	number, unit := m[1], m[2]
	if number == "" {
		number, unit = m[3], m[4]
	}
	n, err := strconv.Atoi(number)
	if err != nil || n < 1 || n > 3650*24 {
		return 0, usageErrorf("invalid --time-range %q: the number must be from 1 to 87600", value)
	}
	if unit[0] == 'd' {
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.Duration(n) * time.Hour, nil
}

// durationStats summarizes a set of durations. The JSON fields are
// milliseconds.
type durationStats struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	Max   float64 `json:"max_ms"`
}

// summarizeDurations returns nearest-rank percentiles, or nil for no input.
func summarizeDurations(ds []time.Duration) *durationStats {
	if len(ds) == 0 {
		return nil
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return &durationStats{
		Count: len(sorted),
		P50:   millis(percentile(sorted, 0.50)),
		P95:   millis(percentile(sorted, 0.95)),
		Max:   millis(sorted[len(sorted)-1]),
	}
}

// percentile returns the nearest-rank percentile p (0 < p <= 1) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(rank, 0)]
}

func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

func (s *durationStats) text() string {
	if s == nil {
		return "-"
	}
	return fmt.Sprintf("p50 %s, p95 %s, max %s", msText(s.P50), msText(s.P95), msText(s.Max))
}

// msText formats milliseconds as a rounded duration.
func msText(ms float64) string {
	return formatDuration(time.Duration(ms * float64(time.Millisecond)))
}

// stepMetrics summarizes one step across runs.
type stepMetrics struct {
	Name           string                   `json:"name"`
	ByStatus       map[store.StepStatus]int `json:"by_status"`
	Attempts       int                      `json:"attempts"`
	Retried        int                      `json:"retried"`
	DeadlineMissed int                      `json:"deadline_missed"`
	Duration       *durationStats           `json:"duration"`
	StartDelay     *durationStats           `json:"start_delay"`
	index          int
	durations      []time.Duration
	delays         []time.Duration
}

// stepTimings aggregates the steps of runs by step name, in step order.
// Duration is first start to finish, across retries; start delay is run
// creation to the step's first start.
func stepTimings(runs []*store.Run) []*stepMetrics {
	byName := map[string]*stepMetrics{}
	var order []*stepMetrics
	for _, run := range runs {
		for _, step := range run.Steps {
			m := byName[step.Name]
			if m == nil {
				m = &stepMetrics{Name: step.Name, ByStatus: map[store.StepStatus]int{}, index: step.Index}
				byName[step.Name] = m
				order = append(order, m)
			}
			m.add(step)
		}
	}
	slices.SortStableFunc(order, func(a, b *stepMetrics) int { return a.index - b.index })
	for _, m := range order {
		m.Duration = summarizeDurations(m.durations)
		m.StartDelay = summarizeDurations(m.delays)
	}
	return order
}

func (m *stepMetrics) add(step *store.Step) {
	m.ByStatus[step.Status]++
	m.Attempts += step.Attempts
	if step.Attempts > 1 {
		m.Retried++
	}
	if step.DeadlineMissed {
		m.DeadlineMissed++
	}
	if step.StartedAt != nil {
		m.delays = append(m.delays, step.StartDelay)
		if step.FinishedAt != nil {
			m.durations = append(m.durations, step.FinishedAt.Sub(*step.StartedAt))
		}
	}
}
