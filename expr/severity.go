package expr

import (
	"fmt"
	"reflect"
	"strings"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// severity is the value of the constants LOW, MEDIUM, HIGH and CRITICAL.
// It is a type of its own, not a string, so that comparisons rank by
// severity: as strings, "HIGH" < "MEDIUM".
type severity int

const (
	severityLow severity = iota + 1
	severityMedium
	severityHigh
	severityCritical
)

var severityType = types.NewObjectType("policycortex.Severity", traits.ComparerType)

var severityNames = [...]string{severityLow: "LOW", severityMedium: "MEDIUM", severityHigh: "HIGH", severityCritical: "CRITICAL"}

// severityByName returns the constant named name, ignoring case, so that
// both "HIGH" and "high" rank as HIGH.
func severityByName(name string) (severity, error) {
	for s := severityLow; s <= severityCritical; s++ {
		if strings.EqualFold(name, severityNames[s]) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q: want LOW, MEDIUM, HIGH or CRITICAL", name)
}

// String returns the constant's name.
func (s severity) String() string { return severityNames[s] }

// ConvertToNative returns the name as a Go string.
func (s severity) ConvertToNative(typeDesc reflect.Type) (any, error) {
	if typeDesc.Kind() == reflect.String || typeDesc.Kind() == reflect.Interface {
		return s.String(), nil
	}
	return nil, fmt.Errorf("type conversion error from severity to %v", typeDesc)
}

// ConvertToType supports string(LOW) and type(LOW).
func (s severity) ConvertToType(typeVal ref.Type) ref.Val {
	switch typeVal {
	case types.StringType:
		return types.String(s.String())
	case types.TypeType:
		return severityType
	}
	return types.NewErr("type conversion error from severity to %s", typeVal.TypeName())
}

// Equal compares by rank against a severity or a severity string.
func (s severity) Equal(other ref.Val) ref.Val {
	rank, err := severityOf(other)
	if err != nil {
		return types.WrapErr(err)
	}
	return types.Bool(s == rank)
}

// Compare ranks s against a severity or a severity string.
func (s severity) Compare(other ref.Val) ref.Val {
	rank, err := severityOf(other)
	if err != nil {
		return types.WrapErr(err)
	}
	return types.Int(compareInts(int(s), int(rank)))
}

// Type returns severityType.
func (s severity) Type() ref.Type { return severityType }

// Value returns the name.
func (s severity) Value() any { return s.String() }

// severityOf ranks a severity constant or a string naming one.
func severityOf(v ref.Val) (severity, error) {
	switch v := v.(type) {
	case severity:
		return v, nil
	case types.String:
		return severityByName(string(v))
	}
	return 0, fmt.Errorf("cannot compare %s with a severity", v.Type().TypeName())
}

func compareInts(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
