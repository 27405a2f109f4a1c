package main

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/policycortex/policycortex/reconciler"
	"github.com/policycortex/policycortex/store"
)

// reconcileMetrics are the reconciler's Prometheus collectors.
type reconcileMetrics struct {
	activations   prometheus.Counter
	rejections    prometheus.Counter
	fetchFailures prometheus.Counter
	lastSuccess   prometheus.Gauge
}

// newReconcileMetrics creates the counters and registers them with reg.
func newReconcileMetrics(reg prometheus.Registerer) *reconcileMetrics {
	m := &reconcileMetrics{
		activations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "policycortex_reconcile_activations_total",
			Help: "Commits validated and activated.",
		}),
		rejections: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "policycortex_reconcile_rejections_total",
			Help: "Commits rejected because a file failed validation.",
		}),
		fetchFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "policycortex_reconcile_fetch_failures_total",
			Help: "Failed fetches of the policy repository.",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "policycortex_reconcile_last_success_timestamp_seconds",
			Help: "Unix time of the end of the last successful reconcile pass; 0 before the first.",
		}),
	}
	reg.MustRegister(m.activations, m.rejections, m.fetchFailures, m.lastSuccess)
	return m
}

// registerStatus registers a gauge of consecutive failed passes, read from
// status at each scrape.
func (m *reconcileMetrics) registerStatus(reg prometheus.Registerer, status func() reconciler.Status) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "policycortex_reconcile_consecutive_failures",
		Help: "Reconcile passes that failed in a row; 0 after a successful pass.",
	}, func() float64 { return float64(status().ConsecutiveFailures) }))
}

// countingStore is the reconciler's store, counting activations and
// rejections as they commit.
type countingStore struct {
	reconciler.Store
	metrics *reconcileMetrics
}

func (s countingStore) Activate(ctx context.Context, a store.Activation) (int64, error) {
	id, err := s.Store.Activate(ctx, a)
	if err == nil {
		s.metrics.activations.Inc()
	}
	return id, err
}

func (s countingStore) RecordRejection(ctx context.Context, r store.Rejection) error {
	err := s.Store.RecordRejection(ctx, r)
	if err == nil {
		s.metrics.rejections.Inc()
	}
	return err
}

// observePass counts one finished pass of reconciler.Run: an error adds a
// fetch failure, and a pass without error sets the last success time.
func (m *reconcileMetrics) observePass(_ reconciler.Result, err error) {
	if err != nil {
		m.fetchFailures.Inc()
		return
	}
	m.lastSuccess.SetToCurrentTime()
}
