package actions

import (
	"context"
	"fmt"

	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/schema"
)

// userExecAction is a user-defined action bound to a program run. The
// program reads the step's parameters as JSON on stdin.
type userExecAction struct {
	def    *schema.ActionDef
	rt     *connectorsRuntime
	params *paramValidator
}

// call renders the argument templates with params.
func (a *userExecAction) call(inv Invocation) (execCall, error) {
	params, err := a.params.check(inv.Params)
	if err != nil {
		return execCall{}, err
	}
	binding := a.def.Exec
	vars := &expr.Vars{Extra: map[string]any{"params": params, "endpoint": map[string]any{}}}
	args := make([]string, len(binding.Args))
	for i, tmpl := range binding.Args {
		v, err := tmpl.Render(vars)
		if err != nil {
			return execCall{}, a.renderError(i, err)
		}
		if args[i], err = scalarString(v); err != nil {
			return execCall{}, a.renderError(i, err)
		}
	}
	return execCall{
		command: binding.Command,
		args:    args,
		env:     binding.Env,
		input:   params,
		timeout: binding.Timeout,
	}, nil
}

func (a *userExecAction) renderError(index int, err error) error {
	return permanentError(fmt.Sprintf("action %s: render args[%d]: %s", a.def.Name, index, a.rt.red.text(err.Error())), err)
}

// Execute runs the program and returns its stdout decoded as JSON.
func (a *userExecAction) Execute(ctx context.Context, inv Invocation) (any, error) {
	call, err := a.call(inv)
	if err != nil {
		return nil, err
	}
	return a.rt.runner.run(ctx, call, inv)
}

// Render returns the program run Execute would start.
func (a *userExecAction) Render(inv Invocation) (Request, error) {
	call, err := a.call(inv)
	if err != nil {
		return Request{}, err
	}
	return a.rt.runner.render(call, inv), nil
}
