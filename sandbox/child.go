package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"

	"github.com/policycortex/policycortex/expr"
)

// maxPrintBytes bounds the print() output that a child returns, so that a
// script that prints in a loop still fits its reply in maxStdout.
const maxPrintBytes = 64 << 10

// ServeChild is the child side of Runner: it runs one script and returns.
// It closes every file descriptor inherited beyond stdin, stdout and
// stderr, applies the memory limit named by the environment variable
// POLICYCORTEX_SCRIPT_MEMORY_LIMIT (bytes), then reads one JSON request
// from stdin and writes one JSON reply to stdout. A script error is part
// of the reply. ServeChild returns an error only when it cannot set up the
// limits or write the reply.
func ServeChild(stdin io.Reader, stdout io.Writer) error {
	if err := closeInheritedFiles(); err != nil {
		return fmt.Errorf("close inherited files: %w", err)
	}
	limit, err := strconv.ParseUint(os.Getenv(memoryLimitEnv), 10, 64)
	if err != nil || limit == 0 {
		return fmt.Errorf("read memory limit: %s must be a positive number of bytes", memoryLimitEnv)
	}
	// A script runs on one goroutine. Two Ps let the collector run beside
	// it, and keep the number of threads, each with its own stack mapping,
	// within threadHeadroom on machines with many cores.
	runtime.GOMAXPROCS(2)
	if err := limitMemory(limit); err != nil {
		return fmt.Errorf("set memory limit: %w", err)
	}

	var req request
	decoder := json.NewDecoder(stdin)
	decoder.UseNumber()
	var rep reply
	if err := decoder.Decode(&req); err != nil {
		rep.Error = &replyError{Stage: stageRequest, Message: fmt.Sprintf("decode request: %v", err)}
	} else {
		rep = runRequest(&req)
	}
	if err := json.NewEncoder(stdout).Encode(rep); err != nil {
		return fmt.Errorf("write reply: %w", err)
	}
	return nil
}

// runRequest compiles and runs the requested script in this process.
func runRequest(req *request) reply {
	script, err := expr.CompileScript(req.Source)
	if err != nil {
		return reply{Error: scriptError(stageCompile, err)}
	}
	prints := &printSink{}
	limits := expr.ScriptLimits{MaxSteps: req.MaxSteps, Timeout: req.timeout(), Print: prints.add}
	out, err := script.RunInput(context.Background(), req.Input, limits)
	if err != nil {
		stage := stageRun
		if errors.Is(err, context.DeadlineExceeded) {
			stage = stageTimeout
		}
		return reply{Prints: prints.lines, Error: scriptError(stage, err)}
	}
	return reply{Output: encodeNumbers(out), Prints: prints.lines}
}

func scriptError(stage string, err error) *replyError {
	out := &replyError{Stage: stage, Message: err.Error()}
	var exprErr *expr.Error
	if errors.As(err, &exprErr) {
		out.Message, out.Line, out.Col = exprErr.Msg, exprErr.Line, exprErr.Col
	}
	return out
}

// printSink collects print() output up to maxPrintBytes.
type printSink struct {
	lines     []string
	size      int
	truncated bool
}

func (p *printSink) add(msg string) {
	if p.truncated {
		return
	}
	if p.size+len(msg) > maxPrintBytes {
		p.lines = append(p.lines, "[print output truncated]")
		p.truncated = true
		return
	}
	p.size += len(msg)
	p.lines = append(p.lines, msg)
}
