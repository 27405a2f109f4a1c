package actions

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"
)

// DefaultTimeout bounds an action attempt when neither the invocation nor
// the action's parameters name a timeout.
const DefaultTimeout = 30 * time.Second

// Invocation is one attempt of a workflow step's action.
type Invocation struct {
	Workflow, RunID, Step string
	// Attempt counts from 1.
	Attempt int
	// IdempotencyKey is "<run>/<step>/<attempt>". It stays the same when a
	// crashed attempt is resumed, so a receiver can drop the duplicate.
	IdempotencyKey string
	// Params are the step's rendered parameters.
	Params map[string]any
	// Timeout bounds the attempt; zero means DefaultTimeout. A shorter
	// timeout named by the action's parameters or binding wins.
	Timeout time.Duration
}

// Action performs a step's side effect.
type Action interface {
	// Execute performs the side effect and returns its output. A failure is
	// an *Error, classified for Retryable.
	Execute(ctx context.Context, inv Invocation) (output any, err error)
	// Render returns the request Execute would send, secrets redacted,
	// without sending anything.
	Render(inv Invocation) (Request, error)
}

// Options are the dependencies of a Catalog.
type Options struct {
	// HTTPClient sends every HTTP request; nil means a client with default
	// transport settings. Per-request timeouts come from contexts.
	HTTPClient *http.Client
	// LookupEnv reads the daemon's environment for exec actions; nil means
	// os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Logger receives debug records of sent requests; nil discards them.
	Logger *slog.Logger
	// AllowExec lets exec actions, built in or user-defined, run programs.
	// Without it they render (for dry runs) but fail with ErrExecDisabled,
	// because a program runs with the daemon's rights and could read its
	// secrets.
	AllowExec bool
}

// withDefaults fills the nil fields of o.
func (o Options) withDefaults() Options {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// effectiveTimeout returns the shortest positive timeout of candidates, or
// DefaultTimeout when none is positive.
func effectiveTimeout(candidates ...time.Duration) time.Duration {
	if shortest := shortestTimeout(candidates...); shortest > 0 {
		return shortest
	}
	return DefaultTimeout
}

// shortestTimeout returns the shortest positive timeout of candidates, or
// zero when none is positive.
func shortestTimeout(candidates ...time.Duration) time.Duration {
	var shortest time.Duration
	for _, d := range candidates {
		if d > 0 && (shortest == 0 || d < shortest) {
			shortest = d
		}
	}
	return shortest
}
