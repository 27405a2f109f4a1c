package expr

import (
	"fmt"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/parser"
)

// Env is the shared CEL environment for conditions and templates. It is
// safe for concurrent use: build one with NewEnv and share it, because
// building an environment costs far more than compiling one expression.
type Env struct {
	cel *cel.Env
	// parser is cel-go's Pratt parser, configured with the environment's
	// macros. It parses the short expressions of workflow files several
	// times faster than the ANTLR parser behind cel.Env.Parse.
	parser *parser.Parser
	// arities maps each declared function name to the argument counts its
	// overloads accept, so CompileCondition can reject unknown functions
	// without a type check.
	arities map[string]functionArity
	// decorate rewrites comparison nodes so that severity constants rank
	// against severity strings.
	decorate cel.ProgramOption
	// interrupt makes comprehensions check the evaluation deadline.
	interrupt cel.ProgramOption
	// evalTimeout is MaxEvalTime; tests shorten it.
	evalTimeout time.Duration
}

// functionArity is the set of argument counts a function's overloads take,
// split by call style. Member counts exclude the receiver.
type functionArity struct {
	global map[int]bool
	member map[int]bool
}

// NewEnv builds the CEL environment with the standard library, cel-go's
// strings, lists, math, sets, encoders, two-variable comprehension and
// optional-types extensions, and the template filter functions default,
// upper, lower and tojson.
func NewEnv() (*Env, error) {
	env, err := cel.NewEnv(
		cel.DefaultUTCTimeZone(true),
		cel.CrossTypeNumericComparisons(true),
		cel.OptionalTypes(),
		ext.Strings(),
		ext.Lists(),
		ext.Math(),
		ext.Sets(),
		ext.Encoders(),
		ext.TwoVarComprehensions(),
		filterFunctions(),
	)
	if err != nil {
		return nil, fmt.Errorf("create CEL environment: %w", err)
	}
	p, err := parser.NewParser(
		parser.EnablePrattParser(true),
		parser.Macros(env.Macros()...),
		parser.EnableOptionalSyntax(true),
	)
	if err != nil {
		return nil, fmt.Errorf("create CEL parser: %w", err)
	}
	e := &Env{
		cel:         env,
		parser:      p,
		arities:     collectArities(env),
		decorate:    cel.CustomDecoratorV2(decorateComparisons),
		interrupt:   cel.InterruptCheckFrequency(interruptCheckFrequency),
		evalTimeout: MaxEvalTime,
	}
	return e, nil
}

// collectArities indexes every declared overload by function name.
func collectArities(env *cel.Env) map[string]functionArity {
	arities := make(map[string]functionArity)
	for name, fn := range env.Functions() {
		a := functionArity{global: map[int]bool{}, member: map[int]bool{}}
		for _, o := range fn.OverloadDecls() {
			n := len(o.ArgTypes())
			if o.IsMemberFunction() {
				a.member[n-1] = true
			} else {
				a.global[n] = true
			}
		}
		arities[name] = a
	}
	return arities
}

// hasFunction reports whether name is declared with an overload taking
// argc arguments in the given call style.
func (e *Env) hasFunction(name string, argc int, member bool) (declared, arityOK bool) {
	a, ok := e.arities[name]
	if !ok {
		return false, false
	}
	if member {
		return true, a.member[argc]
	}
	return true, a.global[argc]
}
