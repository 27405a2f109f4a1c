package expr

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const exposureScript = `severity = "LOW"
if data_contains_ssn or data_contains_credit_card:
    severity = "CRITICAL"
elif data_contains_email or data_contains_phone:
    severity = "HIGH"
return severity
`

func compileScript(t *testing.T, src string) *Script {
	t.Helper()
	s, err := CompileScript(src)
	if err != nil {
		t.Fatalf("CompileScript: %v", err)
	}
	return s
}

func TestScriptExposureSeverity(t *testing.T) {
	t.Parallel()
	s := compileScript(t, exposureScript)
	tests := []struct {
		name string
		data map[string]any
		want string
	}{
		{"ssn", map[string]any{"data_contains_ssn": true}, "CRITICAL"},
		{"email", map[string]any{
			"data_contains_ssn": false, "data_contains_credit_card": false,
			"data_contains_email": true,
		}, "HIGH"},
		{"nothing", map[string]any{
			"data_contains_ssn": false, "data_contains_credit_card": false,
			"data_contains_email": false, "data_contains_phone": false,
		}, "LOW"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.Run(context.Background(), &Vars{Data: tc.data}, ScriptLimits{})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got != tc.want {
				t.Errorf("Run = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestScriptUndefinedName(t *testing.T) {
	t.Parallel()
	s := compileScript(t, exposureScript)
	_, err := s.Run(context.Background(), &Vars{Data: map[string]any{"data_contains_credit_card": false}}, ScriptLimits{})
	var exprErr *Error
	if !errors.As(err, &exprErr) {
		t.Fatalf("Run error = %v, want *Error", err)
	}
	if exprErr.Msg != `script line 2:4: undefined name "data_contains_ssn" (not in event data)` {
		t.Errorf("message = %q", exprErr.Msg)
	}
	if exprErr.Line != 2 || exprErr.Col != 4 {
		t.Errorf("position = %d:%d, want 2:4", exprErr.Line, exprErr.Col)
	}
}

func TestScriptGlobalsAndResult(t *testing.T) {
	t.Parallel()
	s := compileScript(t, `
def label(r):
    return r["name"] + "@" + workflow["name"]
findings = [f["rule"] for f in violation["findings"]]
return {
    "label": label(resource),
    "count": len(findings),
    "first": findings[0],
    "cost": cost_impact * 2,
    "prior": steps["scan"]["output"],
    "event": event["id"],
    "ratio": 0.5,
    "none": None,
    "pair": (1, 2),
    "channel": params["channel"],
}
`)
	vars := &Vars{
		Event: map[string]any{"id": "evt-9"},
		Data: map[string]any{
			"cost_impact": 21,
			"violation": map[string]any{
				"findings": []any{map[string]any{"rule": "public-read"}},
				"resource": map[string]any{"name": "payroll"},
			},
		},
		Steps:    map[string]any{"scan": map[string]any{"output": "clean", "status": "succeeded"}},
		Workflow: map[string]any{"name": "wf"},
		Extra:    map[string]any{"params": map[string]any{"channel": "#alerts"}},
	}
	got, err := s.Run(context.Background(), vars, ScriptLimits{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"label": "payroll@wf", "count": int64(1), "first": "public-read", "cost": int64(42),
		"prior": "clean", "event": "evt-9", "ratio": 0.5, "none": nil,
		"pair": []any{int64(1), int64(2)}, "channel": "#alerts",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Run = %#v, want %#v", got, want)
	}
}

func TestScriptCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		src      string
		line     int
		col      int
		contains string
	}{
		{"syntax error", "x = 1\nif x\n    return 2\n", 3, 1, "got newline, want ':'"},
		{"bad indentation", "x = 1\n  return x\n", 2, 3, "indent"},
		{"load", "x = 1\nload('lib.star', 'helper')\nreturn x\n", 2, 1, "load statements are not allowed"},
		{"empty", "# only a comment\n", 1, 1, "empty script"},
		{"break outside loop", "break\n", 1, 1, "break"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := CompileScript(tc.src)
			var exprErr *Error
			if !errors.As(err, &exprErr) {
				t.Fatalf("CompileScript error = %v, want *Error", err)
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

func TestScriptStepLimit(t *testing.T) {
	t.Parallel()
	s := compileScript(t, "n = 0\nwhile True:\n    n += 1\n")
	_, err := s.Run(context.Background(), &Vars{}, ScriptLimits{MaxSteps: 10_000, Timeout: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "exceeded the limit of 10000 execution steps") {
		t.Fatalf("Run error = %v, want the step limit", err)
	}
}

func TestScriptTimeout(t *testing.T) {
	t.Parallel()
	s := compileScript(t, "n = 0\nwhile True:\n    n += 1\n")
	_, err := s.Run(context.Background(), &Vars{}, ScriptLimits{MaxSteps: 1 << 62, Timeout: 20 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "timed out after 20ms") {
		t.Fatalf("Run error = %v, want a timeout", err)
	}
}

func TestScriptContextCanceled(t *testing.T) {
	t.Parallel()
	s := compileScript(t, "return 1\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Run(ctx, &Vars{}, ScriptLimits{})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("Run error = %v, want context canceled", err)
	}
}

func TestScriptPrint(t *testing.T) {
	t.Parallel()
	s := compileScript(t, "print('checking', severity)\nreturn severity\n")
	var lines []string
	got, err := s.Run(context.Background(), &Vars{Data: map[string]any{"severity": "HIGH"}},
		ScriptLimits{Print: func(msg string) { lines = append(lines, msg) }})
	if err != nil {
		t.Fatal(err)
	}
	if got != "HIGH" {
		t.Errorf("Run = %v, want HIGH", got)
	}
	if !reflect.DeepEqual(lines, []string{"checking HIGH"}) {
		t.Errorf("printed %q, want [checking HIGH]", lines)
	}
}

func TestScriptRuntimeErrorPosition(t *testing.T) {
	t.Parallel()
	s := compileScript(t, "x = {}\nreturn x['missing']\n")
	_, err := s.Run(context.Background(), &Vars{}, ScriptLimits{})
	var exprErr *Error
	if !errors.As(err, &exprErr) {
		t.Fatalf("Run error = %v, want *Error", err)
	}
	if exprErr.Line != 2 || !strings.Contains(exprErr.Msg, "missing") {
		t.Errorf("error = %d:%d %q, want line 2 naming the key", exprErr.Line, exprErr.Col, exprErr.Msg)
	}
}

func TestScriptRecursionRejected(t *testing.T) {
	t.Parallel()
	s := compileScript(t, "def f(n):\n    return f(n)\nreturn f(1)\n")
	_, err := s.Run(context.Background(), &Vars{}, ScriptLimits{})
	if err == nil || !strings.Contains(err.Error(), "recursively") {
		t.Fatalf("Run error = %v, want a recursion error", err)
	}
}

func TestScriptUnsupportedResult(t *testing.T) {
	t.Parallel()
	s := compileScript(t, "def f():\n    pass\nreturn f\n")
	if _, err := s.Run(context.Background(), &Vars{}, ScriptLimits{}); err == nil || !strings.Contains(err.Error(), "unsupported result type") {
		t.Fatalf("Run error = %v, want unsupported result type", err)
	}
}

func TestScriptLeavesVarsUnchanged(t *testing.T) {
	t.Parallel()
	s := compileScript(t, "data['added'] = True\nviolation['findings'].append(1)\nreturn len(data)\n")
	findings := []any{"a"}
	vars := &Vars{Data: map[string]any{"violation": map[string]any{"findings": findings}}}
	if _, err := s.Run(context.Background(), vars, ScriptLimits{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := vars.Data["added"]; ok {
		t.Error("script added a key to Vars.Data")
	}
	if len(findings) != 1 {
		t.Errorf("findings = %v, want the original single element", findings)
	}
}

func TestScriptConcurrentRuns(t *testing.T) {
	t.Parallel()
	s := compileScript(t, exposureScript)
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			ssn := i%2 == 0
			want := map[bool]string{true: "CRITICAL", false: "LOW"}[ssn]
			vars := &Vars{Data: map[string]any{
				"data_contains_ssn": ssn, "data_contains_credit_card": false,
				"data_contains_email": false, "data_contains_phone": false,
			}}
			for range 50 {
				got, err := s.Run(context.Background(), vars, ScriptLimits{})
				if err == nil && got != want {
					err = errors.New("Run = " + got.(string) + ", want " + want)
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
