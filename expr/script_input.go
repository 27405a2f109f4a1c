package expr

import (
	"time"
)

// ScriptInput is the variables of one script run in a form that survives a
// JSON round trip, so that the script can run in another process: named
// conditions are already evaluated, and the clock is fixed.
type ScriptInput struct {
	Event map[string]any `json:"event,omitempty"`
	// Data is the event's data object; nil means Event["data"].
	Data     map[string]any `json:"data,omitempty"`
	Steps    map[string]any `json:"steps,omitempty"`
	Workflow map[string]any `json:"workflow,omitempty"`
	Run      map[string]any `json:"run,omitempty"`
	Extra    map[string]any `json:"extra,omitempty"`
	// Conditions maps each named condition that the script reads to its
	// value.
	Conditions map[string]bool `json:"conditions,omitempty"`
	// ConditionErrors maps each named condition that the script reads but
	// that failed to evaluate to the error text. The script fails when it
	// reads one of them.
	ConditionErrors map[string]string `json:"condition_errors,omitempty"`
	// Now is the evaluation time with the UTC offset of Location, the name
	// of the workflow's time zone. A zero Now means the current time.
	Now      time.Time `json:"now"`
	Location string    `json:"location,omitempty"`
}

// Input returns the variables of v as a script run reads them. It fixes the
// clock at v.Now (the current time when zero) in v.Location (UTC when nil)
// and evaluates, at that instant, every named condition that the script
// can read: all of them when it reads `conditions`, else those it names as
// bare identifiers that no built-in variable or Vars.Extra key shadows.
func (s *Script) Input(v *Vars) *ScriptInput {
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
	now = now.In(loc)
	in := &ScriptInput{
		Event: v.Event, Data: v.Data, Steps: v.Steps, Workflow: v.Workflow,
		Run: v.Run, Extra: v.Extra, Now: now, Location: loc.String(),
	}

	evalVars := *v
	evalVars.Now = now
	for name, program := range v.Conditions {
		if !s.readsCondition(name, v.Extra) {
			continue
		}
		value, err := program.EvalBool(&evalVars)
		if err != nil {
			if in.ConditionErrors == nil {
				in.ConditionErrors = map[string]string{}
			}
			in.ConditionErrors[name] = err.Error()
			continue
		}
		if in.Conditions == nil {
			in.Conditions = map[string]bool{}
		}
		in.Conditions[name] = value
	}
	return in
}

// readsCondition reports whether the script can see the named condition.
func (s *Script) readsCondition(name string, extra map[string]any) bool {
	if s.reads["conditions"] {
		return true
	}
	if !s.reads[name] || isScriptBuiltin(name) {
		return false
	}
	_, shadowed := extra[name]
	return !shadowed
}

// isScriptBuiltin reports whether name is a built-in variable of scripts,
// which no data field, named condition or Vars.Extra key replaces, as in
// conditions.
func isScriptBuiltin(name string) bool {
	switch name {
	case "event", "data", "violation", "resource", "steps", "workflow", "run",
		"conditions", "now", "time", "today", "current_week":
		return true
	}
	return false
}

// eventData returns Data, falling back to the event's data object.
func (in *ScriptInput) eventData() map[string]any {
	return eventData(&Vars{Event: in.Event, Data: in.Data})
}

// clock returns Now in a zone named Location with Now's UTC offset. The
// offset at that instant is all that now, time, today and current_week
// need, so the receiving process needs no time zone database.
func (in *ScriptInput) clock() time.Time {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	if in.Location == "" {
		return now
	}
	_, offset := now.Zone()
	return now.In(time.FixedZone(in.Location, offset))
}
