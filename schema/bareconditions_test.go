package schema

import (
	"strings"
	"testing"
)

// TestBareConditionSeverity checks that a bare name in a step condition
// that is not a named condition only warns, so the workflow still loads,
// unless a named condition is spelt close to it.
func TestBareConditionSeverity(t *testing.T) {
	t.Parallel()
	workflow := func(condition string) Files {
		return Files{
			"conditions.yaml":  []byte("conditions:\n  - name: is_critical\n    expression: violation.severity == 'CRITICAL'\n"),
			"workflows/w.yaml": []byte("workflow:\n  name: w\n  trigger: {event: x}\n  steps:\n    - name: s\n      conditions: [" + condition + "]\n"),
		}
	}
	tests := []struct {
		name, condition string
		severity        Severity
		message         string
		loads           bool
	}{
		{"named condition", "is_critical", "", "", true},
		{"data field", "is_public", SeverityWarning, `"is_public" is not a named condition in scope, so it will be read as the event data field is_public`, true},
		{"explicit data field", "data.is_critcal", "", "", true},
		{"typo", "is_critcal", SeverityError, `did you mean "is_critical"?`, false},
		{"typo with blanks", "'is_crticial '", SeverityError, `did you mean "is_critical"?`, false},
		{"expression", "is_public == true", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo, problems := LoadRepository(workflow(tt.condition), LoadOptions{})
			if tt.severity == "" && len(problems) > 0 {
				t.Errorf("unexpected problems:\n%v", problems)
			}
			if tt.severity != "" {
				if len(problems) != 1 {
					t.Fatalf("got %d problems, want 1:\n%v", len(problems), problems)
				}
				if problems[0].Severity != tt.severity {
					t.Errorf("severity = %s, want %s", problems[0].Severity, tt.severity)
				}
				if !strings.Contains(problems[0].Message, tt.message) {
					t.Errorf("message = %q, want one containing %q", problems[0].Message, tt.message)
				}
			}
			if loaded := repo.Workflow("w") != nil; loaded != tt.loads {
				t.Errorf("workflow loaded = %t, want %t", loaded, tt.loads)
			}
		})
	}
}
