// Package sandbox runs Starlark script steps in a child process with an
// operating-system memory limit. The Starlark interpreter bounds execution
// steps and time but not memory, so a few lines such as a string doubled
// in a loop can exhaust the process that runs them. A child process that
// hits its limit dies alone, and the daemon reports the step as failed.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"time"

	"github.com/policycortex/policycortex/expr"
)

// DefaultMemoryLimit is the memory limit of a script child when
// Runner.MemoryLimit is zero.
const DefaultMemoryLimit = 256 << 20

// DefaultMaxChildren is the number of script children alive at once when
// Runner.MaxChildren is zero.
const DefaultMaxChildren = 4

// Bounds on what the parent reads from a child.
const (
	maxStdout     = 1 << 20
	stderrHeadMax = 512
	stderrTailMax = 2 << 10
)

// waitDelay bounds the wait for the child's pipes to close after it was
// killed.
const waitDelay = time.Second

// ErrMemoryLimit is wrapped by the error of a script that exceeded its
// memory limit.
var ErrMemoryLimit = errors.New("script memory limit exceeded")

// ErrOutputLimit is wrapped by the error of a script whose reply exceeded
// 1 MiB.
var ErrOutputLimit = errors.New("script output limit exceeded")

// Runner runs each script in a new child process, which it kills when the
// script's time limit passes or the context ends. It implements
// engine.ScriptRunner and is safe for concurrent use.
type Runner struct {
	// Executable is the program to start, normally the policycortex binary
	// itself; it must call ServeChild when started with Args.
	Executable string
	// Args are the arguments that select the child mode, such as the
	// hidden subcommand "internal-script-child".
	Args []string
	// MemoryLimit is the memory in bytes that a script may use; zero means
	// DefaultMemoryLimit. The child caps the address space it adds after
	// its start at MemoryLimit plus 64 MiB for thread stacks. Measured
	// under 256 MiB: a script held 240 MB of 1 KB strings, or built a 128
	// MiB string by doubling (the 64 MiB half is live too), and its
	// resident size stayed below 300 MB.
	MemoryLimit uint64
	// Logger receives one line per child: at warn level when the child
	// crashed, at info level when a limit stopped it, else at debug level.
	// Nil discards them.
	Logger *slog.Logger
	// MaxChildren bounds the script children alive at once, and so the
	// memory that scripts take together; zero means DefaultMaxChildren.
	// A script waits for a free slot within its own time limit.
	MaxChildren int

	slotsOnce sync.Once
	slots     chan struct{}
}

// Run runs the script in a child process with the variables of vars and
// returns its result, as expr.Script.Run does in process. Named conditions
// are evaluated here, in the parent, because the child receives values and
// not compiled programs. A script error is an *expr.Error whose message
// has the position inside the script. A timeout error wraps
// context.DeadlineExceeded, and an exceeded memory or output limit wraps
// ErrMemoryLimit or ErrOutputLimit.
func (r *Runner) Run(ctx context.Context, script *expr.Script, vars *expr.Vars, limits expr.ScriptLimits) (any, error) {
	if script == nil {
		return nil, errors.New("run script: no script given")
	}
	if r.Executable == "" {
		return nil, errors.New("run script: the sandbox runner has no executable to start")
	}
	if limits.MaxSteps == 0 {
		limits.MaxSteps = expr.DefaultScriptMaxSteps
	}
	if limits.Timeout <= 0 {
		limits.Timeout = expr.DefaultScriptTimeout
	}
	began := time.Now()
	release, err := r.acquire(ctx, limits.Timeout)
	if err != nil {
		return nil, err
	}
	defer release()
	waited := time.Since(began)
	req := &request{
		Source:        script.Source,
		Input:         script.Input(vars),
		MaxSteps:      limits.MaxSteps,
		TimeoutMillis: max(limits.Timeout.Milliseconds(), 1),
	}
	// The wait for a slot counts against the script's time limit.
	res, err := r.runChild(ctx, req, max(limits.Timeout-waited, time.Millisecond))
	if err != nil {
		return nil, err
	}
	out, err := r.outcome(ctx, res, limits)
	if errors.Is(err, context.DeadlineExceeded) && waited >= time.Millisecond {
		err = &expr.Error{Err: context.DeadlineExceeded, Msg: fmt.Sprintf("script timed out after %s, %s of it waiting for a free script slot",
			time.Since(began).Round(time.Millisecond), waited.Round(time.Millisecond))}
	}
	r.log(res, err)
	return out, err
}

// acquire waits for a free child slot, at most for timeout.
func (r *Runner) acquire(ctx context.Context, timeout time.Duration) (func(), error) {
	r.slotsOnce.Do(func() {
		n := r.MaxChildren
		if n <= 0 {
			n = DefaultMaxChildren
		}
		r.slots = make(chan struct{}, n)
	})
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r.slots <- struct{}{}:
		return func() { <-r.slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a script slot: %w", ctx.Err())
	case <-timer.C:
		return nil, fmt.Errorf("script timed out after %s waiting for one of %d script slots: %w", timeout, cap(r.slots), context.DeadlineExceeded)
	}
}

// memoryLimit returns MemoryLimit or its default.
func (r *Runner) memoryLimit() uint64 {
	if r.MemoryLimit == 0 {
		return DefaultMemoryLimit
	}
	return r.MemoryLimit
}

// log records a child's run: at debug level when the script ran to its
// end, at info level when a limit or the caller stopped it, and at warn
// level with stderr when the child failed for another reason.
func (r *Runner) log(res *childResult, err error) {
	if r.Logger == nil {
		return
	}
	attrs := []any{slog.Int("pid", res.pid), slog.Duration("duration", res.elapsed)}
	if err != nil {
		attrs = append(attrs, slog.Any("error", err))
	}
	var exprErr *expr.Error
	switch {
	case err == nil:
		r.Logger.Debug("script child finished", attrs...)
	case errors.As(err, &exprErr) && exprErr.Err == nil:
		r.Logger.Debug("script child finished with a script error", attrs...)
	case errors.Is(err, ErrMemoryLimit), errors.Is(err, ErrOutputLimit),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		r.Logger.Info("script child stopped", attrs...)
	default:
		if res.waitErr != nil {
			attrs = append(attrs, slog.String("exit", res.waitErr.Error()), slog.String("stderr", res.stderr))
		}
		r.Logger.Warn("script child failed", attrs...)
	}
}

// formatBytes renders a byte count in the largest binary unit that
// divides it.
func formatBytes(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// commandFor builds the child command; the caller sets its I/O.
func (r *Runner) commandFor(ctx context.Context) *exec.Cmd {
	cmd := exec.CommandContext(ctx, r.Executable, r.Args...)
	// The child gets no environment of the daemon's, whose variables may
	// hold secrets, and no PATH: it runs no other program. In a binary
	// linked with cgo, glibc would reserve a 64 MiB malloc arena for each
	// thread, which counts against the child's address-space limit, so
	// MALLOC_ARENA_MAX keeps it to the one main arena.
	cmd.Env = []string{fmt.Sprintf("%s=%d", memoryLimitEnv, r.memoryLimit()), "MALLOC_ARENA_MAX=1"}
	startInGroup(cmd)
	cmd.WaitDelay = waitDelay
	return cmd
}
