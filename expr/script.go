package expr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Default limits for Script.Run when ScriptLimits leaves them zero.
const (
	DefaultScriptMaxSteps = 1_000_000
	DefaultScriptTimeout  = 5 * time.Second
)

// scriptFile is the file name in script positions; scriptFunction is the
// function that holds the script body.
const (
	scriptFile     = "script"
	scriptFunction = "script"
)

// ScriptLimits bounds one Script.Run.
type ScriptLimits struct {
	// MaxSteps is the maximum number of Starlark execution steps;
	// zero means DefaultScriptMaxSteps.
	MaxSteps uint64
	// Timeout is the maximum wall time; zero means DefaultScriptTimeout.
	Timeout time.Duration
	// Print receives the output of each print() call; nil discards it.
	Print func(msg string)
}

// Script is a compiled Starlark script. It is safe for concurrent use:
// every Run gets its own thread and globals.
type Script struct {
	// Source is the script as the author wrote it.
	Source  string
	program *starlark.Program
	// reads is the set of free names the script refers to. Input uses it
	// to choose the named conditions to evaluate.
	reads map[string]bool
}

// CompileScript compiles a Starlark script whose body may end with a
// top-level `return`: the body becomes a function that Run calls. Sets and
// while loops are allowed, recursion and load statements are not. A syntax
// error is an *Error with Line and Col inside src.
func CompileScript(src string) (*Script, error) {
	opts := &syntax.FileOptions{Set: true, While: true, TopLevelControl: true}
	f, err := opts.Parse(scriptFile, src, 0)
	if err != nil {
		return nil, scriptCompileError(err)
	}
	if len(f.Stmts) == 0 {
		return nil, &Error{Line: 1, Col: 1, Msg: "empty script: write at least one statement, such as return True"}
	}
	for _, stmt := range f.Stmts {
		if load, ok := stmt.(*syntax.LoadStmt); ok {
			return nil, &Error{Line: int(load.Load.Line), Col: int(load.Load.Col), Msg: "load statements are not allowed in scripts"}
		}
	}
	start := syntax.Start(f.Stmts[0])
	f.Stmts = []syntax.Stmt{&syntax.DefStmt{
		Def:  start,
		Name: &syntax.Ident{NamePos: start, Name: scriptFunction},
		Body: f.Stmts,
	}}
	// Every free name that is not a Starlark built-in is treated as
	// predeclared, because event data fields are only known at run time.
	// Run leaves the absent ones unset, which the interpreter reports on use.
	reads := map[string]bool{}
	isPredeclared := func(name string) bool {
		if starlark.Universe.Has(name) {
			return false
		}
		reads[name] = true
		return true
	}
	program, err := starlark.FileProgram(f, isPredeclared)
	if err != nil {
		return nil, scriptCompileError(err)
	}
	return &Script{Source: src, program: program, reads: reads}, nil
}

// scriptCompileError converts a Starlark syntax or resolve error.
func scriptCompileError(err error) error {
	var syntaxErr syntax.Error
	if errors.As(err, &syntaxErr) {
		return &Error{Line: int(syntaxErr.Pos.Line), Col: int(syntaxErr.Pos.Col), Msg: "script: " + syntaxErr.Msg, Err: err}
	}
	var resolveErrs resolve.ErrorList
	if errors.As(err, &resolveErrs) && len(resolveErrs) > 0 {
		first := resolveErrs[0]
		return &Error{Line: int(first.Pos.Line), Col: int(first.Pos.Col), Msg: "script: " + first.Msg, Err: err}
	}
	return &Error{Msg: "script: " + err.Error(), Err: err}
}

// Run executes the script in the calling process with the variables of
// v, as Input describes them, and returns its result as plain Go (nil,
// bool, int64, float64, string, []any or map[string]any). It is
// RunInput(ctx, s.Input(v), limits).
//
// NOTE: Run does not bound memory. The interpreter checks its limits
// between steps, and a single operation such as string concatenation
// allocates as much as it needs, so a few lines can exhaust the process.
// Run untrusted scripts in a separate process with an operating-system
// memory limit, as the sandbox package does.
func (s *Script) Run(ctx context.Context, v *Vars, limits ScriptLimits) (any, error) {
	return s.RunInput(ctx, s.Input(v), limits)
}

// RunInput executes the script with the variables of in as globals.
// print() output goes to limits.Print. RunInput stops the script when it
// exceeds limits.MaxSteps, limits.Timeout or ctx. A runtime error is an
// *Error whose Line and Col point into the script and whose message
// starts with "script line L:C:", because no caller maps a runtime error
// onto the workflow file.
func (s *Script) RunInput(ctx context.Context, in *ScriptInput, limits ScriptLimits) (any, error) {
	if limits.MaxSteps == 0 {
		limits.MaxSteps = DefaultScriptMaxSteps
	}
	if limits.Timeout <= 0 {
		limits.Timeout = DefaultScriptTimeout
	}
	if in == nil {
		in = &ScriptInput{}
	}
	globals, err := scriptGlobals(in)
	if err != nil {
		return nil, &Error{Msg: "script: " + err.Error(), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, limits.Timeout)
	defer cancel()

	stepLimitHit := false
	thread := &starlark.Thread{
		Name:  scriptFile,
		Print: func(_ *starlark.Thread, msg string) { printTo(limits.Print, msg) },
		OnMaxSteps: func(th *starlark.Thread) {
			stepLimitHit = true
			th.Cancel("step limit reached")
		},
	}
	thread.SetMaxExecutionSteps(limits.MaxSteps)
	stop := context.AfterFunc(ctx, func() { thread.Cancel(context.Cause(ctx).Error()) })
	defer stop()

	result, err := s.call(thread, globals)
	switch {
	case stepLimitHit:
		return nil, &Error{Msg: fmt.Sprintf("script: exceeded the limit of %d execution steps", limits.MaxSteps), Err: err}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, &Error{Msg: fmt.Sprintf("script: timed out after %s", limits.Timeout), Err: ctx.Err()}
	case ctx.Err() != nil:
		return nil, &Error{Msg: "script: " + ctx.Err().Error(), Err: ctx.Err()}
	case err != nil:
		return nil, scriptRunError(err, in.ConditionErrors)
	}
	out, err := fromStarlark(result)
	if err != nil {
		return nil, &Error{Msg: "script: " + err.Error(), Err: err}
	}
	return out, nil
}

func (s *Script) call(thread *starlark.Thread, globals starlark.StringDict) (starlark.Value, error) {
	module, err := s.program.Init(thread, globals)
	if err != nil {
		return nil, err
	}
	return starlark.Call(thread, module[scriptFunction], nil, nil)
}

func printTo(sink func(string), msg string) {
	if sink != nil {
		sink(msg)
	}
}

// scriptRunError converts a Starlark runtime error, positioned on the
// innermost frame inside the script. conditionErrors explains a named
// condition that the script reads but that failed to evaluate.
func scriptRunError(err error, conditionErrors map[string]string) error {
	var evalErr *starlark.EvalError
	if !errors.As(err, &evalErr) {
		return &Error{Msg: "script: " + err.Error(), Err: err}
	}
	msg := undefinedNameMessage(evalErr.Msg, conditionErrors)
	out := &Error{Msg: "script: " + msg, Err: err}
	for i := len(evalErr.CallStack) - 1; i >= 0; i-- {
		pos := evalErr.CallStack[i].Pos
		if pos.Filename() == scriptFile && pos.Line > 0 {
			out.Line, out.Col = int(pos.Line), int(pos.Col)
			out.Msg = fmt.Sprintf("script line %d:%d: %s", out.Line, out.Col, msg)
			break
		}
	}
	return out
}

// undefinedNameMessage rewrites the interpreter's message for a
// predeclared name with no value. Such a name is a named condition that
// failed to evaluate, or else a free identifier missing from the event
// data. Other messages are returned unchanged.
func undefinedNameMessage(msg string, conditionErrors map[string]string) string {
	rest, ok := strings.CutPrefix(msg, "internal error: predeclared variable ")
	if !ok {
		return msg
	}
	name, ok := strings.CutSuffix(rest, " is uninitialized")
	if !ok {
		return msg
	}
	if cause, failed := conditionErrors[name]; failed {
		return fmt.Sprintf("named condition %q failed: %s", name, cause)
	}
	return fmt.Sprintf("undefined name %q (not in event data)", name)
}
