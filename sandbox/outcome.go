package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/policycortex/policycortex/expr"
)

// outcome turns a finished child into the script's result or error.
func (r *Runner) outcome(ctx context.Context, res *childResult, limits expr.ScriptLimits) (any, error) {
	switch {
	case res.overflow:
		return nil, &expr.Error{Msg: fmt.Sprintf("script output exceeds the limit of %s", formatBytes(maxStdout)), Err: ErrOutputLimit}
	case res.waitErr == nil:
		return decodeReply(res.stdout, limits)
	case res.timedOut:
		return nil, timeoutError(limits.Timeout)
	case ctx.Err() != nil:
		return nil, stoppedError(ctx, res.started)
	case outOfMemory(res.stderrHead):
		return nil, &expr.Error{Msg: fmt.Sprintf("script exceeded its memory limit of %s", formatBytes(r.memoryLimit())), Err: ErrMemoryLimit}
	}
	return nil, crashError(res)
}

func timeoutError(d time.Duration) error {
	return &expr.Error{Msg: fmt.Sprintf("script timed out after %s", d), Err: context.DeadlineExceeded}
}

// stoppedError reports a child killed because the caller's context ended.
func stoppedError(ctx context.Context, started time.Time) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		d := time.Since(started)
		if deadline, ok := ctx.Deadline(); ok {
			d = deadline.Sub(started)
		}
		return timeoutError(d.Round(time.Millisecond))
	}
	return &expr.Error{Msg: "script stopped: " + context.Cause(ctx).Error(), Err: ctx.Err()}
}

// outOfMemory reports whether stderr has a text by which the Go runtime
// reports a failed allocation: "fatal error: out of memory", "runtime: out
// of memory: cannot allocate ...", or errno 12 (ENOMEM) when a thread or a
// mapping cannot be created.
func outOfMemory(stderrHead string) bool {
	for _, marker := range []string{"out of memory", "cannot allocate memory", "errno=12"} {
		if strings.Contains(stderrHead, marker) {
			return true
		}
	}
	return false
}

// crashError reports a child that ended without a reply for a reason other
// than the limits: a signal from elsewhere, or a failure to set up.
func crashError(res *childResult) error {
	detail := res.waitErr.Error()
	var exitErr *exec.ExitError
	if errors.As(res.waitErr, &exitErr) {
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() && status.Signal() == syscall.SIGKILL {
			detail += " (killed from outside the daemon, possibly by the kernel's out-of-memory killer)"
		}
	}
	if stderr := strings.TrimSpace(res.stderr); stderr != "" {
		detail += ": " + lastLines(stderr, 5)
	}
	return fmt.Errorf("run script: child process failed: %s", detail)
}

// lastLines returns at most n trailing lines of text.
func lastLines(text string, n int) string {
	lines := strings.Split(text, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// decodeReply reads the child's reply, forwards its print() output and
// returns its output or script error.
func decodeReply(stdout []byte, limits expr.ScriptLimits) (any, error) {
	decoder := json.NewDecoder(bytes.NewReader(stdout))
	decoder.UseNumber()
	var rep reply
	if err := decoder.Decode(&rep); err != nil {
		return nil, fmt.Errorf("run script: decode child reply: %w", err)
	}
	if limits.Print != nil {
		for _, line := range rep.Prints {
			limits.Print(line)
		}
	}
	if rep.Error != nil {
		return nil, replyErrorOf(rep.Error, limits.Timeout)
	}
	out, err := decodeNumbers(rep.Output)
	if err != nil {
		return nil, fmt.Errorf("run script: %w", err)
	}
	return out, nil
}

// replyErrorOf converts a script error from the child. A compile error
// gets its position into the message here: at run time no caller maps it
// onto the workflow file, as the linter does at activation.
func replyErrorOf(e *replyError, timeout time.Duration) error {
	switch e.Stage {
	case stageTimeout:
		return timeoutError(timeout)
	case stageRequest:
		return fmt.Errorf("run script: child rejected the request: %s", e.Message)
	case stageCompile:
		msg := e.Message
		if e.Line > 0 {
			msg = fmt.Sprintf("script line %d:%d: %s", e.Line, e.Col, strings.TrimPrefix(msg, "script: "))
		}
		return &expr.Error{Line: e.Line, Col: e.Col, Msg: msg}
	}
	return &expr.Error{Line: e.Line, Col: e.Col, Msg: e.Message}
}
