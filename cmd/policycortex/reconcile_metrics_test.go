package main

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/policycortex/policycortex/reconciler"
)

func TestObservePassCountsFailures(t *testing.T) {
	m := newReconcileMetrics(prometheus.NewRegistry())
	m.observePass(reconciler.Result{}, errors.New("fetch origin: repository not found"))
	m.observePass(reconciler.Result{}, errors.New("fetch origin: repository not found"))
	if got := testutil.ToFloat64(m.fetchFailures); got != 2 {
		t.Errorf("fetch failures = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.lastSuccess); got != 0 {
		t.Errorf("last success after failures = %v, want 0", got)
	}
	m.observePass(reconciler.Result{Outcome: reconciler.OutcomeUnchanged}, nil)
	if got := testutil.ToFloat64(m.lastSuccess); got == 0 {
		t.Error("last success not set after a good pass")
	}
}
