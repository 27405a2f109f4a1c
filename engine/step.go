package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/policycortex/policycortex/actions"
	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// ScriptRunner runs a step's Starlark script. InProcess runs it in the
// calling process; the daemon uses a runner that isolates each script in a
// child process with a memory limit.
type ScriptRunner interface {
	Run(ctx context.Context, script *expr.Script, vars *expr.Vars, limits expr.ScriptLimits) (any, error)
}

// InProcess runs scripts in the calling process. Starlark bounds execution
// steps and time but not memory, so use it only for trusted scripts.
type InProcess struct{}

// Run runs the script with expr's interpreter.
func (InProcess) Run(ctx context.Context, script *expr.Script, vars *expr.Vars, limits expr.ScriptLimits) (any, error) {
	return script.Run(ctx, vars, limits)
}

// invokeFunc performs an action call. The durable executor sends the request;
// a dry run renders it instead.
type invokeFunc func(ctx context.Context, action string, inv actions.Invocation) (any, error)

// stepResult is the outcome of one attempt of a step.
type stepResult struct {
	Status store.StepStatus
	Input  map[string]any
	Output any
	Err    error
	// Retryable is true when another attempt may succeed.
	Retryable bool
}

// stepCall is everything one attempt of a step needs.
type stepCall struct {
	step    *schema.Step
	scope   *runScope
	attempt int
	timeout time.Duration
	invoke  invokeFunc
	scripts ScriptRunner
	now     func() time.Time
}

// conditionsHold evaluates a step's condition, its `key: value` matches and
// its expression items; all must hold for the step to run.
func conditionsHold(step *schema.Step, scope *runScope, now time.Time) (bool, string, error) {
	vars := scope.vars(now)
	if step.Condition != nil {
		ok, err := step.Condition.EvalBool(vars)
		if err != nil {
			return false, "", fmt.Errorf("step %s condition %q: %w", step.Name, step.Condition.Source, err)
		}
		if !ok {
			return false, fmt.Sprintf("condition %q is false", step.Condition.Source), nil
		}
	}
	if ok, reason := matchAll(scope.event, step.Matches); !ok {
		return false, reason, nil
	}
	for _, p := range step.Expressions {
		ok, err := p.EvalBool(vars)
		if err != nil {
			return false, "", fmt.Errorf("step %s condition %q: %w", step.Name, p.Source, err)
		}
		if !ok {
			return false, fmt.Sprintf("condition %q is false", p.Source), nil
		}
	}
	return true, "", nil
}

// renderParameters evaluates the step's parameter templates.
func renderParameters(step *schema.Step, vars *expr.Vars) (map[string]any, error) {
	if step.Parameters == nil {
		return map[string]any{}, nil
	}
	v, err := step.Parameters.Render(vars)
	if err != nil {
		return nil, fmt.Errorf("step %s parameters: %w", step.Name, err)
	}
	if v == nil {
		return map[string]any{}, nil
	}
	params, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("step %s parameters: rendered to %T, want a mapping", step.Name, v)
	}
	return params, nil
}

// run performs one attempt of a step whose conditions hold, with its
// parameters already rendered.
func (c *stepCall) run(ctx context.Context, params map[string]any) stepResult {
	step := c.step
	if step.Action == "" && step.Script == nil {
		return stepResult{Status: store.StepSucceeded, Input: params, Output: true}
	}

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	vars := c.scope.vars(c.now())
	var out any
	var err error
	if step.Script != nil {
		out, err = c.scripts.Run(ctx, step.Script, vars, expr.ScriptLimits{Timeout: c.timeout})
	} else {
		out, err = c.invoke(ctx, step.Action, actions.Invocation{
			Workflow:       c.scope.workflow.Name,
			RunID:          c.scope.runID,
			Step:           step.Name,
			Attempt:        c.attempt,
			IdempotencyKey: IdempotencyKey(c.scope.runID, step.Name, c.attempt),
			Params:         params,
			Timeout:        c.timeout,
		})
	}
	return classify(ctx, step, params, out, err)
}

// classify turns an attempt's error into a step status.
func classify(ctx context.Context, step *schema.Step, params map[string]any, out any, err error) stepResult {
	res := stepResult{Status: store.StepSucceeded, Input: params, Output: out}
	if err == nil {
		// The output is stored as JSON; check now that it can be.
		if res.Output, _, err = roundTrip(out); err == nil {
			return res
		}
		err = fmt.Errorf("output: %w", err)
	}
	res.Output = nil
	timedOut := errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded)
	if timedOut {
		res.Status = store.StepTimedOut
		res.Err = fmt.Errorf("step %s timed out: %w", step.Name, err)
		res.Retryable = true
		return res
	}
	res.Status = store.StepFailed
	res.Err = fmt.Errorf("step %s: %w", step.Name, err)
	res.Retryable = step.Script == nil && actions.Retryable(err)
	return res
}

// IdempotencyKey identifies one attempt of one step of a run. A step that was
// in flight when the daemon stopped is retried with the same key, so
// connectors can deduplicate.
func IdempotencyKey(runID, step string, attempt int) string {
	return fmt.Sprintf("%s/%s/%d", runID, step, attempt)
}

// backoff returns the delay before attempt+1 under the step's retry policy.
func backoff(r schema.Retry, attempt int) time.Duration {
	d := r.Backoff
	if d <= 0 {
		d = time.Second
	}
	for i := 1; i < attempt; i++ {
		d *= 2
		if r.MaxBackoff > 0 && d >= r.MaxBackoff {
			return r.MaxBackoff
		}
	}
	if r.MaxBackoff > 0 && d > r.MaxBackoff {
		return r.MaxBackoff
	}
	return d
}
