package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/policycortex/policycortex/schema"
)

// misspelledWorkflow has the key "stpes" on line 6, column 3.
const misspelledWorkflow = `workflow:
  name: "broken"
  version: "1"
  trigger:
    event: "policy.violation.created"
  stpes:
    - name: "assess"
`

func TestLintExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeFile(t, filepath.Join(dir, "workflows", "triage.yaml"), triageWorkflow)
	bad := writeFile(t, filepath.Join(dir, "workflows", "broken.yaml"), misspelledWorkflow)

	t.Run("clean file", func(t *testing.T) {
		r := runCLI(t, nil, "", "lint", good)
		r.wantCode(t, exitOK)
		if r.stdout != "" {
			t.Errorf("stdout = %q, want nothing for a clean file", r.stdout)
		}
	})
	t.Run("file with an error", func(t *testing.T) {
		r := runCLI(t, nil, "", "lint", bad)
		r.wantCode(t, exitFailure)
		want := bad + `:6:3: unknown key "stpes"`
		if !strings.HasPrefix(r.stdout, want) {
			t.Errorf("stdout = %q, want a line starting with %q", r.stdout, want)
		}
		if !strings.Contains(r.stderr, "1 error, 0 warnings") {
			t.Errorf("stderr = %q, want the summary", r.stderr)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		r := runCLI(t, nil, "", "lint", filepath.Join(dir, "workflows", "absent.yaml"))
		r.wantCode(t, exitUsage)
		if !strings.Contains(r.stderr, "absent.yaml") {
			t.Errorf("stderr = %q, want the missing path", r.stderr)
		}
	})
	t.Run("directory with an error", func(t *testing.T) {
		r := runCLI(t, nil, "", "lint", "--repo", dir, dir)
		r.wantCode(t, exitFailure)
		if !strings.Contains(r.stdout, "broken.yaml:6:3:") {
			t.Errorf("stdout = %q, want the problem of broken.yaml", r.stdout)
		}
	})
}

func TestLintJSON(t *testing.T) {
	t.Parallel()
	bad := writeFile(t, filepath.Join(t.TempDir(), "workflows", "broken.yaml"), misspelledWorkflow)
	r := runCLI(t, nil, "", "lint", "--format", "json", bad)
	r.wantCode(t, exitFailure)
	var report lintReport
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("decode %q: %v", r.stdout, err)
	}
	if report.Errors != 1 || len(report.Problems) != 1 {
		t.Fatalf("report = %+v, want one error", report)
	}
	p := report.Problems[0]
	if p.File != bad || p.Line != 6 || p.Column != 3 || p.Severity != "error" {
		t.Errorf("problem = %+v, want %s:6:3 error", p, bad)
	}
}

func TestPrintLintWarningsDoNotFail(t *testing.T) {
	t.Parallel()
	problems := schema.Problems{
		{Pos: schema.Pos{File: "b.yaml", Line: 2, Col: 1}, Severity: schema.SeverityWarning, Message: "version unchanged"},
		{Pos: schema.Pos{File: "a.yaml", Line: 9, Col: 4}, Severity: schema.SeverityWarning, Message: "deprecated key"},
	}
	var stdout, stderr bytes.Buffer
	cmd := &cobra.Command{}
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	if err := printLint(cmd, problems, formatText); err != nil {
		t.Fatalf("printLint with warnings only = %v, want nil", err)
	}
	want := "a.yaml:9:4: warning: deprecated key\nb.yaml:2:1: warning: version unchanged\n"
	if stdout.String() != want {
		t.Errorf("stdout = %q, want %q (sorted by file)", stdout.String(), want)
	}
	if stderr.String() != "0 errors, 2 warnings\n" {
		t.Errorf("stderr = %q, want the summary", stderr.String())
	}
}
