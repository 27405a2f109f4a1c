package expr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// Program is a compiled condition or template expression. It is safe for
// concurrent use.
type Program struct {
	// Source is the expression as the author wrote it.
	Source string

	program cel.Program
	ast     *ast.AST
	// origin is the author's text that error positions refer to: the
	// condition, or the whole template for a template segment.
	origin []rune
	cel    *celSource
	refs   Refs
	// loops is true when the expression has a comprehension (all, exists,
	// map, filter and the like), the only construct whose running time
	// can grow beyond the size of the expression and its input.
	loops bool
	// timeout bounds an evaluation when loops is set.
	timeout time.Duration
}

// MaxEvalTime bounds one evaluation of an expression with comprehensions.
// Expressions without them run in time linear in their size and input, so
// they skip the deadline and its cost.
const MaxEvalTime = time.Second

// interruptCheckFrequency is how many comprehension iterations run between
// checks of the evaluation deadline.
const interruptCheckFrequency = 100

// CompileCondition compiles a condition. Besides CEL it accepts `and`,
// `or` and `not` as words, `{{ x }}` meaning the expression x, filters
// such as `x | default('none')`, and expressions over several lines. A
// syntax error, an unknown function or a call with the wrong number of
// arguments fails with an *Error whose Line and Col point into src.
func (e *Env) CompileCondition(src string) (*Program, error) {
	runes := []rune(src)
	p, err := e.compile(runes, 0, len(runes), true)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// compile rewrites, parses, checks and plans origin[start:end] as one
// expression.
func (e *Env) compile(origin []rune, start, end int, inCondition bool) (*Program, *Error) {
	source, rewriteErr := rewriteExpr(origin, start, end, inCondition)
	if rewriteErr != nil {
		return nil, rewriteErr
	}
	if strings.TrimSpace(source.text) == "" {
		return nil, positionError(origin, start, "empty expression")
	}

	parsed, errs := e.parser.Parse(common.NewTextSource(source.text))
	if len(errs.GetErrors()) > 0 {
		return nil, parseError(origin, source, errs.GetErrors()[0])
	}

	analysis := &analyzer{env: e}
	analysis.walk(parsed.Expr())
	p := &Program{
		Source:  string(origin[start:end]),
		loops:   analysis.loops,
		timeout: e.evalTimeout,
		ast:     parsed,
		origin:  origin,
		cel:     source,
		refs:    mergeRefs(analysis.refs),
	}
	if analysis.badCallMsg != "" {
		return nil, p.nodeError(analysis.badCall, analysis.badCallMsg, nil)
	}

	opts := []cel.ProgramOption{e.decorate}
	if analysis.loops {
		opts = append(opts, e.interrupt)
	}
	program, err := e.cel.PlanProgram(parsed, opts...)
	if err != nil {
		return nil, positionError(origin, start, fmt.Sprintf("plan expression: %v", err))
	}
	p.program = program
	return p, nil
}

// parseError maps a CEL parse error back onto the author's text.
func parseError(origin []rune, source *celSource, parseErr *common.Error) *Error {
	offset := runeOffset([]rune(source.text), parseErr.Location.Line(), parseErr.Location.Column())
	return positionError(origin, source.offsets[offset], parseErr.Message)
}

// runeOffset converts a CEL location (1-based line, 0-based column) into a
// rune offset, clamped to the text.
func runeOffset(text []rune, line, col int) int {
	offset := 0
	for l := 1; l < line && offset < len(text); offset++ {
		if text[offset] == '\n' {
			l++
		}
	}
	offset += max(col, 0)
	return min(offset, len(text))
}

// Refs returns the steps, identifiers and conditions the expression reads.
func (p *Program) Refs() Refs { return p.refs }

// Eval evaluates the expression and returns its value as plain Go: bool,
// int64, float64, string, []any, map[string]any, time.Time or nil. An
// error is an *Error positioned on the failing part of the expression, and
// errors.As finds a *MissingFieldError inside when a field was absent.
func (p *Program) Eval(v *Vars) (any, error) {
	return p.result(p.evalWith(newActivation(v)))
}

// EvalBool evaluates a condition and fails unless the result is a bool.
func (p *Program) EvalBool(v *Vars) (bool, error) {
	value, err := p.Eval(v)
	if err != nil {
		return false, err
	}
	b, ok := value.(bool)
	if !ok {
		return false, &Error{Msg: fmt.Sprintf("condition returned %T %v, not a bool", value, value)}
	}
	return b, nil
}

// evalWith evaluates against an activation that may be shared with other
// programs, as named conditions are.
func (p *Program) evalWith(act *activation) ref.Val {
	var value ref.Val
	var err error
	if p.loops {
		ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
		defer cancel()
		value, _, err = p.program.ContextEval(ctx, act)
	} else {
		value, _, err = p.program.Eval(act)
	}
	if errors.Is(err, interpreter.InterruptError{}) {
		return types.NewErr("evaluation stopped after %s: the expression does too much work, such as nested loops over large lists", p.timeout)
	}
	if err != nil {
		var celErr *types.Err
		if errors.As(err, &celErr) {
			return celErr
		}
		return types.WrapErr(err)
	}
	return value
}

func (p *Program) result(value ref.Val) (any, error) {
	if celErr, ok := value.(*types.Err); ok {
		return nil, p.nodeError(celErr.NodeID(), celErr.Error(), celErr.Unwrap())
	}
	plain, err := toGo(value)
	if err != nil {
		return nil, &Error{Msg: err.Error(), Err: err}
	}
	return plain, nil
}

// nodeError positions msg on the expression node id, or on the start of
// the expression when the node is unknown.
func (p *Program) nodeError(id int64, msg string, cause error) *Error {
	offset := p.cel.offsets[0]
	if r, ok := p.ast.SourceInfo().GetOffsetRange(id); ok && int(r.Start) < len(p.cel.offsets) {
		offset = p.cel.offsets[r.Start]
	}
	e := positionError(p.origin, offset, msg)
	e.Err = cause
	return e
}
