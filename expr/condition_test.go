package expr

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func newTestEnv(t testing.TB) *Env {
	t.Helper()
	env, err := NewEnv()
	if err != nil {
		t.Fatalf("NewEnv: %v", err)
	}
	return env
}

// violationVars is an S3 policy violation event as the engine builds it.
func violationVars(t testing.TB, env *Env) *Vars {
	t.Helper()
	data := map[string]any{
		"policy_name":   "s3-no-public-access",
		"severity":      "CRITICAL",
		"risk_level":    "HIGH",
		"cost_impact":   15000.0,
		"ratio":         0.25,
		"resource_type": "AWS::S3::Bucket",
		"violation": map[string]any{
			"policy": map[string]any{"name": "s3-no-public-access"},
			"resource": map[string]any{
				"id":                   "arn:aws:s3:::payroll",
				"name":                 "payroll",
				"tags":                 map[string]any{"Environment": "production", "team": "finance"},
				"contains_pii":         false,
				"internet_facing":      true,
				"admin_access_enabled": false,
			},
			"findings": []any{
				map[string]any{"rule": "public-read"},
				map[string]any{"rule": "public-write"},
			},
		},
	}
	production, err := env.CompileCondition("resource.tags.Environment == 'production'")
	if err != nil {
		t.Fatalf("compile production_environment: %v", err)
	}
	return &Vars{
		Event: map[string]any{"id": "evt-1", "type": "policy.violation.created", "data": data},
		Data:  data,
		Steps: map[string]any{
			"assess_exposure_severity": map[string]any{"output": "CRITICAL", "status": "succeeded"},
		},
		Workflow:   map[string]any{"name": "auto-remediate", "version": "1.0"},
		Run:        map[string]any{"id": "run-1"},
		Conditions: map[string]*Program{"production_environment": production},
		Now:        time.Date(2024, 3, 4, 10, 30, 0, 0, time.UTC),
	}
}

func TestConditionWorkflowExamples(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tests := []struct {
		name string
		src  string
		want bool
	}{
		{"business hours", "time >= '09:00' and time <= '17:00'", true},
		{"production environment", "resource.tags.Environment == 'production'", true},
		{"high risk resource", "resource.contains_pii or\n resource.internet_facing or\n resource.admin_access_enabled", true},
		{"risk level at least medium", "risk_level >= MEDIUM", true},
		{"cost impact", "cost_impact > 10000", true},
		{"template step output", "{{ steps.assess_exposure_severity.output }} == 'CRITICAL'", true},
		{"negated named condition", "not production_environment", false},
		{"named condition through conditions", "conditions.production_environment", true},
		{"severity string equality", "severity == 'CRITICAL'", true},
		{"severity constant below", "risk_level < CRITICAL", true},
		{"severity on the left", "MEDIUM <= risk_level", true},
		{"severity lower case", "'high' == HIGH", true},
		{"severity in list", "risk_level in [HIGH, CRITICAL]", true},
		{"severity not in list", "!(risk_level in [LOW, MEDIUM])", true},
		{"string in list", "policy_name in ['a', 's3-no-public-access']", true},
		{"key in map literal", "'a' in {'a': 1}", true},
		{"substring is not membership", "!('s3' in ['s3-no-public-access'])", true},
		{"not followed by paren", "not(cost_impact < 10)", true},
		{"word inside string kept", "violation.policy.name != 'and or not'", true},
		{"field named like operator", "has(data.not) == false", true},
		{"has present", "has(violation.resource.tags.team)", true},
		{"has absent", "has(violation.resource.tags.owner)", false},
		{"in object", "'team' in resource.tags", true},
		{"exists over list", "violation.findings.exists(f, f.rule == 'public-write')", true},
		{"two variable all over object", "resource.tags.all(k, v, v != '')", true},
		{"two variable all over list", "violation.findings.all(i, f, f.rule.startsWith('public') && i < 2)", true},
		{"integral JSON number is int", "cost_impact + 1 == 15001", true},
		{"size of object", "size(resource.tags) == 2", true},
		{"object equals map", "resource.tags == {'Environment': 'production', 'team': 'finance'}", true},
		{"map equals object", "{'Environment': 'production', 'team': 'finance'} == resource.tags", true},
		{"event attribute", "event.type.startsWith('policy.')", true},
		{"current week", "current_week == 10", true},
		{"today", "today == '2024-03-04'", true},
		{"now timestamp", "now > timestamp('2024-01-01T00:00:00Z')", true},
		{"workflow name", "workflow.name == 'auto-remediate'", true},
		{"optional field", "resource.?owner.orValue('nobody') == 'nobody'", true},
		{"math extension", "math.greatest(1, 2) == 2", true},
		{"strings extension", "'a,b'.split(',').size() == 2", true},
		{"filter default", "{{ resource.owner | default('nobody') }} == 'nobody'", true},
		{"filter upper", "violation.policy.name | upper == 'S3-NO-PUBLIC-ACCESS'", true},
		{"comment", "cost_impact > 1 // large enough", true},
	}
	vars := violationVars(t, env)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := env.CompileCondition(tc.src)
			if err != nil {
				t.Fatalf("CompileCondition(%q): %v", tc.src, err)
			}
			got, err := p.EvalBool(vars)
			if err != nil {
				t.Fatalf("EvalBool(%q): %v", tc.src, err)
			}
			if got != tc.want {
				t.Errorf("EvalBool(%q) = %v, want %v", tc.src, got, tc.want)
			}
		})
	}
}

func TestConditionCompileErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tests := []struct {
		name     string
		src      string
		line     int
		col      int
		contains string
	}{
		{"syntax error", "cost_impact >", 1, 14, "Syntax error"},
		{"bad operator", "cost_impact === 1", 1, 15, "Syntax error"},
		{"unknown function", "frobnicate(cost_impact)", 1, 11, `unknown function "frobnicate"`},
		{"unknown method", "resource.name.shout()", 1, 20, `unknown function "shout"`},
		{"wrong arity", "size(1, 2)", 1, 5, `function "size" takes 2`},
		{"second line", "cost_impact > 1 and\n  risk_level >>= LOW", 2, 15, "Syntax error"},
		{"unclosed template", "{{ steps.a.output == 'x'", 1, 1, "unclosed '{{'"},
		{"empty", "   ", 1, 1, "empty expression"},
		{"pipe without filter", "a | 1", 1, 3, "filter name"},
		{"column after word operators", "not a and b ===", 1, 15, "Syntax error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := env.CompileCondition(tc.src)
			var exprErr *Error
			if !errors.As(err, &exprErr) {
				t.Fatalf("CompileCondition(%q) error = %v, want *Error", tc.src, err)
			}
			if exprErr.Line != tc.line || exprErr.Col != tc.col {
				t.Errorf("position = %d:%d, want %d:%d (%s)", exprErr.Line, exprErr.Col, tc.line, tc.col, exprErr.Msg)
			}
			if !strings.Contains(exprErr.Msg, tc.contains) {
				t.Errorf("message = %q, want it to contain %q", exprErr.Msg, tc.contains)
			}
		})
	}
}
