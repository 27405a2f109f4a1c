package main

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/policycortex/policycortex/reconciler"
)

func TestObservePassCountsFailures(t *testing.T) {
	m := newReconcileMetrics(prometheus.NewRegistry())
	m.observePass(reconciler.Result{}, errors.New("fetch origin: repository not found"))
	m.observePass(reconciler.Result{}, errors.New("fetch origin: repository not found"))
	if got := metricValue(t, m.fetchFailures); got != 2 {
		t.Errorf("fetch failures = %v, want 2", got)
	}
	if got := metricValue(t, m.lastSuccess); got != 0 {
		t.Errorf("last success after failures = %v, want 0", got)
	}
	m.observePass(reconciler.Result{Outcome: reconciler.OutcomeUnchanged}, nil)
	if got := metricValue(t, m.lastSuccess); got == 0 {
		t.Error("last success not set after a good pass")
	}
}

// metricValue reads a counter's or gauge's current value.
func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatal(err)
	}
	if out.Counter != nil {
		return out.Counter.GetValue()
	}
	return out.Gauge.GetValue()
}
