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
	isPredeclared := func(name string) bool { return !starlark.Universe.Has(name) }
	program, err := starlark.FileProgram(f, isPredeclared)
	if err != nil {
		return nil, scriptCompileError(err)
	}
	return &Script{Source: src, program: program}, nil
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

// Run executes the script with the variables as globals and returns its
// result as plain Go (nil, bool, int64, float64, string, []any or
// map[string]any). The globals are every top-level field of the event
// data and every Vars.Extra key, then event, data, violation, resource
// (when present), steps, workflow and run, which take precedence.
// print() output goes to limits.Print. Run stops the script when it
// exceeds limits.MaxSteps, limits.Timeout or ctx.
//
// NOTE: memory is not bounded. The interpreter checks the limits between
// steps, so one built-in call such as string repetition can allocate up
// to Starlark's per-operation cap of 1 GiB before Run stops it.
func (s *Script) Run(ctx context.Context, v *Vars, limits ScriptLimits) (any, error) {
	if limits.MaxSteps == 0 {
		limits.MaxSteps = DefaultScriptMaxSteps
	}
	if limits.Timeout <= 0 {
		limits.Timeout = DefaultScriptTimeout
	}
	globals, err := scriptGlobals(v)
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
		return nil, scriptRunError(err)
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
// innermost frame inside the script.
func scriptRunError(err error) error {
	var evalErr *starlark.EvalError
	if !errors.As(err, &evalErr) {
		return &Error{Msg: "script: " + err.Error(), Err: err}
	}
	msg := evalErr.Msg
	// The interpreter reports a predeclared name with no value this way;
	// such a name is a free identifier missing from the event data.
	if rest, ok := strings.CutPrefix(msg, "internal error: predeclared variable "); ok {
		if name, ok := strings.CutSuffix(rest, " is uninitialized"); ok {
			msg = fmt.Sprintf("undefined name %q (not in event data)", name)
		}
	}
	out := &Error{Msg: "script: " + msg, Err: err}
	for i := len(evalErr.CallStack) - 1; i >= 0; i-- {
		pos := evalErr.CallStack[i].Pos
		if pos.Filename() == scriptFile && pos.Line > 0 {
			out.Line, out.Col = int(pos.Line), int(pos.Col)
			break
		}
	}
	return out
}
