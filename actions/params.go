package actions

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// params reads an action's rendered parameters. The first read error
// sticks in err, and later reads return zero values, so a caller reads
// every parameter and checks err once. Every read error is permanent,
// because another attempt renders the same values.
type params struct {
	action string
	values map[string]any
	err    error
}

// newParams returns a reader of values that fails on any parameter not in
// known, so that a typo such as "chanel" fails instead of being ignored.
func newParams(action string, values map[string]any, known ...string) *params {
	p := &params{action: action, values: values}
	p.err = p.checkKnown(known...)
	return p
}

// checkKnown rejects parameters not in known.
func (p *params) checkKnown(known ...string) error {
	var unknown []string
	for name := range p.values {
		found := false
		for _, k := range known {
			if name == k {
				found = true
				break
			}
		}
		if !found {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return p.errorf("unknown parameter %s (expected one of %s)",
		strings.Join(unknown, ", "), strings.Join(known, ", "))
}

// errorf returns a permanent *Error naming the action.
func (p *params) errorf(format string, args ...any) *Error {
	return permanentError(fmt.Sprintf("action %s: ", p.action)+fmt.Sprintf(format, args...), nil)
}

// fail records err unless an earlier error is already recorded.
func (p *params) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// has reports whether the parameter is present, even with a null value.
func (p *params) has(name string) bool {
	_, ok := p.values[name]
	return ok
}

// string reads a string parameter; a missing or null one is "".
func (p *params) string(name string, required bool) string {
	v, ok := p.values[name]
	if !ok || v == nil {
		if required {
			p.fail(p.errorf("parameter %s is required", name))
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.fail(p.errorf("parameter %s: expected a string, got %s", name, typeName(v)))
		return ""
	}
	if required && s == "" {
		p.fail(p.errorf("parameter %s is required and must not be empty", name))
	}
	return s
}

// stringList reads a list whose items are strings, numbers or booleans;
// numbers and booleans are formatted as JSON writes them.
func (p *params) stringList(name string) []string {
	v, ok := p.values[name]
	if !ok || v == nil {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		if strs, isStrings := v.([]string); isStrings {
			return append([]string(nil), strs...)
		}
		p.fail(p.errorf("parameter %s: expected a list of strings, got %s", name, typeName(v)))
		return nil
	}
	out := make([]string, len(items))
	for i, item := range items {
		s, err := scalarString(item)
		if err != nil {
			p.fail(p.errorf("parameter %s[%d]: %v", name, i, err))
			return nil
		}
		out[i] = s
	}
	return out
}

// stringMap reads a map whose values are strings, numbers or booleans.
func (p *params) stringMap(name string) map[string]string {
	v, ok := p.values[name]
	if !ok || v == nil {
		return nil
	}
	if m, isStrings := v.(map[string]string); isStrings {
		out := make(map[string]string, len(m))
		for key, value := range m {
			out[key] = value
		}
		return out
	}
	m, ok := v.(map[string]any)
	if !ok {
		p.fail(p.errorf("parameter %s: expected a map of strings, got %s", name, typeName(v)))
		return nil
	}
	out := make(map[string]string, len(m))
	for key, item := range m {
		s, err := scalarString(item)
		if err != nil {
			p.fail(p.errorf("parameter %s.%s: %v", name, key, err))
			return nil
		}
		out[key] = s
	}
	return out
}

// duration reads a Go duration string ("10s", "1m30s") or a number of
// seconds; a missing parameter is zero.
func (p *params) duration(name string) time.Duration {
	v, ok := p.values[name]
	if !ok || v == nil {
		return 0
	}
	var d time.Duration
	switch v := v.(type) {
	case string:
		parsed, err := time.ParseDuration(v)
		if err != nil {
			p.fail(p.errorf("parameter %s: invalid duration %q, expected a value such as \"10s\"", name, v))
			return 0
		}
		d = parsed
	default:
		seconds, ok := number(v)
		if !ok {
			p.fail(p.errorf("parameter %s: expected a duration such as \"10s\", got %s", name, typeName(v)))
			return 0
		}
		d = time.Duration(seconds * float64(time.Second))
	}
	if d <= 0 {
		p.fail(p.errorf("parameter %s: duration must be positive, got %v", name, v))
		return 0
	}
	return d
}

// intList reads a list of whole numbers.
func (p *params) intList(name string) []int {
	v, ok := p.values[name]
	if !ok || v == nil {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		if ints, isInts := v.([]int); isInts {
			return append([]int(nil), ints...)
		}
		p.fail(p.errorf("parameter %s: expected a list of integers, got %s", name, typeName(v)))
		return nil
	}
	out := make([]int, len(items))
	for i, item := range items {
		f, ok := number(item)
		if !ok || f != math.Trunc(f) {
			p.fail(p.errorf("parameter %s[%d]: expected an integer, got %v", name, i, item))
			return nil
		}
		out[i] = int(f)
	}
	return out
}

// number converts the numeric types a template or JSON decoding produces.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// scalarString formats a string, number or boolean item.
func scalarString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return fmt.Sprint(v), nil
	}
	if f, ok := number(v); ok {
		data, err := json.Marshal(f)
		if err != nil {
			return "", fmt.Errorf("invalid number %v", v)
		}
		return string(data), nil
	}
	return "", fmt.Errorf("expected a string, got %s", typeName(v))
}

// typeName names a decoded value's JSON type for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any, map[string]string:
		return "an object"
	case []any, []string, []int:
		return "a list"
	}
	if _, ok := number(v); ok {
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}
