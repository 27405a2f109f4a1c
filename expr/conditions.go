package expr

import (
	"reflect"
	"slices"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// conditionSetType is the CEL type of the `conditions` variable.
var conditionSetType = types.NewObjectType("policycortex.Conditions",
	traits.IndexerType, traits.FieldTesterType, traits.ContainerType,
	traits.IterableType, traits.SizerType)

// conditionSet is the `conditions` variable: conditions.NAME evaluates the
// named condition NAME through the shared activation.
type conditionSet struct {
	act *activation
}

var (
	_ traits.Indexer     = (*conditionSet)(nil)
	_ traits.FieldTester = (*conditionSet)(nil)
)

// Get evaluates the named condition, or fails naming the missing path.
func (c *conditionSet) Get(key ref.Val) ref.Val {
	name, ok := key.(types.String)
	if !ok {
		return types.NewErr("invalid key %v for conditions: condition names are strings", key)
	}
	if _, found := c.act.vars.Conditions[string(name)]; !found {
		return types.WrapErr(&MissingFieldError{Path: childPath("conditions", string(name))})
	}
	return c.act.condition(string(name))
}

// IsSet reports whether a named condition exists, for has().
func (c *conditionSet) IsSet(key ref.Val) ref.Val {
	name, ok := key.(types.String)
	if !ok {
		return types.False
	}
	_, found := c.act.vars.Conditions[string(name)]
	return types.Bool(found)
}

// Contains implements `'name' in conditions`.
func (c *conditionSet) Contains(key ref.Val) ref.Val { return c.IsSet(key) }

// Size returns the number of named conditions.
func (c *conditionSet) Size() ref.Val { return types.Int(len(c.act.vars.Conditions)) }

// Iterator walks the condition names in sorted order.
func (c *conditionSet) Iterator() traits.Iterator {
	names := make([]string, 0, len(c.act.vars.Conditions))
	for name := range c.act.vars.Conditions {
		names = append(names, name)
	}
	slices.Sort(names)
	return &keyIterator{keys: names}
}

// ConvertToNative evaluates every named condition into a Go map.
func (c *conditionSet) ConvertToNative(typeDesc reflect.Type) (any, error) {
	out := make(map[string]any, len(c.act.vars.Conditions))
	for name := range c.act.vars.Conditions {
		value, err := toGo(c.act.condition(name))
		if err != nil {
			return nil, err
		}
		out[name] = value
	}
	return convertPlain(out, typeDesc)
}

// ConvertToType supports type(conditions) only.
func (c *conditionSet) ConvertToType(typeVal ref.Type) ref.Val {
	if typeVal == types.TypeType {
		return conditionSetType
	}
	return types.NewErr("type conversion error from conditions to %s", typeVal.TypeName())
}

// Equal is false: the set of named conditions is not a comparable value.
func (c *conditionSet) Equal(ref.Val) ref.Val { return types.False }

// Type returns conditionSetType.
func (c *conditionSet) Type() ref.Type { return conditionSetType }

// Value returns the named condition programs.
func (c *conditionSet) Value() any { return c.act.vars.Conditions }
