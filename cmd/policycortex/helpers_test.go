package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cliResult is the outcome of one in-process CLI invocation.
type cliResult struct {
	code   int
	stdout string
	stderr string
}

// runCLI runs the root command with args, an environment holding only env,
// and stdin.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	lookupEnv := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr, lookupEnv)
	return cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// wantCode fails the test unless the invocation exited with want.
func (r cliResult) wantCode(t *testing.T, want int) {
	t.Helper()
	if r.code != want {
		t.Fatalf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, want, r.stdout, r.stderr)
	}
}

// triageWorkflow starts a run for HIGH and CRITICAL policy violations; its
// one step is an evaluation step that needs no connector.
const triageWorkflow = `workflow:
  name: "violation-triage"
  description: "Triage severe policy violations"
  version: "3"
  trigger:
    event: "policy.violation.created"
    conditions:
      - severity: ["HIGH", "CRITICAL"]
  steps:
    - name: "assess"
      type: "evaluation"
      conditions:
        - environment: "production"
`

// violationEvent is a CloudEvent that triageWorkflow matches when severity
// is HIGH or CRITICAL.
func violationEvent(id, severity string) string {
	return `{"specversion":"1.0","id":"` + id + `","source":"/scanner/aws","type":"policy.violation.created",` +
		`"time":"2025-03-01T10:00:00Z","data":{"severity":"` + severity + `","environment":"production"}}`
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Policy Author", "GIT_AUTHOR_EMAIL=author@example.com",
		"GIT_COMMITTER_NAME=Policy Author", "GIT_COMMITTER_EMAIL=author@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// newPolicyRepo creates a Git repository with triageWorkflow committed on
// main and returns its directory and head commit.
func newPolicyRepo(t *testing.T) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "policy")
	runGit(t, "", "-c", "init.defaultBranch=main", "init", "-q", dir)
	writeFile(t, filepath.Join(dir, "workflows", "triage.yaml"), triageWorkflow)
	runGit(t, dir, "add", "-A")
	runGit(t, dir, "commit", "-q", "-m", "Add triage workflow")
	return dir, runGit(t, dir, "rev-parse", "HEAD")
}
