package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"time"
)

// Limits of the exec code path.
const (
	// maxExecStdout is the most stdout kept; a program writing more fails.
	maxExecStdout = 1 << 20
	// maxExecStderr is how much of the end of stderr is kept for errors.
	maxExecStderr = 2 << 10
	// execWaitDelay is how long Wait waits, after the program exits or is
	// killed, for processes it left behind to close stdout and stderr.
	execWaitDelay = 2 * time.Second
)

// execRunner runs execCalls for the built-in exec action and user-defined
// exec actions.
// ErrExecDisabled is returned by exec actions unless Options.AllowExec is
// set: a program run by a workflow runs with the daemon's rights.
var ErrExecDisabled = errors.New("exec actions are disabled; pass --allow-exec to serve (or to workflow test) to let workflows run programs")

type execRunner struct {
	allowed   bool
	lookupEnv func(string) (string, bool)
	logger    *slog.Logger
	red       *redactor
}

// render describes call as it would run, with passed-through variable
// values and known secrets redacted.
func (r *execRunner) render(call execCall, inv Invocation) Request {
	return Request{
		Kind:    KindExec,
		Command: call.command,
		Args:    r.red.value(call.args).([]string),
		Env:     r.environment(call, inv, true),
		Stdin:   r.red.value(call.input),
	}
}

// run starts the program in its own process group, writes the input,
// waits at most the timeout and decodes stdout as JSON. Empty stdout is a
// null output.
func (r *execRunner) run(ctx context.Context, call execCall, inv Invocation) (any, error) {
	where := "exec " + call.command
	if !r.allowed {
		return nil, permanentError(where+": "+ErrExecDisabled.Error(), ErrExecDisabled)
	}
	pathEnv, _ := r.lookupEnv("PATH")
	path, err := lookPath(call.command, pathEnv)
	if err != nil {
		return nil, permanentError(fmt.Sprintf("%s: %v", where, err), err)
	}
	input, err := json.Marshal(call.input)
	if err != nil {
		return nil, permanentError(fmt.Sprintf("%s: encode input as JSON: %v", where, err), nil)
	}

	timeout := effectiveTimeout(call.timeout, inv.Timeout)
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, path, call.args...)
	cmd.Env = r.environment(call, inv, false)
	cmd.Stdin = bytes.NewReader(input)
	stdout := &cappedBuffer{limit: maxExecStdout}
	stderr := &tailBuffer{limit: maxExecStderr}
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	cmd.WaitDelay = execWaitDelay
	if err := useProcessGroup(cmd); err != nil {
		return nil, permanentError(fmt.Sprintf("%s: %v", where, err), err)
	}

	started := time.Now()
	if err := cmd.Start(); err != nil {
		if runCtx.Err() != nil {
			return nil, r.interrupted(ctx, where+": not started", timeout, stderr)
		}
		return nil, permanentError(fmt.Sprintf("%s: start: %s", where, r.red.text(err.Error())), err)
	}
	waitErr := cmd.Wait()
	killGroup(cmd)
	r.logger.LogAttrs(ctx, slog.LevelDebug, "action program finished",
		slog.String("command", call.command), slog.Duration("duration", time.Since(started)),
		slog.String("run", inv.RunID), slog.String("step", inv.Step))

	if runCtx.Err() != nil {
		return nil, r.interrupted(ctx, where+": process group killed", timeout, stderr)
	}
	if err := r.waitError(ctx, where, waitErr, stderr, inv); err != nil {
		return nil, err
	}
	if stdout.overflow {
		return nil, permanentError(fmt.Sprintf("%s: stdout exceeds the %d-byte limit%s",
			where, maxExecStdout, r.stderrSuffix(stderr)), nil)
	}
	return r.decodeStdout(where, stdout.buf.Bytes(), stderr)
}

// interrupted describes a run stopped by its timeout or by the caller's
// context. Both are retryable.
func (r *execRunner) interrupted(ctx context.Context, where string, timeout time.Duration, stderr *tailBuffer) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return retryableError(where+": cancelled"+r.stderrSuffix(stderr), context.Canceled)
	}
	return retryableError(fmt.Sprintf("%s: timed out after %s%s",
		where, timeout, r.stderrSuffix(stderr)), context.DeadlineExceeded)
}

// waitError classifies the error of Wait. A non-zero exit is permanent.
// ErrWaitDelay after a successful exit only means a leftover process kept
// stdout or stderr open, so it is logged and the output used.
func (r *execRunner) waitError(ctx context.Context, where string, err error, stderr *tailBuffer, inv Invocation) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		r.logger.LogAttrs(ctx, slog.LevelWarn, "program left a process holding its output open",
			slog.String("command", where), slog.String("run", inv.RunID), slog.String("step", inv.Step))
		return nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return permanentError(fmt.Sprintf("%s: %v%s", where, exitErr, r.stderrSuffix(stderr)), err)
	}
	return permanentError(fmt.Sprintf("%s: %s%s", where, r.red.text(err.Error()), r.stderrSuffix(stderr)), err)
}

// decodeStdout parses stdout as one JSON value.
func (r *execRunner) decodeStdout(where string, stdout []byte, stderr *tailBuffer) (any, error) {
	if len(bytes.TrimSpace(stdout)) == 0 {
		return nil, nil
	}
	out, err := decodeJSON(stdout)
	if err != nil {
		return nil, permanentError(fmt.Sprintf("%s: stdout is not JSON (%v): %s%s", where, err,
			quoteExcerpt(r.red.text(string(stdout)), maxErrorBody), r.stderrSuffix(stderr)), nil)
	}
	return out, nil
}

// stderrSuffix formats the kept end of stderr for an error message.
func (r *execRunner) stderrSuffix(stderr *tailBuffer) string {
	text := strings.TrimSpace(stderr.String())
	if text == "" {
		return ""
	}
	quoted := fmt.Sprintf("%q", r.red.text(text))
	if stderr.dropped {
		quoted = "..." + quoted
	}
	return "; stderr: " + quoted
}

// cappedBuffer keeps the first limit bytes written. It accepts and drops
// the rest, so the program does not block on a full pipe.
type cappedBuffer struct {
	buf      bytes.Buffer
	limit    int
	overflow bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	room := c.limit - c.buf.Len()
	if len(p) > room {
		c.overflow = true
		c.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	c.buf.Write(p)
	return len(p), nil
}

// tailBuffer keeps the last limit bytes written.
type tailBuffer struct {
	data    []byte
	limit   int
	dropped bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.data = append(t.data, p...)
	if extra := len(t.data) - t.limit; extra > 0 {
		t.data = append(t.data[:0], t.data[extra:]...)
		t.dropped = true
	}
	return len(p), nil
}

// String returns the kept bytes.
func (t *tailBuffer) String() string { return string(t.data) }
