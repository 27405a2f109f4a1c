package engine

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/policycortex/policycortex/store"
)

// Metrics are the engine's Prometheus collectors.
type Metrics struct {
	events         *prometheus.CounterVec
	created        prometheus.Counter
	runsFinished   *prometheus.CounterVec
	stepDuration   *prometheus.HistogramVec
	deadlineMisses *prometheus.CounterVec
	gatesExpired   prometheus.Counter
}

// NewMetrics creates the collectors and registers them with reg, unless reg
// is nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policycortex_events_total",
			Help: "Events accepted, by whether (source, id) was already stored.",
		}, []string{"duplicate"}),
		created: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "policycortex_runs_created_total",
			Help: "Runs created by events and schedules.",
		}),
		runsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policycortex_runs_finished_total",
			Help: "Runs that reached a final state, by workflow and state.",
		}, []string{"workflow", "status"}),
		stepDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "policycortex_step_duration_seconds",
			Help:    "Duration of step attempts, by workflow, step and outcome.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"workflow", "step", "status"}),
		deadlineMisses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policycortex_step_max_delay_missed_total",
			Help: "Steps that started later than their max_delay.",
		}, []string{"workflow", "step"}),
		gatesExpired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "policycortex_approval_gates_expired_total",
			Help: "Approval stages that passed their deadline.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.events, m.created, m.runsFinished, m.stepDuration, m.deadlineMisses, m.gatesExpired)
	}
	return m
}

func (m *Metrics) eventIngested(duplicate bool) {
	label := "false"
	if duplicate {
		label = "true"
	}
	m.events.WithLabelValues(label).Inc()
}

func (m *Metrics) runsCreated(n int) { m.created.Add(float64(n)) }

func (m *Metrics) runFinished(workflow string, status store.RunStatus) {
	m.runsFinished.WithLabelValues(workflow, string(status)).Inc()
}

func (m *Metrics) stepFinished(workflow, step string, status store.StepStatus, d time.Duration) {
	m.stepDuration.WithLabelValues(workflow, step, string(status)).Observe(d.Seconds())
}

func (m *Metrics) deadlineMissed(workflow, step string) {
	m.deadlineMisses.WithLabelValues(workflow, step).Inc()
}

func (m *Metrics) gateExpired() { m.gatesExpired.Inc() }
