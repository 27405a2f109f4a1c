package expr

import (
	"testing"
)

// benchmarkConditions are the condition shapes that workflow files use.
var benchmarkConditions = []string{
	"time >= '09:00' and time <= '17:00'",
	"resource.tags.Environment == 'production'",
	"resource.contains_pii or\n resource.internet_facing or\n resource.admin_access_enabled",
	"risk_level >= MEDIUM",
	"cost_impact > 10000",
	"{{ steps.assess_exposure_severity.output }} == 'CRITICAL'",
	"not production_environment",
}

func BenchmarkCompileCondition(b *testing.B) {
	env := newTestEnv(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		src := benchmarkConditions[i%len(benchmarkConditions)]
		if _, err := env.CompileCondition(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalCondition(b *testing.B) {
	env := newTestEnv(b)
	vars := violationVars(b, env)
	programs := make([]*Program, len(benchmarkConditions))
	for i, src := range benchmarkConditions {
		p, err := env.CompileCondition(src)
		if err != nil {
			b.Fatal(err)
		}
		programs[i] = p
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := programs[i%len(programs)].EvalBool(vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderTemplate(b *testing.B) {
	env := newTestEnv(b)
	vars := violationVars(b, env)
	tmpl, err := env.CompileTemplate("Resource: {{ violation.resource.name }}\nPolicy: {{ violation.policy.name }}\nCost: {{ cost_impact }}\n")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Render(vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileTemplate(b *testing.B) {
	env := newTestEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.CompileTemplate("S3 bucket {{ violation.resource.name }} public access disabled automatically"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewEnv(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewEnv(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRunScript(b *testing.B) {
	s, err := CompileScript(exposureScript)
	if err != nil {
		b.Fatal(err)
	}
	vars := &Vars{Data: map[string]any{"data_contains_ssn": false, "data_contains_credit_card": false,
		"data_contains_email": true, "data_contains_phone": false}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Run(b.Context(), vars, ScriptLimits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileWorkflow compiles the expressions of one workflow the
// size of the critical-incident example: two conditions and a parameter
// tree with five templates, one of them a multi-line block.
func BenchmarkCompileWorkflow(b *testing.B) {
	env := newTestEnv(b)
	parameters := map[string]any{
		"isolate": map[string]any{"resource_id": "{{ violation.resource.id }}", "isolation_method": "security_group_lockdown"},
		"incident": map[string]any{
			"priority": "P1",
			"title":    "Critical Security Violation: {{ violation.policy.name }}",
			"description": "Resource: {{ violation.resource.name }}\nPolicy: {{ violation.policy.name }}\n" +
				"Detected: {{ violation.detected_at }}\nAuto-containment: Applied\n",
		},
		"notify": map[string]any{"recipients": []any{"ciso@company.com", "cto@company.com"}, "template": "critical_incident_notification"},
		"report": map[string]any{"subject": "Weekly Compliance Status - Week {{ current_week }}"},
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range benchmarkConditions[:2] {
			if _, err := env.CompileCondition(src); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := env.CompileValue(parameters); err != nil {
			b.Fatal(err)
		}
	}
}
