package expr

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestValueRender(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	raw := map[string]any{
		"channel":                  "#security-alerts",
		"bucket_name":              "{{ violation.resource.name }}",
		"preserve_existing_policy": true,
		"cost":                     "{{ cost_impact }}",
		"recipients": map[string]any{
			"executives": []any{"ceo@company.com", "{{ workflow.name }}@company.com"},
		},
		"attempts": 3,
	}
	v, err := env.CompileValue(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Render(violationVars(t, env))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"channel":                  "#security-alerts",
		"bucket_name":              "payroll",
		"preserve_existing_policy": true,
		"cost":                     int64(15000),
		"recipients": map[string]any{
			"executives": []any{"ceo@company.com", "auto-remediate@company.com"},
		},
		"attempts": 3,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Render = %#v, want %#v", got, want)
	}
	if !reflect.DeepEqual(v.Raw(), raw) {
		t.Errorf("Raw = %#v, want the tree as given", v.Raw())
	}
	if raw["bucket_name"] != "{{ violation.resource.name }}" {
		t.Error("Render modified the raw tree")
	}
}

func TestValueRefs(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	v, err := env.CompileValue(map[string]any{
		"a": "{{ steps.scan.output }}",
		"b": []any{"{{ params.channel }}", map[string]any{"c": "{{ steps.notify.status }}"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Refs{Steps: []string{"notify", "scan"}, Identifiers: []string{"params"}}
	if got := v.Refs(); !reflect.DeepEqual(got, want) {
		t.Errorf("Refs = %+v, want %+v", got, want)
	}
}

func TestValueErrorsCarryPath(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	_, err := env.CompileValue(map[string]any{"recipients": []any{"ok", "{{ broken"}})
	var exprErr *Error
	if !errors.As(err, &exprErr) {
		t.Fatalf("CompileValue error = %v, want *Error", err)
	}
	if exprErr.Path != "recipients[1]" {
		t.Errorf("compile error Path = %q, want recipients[1]", exprErr.Path)
	}
	if !strings.HasPrefix(err.Error(), "recipients[1]: ") {
		t.Errorf("Error() = %q, want the path first", err.Error())
	}

	v, err := env.CompileValue(map[string]any{"body": map[string]any{"title": "{{ violation.resource.nme }}"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Render(violationVars(t, env))
	if !errors.As(err, &exprErr) {
		t.Fatalf("Render error = %v, want *Error", err)
	}
	if exprErr.Path != "body.title" {
		t.Errorf("render error Path = %q, want body.title", exprErr.Path)
	}
	var missing *MissingFieldError
	if !errors.As(err, &missing) || missing.Path != "violation.resource.nme" {
		t.Errorf("Render error = %v, want a MissingFieldError for violation.resource.nme", err)
	}
}

func TestValueExtraVariables(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	v, err := env.CompileValue(map[string]any{"url": "{{ endpoint.base }}/channels/{{ params.channel }}"})
	if err != nil {
		t.Fatal(err)
	}
	vars := &Vars{Extra: map[string]any{
		"params":   map[string]any{"channel": "alerts"},
		"endpoint": map[string]any{"base": "http://127.0.0.1:8080"},
	}}
	got, err := v.Render(vars)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"url": "http://127.0.0.1:8080/channels/alerts"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Render = %#v, want %#v", got, want)
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	root := map[string]any{
		"severity": "HIGH",
		"resource": map[string]any{"tags": map[string]any{"Environment": "production"}},
		"findings": []any{map[string]any{"rule": "public-read"}},
		"empty":    nil,
	}
	tests := []struct {
		path  string
		want  any
		found bool
	}{
		{"severity", "HIGH", true},
		{"resource.tags.Environment", "production", true},
		{"findings.0.rule", "public-read", true},
		{"empty", nil, true},
		{"resource.tags.Owner", nil, false},
		{"findings.3.rule", nil, false},
		{"severity.level", nil, false},
		{"missing", nil, false},
	}
	for _, tc := range tests {
		got, found := Lookup(root, tc.path)
		if found != tc.found || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Lookup(%q) = %v, %v; want %v, %v", tc.path, got, found, tc.want, tc.found)
		}
	}
}
