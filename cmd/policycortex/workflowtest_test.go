package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policycortex/policycortex/engine"
)

func TestWorkflowTestCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	workflow := writeFile(t, filepath.Join(dir, "workflows", "triage.yaml"), triageWorkflow)
	broken := writeFile(t, filepath.Join(dir, "workflows", "broken.yaml"), misspelledWorkflow)
	critical := writeFile(t, filepath.Join(dir, "test-data", "critical.json"), violationEvent("e1", "CRITICAL"))
	low := writeFile(t, filepath.Join(dir, "test-data", "low.json"), violationEvent("e2", "LOW"))
	invalid := writeFile(t, filepath.Join(dir, "test-data", "invalid.json"), `{"specversion":"1.0"}`)

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"match", []string{"--test-data", critical, "--dry-run", "--verbose"}, exitOK, "result: succeeded", ""},
		{"no match", []string{"--test-data", low}, exitFailure, `trigger: no match`, ""},
		{"invalid event", []string{"--test-data", invalid}, exitUsage, "", "invalid event"},
		{"missing event file", []string{"--test-data", filepath.Join(dir, "absent.json")}, exitUsage, "", "read test data"},
		{"missing connectors file", []string{"--test-data", critical, "--connectors", filepath.Join(dir, "absent.yaml")}, exitUsage, "", "load connectors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"workflow", "test", "--workflow-file", workflow, "--repo", dir}, tt.args...)
			r := runCLI(t, nil, "", args...)
			r.wantCode(t, tt.wantCode)
			if !strings.Contains(r.stdout, tt.wantStdout) {
				t.Errorf("stdout %q does not contain %q", r.stdout, tt.wantStdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", r.stderr, tt.wantStderr)
			}
		})
	}

	t.Run("workflow with errors", func(t *testing.T) {
		t.Parallel()
		r := runCLI(t, nil, "", "workflow", "test", "--workflow-file", broken, "--test-data", critical)
		r.wantCode(t, exitFailure)
		if !strings.Contains(r.stderr, `unknown key "stpes"`) {
			t.Errorf("stderr %q does not list the problem", r.stderr)
		}
		if !strings.Contains(r.stderr, "1 error;") {
			t.Errorf("stderr %q does not count the errors", r.stderr)
		}
	})
	t.Run("json report", func(t *testing.T) {
		t.Parallel()
		r := runCLI(t, nil, "", "workflow", "test", "--workflow-file", workflow, "--test-data", low, "--output", "json")
		r.wantCode(t, exitFailure)
		var report engine.TestReport
		if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
			t.Fatalf("decode %q: %v", r.stdout, err)
		}
		if report.Matched || report.Reason == "" {
			t.Errorf("report = %+v, want no match with a reason", report)
		}
	})
}

// execWorkflow runs `echo` through the built-in exec action.
const execWorkflow = `workflow:
  name: "echo-exec"
  trigger:
    event: "policy.violation.created"
  steps:
    - name: "run_echo"
      action: "exec"
      parameters:
        command: "echo"
        args: ["{\"ok\": true}"]
`

func TestWorkflowTestExecNeedsAllowExec(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	workflow := writeFile(t, filepath.Join(dir, "workflows", "echo.yaml"), execWorkflow)
	event := writeFile(t, filepath.Join(dir, "test-data", "event.json"), violationEvent("e1", "HIGH"))
	base := []string{"workflow", "test", "--workflow-file", workflow, "--test-data", event, "--repo", dir}
	env := map[string]string{"PATH": "/usr/bin:/bin"}

	r := runCLI(t, env, "", base...)
	r.wantCode(t, exitFailure)
	if !strings.Contains(r.stdout, "exec actions are disabled") {
		t.Errorf("stdout %q does not explain that exec is disabled", r.stdout)
	}
	runCLI(t, env, "", append(base, "--dry-run")...).wantCode(t, exitOK)
	runCLI(t, env, "", append(base, "--allow-exec")...).wantCode(t, exitOK)
}
