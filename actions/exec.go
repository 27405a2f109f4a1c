package actions

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Environment variables set for every program an exec action runs.
const (
	EnvIdempotencyKey = "POLICYCORTEX_IDEMPOTENCY_KEY"
	EnvRunID          = "POLICYCORTEX_RUN_ID"
	EnvStep           = "POLICYCORTEX_STEP"
	EnvWorkflow       = "POLICYCORTEX_WORKFLOW"
	EnvAttempt        = "POLICYCORTEX_ATTEMPT"
)

// execCall is one program run of an action.
type execCall struct {
	// command is a path, or a name searched in the daemon's PATH.
	command string
	args    []string
	// env names the daemon variables passed through.
	env []string
	// input is written to standard input as JSON.
	input   any
	timeout time.Duration
}

// execAction is the built-in "exec" action: one program run without a
// shell, JSON in on stdin and JSON out on stdout.
type execAction struct {
	runner *execRunner
}

// call reads the action's parameters: command, args, env, input and
// timeout. Without input, the whole parameter object is the input.
func (a *execAction) call(inv Invocation) (execCall, error) {
	p := newParams(ActionExec, inv.Params, "command", "args", "env", "input", "timeout")
	call := execCall{
		command: p.string("command", true),
		args:    p.stringList("args"),
		env:     p.stringList("env"),
		input:   any(inv.Params),
		timeout: p.duration("timeout"),
	}
	if p.err != nil {
		return execCall{}, p.err
	}
	for _, name := range call.env {
		if !validEnvName(name) {
			return execCall{}, p.errorf("parameter env: invalid variable name %q", name)
		}
	}
	if p.has("input") {
		call.input = inv.Params["input"]
	}
	return call, nil
}

// Execute runs the program and returns its stdout decoded as JSON.
func (a *execAction) Execute(ctx context.Context, inv Invocation) (any, error) {
	call, err := a.call(inv)
	if err != nil {
		return nil, err
	}
	return a.runner.run(ctx, call, inv)
}

// Render returns the program run Execute would start.
func (a *execAction) Render(inv Invocation) (Request, error) {
	call, err := a.call(inv)
	if err != nil {
		return Request{}, err
	}
	return a.runner.render(call, inv), nil
}

// environment returns the child's environment: PATH, the passed-through
// variables the daemon has set, and the POLICYCORTEX_* variables, which
// win over a passed-through variable of the same name. With mask set,
// passed-through values are replaced by "***".
func (r *execRunner) environment(call execCall, inv Invocation, mask bool) []string {
	vars := map[string]string{}
	if path, ok := r.lookupEnv("PATH"); ok {
		vars["PATH"] = path
	}
	for _, name := range call.env {
		value, ok := r.lookupEnv(name)
		if !ok {
			continue
		}
		if mask && name != "PATH" {
			value = redacted
		}
		vars[name] = value
	}
	vars[EnvIdempotencyKey] = inv.IdempotencyKey
	vars[EnvRunID] = inv.RunID
	vars[EnvStep] = inv.Step
	vars[EnvWorkflow] = inv.Workflow
	vars[EnvAttempt] = strconv.Itoa(inv.Attempt)
	env := make([]string, 0, len(vars))
	for name, value := range vars {
		env = append(env, name+"="+value)
	}
	sort.Strings(env)
	return env
}

// lookPath resolves command like a shell would, but against pathEnv (the
// daemon's PATH from Options.LookupEnv). Empty PATH entries, which mean the
// working directory, are skipped.
func lookPath(command, pathEnv string) (string, error) {
	if strings.ContainsRune(command, filepath.Separator) {
		if err := checkExecutable(command); err != nil {
			return "", err
		}
		return command, nil
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		candidate := filepath.Join(dir, command)
		if checkExecutable(candidate) == nil {
			return candidate, nil
		}
	}
	return "", errors.New("not found in PATH")
}

// checkExecutable reports whether path is a regular file with an execute
// bit set.
func checkExecutable(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
		return &fs.PathError{Op: "exec", Path: path, Err: fs.ErrPermission}
	}
	return nil
}
