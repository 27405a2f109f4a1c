package expr

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tests := []struct {
		name     string
		src      string
		contains string
		line     int
		col      int
	}{
		{"missing nested field", "violation.resource.nme == 'x'", `missing field "violation.resource.nme"`, 1, 19},
		{"missing step", "steps.scan.output == 'x'", `missing field "steps.scan"`, 1, 11},
		{"undefined name", "risk_levl >= MEDIUM", `undefined name "risk_levl"`, 1, 1},
		{"unknown severity", "severity >= MEDIUM && policy_name >= LOW", `unknown severity "s3-no-public-access"`, 1, 35},
		{"missing list element field", "violation.findings[1].owner == ''", `missing field "violation.findings[1].owner"`, 1, 22},
		{"index out of range", "violation.findings[5].rule == ''", "index out of bounds: 5", 1, 22},
		{"missing field on second line", "cost_impact > 1 &&\n  resource.tags.Owner == 'x'", `missing field "resource.tags.Owner"`, 2, 16},
		{"non identifier key", "resource.tags['cost-center'] == 'x'", `missing field "resource.tags[\"cost-center\"]"`, 1, 14},
	}
	vars := violationVars(t, env)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := env.CompileCondition(tc.src)
			if err != nil {
				t.Fatalf("CompileCondition(%q): %v", tc.src, err)
			}
			_, err = p.Eval(vars)
			var exprErr *Error
			if !errors.As(err, &exprErr) {
				t.Fatalf("Eval(%q) error = %v, want *Error", tc.src, err)
			}
			if !strings.Contains(exprErr.Msg, tc.contains) {
				t.Errorf("message = %q, want it to contain %q", exprErr.Msg, tc.contains)
			}
			if exprErr.Line != tc.line || exprErr.Col != tc.col {
				t.Errorf("position = %d:%d, want %d:%d", exprErr.Line, exprErr.Col, tc.line, tc.col)
			}
		})
	}
}

func TestEvalMissingFieldErrorType(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	p, err := env.CompileCondition("violation.resource.nme")
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Eval(violationVars(t, env))
	var missing *MissingFieldError
	if !errors.As(err, &missing) {
		t.Fatalf("Eval error = %v, want a *MissingFieldError inside", err)
	}
	if missing.Path != "violation.resource.nme" {
		t.Errorf("Path = %q, want violation.resource.nme", missing.Path)
	}
}

func TestEvalResultTypes(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	vars := violationVars(t, env)
	tests := []struct {
		src  string
		want any
	}{
		{"1 + 2", int64(3)},
		{"double(cost_impact) / 2.0", 7500.0},
		{"cost_impact + 1", int64(15001)},
		{"ratio", 0.25},
		{"resource.tags.size() + data.cost_impact", int64(15002)},
		{"violation.policy.name", "s3-no-public-access"},
		{"[1, 'a', null]", []any{int64(1), "a", nil}},
		{"{'a': [true]}", map[string]any{"a": []any{true}}},
		{"resource.tags", map[string]any{"Environment": "production", "team": "finance"}},
		{"violation.findings.map(f, f.rule)", []any{"public-read", "public-write"}},
		{"now", time.Date(2024, 3, 4, 10, 30, 0, 0, time.UTC)},
		{"HIGH", "HIGH"},
		{"null", nil},
		{"time", "10:30"},
		{"duration('90m')", "1h30m0s"},
	}
	for _, tc := range tests {
		p, err := env.CompileCondition(tc.src)
		if err != nil {
			t.Fatalf("CompileCondition(%q): %v", tc.src, err)
		}
		got, err := p.Eval(vars)
		if err != nil {
			t.Fatalf("Eval(%q): %v", tc.src, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Eval(%q) = %#v, want %#v", tc.src, got, tc.want)
		}
	}
}

func TestEvalBoolRejectsNonBool(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	p, err := env.CompileCondition("cost_impact")
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.EvalBool(violationVars(t, env))
	if err == nil || !strings.Contains(err.Error(), "not a bool") {
		t.Fatalf("EvalBool error = %v, want a not-a-bool error", err)
	}
}

func TestTimeUsesLocation(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("time zone data unavailable: %v", err)
	}
	p, err := env.CompileCondition("time + ' ' + today + ' ' + string(current_week)")
	if err != nil {
		t.Fatal(err)
	}
	vars := &Vars{Now: time.Date(2024, 12, 29, 23, 30, 0, 0, time.UTC), Location: berlin}
	got, err := p.Eval(vars)
	if err != nil {
		t.Fatal(err)
	}
	if got != "00:30 2024-12-30 1" {
		t.Errorf("Eval = %q, want %q", got, "00:30 2024-12-30 1")
	}
}

func TestResourceFallsBackToViolation(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	p, err := env.CompileCondition("resource.name")
	if err != nil {
		t.Fatal(err)
	}
	direct := &Vars{Data: map[string]any{"resource": map[string]any{"name": "direct"}}}
	nested := &Vars{Data: map[string]any{"violation": map[string]any{"resource": map[string]any{"name": "nested"}}}}
	for vars, want := range map[*Vars]string{direct: "direct", nested: "nested"} {
		got, err := p.Eval(vars)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("resource.name = %v, want %v", got, want)
		}
	}
	_, err = p.Eval(&Vars{Data: map[string]any{}})
	if err == nil || !strings.Contains(err.Error(), `missing field "resource"`) {
		t.Errorf("Eval without resource error = %v, want missing field", err)
	}
}

func TestViolationDefaultsToData(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	p, err := env.CompileCondition("violation.severity")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Eval(&Vars{Event: map[string]any{"data": map[string]any{"severity": "LOW"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got != "LOW" {
		t.Errorf("violation.severity = %v, want LOW", got)
	}
}

func TestNamedConditions(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	compile := func(src string) *Program {
		t.Helper()
		p, err := env.CompileCondition(src)
		if err != nil {
			t.Fatalf("CompileCondition(%q): %v", src, err)
		}
		return p
	}
	vars := &Vars{
		Data: map[string]any{"env": "prod"},
		Conditions: map[string]*Program{
			"production": compile("env == 'prod'"),
			"twice":      compile("production && conditions.production"),
			"loop_a":     compile("loop_b"),
			"loop_b":     compile("conditions.loop_a"),
		},
	}

	_, err := compile("production").EvalBool(&Vars{})
	if err == nil || !strings.Contains(err.Error(), `undefined name "production"`) {
		t.Errorf("EvalBool without named conditions error = %v, want undefined name", err)
	}

	ok, err := compile("production and twice").EvalBool(vars)
	if err != nil || !ok {
		t.Fatalf("production and twice = %v, %v; want true", ok, err)
	}

	_, err = compile("loop_a").Eval(vars)
	if err == nil || !strings.Contains(err.Error(), "named condition cycle: loop_a -> loop_b -> loop_a") {
		t.Errorf("cycle error = %v, want the cycle named", err)
	}

	missing, err := compile("has(conditions.nothing)").EvalBool(vars)
	if err != nil || missing {
		t.Errorf("has(conditions.nothing) = %v, %v; want false", missing, err)
	}
}

func TestConditionRefs(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	p, err := env.CompileCondition(`{{ steps.scan.output }} == 'x' and steps['notify-team'].status == 'ok'
		and risk_level >= MEDIUM and [1].exists(x, x > limit) and conditions.prod
		and math.greatest(1, 2) > 0 and production and risk_level != ''`)
	if err != nil {
		t.Fatal(err)
	}
	want := Refs{
		Steps:       []string{"notify-team", "scan"},
		Identifiers: []string{"limit", "production", "risk_level"},
		Conditions:  []string{"prod"},
	}
	if got := p.Refs(); !reflect.DeepEqual(got, want) {
		t.Errorf("Refs = %+v, want %+v", got, want)
	}
}

func TestProgramConcurrentEval(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	vars := violationVars(t, env)
	p, err := env.CompileCondition("risk_level >= MEDIUM and not production_environment == false")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 200 {
				ok, err := p.EvalBool(vars)
				if err == nil && !ok {
					err = errors.New("EvalBool = false, want true")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestEvalDeadlineStopsLoops(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.evalTimeout = 20 * time.Millisecond
	p, err := env.CompileCondition("lists.range(1000000).all(i, lists.range(1000000).all(j, i + j >= 0))")
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Eval(&Vars{})
	if err == nil || !strings.Contains(err.Error(), "evaluation stopped after 20ms") {
		t.Fatalf("Eval error = %v, want the deadline error", err)
	}
}

func TestEnvConcurrentCompile(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for _, src := range []string{"risk_level >= MEDIUM", "{{ steps.a.output }} == 'x'", "lists.range(3).all(i, i < 3)"} {
				if _, err := env.CompileCondition(src); err != nil {
					errs <- err
					return
				}
				if _, err := env.CompileTemplate("x {{ 1 + 2 }}"); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
