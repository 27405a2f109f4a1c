package expr

import (
	"slices"
	"time"

	"go.starlark.net/starlark"
)

// scriptGlobals builds the predeclared names of a script run. Later
// sources replace earlier ones, so the order is: top-level data fields,
// named conditions, Vars.Extra keys, then the built-in variables. This is
// the order in which conditions resolve a bare identifier.
func scriptGlobals(in *ScriptInput) (starlark.StringDict, error) {
	globals := starlark.StringDict{}
	data := in.eventData()
	if err := setGlobals(globals, data); err != nil {
		return nil, err
	}
	for name, value := range in.Conditions {
		globals[name] = starlark.Bool(value)
	}
	// A failed named condition leaves its name unset, so that reading it
	// fails with the condition's error instead of a data field's value.
	for name := range in.ConditionErrors {
		delete(globals, name)
	}
	if err := setGlobals(globals, in.Extra); err != nil {
		return nil, err
	}
	builtins, err := scriptBuiltinValues(in, data)
	if err != nil {
		return nil, err
	}
	for name, value := range builtins {
		globals[name] = value
	}
	return globals, nil
}

func setGlobals(globals starlark.StringDict, values map[string]any) error {
	for name, value := range values {
		converted, err := toStarlark(value, name)
		if err != nil {
			return err
		}
		globals[name] = converted
	}
	return nil
}

// scriptBuiltinValues returns the built-in variables of a script run.
// resource is left out when the event data has neither resource nor
// violation.resource.
func scriptBuiltinValues(in *ScriptInput, data map[string]any) (starlark.StringDict, error) {
	roots := map[string]map[string]any{
		"event": in.Event, "data": data, "violation": violationOf(data),
		"steps": in.Steps, "workflow": in.Workflow, "run": in.Run,
	}
	if r, ok := data["resource"].(map[string]any); ok {
		roots["resource"] = r
	} else if r, ok := violationOf(data)["resource"].(map[string]any); ok {
		roots["resource"] = r
	}
	builtins := starlark.StringDict{}
	for name, value := range roots {
		if value == nil {
			value = map[string]any{}
		}
		converted, err := toStarlark(value, name)
		if err != nil {
			return nil, err
		}
		builtins[name] = converted
	}
	builtins["conditions"] = conditionsDict(in.Conditions)

	now := in.clock()
	_, week := now.ISOWeek()
	builtins["now"] = starlark.String(now.Format(time.RFC3339Nano))
	builtins["time"] = starlark.String(now.Format("15:04"))
	builtins["today"] = starlark.String(now.Format(time.DateOnly))
	builtins["current_week"] = starlark.MakeInt(week)
	return builtins, nil
}

// conditionsDict returns the named condition values as a dict with keys in
// sorted order.
func conditionsDict(values map[string]bool) *starlark.Dict {
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names)
	dict := starlark.NewDict(len(names))
	for _, name := range names {
		// SetKey fails only on an unhashable key or a frozen dict, and
		// neither is possible here.
		_ = dict.SetKey(starlark.String(name), starlark.Bool(values[name]))
	}
	return dict
}
