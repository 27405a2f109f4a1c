package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// errTimeLimit is the cancel cause when a script reaches its time limit.
var errTimeLimit = errors.New("script time limit reached")

// childResult is the outcome of one child run: its output, exit and timing.
type childResult struct {
	pid    int
	stdout []byte
	stderr string
	// stderrHead is the start of stderr, where the Go runtime states the
	// cause of a fatal error.
	stderrHead string
	overflow   bool
	waitErr    error
	// timedOut is true when the runner killed the child at the time limit.
	timedOut bool
	started  time.Time
	elapsed  time.Duration
}

// runChild runs one child to completion: it sends req on stdin, collects
// stdout and stderr within their bounds, and kills the process group when
// timeout passes, ctx ends or stdout grows past maxStdout. An error means
// the child could not be started.
func (r *Runner) runChild(ctx context.Context, req *request, timeout time.Duration) (*childResult, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("run script: encode request: %w", err)
	}
	runCtx, cancelTimeout := context.WithTimeoutCause(ctx, timeout, errTimeLimit)
	defer cancelTimeout()
	runCtx, kill := context.WithCancelCause(runCtx)
	defer kill(nil)

	cmd := r.commandFor(runCtx)
	cmd.Stdin = bytes.NewReader(body)
	stdout := &cappedBuffer{max: maxStdout, onOverflow: func() { kill(ErrOutputLimit) }}
	stderr := &headTailBuffer{headMax: stderrHeadMax, tailMax: stderrTailMax}
	cmd.Stdout = stdout
	cmd.Stderr = stderr

	res := &childResult{started: time.Now()}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run script: start %s: %w", r.Executable, err)
	}
	res.pid = cmd.Process.Pid
	res.waitErr = cmd.Wait()
	res.elapsed = time.Since(res.started)
	res.stdout, res.overflow = stdout.result()
	res.stderr = stderr.String()
	res.stderrHead = stderr.headText()
	res.timedOut = errors.Is(context.Cause(runCtx), errTimeLimit)
	return res, nil
}
