package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, exitOK},
		{"usage", usageErrorf("bad flag"), exitUsage},
		{"io", ioError(errors.New("read file")), exitUsage},
		{"failure", failure(errors.New("step failed")), exitFailure},
		{"silent failure", silentFailure(), exitFailure},
		{"untyped", errors.New("boom"), exitFailure},
		{"wrapped usage", fmt.Errorf("context: %w", usageErrorf("bad")), exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestUsageErrorPrintsHelpHint(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, "", "workflow", "history", "--limit", "0")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.stderr, "invalid --limit 0") {
		t.Errorf("stderr %q does not name the flag", r.stderr)
	}
	if !strings.Contains(r.stderr, "Run 'policycortex workflow history --help' for usage.") {
		t.Errorf("stderr %q has no help hint for the command", r.stderr)
	}
}

func TestFlagValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown subcommand", []string{"workflow", "frobnicate"}, `unknown command "frobnicate"`},
		{"group without subcommand", []string{"runs"}, "needs a subcommand"},
		{"unknown flag", []string{"status", "--verbose"}, "unknown flag"},
		{"serve without repo", []string{"serve"}, "--repo is required"},
		{"serve bad log format", []string{"serve", "--repo", ".", "--log-format", "xml"}, "invalid --log-format"},
		{"serve bad log level", []string{"serve", "--repo", ".", "--log-level", "loud"}, "invalid --log-level"},
		{"serve zero workers", []string{"serve", "--repo", ".", "--workers", "0"}, "invalid --workers"},
		{"serve short poll", []string{"serve", "--repo", ".", "--poll-interval", "10ms"}, "invalid --poll-interval"},
		{"serve small script memory", []string{"serve", "--repo", ".", "--script-memory-mib", "1"}, "invalid --script-memory-mib"},
		{"serve no script children", []string{"serve", "--repo", ".", "--script-children", "0"}, "invalid --script-children"},
		{"serve bad listen", []string{"serve", "--repo", ".", "--listen", "8080"}, "invalid --listen"},
		{"serve bad duration", []string{"serve", "--repo", ".", "--poll-interval", "soon"}, "invalid argument"},
		{"lint without paths", []string{"lint"}, "requires at least 1 arg"},
		{"lint bad format", []string{"lint", "--format", "xml", "x.yaml"}, "invalid --format"},
		{"events send without files", []string{"events", "send"}, "requires at least 1 arg"},
		{"history bad status", []string{"workflow", "history", "--status", "broken"}, "invalid --status"},
		{"history limit too high", []string{"workflow", "history", "--limit", "5000"}, "invalid --limit"},
		{"history bad output", []string{"workflow", "history", "--output", "yaml"}, "invalid --output"},
		{"metrics without workflow", []string{"workflow", "metrics"}, "--workflow is required"},
		{"metrics bad range", []string{"workflow", "metrics", "--workflow", "w", "--time-range", "forever"}, "invalid --time-range"},
		{"metrics zero range", []string{"workflow", "metrics", "--workflow", "w", "--time-range", "0d"}, "invalid --time-range"},
		{"test without workflow file", []string{"workflow", "test", "--test-data", "e.json"}, "--workflow-file is required"},
		{"test without test data", []string{"workflow", "test", "--workflow-file", "w.yaml"}, "--test-data is required"},
		{"show without name", []string{"workflow", "show"}, "accepts 1 arg"},
		{"runs show two ids", []string{"runs", "show", "a", "b"}, "accepts 1 arg"},
		{"runs show dot dot", []string{"runs", "show", ".."}, "invalid run id"},
		{"bad server url", []string{"status", "--server", "127.0.0.1:8080"}, "invalid --server"},
		{"bad server from env", []string{"workflow", "list", "--server", "ftp://host"}, "invalid --server"},
		{"debug without workflow", []string{"workflow", "debug"}, "--workflow is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, nil, "", tt.args...)
			r.wantCode(t, exitUsage)
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q does not contain %q", r.stderr, tt.want)
			}
		})
	}
}

func TestWorkflowDebugUnsupported(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, "", "workflow", "debug", "--workflow", "security-incident-response",
		"--enable-detailed-logging", "--log-level", "debug")
	r.wantCode(t, exitFailure)
	if !strings.Contains(r.stderr, "not supported yet") {
		t.Errorf("stderr %q does not say the command is not supported", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
}

func TestServerFromEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{"POLICYCORTEX_SERVER": "not a url"}
	r := runCLI(t, env, "", "status")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.stderr, `invalid --server "not a url"`) {
		t.Errorf("stderr %q does not show the server from the environment", r.stderr)
	}
}

func TestTokenFileMissing(t *testing.T) {
	t.Parallel()
	env := map[string]string{"POLICYCORTEX_TOKEN_FILE": "/nonexistent/token"}
	r := runCLI(t, env, "", "status")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.stderr, "read --token-file") {
		t.Errorf("stderr %q does not name the token file", r.stderr)
	}
}
