package actions

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// execOptions returns options whose environment holds the test's PATH and
// vars.
func execOptions(vars map[string]string) Options {
	env := map[string]string{"PATH": os.Getenv("PATH")}
	for name, value := range vars {
		env[name] = value
	}
	return Options{LookupEnv: fakeEnv(env), AllowExec: true}
}

// shell returns exec parameters that run script with /bin/sh, which is
// only the program under test here; the action itself uses no shell.
func shell(script string, extra map[string]any) map[string]any {
	params := map[string]any{"command": "/bin/sh", "args": []any{"-c", script}}
	for key, value := range extra {
		params[key] = value
	}
	return params
}

func TestExecJSONRoundTrip(t *testing.T) {
	t.Parallel()
	action := lookupAction(t, Connectors{}, execOptions(nil), ActionExec)
	input := map[string]any{"bucket": "logs", "count": int64(3), "tags": []any{"a", true}}
	out, err := execute(t, action, map[string]any{"command": "cat", "input": input})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if !reflect.DeepEqual(out, input) {
		t.Errorf("output = %#v, want %#v", out, input)
	}
}

func TestExecDefaultInputIsParams(t *testing.T) {
	t.Parallel()
	action := lookupAction(t, Connectors{}, execOptions(nil), ActionExec)
	params := map[string]any{"command": "cat", "args": []any{"-"}}
	out, err := execute(t, action, params)
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if !reflect.DeepEqual(out, params) {
		t.Errorf("output = %#v, want %#v", out, params)
	}
}

func TestExecEnvironmentAllowList(t *testing.T) {
	t.Parallel()
	action := lookupAction(t, Connectors{}, execOptions(map[string]string{
		"ALLOWED":     "yes",
		"NOT_LISTED":  "leaked",
		"HOME":        "/root",
		"RUN_PROFILE": "prod",
	}), ActionExec)
	script := `printf '{"allowed":"%s","not_listed":"%s","home":"%s","key":"%s","run":"%s","step":"%s","path_set":%s}' ` +
		`"$ALLOWED" "${NOT_LISTED-unset}" "${HOME-unset}" "$POLICYCORTEX_IDEMPOTENCY_KEY" ` +
		`"$POLICYCORTEX_RUN_ID" "$POLICYCORTEX_STEP" "$([ -n "$PATH" ] && echo true || echo false)"`
	out, err := execute(t, action, shell(script, map[string]any{"env": []any{"ALLOWED", "UNSET_VAR"}}))
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	want := map[string]any{
		"allowed":    "yes",
		"not_listed": "unset",
		"home":       "unset",
		"key":        "run-1/notify/1",
		"run":        "run-1",
		"step":       "notify",
		"path_set":   true,
	}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("output = %#v, want %#v", out, want)
	}
}

func TestExecTimeoutKillsProcessGroup(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	action := lookupAction(t, Connectors{}, execOptions(nil), ActionExec)
	started := time.Now()
	_, err := execute(t, action, map[string]any{
		"command": "/bin/sh",
		"args":    []any{"-c", `sleep 60 & echo $! > "$1"; echo waiting >&2; wait`, "sh", pidFile},
		"timeout": "300ms",
	})
	requireActionError(t, err, true, "process group killed: timed out after 300ms", "waiting")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%q, context.DeadlineExceeded) = false", err)
	}
	if elapsed := time.Since(started); elapsed > 10*time.Second {
		t.Errorf("Execute returned after %v; the timeout did not stop it", elapsed)
	}

	data, readErr := os.ReadFile(pidFile)
	if readErr != nil {
		t.Fatalf("read child pid: %v", readErr)
	}
	pid, convErr := strconv.Atoi(strings.TrimSpace(string(data)))
	if convErr != nil {
		t.Fatalf("parse child pid %q: %v", data, convErr)
	}
	// SIGKILL is delivered before Wait returns, but the kernel may take a
	// moment to tear the process down, so poll briefly.
	deadline := time.Now().Add(5 * time.Second)
	for processRunning(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("child process %d still runs after the timeout", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// processRunning reports whether pid exists and is not a zombie.
func processRunning(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name: "pid (comm) S ...".
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}

func TestExecFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		params map[string]any
		wants  []string
	}{
		{"non-JSON stdout", shell(`echo hello; echo oops >&2`, nil),
			[]string{"stdout is not JSON", `"hello\n"`, `stderr: "oops"`}},
		{"non-zero exit", shell(`echo '{}'; echo boom >&2; exit 3`, nil),
			[]string{"exit status 3", `stderr: "boom"`}},
		{"trailing data", shell(`echo '{} {}'`, nil), []string{"stdout is not JSON"}},
		{"command not found", map[string]any{"command": "no-such-program-xyz"},
			[]string{"exec no-such-program-xyz", "not found in PATH"}},
		{"missing path", map[string]any{"command": "/nonexistent/tool"},
			[]string{"/nonexistent/tool", "no such file"}},
		{"stdout over the limit", shell(`head -c 1100000 /dev/zero`, nil),
			[]string{"stdout exceeds the 1048576-byte limit"}},
		{"missing command", map[string]any{}, []string{"parameter command is required"}},
		{"invalid env name", map[string]any{"command": "cat", "env": []any{"A=B"}}, []string{`invalid variable name "A=B"`}},
	}
	action := lookupAction(t, Connectors{}, execOptions(nil), ActionExec)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := execute(t, action, tc.params)
			requireActionError(t, err, false, tc.wants...)
		})
	}
}

func TestExecStderrTailIsBounded(t *testing.T) {
	t.Parallel()
	action := lookupAction(t, Connectors{}, execOptions(nil), ActionExec)
	_, err := execute(t, action, shell(`head -c 10000 /dev/zero | tr '\0' a >&2; echo END >&2; exit 1`, nil))
	requireActionError(t, err, false, "exit status 1", `aaaa`, `END`, `..."`)
	if n := strings.Count(err.Error(), "a"); n > maxExecStderr {
		t.Errorf("error quotes %d bytes of stderr, want at most %d", n, maxExecStderr)
	}
}

func TestExecEmptyStdoutIsNull(t *testing.T) {
	t.Parallel()
	action := lookupAction(t, Connectors{}, execOptions(nil), ActionExec)
	out, err := execute(t, action, shell(`true`, nil))
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if out != nil {
		t.Errorf("output = %#v, want nil", out)
	}
}

func TestExecRenderMasksEnvironment(t *testing.T) {
	t.Parallel()
	action := lookupAction(t, Connectors{}, execOptions(map[string]string{"AWS_SECRET": "hunter2hunter2"}), ActionExec)
	req, err := action.Render(testInvocation(map[string]any{
		"command": "remediate",
		"args":    []any{"--bucket", "logs", 3},
		"env":     []any{"AWS_SECRET"},
		"input":   map[string]any{"dry": true},
	}))
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if req.Kind != KindExec || req.Command != "remediate" {
		t.Errorf("Kind, Command = %q, %q", req.Kind, req.Command)
	}
	if want := []string{"--bucket", "logs", "3"}; !reflect.DeepEqual(req.Args, want) {
		t.Errorf("Args = %q, want %q", req.Args, want)
	}
	for _, want := range []string{"AWS_SECRET=***", EnvIdempotencyKey + "=run-1/notify/1", EnvStep + "=notify"} {
		found := false
		for _, item := range req.Env {
			found = found || item == want
		}
		if !found {
			t.Errorf("Env %q lacks %q", req.Env, want)
		}
	}
	if !reflect.DeepEqual(req.Stdin, map[string]any{"dry": true}) {
		t.Errorf("Stdin = %#v", req.Stdin)
	}
	requireNoSecret(t, req.String(), "hunter2hunter2")
}

func TestExecCallerCancelIsRetryable(t *testing.T) {
	t.Parallel()
	action := lookupAction(t, Connectors{}, execOptions(nil), ActionExec)
	marker := filepath.Join(t.TempDir(), "started")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := action.Execute(ctx, testInvocation(map[string]any{
			"command": "/bin/sh",
			"args":    []any{"-c", `touch "$1"; exec sleep 60`, "sh", marker},
		}))
		done <- err
	}()

	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("program did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		requireActionError(t, err, true, "process group killed: cancelled")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(%q, context.Canceled) = false", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Execute did not return after the context was cancelled")
	}
}

func TestExecCancelledBeforeStart(t *testing.T) {
	t.Parallel()
	action := lookupAction(t, Connectors{}, execOptions(nil), ActionExec)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := action.Execute(ctx, testInvocation(map[string]any{"command": "cat"}))
	requireActionError(t, err, true, "not started: cancelled")
}

func TestExecKillsLeftoverChildren(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	action := lookupAction(t, Connectors{}, execOptions(nil), ActionExec)
	out, err := execute(t, action, map[string]any{
		"command": "/bin/sh",
		"args":    []any{"-c", `sleep 30 & echo $! > "$1"; echo '{"ok":true}'`, "sh", pidFile},
		"timeout": "20s",
	})
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	if got, _ := out.(map[string]any); got["ok"] != true {
		t.Errorf("output = %v, want {ok: true}", out)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	deadline := time.Now().Add(2 * time.Second)
	for processRunning(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("background child %d of a finished exec step still runs", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestExecDisabledByDefault(t *testing.T) {
	t.Parallel()
	action := lookupAction(t, Connectors{}, Options{}, ActionExec)
	_, err := execute(t, action, map[string]any{"command": "true"})
	if !errors.Is(err, ErrExecDisabled) {
		t.Fatalf("exec without AllowExec error = %v, want ErrExecDisabled", err)
	}
	if Retryable(err) {
		t.Error("disabled exec error is retryable, want permanent")
	}
	if _, err := action.Render(testInvocation(map[string]any{"command": "true"})); err != nil {
		t.Errorf("Render without AllowExec: %v, want the request rendered for dry runs", err)
	}
}
