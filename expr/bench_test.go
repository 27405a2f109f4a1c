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
