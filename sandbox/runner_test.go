package sandbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/policycortex/policycortex/engine"
	"github.com/policycortex/policycortex/expr"
)

var _ engine.ScriptRunner = (*Runner)(nil)

const doublingScript = `s = "x"
for i in range(40):
    s = s + s
return len(s)
`

// skipUnderRace skips a test that runs a script near its memory limit.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("ThreadSanitizer needs address space beyond the child's memory limit")
	}
}

func compile(t *testing.T, src string) *expr.Script {
	t.Helper()
	s, err := expr.CompileScript(src)
	if err != nil {
		t.Fatalf("CompileScript: %v", err)
	}
	return s
}

func TestRunnerOutput(t *testing.T) {
	t.Parallel()
	env, err := expr.NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	production, err := env.CompileCondition("resource.tags.Environment == 'production'")
	if err != nil {
		t.Fatal(err)
	}
	vars := &expr.Vars{
		Event: map[string]any{"id": "evt-7"},
		Data: map[string]any{
			"severity": "HIGH", "cost": 15000, "time": "a data field",
			"resource": map[string]any{"tags": map[string]any{"Environment": "production"}},
		},
		Steps:      map[string]any{"scan": map[string]any{"output": []any{"a", "b"}}},
		Conditions: map[string]*expr.Program{"production": production},
		Now:        time.Date(2026, 5, 4, 8, 30, 0, 0, time.UTC),
	}
	tests := []struct {
		name string
		src  string
		want any
	}{
		{"string", "return severity", "HIGH"},
		{"int", "return cost * 2", int64(30000)},
		{"integral float", "return 2.0", 2.0},
		{"float", "return 0.25", 0.25},
		{"large int", "return 1 << 62", int64(1) << 62},
		{"none", "return None", nil},
		{"named condition", "return production", true},
		{"builtin beats data", `return [time, data["time"]]`, []any{"08:30", "a data field"}},
		{"nested", `return {"id": event["id"], "first": steps["scan"]["output"][0], "n": [1, 2.5]}`,
			map[string]any{"id": "evt-7", "first": "a", "n": []any{int64(1), 2.5}}},
	}
	runner := testRunner(t, childArg)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := runner.Run(context.Background(), compile(t, tc.src), vars, expr.ScriptLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Run = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestRunnerPrint(t *testing.T) {
	t.Parallel()
	var lines []string
	limits := expr.ScriptLimits{Print: func(msg string) { lines = append(lines, msg) }}
	got, err := testRunner(t, childArg).Run(context.Background(), compile(t, "print('checking', 1)\nreturn True\n"), nil, limits)
	if err != nil {
		t.Fatal(err)
	}
	if got != true {
		t.Errorf("Run = %#v, want true", got)
	}
	if !slices.Equal(lines, []string{"checking 1"}) {
		t.Errorf("printed %q, want [checking 1]", lines)
	}
}

func TestRunnerScriptErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		script    *expr.Script
		line, col int
		text      string
	}{
		{"compile", &expr.Script{Source: "x = 1\nif x\n    return 2\n"}, 3, 1, "script line 3:1: got newline, want ':'"},
		{"runtime", compile(t, "x = {}\nreturn x['missing']\n"), 2, 9, `script line 2:9: key "missing" not in dict`},
		{"undefined name", compile(t, "x = 1\nreturn x + risk\n"), 2, 12, `script line 2:12: undefined name "risk" (not in event data)`},
	}
	runner := testRunner(t, childArg)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := runner.Run(context.Background(), tc.script, nil, expr.ScriptLimits{})
			var exprErr *expr.Error
			if !errors.As(err, &exprErr) {
				t.Fatalf("Run error = %v, want *expr.Error", err)
			}
			if exprErr.Line != tc.line || exprErr.Col != tc.col {
				t.Errorf("position = %d:%d, want %d:%d", exprErr.Line, exprErr.Col, tc.line, tc.col)
			}
			if err.Error() != tc.text {
				t.Errorf("error text = %q, want %q", err.Error(), tc.text)
			}
		})
	}
}

func TestRunnerStepLimit(t *testing.T) {
	t.Parallel()
	script := compile(t, "n = 0\nwhile True:\n    n += 1\n")
	_, err := testRunner(t, childArg).Run(context.Background(), script, nil, expr.ScriptLimits{MaxSteps: 1000, Timeout: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "exceeded the limit of 1000 execution steps") {
		t.Fatalf("Run error = %v, want the step limit", err)
	}
}

// TestRunnerMemoryLimit is not parallel, so that the resident size of the
// test process reflects this test alone.
func TestRunnerMemoryLimit(t *testing.T) {
	skipUnderRace(t)
	before := residentBytes(t)
	_, err := testRunner(t, childArg).Run(context.Background(), compile(t, doublingScript), nil, expr.ScriptLimits{Timeout: time.Minute})
	if !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("Run error = %v, want ErrMemoryLimit", err)
	}
	if err.Error() != "script exceeded its memory limit of 256 MiB" {
		t.Errorf("error text = %q", err.Error())
	}
	if after := residentBytes(t); after > before+32<<20 {
		t.Errorf("parent resident size grew from %d MiB to %d MiB during the script", before>>20, after>>20)
	}
}

func TestRunnerAllowsScriptsUnderLimit(t *testing.T) {
	skipUnderRace(t)
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want int64
	}{
		{"64 MiB string", "s = 'x'\nfor i in range(26):\n    s = s + s\nreturn len(s)\n", 64 << 20},
		{"100 MB of small strings", "l = []\nfor i in range(100000):\n    l.append('x' * 1000 + str(i))\nreturn len(l)\n", 100000},
	}
	runner := testRunner(t, childArg)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := runner.Run(context.Background(), compile(t, tc.src), nil, expr.ScriptLimits{MaxSteps: 1 << 40, Timeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Run = %v, want %d", got, tc.want)
			}
		})
	}
}

func TestRunnerCustomMemoryLimit(t *testing.T) {
	skipUnderRace(t)
	t.Parallel()
	runner := testRunner(t, childArg)
	runner.MemoryLimit = 64 << 20
	_, err := runner.Run(context.Background(), compile(t, doublingScript), nil, expr.ScriptLimits{Timeout: time.Minute})
	if err == nil || err.Error() != "script exceeded its memory limit of 64 MiB" {
		t.Fatalf("Run error = %v, want the 64 MiB limit", err)
	}
}

func TestRunnerInfiniteLoopTimeout(t *testing.T) {
	t.Parallel()
	script := compile(t, "n = 0\nwhile True:\n    n += 1\n")
	_, err := testRunner(t, childArg).Run(context.Background(), script, nil, expr.ScriptLimits{MaxSteps: 1 << 62, Timeout: 300 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run error = %v, want context.DeadlineExceeded", err)
	}
	if err.Error() != "script timed out after 300ms" {
		t.Errorf("error text = %q", err.Error())
	}
}

// hangingChild starts a Runner whose child ignores its request and blocks,
// with a grandchild in its process group. It returns the Run error and the
// two pids.
func hangingChild(t *testing.T, ctx context.Context, limits expr.ScriptLimits, afterStart func()) (error, []int) {
	t.Helper()
	pidFile := filepath.Join(t.TempDir(), "pids")
	runner := testRunner(t, hangArg, pidFile)
	done := make(chan error, 1)
	go func() {
		_, err := runner.Run(ctx, compile(t, "return 1\n"), nil, limits)
		done <- err
	}()
	var pids []int
	for len(pids) < 2 {
		select {
		case err := <-done:
			t.Fatalf("Run returned before the child wrote its pids: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		text, err := os.ReadFile(pidFile)
		if err != nil || !strings.Contains(string(text), " ") {
			continue
		}
		for _, field := range strings.Fields(string(text)) {
			pid, err := strconv.Atoi(field)
			if err != nil {
				t.Fatal(err)
			}
			pids = append(pids, pid)
		}
	}
	afterStart()
	return <-done, pids
}

func TestRunnerKillsGroupAtTimeout(t *testing.T) {
	t.Parallel()
	err, pids := hangingChild(t, context.Background(), expr.ScriptLimits{Timeout: 2 * time.Second}, func() {})
	if !errors.Is(err, context.DeadlineExceeded) || err.Error() != "script timed out after 2s" {
		t.Fatalf("Run error = %v, want a timeout after 2s", err)
	}
	for _, pid := range pids {
		waitGone(t, pid)
	}
}

func TestRunnerContextCancelKillsChild(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err, pids := hangingChild(t, ctx, expr.ScriptLimits{Timeout: time.Hour}, cancel)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run error = %v, want context.Canceled", err)
	}
	if err.Error() != "script stopped: context canceled" {
		t.Errorf("error text = %q", err.Error())
	}
	for _, pid := range pids {
		waitGone(t, pid)
	}
}

func TestRunnerOutputLimit(t *testing.T) {
	t.Parallel()
	_, err := testRunner(t, childArg).Run(context.Background(), compile(t, "return 'x' * 2000000\n"), nil, expr.ScriptLimits{})
	if !errors.Is(err, ErrOutputLimit) {
		t.Fatalf("Run error = %v, want ErrOutputLimit", err)
	}
	if err.Error() != "script output exceeds the limit of 1 MiB" {
		t.Errorf("error text = %q", err.Error())
	}
}

func TestRunnerChildIsolation(t *testing.T) {
	t.Parallel()
	leaked := filepath.Join(t.TempDir(), "leaked")
	if err := os.WriteFile(leaked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// syscall.Open sets no close-on-exec flag, so every child started
	// while fd is open inherits it.
	fd, err := syscall.Open(leaked, syscall.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)

	out, err := testRunner(t, probeArg).Run(context.Background(), compile(t, "return 1\n"), nil, expr.ScriptLimits{})
	if err != nil {
		t.Fatal(err)
	}
	report, ok := out.(map[string]any)
	if !ok {
		t.Fatalf("probe output = %#v, want an object", out)
	}
	if !slices.Contains(report["before"].([]any), any(leaked)) {
		t.Errorf("descriptors before closing = %v, want the leaked file, or this test proves nothing", report["before"])
	}
	if slices.Contains(report["after"].([]any), any(leaked)) {
		t.Errorf("descriptors after closing = %v, still has the leaked file", report["after"])
	}
	wantEnv := []any{"POLICYCORTEX_SCRIPT_MEMORY_LIMIT=268435456", "MALLOC_ARENA_MAX=1"}
	if !reflect.DeepEqual(report["env"], wantEnv) {
		t.Errorf("child environment = %v, want %v", report["env"], wantEnv)
	}
}

func TestRunnerMissingExecutable(t *testing.T) {
	t.Parallel()
	runner := &Runner{Executable: filepath.Join(t.TempDir(), "absent")}
	_, err := runner.Run(context.Background(), compile(t, "return 1\n"), nil, expr.ScriptLimits{})
	if err == nil || !strings.Contains(err.Error(), "run script: start") {
		t.Fatalf("Run error = %v, want a start failure", err)
	}
}

func TestRunnerBoundsChildrenAlive(t *testing.T) {
	t.Parallel()
	runner := testRunner(t, childArg)
	runner.MaxChildren = 1
	slow := compile(t, "n = 0\nwhile True:\n    n += 1\n")
	started := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := runner.Run(context.Background(), slow, nil, expr.ScriptLimits{MaxSteps: 1 << 62, Timeout: 500 * time.Millisecond})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)

	// The only slot is taken, so this script times out waiting for it.
	_, err := runner.Run(context.Background(), compile(t, "return 1\n"), nil, expr.ScriptLimits{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting for one of 1 script slots") {
		t.Errorf("second Run error = %v, want a timeout waiting for a slot", err)
	}
	<-done
	out, err := runner.Run(context.Background(), compile(t, "return 1\n"), nil, expr.ScriptLimits{Timeout: 5 * time.Second})
	if err != nil || out != int64(1) {
		t.Errorf("Run after the slot is free = %v, %v; want 1 (after %s)", out, err, time.Since(started))
	}
}
