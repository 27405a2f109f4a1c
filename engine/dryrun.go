package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/policycortex/policycortex/actions"
	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// ErrNoMatch is returned by TestWorkflow when the event does not trigger the
// workflow.
var ErrNoMatch = errors.New("event does not match the workflow trigger")

// ErrStepFailed is returned by TestWorkflow when a step would fail.
var ErrStepFailed = errors.New("step failed")

// TestOptions configures TestWorkflow.
type TestOptions struct {
	Repo     *schema.Repository
	Workflow *schema.Workflow
	// Event is a CloudEvents JSON event.
	Event []byte
	// Connectors and ActionOptions build the action catalog.
	Connectors    actions.Connectors
	ActionOptions actions.Options
	// DryRun replaces every action call by the rendered request it would send.
	DryRun bool
	// Verbose prints rendered inputs, requests and outputs.
	Verbose bool
	Out     io.Writer
	Now     func() time.Time
	// Scripts runs script steps; nil means InProcess.
	Scripts     ScriptRunner
	StepTimeout time.Duration
}

// TestStep is the outcome of one step in a test run.
type TestStep struct {
	Name    string           `json:"name"`
	Status  store.StepStatus `json:"status"`
	Input   map[string]any   `json:"input,omitempty"`
	Output  any              `json:"output,omitempty"`
	Error   string           `json:"error,omitempty"`
	Request *actions.Request `json:"request,omitempty"`
}

// TestReport is the outcome of a test run.
type TestReport struct {
	Workflow string       `json:"workflow"`
	Matched  bool         `json:"matched"`
	Reason   string       `json:"reason,omitempty"`
	Gates    []store.Gate `json:"approvals,omitempty"`
	Steps    []TestStep   `json:"steps"`
}

// TestWorkflow runs one workflow on one event in memory along the engine's
// own path: trigger match, approval rules, step conditions, templates,
// scripts and actions. Approval stages are reported and treated as granted.
// Nothing is stored.
func TestWorkflow(ctx context.Context, opts TestOptions) (*TestReport, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.StepTimeout <= 0 {
		opts.StepTimeout = DefaultStepTimeout
	}
	if opts.Scripts == nil {
		opts.Scripts = InProcess{}
	}
	p := &printer{w: opts.Out}
	wf := opts.Workflow
	report := &TestReport{Workflow: wf.Name}

	ev, err := ParseEvent(opts.Event)
	if err != nil {
		return report, err
	}
	p.printf("workflow %s (%s)\n", wf.Name, wf.File)
	p.printf("event %s id=%s source=%s\n", ev.Type, ev.ID, ev.Source)
	if ok, reason := triggerMatches(wf, ev); !ok {
		report.Reason = reason
		p.printf("trigger: no match: %s\n", reason)
		return report, fmt.Errorf("%w: %s", ErrNoMatch, reason)
	}
	report.Matched = true
	p.printf("trigger: matched\n")

	now := opts.Now().UTC()
	set := &activeSet{repo: opts.Repo, catalog: actions.NewCatalog(opts.Connectors, opts.Repo.Actions, opts.ActionOptions)}
	// Each test run has its own id, so a receiver that deduplicates on the
	// idempotency key does not drop a later test as a repeat.
	scope := newRunScope(set, wf, ev, "test-"+uuid.NewString(), now)
	gates, err := gateStages(scope, now, DefaultApprovalTimeout)
	if err != nil {
		return report, err
	}
	report.Gates = gates
	printGates(p, gates, now)

	var failed error
	for i, step := range wf.Steps {
		ts := testStep(ctx, opts, scope, step, i, p)
		report.Steps = append(report.Steps, ts)
		if ts.Status == store.StepFailed || ts.Status == store.StepTimedOut {
			if step.OnFailure != schema.OnFailureContinue {
				failed = fmt.Errorf("%w: %s", ErrStepFailed, ts.Error)
				break
			}
		}
	}
	if failed != nil {
		p.printf("result: failed: %v\n", failed)
		return report, failed
	}
	p.printf("result: succeeded (%d steps)\n", len(report.Steps))
	return report, nil
}

// testStep runs one step of a test run and prints what happened.
func testStep(ctx context.Context, opts TestOptions, scope *runScope, step *schema.Step, i int, p *printer) TestStep {
	ts := TestStep{Name: step.Name}
	p.printf("step %d/%d %s%s\n", i+1, len(opts.Workflow.Steps), step.Name, stepKind(step))
	now := opts.Now().UTC()

	ok, reason, err := conditionsHold(step, scope, now)
	if err == nil && !ok {
		ts.Status = store.StepSkipped
		p.printf("  skipped: %s\n", reason)
		scope.setStep(step.Name, string(ts.Status), nil)
		return ts
	}
	var params map[string]any
	if err == nil {
		params, err = renderParameters(step, scope.vars(now))
	}
	if err != nil {
		ts.Status, ts.Error = store.StepFailed, err.Error()
		p.printf("  failed: %v\n", err)
		return ts
	}
	ts.Input = params
	if opts.Verbose && len(params) > 0 {
		p.printf("  input: %s\n", compactJSON(params))
	}

	invoke := func(ctx context.Context, name string, inv actions.Invocation) (any, error) {
		return invokeForTest(ctx, opts, scope, name, inv, &ts, p)
	}
	res := runTestAttempts(ctx, opts, scope, step, params, invoke, p)
	ts.Status, ts.Output = res.Status, res.Output
	switch {
	case res.Err != nil:
		ts.Error = res.Err.Error()
		p.printf("  %s: %v\n", res.Status, res.Err)
	case opts.DryRun && step.Action != "":
		p.printf("  rendered, not sent (dry run)\n")
	default:
		p.printf("  %s\n", res.Status)
		if opts.Verbose && res.Output != nil {
			p.printf("  output: %s\n", compactJSON(res.Output))
		}
	}
	scope.setStep(step.Name, string(res.Status), res.Output)
	return ts
}

// runTestAttempts runs a step's attempts under its retry policy, waiting out
// each backoff, as the engine does between claims.
func runTestAttempts(ctx context.Context, opts TestOptions, scope *runScope, step *schema.Step, params map[string]any, invoke invokeFunc, p *printer) stepResult {
	maxAttempts := max(step.Retry.MaxAttempts, 1)
	for attempt := 1; ; attempt++ {
		call := &stepCall{step: step, scope: scope, attempt: attempt, timeout: orDefault(step.Timeout, opts.StepTimeout),
			invoke: invoke, scripts: opts.Scripts, now: opts.Now}
		res := call.run(ctx, params)
		if res.Err == nil || !res.Retryable || attempt >= maxAttempts {
			return res
		}
		delay := max(backoff(step.Retry, attempt), actions.RetryAfter(res.Err))
		p.printf("  attempt %d/%d failed: %v; retrying in %s\n", attempt, maxAttempts, res.Err, delay)
		select {
		case <-ctx.Done():
			return res
		case <-time.After(delay):
		}
	}
}

// invokeForTest renders the action request, and sends it unless this is a
// dry run. The output of a dry-run action is {"dry_run": true}.
func invokeForTest(ctx context.Context, opts TestOptions, scope *runScope, name string, inv actions.Invocation, ts *TestStep, p *printer) (any, error) {
	action, err := scope.catalog.Lookup(name)
	if err != nil {
		return nil, err
	}
	req, err := action.Render(inv)
	if err != nil {
		return nil, err
	}
	ts.Request = &req
	if opts.DryRun {
		p.printf("  would send (dry run):\n%s\n", indent(req.String(), "    "))
		return map[string]any{"dry_run": true}, nil
	}
	if opts.Verbose {
		p.printf("  sending:\n%s\n", indent(req.String(), "    "))
	}
	return action.Execute(ctx, inv)
}

func printGates(p *printer, gates []store.Gate, now time.Time) {
	if len(gates) == 0 {
		p.printf("approval: not required\n")
		return
	}
	for _, g := range gates {
		p.printf("approval stage %s: %s (approvers %v, timeout %s); treated as granted in a test\n",
			g.Name, g.Status, g.Approvers, g.Deadline.Sub(now))
	}
}

func stepKind(step *schema.Step) string {
	switch {
	case step.Action != "":
		return " action " + step.Action
	case step.Script != nil:
		return " script"
	default:
		return " evaluation"
	}
}

// printer writes to an optional writer, ignoring write errors of a report.
type printer struct{ w io.Writer }

func (p *printer) printf(format string, args ...any) {
	if p.w != nil {
		fmt.Fprintf(p.w, format, args...)
	}
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

func indent(s, prefix string) string {
	out := prefix
	for _, r := range s {
		out += string(r)
		if r == '\n' {
			out += prefix
		}
	}
	return out
}
