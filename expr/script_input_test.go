package expr

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func compileConditions(t *testing.T, exprs map[string]string) map[string]*Program {
	t.Helper()
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	programs := map[string]*Program{}
	for name, src := range exprs {
		p, err := env.CompileCondition(src)
		if err != nil {
			t.Fatalf("CompileCondition %s: %v", name, err)
		}
		programs[name] = p
	}
	return programs
}

func TestScriptClockVariables(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	s := compileScript(t, "return [now, time, today, current_week]\n")
	vars := &Vars{Now: time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), Location: berlin}
	got, err := s.Run(context.Background(), vars, ScriptLimits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"2027-01-01T00:30:00+01:00", "00:30", "2027-01-01", int64(53)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Run = %#v, want %#v", got, want)
	}
}

func TestScriptBuiltinsShadowData(t *testing.T) {
	t.Parallel()
	s := compileScript(t, `return {"time": time, "data_time": data["time"], "event": event["id"], "region": region}`)
	vars := &Vars{
		Event: map[string]any{"id": "evt-1"},
		Data:  map[string]any{"time": "yesterday", "event": "shadowed", "region": "eu"},
		Now:   time.Date(2026, 3, 4, 9, 15, 0, 0, time.UTC),
	}
	got, err := s.Run(context.Background(), vars, ScriptLimits{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"time": "09:15", "data_time": "yesterday", "event": "evt-1", "region": "eu"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Run = %#v, want %#v", got, want)
	}
}

func TestScriptNamedConditions(t *testing.T) {
	t.Parallel()
	conditions := compileConditions(t, map[string]string{
		"production":  "resource.tags.Environment == 'production'",
		"after_hours": "time >= '18:00'",
		"broken":      "resource.owner == 'x'",
		"shadowed":    "true",
	})
	vars := &Vars{
		Data: map[string]any{
			"resource": map[string]any{"tags": map[string]any{"Environment": "production"}},
			"broken":   "a data field",
		},
		Extra:      map[string]any{"shadowed": "from extra"},
		Conditions: conditions,
		Now:        time.Date(2026, 3, 4, 20, 0, 0, 0, time.UTC),
	}
	tests := []struct {
		name    string
		src     string
		want    any
		wantErr string
	}{
		{"bare name", "return production and after_hours", true, ""},
		{"conditions dict", `return conditions["production"]`, true, ""},
		{"extra shadows condition", "return shadowed", "from extra", ""},
		{"failed condition", "return broken", nil, `script line 1:8: named condition "broken" failed: `},
		{"failed condition absent from dict", `return "broken" in conditions`, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := compileScript(t, tc.src).Run(context.Background(), vars, ScriptLimits{})
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("Run error = %v, want prefix %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Run = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestScriptInputEvaluatesReadConditionsOnly(t *testing.T) {
	t.Parallel()
	conditions := compileConditions(t, map[string]string{
		"used":   "severity == 'HIGH'",
		"unused": "missing_field == 1",
	})
	vars := &Vars{Data: map[string]any{"severity": "HIGH"}, Conditions: conditions}
	in := compileScript(t, "return used\n").Input(vars)
	if !reflect.DeepEqual(in.Conditions, map[string]bool{"used": true}) {
		t.Errorf("Conditions = %v, want only used=true", in.Conditions)
	}
	if len(in.ConditionErrors) != 0 {
		t.Errorf("ConditionErrors = %v, want none", in.ConditionErrors)
	}

	all := compileScript(t, "return len(conditions)\n").Input(vars)
	if _, ok := all.ConditionErrors["unused"]; !ok {
		t.Errorf("ConditionErrors = %v, want unused evaluated when the script reads conditions", all.ConditionErrors)
	}
}

func TestScriptInputJSONRoundTrip(t *testing.T) {
	t.Parallel()
	s := compileScript(t, `return {"big": big, "ratio": ratio, "now": now, "today": today, "env": production, "id": event["id"]}`)
	conditions := compileConditions(t, map[string]string{"production": "region == 'eu'"})
	vars := &Vars{
		Event:      map[string]any{"id": "evt-2"},
		Data:       map[string]any{"big": int64(1) << 60, "ratio": 0.25, "region": "eu"},
		Conditions: conditions,
		Now:        time.Date(2026, 6, 1, 12, 0, 0, 0, time.FixedZone("EST", -5*3600)),
		Location:   time.FixedZone("EST", -5*3600),
	}
	direct, err := s.Run(context.Background(), vars, ScriptLimits{})
	if err != nil {
		t.Fatal(err)
	}

	encoded, err := json.Marshal(s.Input(vars))
	if err != nil {
		t.Fatal(err)
	}
	var in ScriptInput
	decoder := json.NewDecoder(strings.NewReader(string(encoded)))
	decoder.UseNumber()
	if err := decoder.Decode(&in); err != nil {
		t.Fatal(err)
	}
	if in.Location != "EST" {
		t.Errorf("Location = %q, want EST", in.Location)
	}

	decoded, err := s.RunInput(context.Background(), &in, ScriptLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(decoded, direct) {
		t.Errorf("RunInput after JSON = %#v, want %#v", decoded, direct)
	}
}

func TestScriptRuntimeErrorText(t *testing.T) {
	t.Parallel()
	s := compileScript(t, "x = 1\ny = x + 'a'\nreturn y\n")
	_, err := s.Run(context.Background(), &Vars{}, ScriptLimits{})
	var exprErr *Error
	if !errors.As(err, &exprErr) {
		t.Fatalf("Run error = %v, want *Error", err)
	}
	if exprErr.Line != 2 || exprErr.Col != 7 {
		t.Errorf("position = %d:%d, want 2:7", exprErr.Line, exprErr.Col)
	}
	if !strings.HasPrefix(err.Error(), "script line 2:7: unknown binary op: int + string") {
		t.Errorf("error text = %q, want the position and the cause", err.Error())
	}
}
