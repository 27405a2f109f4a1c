package sandbox

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const doublingWorkflow = `workflow:
  name: "string-doubling"
  description: "Doubles a string until it needs a terabyte"
  version: "1"
  trigger:
    event: "test.string_doubling"
  steps:
    - name: "double"
      type: "evaluation"
      script: |
        s = "x"
        for i in range(40):
            s = s + s
        return len(s)
`

const doublingEvent = `{"specversion":"1.0","id":"evt-1","source":"/test","type":"test.string_doubling",` +
	`"time":"2026-01-05T10:00:00Z","data":{}}`

// buildPolicycortex builds the policycortex binary into a temporary
// directory and returns its path.
func buildPolicycortex(tb testing.TB) string {
	tb.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		tb.Fatalf("find the go command: %v", err)
	}
	bin := filepath.Join(tb.TempDir(), "policycortex")
	build := exec.Command(goTool, "build", "-o", bin, "./cmd/policycortex")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestWorkflowTestStopsDoublingScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the policycortex binary")
	}
	t.Parallel()
	bin := buildPolicycortex(t)
	dir := t.TempDir()
	workflow := filepath.Join(dir, "doubling.yaml")
	event := filepath.Join(dir, "event.json")
	if err := os.WriteFile(workflow, []byte(doublingWorkflow), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(event, []byte(doublingEvent), 0o644); err != nil {
		t.Fatal(err)
	}

	// The bound only keeps a regression from hanging the suite: without the
	// sandbox this script runs for about a minute and needs 16 GB.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "workflow", "test", "--workflow-file", workflow, "--test-data", event)
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 1 {
		t.Fatalf("workflow test: %v, want exit code 1\n%s", err, out)
	}
	if !strings.Contains(string(out), "script exceeded its memory limit of 256 MiB") {
		t.Errorf("output does not report the memory limit:\n%s", out)
	}
}

func TestChildCommandHiddenFromHelp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the policycortex binary")
	}
	t.Parallel()
	out, err := exec.Command(buildPolicycortex(t), "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("policycortex --help: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "internal-script-child") {
		t.Errorf("help lists the child command:\n%s", out)
	}
}
