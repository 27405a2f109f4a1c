package engine

import (
	"fmt"
	"reflect"

	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/schema"
)

// lookupAttribute finds a match key: first as a dotted path into the event's
// data, then as a top-level CloudEvents attribute such as "source".
func lookupAttribute(ev *Event, key string) (any, bool) {
	if v, ok := expr.Lookup(ev.Data, key); ok {
		return v, true
	}
	v, ok := ev.Attributes[key]
	if key == "data" {
		return nil, false
	}
	return v, ok
}

// matchAll reports whether every match holds for the event, and otherwise
// which one failed, for dry-run explanations.
func matchAll(ev *Event, matches []schema.Match) (bool, string) {
	for _, m := range matches {
		attr, ok := lookupAttribute(ev, m.Key)
		if !ok {
			return false, fmt.Sprintf("%s: attribute %q not in event data", m.Pos, m.Key)
		}
		if !matchValue(attr, m.Values) {
			return false, fmt.Sprintf("%s: %s is %s, want %s", m.Pos, m.Key, describe(attr), describeExpected(m))
		}
	}
	return true, ""
}

// matchValue implements the `key: value` rule: the attribute equals one of
// the expected values, or, when the attribute is a list, the lists overlap.
func matchValue(attr any, expected []any) bool {
	if list, ok := attr.([]any); ok {
		for _, item := range list {
			if matchValue(item, expected) {
				return true
			}
		}
		return false
	}
	for _, w := range expected {
		if scalarEqual(attr, w) {
			return true
		}
	}
	return false
}

// scalarEqual compares two decoded scalars, treating all numeric kinds alike.
func scalarEqual(a, b any) bool {
	fa, aNum := toFloat(a)
	fb, bNum := toFloat(b)
	if aNum && bNum {
		return fa == fb
	}
	return reflect.DeepEqual(a, b)
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	return 0, false
}

func describe(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%v", v)
}

func describeExpected(m schema.Match) string {
	if !m.List && len(m.Values) == 1 {
		return describe(m.Values[0])
	}
	return fmt.Sprintf("one of %v", m.Values)
}

// triggerMatches reports whether a workflow's trigger accepts the event. A
// scheduled workflow also accepts a schedule event that names it, which is
// how a firing is tested or started by hand.
func triggerMatches(wf *schema.Workflow, ev *Event) (bool, string) {
	if wf.Trigger.Schedule != nil && ev.Type == ScheduleEventType && ev.Source == ScheduleSource {
		if name, _ := ev.Data["workflow"].(string); name != wf.Name {
			return false, fmt.Sprintf("schedule event names workflow %q, not %q", name, wf.Name)
		}
		return true, ""
	}
	if wf.Trigger.Event == "" {
		return false, fmt.Sprintf("workflow %s has no event trigger", wf.Name)
	}
	if wf.Trigger.Event != ev.Type {
		return false, fmt.Sprintf("event type %q does not match trigger event %q", ev.Type, wf.Trigger.Event)
	}
	return matchAll(ev, wf.Trigger.Matches)
}
