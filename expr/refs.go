package expr

import (
	"fmt"
	"slices"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// Refs lists what an expression, template or value reads, so that a linter
// can check names before any event arrives.
type Refs struct {
	// Steps are the step names referenced as steps.NAME or steps['NAME'],
	// sorted and unique.
	Steps []string
	// Identifiers are the free root identifiers other than the built-in
	// roots, sorted and unique: named conditions, Vars.Extra keys and
	// top-level fields of the event data.
	Identifiers []string
	// Conditions are the names referenced as conditions.NAME or
	// conditions['NAME'], sorted and unique.
	Conditions []string
}

// builtinRoots are the variables every expression can read without a
// data field of that name.
var builtinRoots = map[string]bool{
	"event": true, "data": true, "violation": true, "resource": true,
	"steps": true, "workflow": true, "run": true, "conditions": true,
	"now": true, "time": true, "today": true, "current_week": true,
	"LOW": true, "MEDIUM": true, "HIGH": true, "CRITICAL": true,
}

// mergeRefs returns the sorted union of all refs.
func mergeRefs(all ...Refs) Refs {
	var out Refs
	for _, r := range all {
		out.Steps = append(out.Steps, r.Steps...)
		out.Identifiers = append(out.Identifiers, r.Identifiers...)
		out.Conditions = append(out.Conditions, r.Conditions...)
	}
	out.Steps = sortedUnique(out.Steps)
	out.Identifiers = sortedUnique(out.Identifiers)
	out.Conditions = sortedUnique(out.Conditions)
	return out
}

func sortedUnique(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// analyzer walks a parsed expression to collect Refs and to reject calls
// of functions the environment does not declare.
type analyzer struct {
	env    *Env
	refs   Refs
	scopes []string
	// loops is set when the expression has a comprehension.
	loops bool
	// badCall is the node ID and message of the first invalid call.
	badCall    int64
	badCallMsg string
}

func (a *analyzer) walk(e ast.Expr) {
	switch e.Kind() {
	case ast.IdentKind:
		a.ident(e.AsIdent())
	case ast.SelectKind:
		sel := e.AsSelect()
		if !a.rootField(sel.Operand(), sel.FieldName()) {
			a.walk(sel.Operand())
		}
	case ast.CallKind:
		a.call(e)
	case ast.ListKind:
		for _, elem := range e.AsList().Elements() {
			a.walk(elem)
		}
	case ast.MapKind:
		for _, entry := range e.AsMap().Entries() {
			a.walk(entry.AsMapEntry().Key())
			a.walk(entry.AsMapEntry().Value())
		}
	case ast.StructKind:
		for _, field := range e.AsStruct().Fields() {
			a.walk(field.AsStructField().Value())
		}
	case ast.ComprehensionKind:
		a.comprehension(e.AsComprehension())
	}
}

func (a *analyzer) ident(name string) {
	if slices.Contains(a.scopes, name) || builtinRoots[name] {
		return
	}
	a.refs.Identifiers = append(a.refs.Identifiers, name)
}

// rootField records steps.NAME and conditions.NAME, returning false when
// operand is not one of those roots.
func (a *analyzer) rootField(operand ast.Expr, field string) bool {
	if operand.Kind() != ast.IdentKind || slices.Contains(a.scopes, operand.AsIdent()) {
		return false
	}
	switch operand.AsIdent() {
	case "steps":
		a.refs.Steps = append(a.refs.Steps, field)
		return true
	case "conditions":
		a.refs.Conditions = append(a.refs.Conditions, field)
		return true
	}
	return false
}

func (a *analyzer) call(e ast.Expr) {
	call := e.AsCall()
	fn, args := call.FunctionName(), call.Args()
	if (fn == operators.Index || fn == operators.OptIndex) && len(args) == 2 && args[1].Kind() == ast.LiteralKind {
		if key, ok := args[1].AsLiteral().(types.String); ok && a.rootField(args[0], string(key)) {
			return
		}
	}
	if call.IsMemberFunction() {
		if a.qualifiedCall(call.Target(), fn, len(args)) {
			a.walkAll(args)
			return
		}
		a.checkCall(e.ID(), fn, len(args), true)
		a.walk(call.Target())
	} else {
		a.checkCall(e.ID(), fn, len(args), false)
	}
	a.walkAll(args)
}

// qualifiedCall reports whether target.fn(...) names a namespaced global
// function such as math.greatest or base64.encode.
func (a *analyzer) qualifiedCall(target ast.Expr, fn string, argc int) bool {
	name, ok := qualifiedName(target)
	if !ok || slices.Contains(a.scopes, rootOf(target)) {
		return false
	}
	declared, arityOK := a.env.hasFunction(name+"."+fn, argc, false)
	return declared && arityOK
}

func (a *analyzer) checkCall(id int64, fn string, argc int, member bool) {
	if a.badCallMsg != "" {
		return
	}
	declared, arityOK := a.env.hasFunction(fn, argc, member)
	switch {
	case !declared:
		a.badCall, a.badCallMsg = id, fmt.Sprintf("unknown function %q", fn)
	case !arityOK && member:
		a.badCall, a.badCallMsg = id, fmt.Sprintf("no overload of method %q takes %d arguments", fn, argc)
	case !arityOK:
		a.badCall, a.badCallMsg = id, fmt.Sprintf("no overload of function %q takes %d arguments", fn, argc)
	}
}

func (a *analyzer) comprehension(c ast.ComprehensionExpr) {
	a.loops = true
	a.walk(c.IterRange())
	a.walk(c.AccuInit())
	outer := len(a.scopes)
	a.scopes = append(a.scopes, c.AccuVar(), c.IterVar())
	if c.HasIterVar2() {
		a.scopes = append(a.scopes, c.IterVar2())
	}
	a.walk(c.LoopCondition())
	a.walk(c.LoopStep())
	a.scopes = append(a.scopes[:outer], c.AccuVar())
	a.walk(c.Result())
	a.scopes = a.scopes[:outer]
}

func (a *analyzer) walkAll(exprs []ast.Expr) {
	for _, e := range exprs {
		a.walk(e)
	}
}

// qualifiedName returns "a.b.c" for a chain of selects on an identifier.
func qualifiedName(e ast.Expr) (string, bool) {
	switch e.Kind() {
	case ast.IdentKind:
		return e.AsIdent(), true
	case ast.SelectKind:
		sel := e.AsSelect()
		if sel.IsTestOnly() {
			return "", false
		}
		prefix, ok := qualifiedName(sel.Operand())
		return prefix + "." + sel.FieldName(), ok
	}
	return "", false
}

func rootOf(e ast.Expr) string {
	for e.Kind() == ast.SelectKind {
		e = e.AsSelect().Operand()
	}
	if e.Kind() == ast.IdentKind {
		return e.AsIdent()
	}
	return ""
}
