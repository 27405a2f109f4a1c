package expr

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestTemplateRender(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	vars := violationVars(t, env)
	tests := []struct {
		name string
		src  string
		want any
	}{
		{"plain text", "security_team", "security_team"},
		{"embedded field", "S3 bucket {{ violation.resource.name }} public access disabled automatically",
			"S3 bucket payroll public access disabled automatically"},
		{"single keeps string", "{{ violation.resource.id }}", "arn:aws:s3:::payroll"},
		{"single keeps number", " {{ cost_impact }} ", int64(15000)},
		{"single keeps list", "{{ violation.findings.map(f, f.rule) }}", []any{"public-read", "public-write"}},
		{"single keeps bool", "{{ resource.internet_facing }}", true},
		{"integral float as text", "cost: {{ cost_impact }}", "cost: 15000"},
		{"fraction as text", "ratio: {{ double(cost_impact) / 400.0 }}", "ratio: 37.5"},
		{"list as JSON", "rules: {{ violation.findings.map(f, f.rule) }}", `rules: ["public-read","public-write"]`},
		{"map as JSON", "tags={{ resource.tags }}", `tags={"Environment":"production","team":"finance"}`},
		{"current week", "Weekly Compliance Status - Week {{ current_week }}", "Weekly Compliance Status - Week 10"},
		{"default on missing", "owner: {{ resource.owner | default('unassigned') }}", "owner: unassigned"},
		{"default keeps present", "{{ resource.name | default('unassigned') }}", "payroll"},
		{"default on missing root", "{{ nonexistent | default(0) }}", int64(0)},
		{"chained filters", "{{ resource.owner | default('nobody') | upper }}", "NOBODY"},
		{"tojson filter", "{{ resource.tags | tojson }}", `{"Environment":"production","team":"finance"}`},
		{"closing braces in string", "{{ '}}' + resource.name }}", "}}payroll"},
		{"map literal", "{{ {'a': {'b': 1}} }}", map[string]any{"a": map[string]any{"b": int64(1)}}},
		{"stray closing braces", "a }} b", "a }} b"},
		{"literal opening braces", "{{ '{{' }} x }}", "{{ x }}"},
		{"two segments", "{{ workflow.name }}/{{ run.id }}", "auto-remediate/run-1"},
		{"null as text", "value={{ null }}", "value=null"},
		{"severity constant", "{{ HIGH }}", "HIGH"},
		{"word operators", "{{ not resource.contains_pii and resource.internet_facing }}", true},
		{"step output", "{{ steps.assess_exposure_severity.output }}", "CRITICAL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := env.CompileTemplate(tc.src)
			if err != nil {
				t.Fatalf("CompileTemplate(%q): %v", tc.src, err)
			}
			got, err := tmpl.Render(vars)
			if err != nil {
				t.Fatalf("Render(%q): %v", tc.src, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Render(%q) = %#v, want %#v", tc.src, got, tc.want)
			}
		})
	}
}

func TestTemplateBlockScalar(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	src := "Resource: {{ violation.resource.name }}\nPolicy: {{ violation.policy.name }}\nDetected: {{\n  violation.detected_at | default('unknown')\n}}\nAuto-containment: Applied\n"
	tmpl, err := env.CompileTemplate(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tmpl.Render(violationVars(t, env))
	if err != nil {
		t.Fatal(err)
	}
	want := "Resource: payroll\nPolicy: s3-no-public-access\nDetected: unknown\nAuto-containment: Applied\n"
	if got != want {
		t.Errorf("Render = %q, want %q", got, want)
	}
}

func TestTemplateMissingFieldFails(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tmpl, err := env.CompileTemplate("bucket {{ violation.resource.nme }}")
	if err != nil {
		t.Fatal(err)
	}
	got, err := tmpl.Render(violationVars(t, env))
	if err == nil {
		t.Fatalf("Render = %q, want a missing field error", got)
	}
	var exprErr *Error
	if !errors.As(err, &exprErr) {
		t.Fatalf("Render error = %v, want *Error", err)
	}
	if !strings.Contains(exprErr.Msg, `missing field "violation.resource.nme"`) {
		t.Errorf("message = %q, want the full path", exprErr.Msg)
	}
	if exprErr.Line != 1 || exprErr.Col != 29 {
		t.Errorf("position = %d:%d, want 1:29", exprErr.Line, exprErr.Col)
	}
}

func TestTemplateDefaultKeepsOtherErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tmpl, err := env.CompileTemplate("{{ (1 / 0) | default(5) }}")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tmpl.Render(&Vars{}); err == nil {
		t.Errorf("Render = %v, want the division error", got)
	}
}

func TestTemplateCompileErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tests := []struct {
		name     string
		src      string
		line     int
		col      int
		contains string
	}{
		{"unclosed", "Critical: {{ violation.policy.name", 1, 11, "unclosed '{{'"},
		{"unclosed after string", "{{ '}}' ", 1, 1, "unclosed '{{'"},
		{"syntax error on line two", "first line\nsecond {{ a + }}", 2, 15, "Syntax error"},
		{"unknown function", "x {{ nope(1) }}", 1, 10, `unknown function "nope"`},
		{"unknown filter", "{{ a | shout }}", 1, 8, `unknown function "shout"`},
		{"empty segment", "a {{ }} b", 1, 5, "empty expression"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := env.CompileTemplate(tc.src)
			var exprErr *Error
			if !errors.As(err, &exprErr) {
				t.Fatalf("CompileTemplate(%q) error = %v, want *Error", tc.src, err)
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

func TestTemplateLiteralAndRefs(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	literal, err := env.CompileTemplate("#security-alerts")
	if err != nil {
		t.Fatal(err)
	}
	if !literal.Literal() {
		t.Error("Literal() = false for text without {{ }}")
	}
	tmpl, err := env.CompileTemplate("{{ steps.scan.output }} {{ ticket_id | default(steps.triage.status) }}")
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.Literal() {
		t.Error("Literal() = true for a template")
	}
	want := Refs{Steps: []string{"scan", "triage"}, Identifiers: []string{"ticket_id"}}
	if got := tmpl.Refs(); !reflect.DeepEqual(got, want) {
		t.Errorf("Refs = %+v, want %+v", got, want)
	}
}
