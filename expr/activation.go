package expr

import (
	"fmt"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// activation resolves the variables of one evaluation. Root values are
// built on first use and cached, and named conditions are evaluated at most
// once. An activation is not safe for concurrent use, so every evaluation
// creates its own.
type activation struct {
	vars  *Vars
	data  map[string]any
	now   time.Time
	roots map[string]ref.Val
	// memo stores the result of each named condition evaluated so far.
	// evaluating is the chain of named conditions in progress, which
	// reveals cycles.
	memo       map[string]ref.Val
	evaluating []string
}

var _ interpreter.Activation = (*activation)(nil)

func newActivation(v *Vars) *activation {
	if v == nil {
		v = &Vars{}
	}
	now := v.Now
	if now.IsZero() {
		now = time.Now()
	}
	loc := v.Location
	if loc == nil {
		loc = time.UTC
	}
	return &activation{vars: v, data: eventData(v), now: now.In(loc)}
}

// eventData returns Vars.Data, falling back to the event's data object.
func eventData(v *Vars) map[string]any {
	if v.Data != nil {
		return v.Data
	}
	if data, ok := v.Event["data"].(map[string]any); ok {
		return data
	}
	return map[string]any{}
}

// ResolveName returns the value of a root identifier. The interpreter
// also requests dotted names such as "violation.resource" when it looks
// for qualified variables. There are none, so those are not found.
func (a *activation) ResolveName(name string) (any, bool) {
	if strings.IndexByte(name, '.') >= 0 {
		return nil, false
	}
	if v, ok := a.roots[name]; ok {
		return v, true
	}
	v := a.resolve(name)
	if a.roots == nil {
		a.roots = make(map[string]ref.Val, 4)
	}
	a.roots[name] = v
	return v, true
}

// Parent returns nil: an activation has no enclosing scope.
func (a *activation) Parent() interpreter.Activation { return nil }

// resolve looks name up in order: built-in roots, Vars.Extra, named
// conditions, then top-level fields of the event data.
func (a *activation) resolve(name string) ref.Val {
	if v, ok := a.builtin(name); ok {
		return v
	}
	if v, ok := a.vars.Extra[name]; ok {
		return toCEL(v, name)
	}
	if _, ok := a.vars.Conditions[name]; ok {
		return a.condition(name)
	}
	if v, ok := a.data[name]; ok {
		return toCEL(v, name)
	}
	return types.WrapErr(&MissingFieldError{Path: name, Root: true})
}

func (a *activation) builtin(name string) (ref.Val, bool) {
	switch name {
	case "event":
		return objectOrEmpty(a.vars.Event, "event"), true
	case "data":
		return &object{path: "data", fields: a.data}, true
	case "violation":
		return &object{path: "violation", fields: violationOf(a.data)}, true
	case "resource":
		return a.resource(), true
	case "steps":
		return objectOrEmpty(a.vars.Steps, "steps"), true
	case "workflow":
		return objectOrEmpty(a.vars.Workflow, "workflow"), true
	case "run":
		return objectOrEmpty(a.vars.Run, "run"), true
	case "conditions":
		return &conditionSet{act: a}, true
	case "now":
		return types.Timestamp{Time: a.now}, true
	case "time":
		return types.String(a.now.Format("15:04")), true
	case "today":
		return types.String(a.now.Format(time.DateOnly)), true
	case "current_week":
		_, week := a.now.ISOWeek()
		return types.Int(week), true
	}
	if s, err := severityByName(name); err == nil && name == s.String() {
		return s, true
	}
	return nil, false
}

// violationOf returns data.violation when it is an object, else data.
func violationOf(data map[string]any) map[string]any {
	if v, ok := data["violation"].(map[string]any); ok {
		return v
	}
	return data
}

// resource returns data.resource, else violation.resource.
func (a *activation) resource() ref.Val {
	if v, ok := a.data["resource"]; ok {
		return toCEL(v, "resource")
	}
	if v, ok := violationOf(a.data)["resource"]; ok {
		return toCEL(v, "resource")
	}
	return types.WrapErr(&MissingFieldError{Path: "resource", Detail: "the event data has neither resource nor violation.resource"})
}

// condition evaluates a named condition once per activation.
func (a *activation) condition(name string) ref.Val {
	if v, ok := a.memo[name]; ok {
		return v
	}
	for i, n := range a.evaluating {
		if n == name {
			chain := append(append([]string{}, a.evaluating[i:]...), name)
			return types.NewErr("named condition cycle: %s", strings.Join(chain, " -> "))
		}
	}
	program := a.vars.Conditions[name]
	if program == nil {
		return types.NewErr("named condition %q is not compiled", name)
	}
	a.evaluating = append(a.evaluating, name)
	v := program.evalWith(a)
	a.evaluating = a.evaluating[:len(a.evaluating)-1]
	if celErr, ok := v.(*types.Err); ok {
		v = types.WrapErr(fmt.Errorf("named condition %q: %w", name, program.nodeError(celErr.NodeID(), celErr.Error(), celErr.Unwrap())))
	}
	if a.memo == nil {
		a.memo = make(map[string]ref.Val, 2)
	}
	a.memo[name] = v
	return v
}

func objectOrEmpty(fields map[string]any, path string) *object {
	if fields == nil {
		fields = map[string]any{}
	}
	return &object{path: path, fields: fields}
}
