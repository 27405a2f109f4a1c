package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cliTimeout bounds one CLI invocation. It guards against a hang, and no
// command in these tests comes near it when it works.
const cliTimeout = 60 * time.Second

// cliResult is the outcome of one policycortex invocation.
type cliResult struct {
	Stdout   string
	Stderr   string
	ExitCode int
	Elapsed  time.Duration
	// MaxRSS is the process's peak resident set size in bytes.
	MaxRSS int64
}

// runCLI runs the binary with args in dir, or in the test's working
// directory when dir is empty. It fails the test when the process cannot
// start or exceeds cliTimeout. The caller checks the exit code.
func runCLI(t *testing.T, dir string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, suite.binary, args...)
	cmd.Dir = dir
	cmd.Env = cliEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr

	start := time.Now()
	err := cmd.Run()
	res := cliResult{Stdout: stdout.String(), Stderr: stderr.String(), Elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("policycortex %q did not finish within %s\nstdout:\n%s\nstderr:\n%s", args, cliTimeout, res.Stdout, res.Stderr)
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	default:
		t.Fatalf("run policycortex %q: %v", args, err)
	}
	if usage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		// Linux reports ru_maxrss in KiB.
		res.MaxRSS = usage.Maxrss * 1024
	}
	return res
}

// wantExit fails the test unless the command exited with code, printing its
// output otherwise.
func (r cliResult) wantExit(t *testing.T, code int, command string) {
	t.Helper()
	if r.ExitCode != code {
		t.Fatalf("%s: exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", command, r.ExitCode, code, r.Stdout, r.Stderr)
	}
}

// cliEnv is the environment of CLI invocations and daemons: the test's own,
// without the client variables that would point commands at another daemon.
func cliEnv() []string {
	return filteredEnv("POLICYCORTEX_SERVER", "POLICYCORTEX_TOKEN_FILE", "POLICYCORTEX_GIT_TOKEN",
		"SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN", "SLACK_API_URL")
}

// filteredEnv returns the process environment without the named variables.
func filteredEnv(drop ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, name) {
			env = append(env, kv)
		}
	}
	return env
}
