package expr

import (
	"reflect"
	"slices"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// objectType is the CEL type of the JSON objects in Vars. It is not the
// CEL map type, because the interpreter reports a missing map key with a
// bare "no such key" message. A value that is an Indexer and a FieldTester
// but not a Mapper produces its own error, which names the full path, and
// still supports has().
var objectType = types.NewObjectType("policycortex.Object",
	traits.ContainerType, traits.IndexerType, traits.IterableType,
	traits.SizerType, traits.FieldTesterType)

// object is a JSON object seen from CEL. It remembers the path it was
// reached by, such as "violation.resource", for error messages.
type object struct {
	path   string
	fields map[string]any
}

var (
	_ traits.Indexer     = (*object)(nil)
	_ traits.FieldTester = (*object)(nil)
	_ traits.Container   = (*object)(nil)
	_ traits.Iterable    = (*object)(nil)
	_ traits.Sizer       = (*object)(nil)
	_ traits.Foldable    = (*object)(nil)
)

// Get returns the field named by key, or a MissingFieldError naming the
// full path.
func (o *object) Get(key ref.Val) ref.Val {
	name, ok := key.(types.String)
	if !ok {
		return types.NewErr("invalid key %v for %s: object keys are strings", key, o.describe())
	}
	value, found := o.fields[string(name)]
	if !found {
		return types.WrapErr(&MissingFieldError{Path: childPath(o.path, string(name))})
	}
	return toCEL(value, childPath(o.path, string(name)))
}

// IsSet reports whether the field exists, for has() and optional selects.
func (o *object) IsSet(key ref.Val) ref.Val {
	name, ok := key.(types.String)
	if !ok {
		return types.False
	}
	_, found := o.fields[string(name)]
	return types.Bool(found)
}

// Contains implements `key in object`.
func (o *object) Contains(key ref.Val) ref.Val {
	return o.IsSet(key)
}

// Size returns the number of fields.
func (o *object) Size() ref.Val {
	return types.Int(len(o.fields))
}

// Iterator walks the field names in sorted order, so comprehensions over an
// object are deterministic.
func (o *object) Iterator() traits.Iterator {
	return &keyIterator{keys: o.sortedKeys()}
}

// Fold passes each field name and value to folder in sorted order, for
// comprehensions with two variables such as all(k, v, ...).
func (o *object) Fold(folder traits.Folder) {
	for _, k := range o.sortedKeys() {
		if !folder.FoldEntry(types.String(k), o.Get(types.String(k))) {
			return
		}
	}
}

func (o *object) sortedKeys() []string {
	keys := make([]string, 0, len(o.fields))
	for k := range o.fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ConvertToNative converts the object to a plain Go map.
func (o *object) ConvertToNative(typeDesc reflect.Type) (any, error) {
	plain, err := toGo(o)
	if err != nil {
		return nil, err
	}
	return convertPlain(plain, typeDesc)
}

// ConvertToType supports type(x); objects convert to no other type.
func (o *object) ConvertToType(typeVal ref.Type) ref.Val {
	if typeVal == types.TypeType {
		return objectType
	}
	return types.NewErr("type conversion error from %s to %s", objectType.TypeName(), typeVal.TypeName())
}

// Equal compares field by field against another object or a CEL map.
func (o *object) Equal(other ref.Val) ref.Val {
	switch other := other.(type) {
	case *object:
		return types.Bool(reflect.DeepEqual(normalize(o.fields), normalize(other.fields)))
	case traits.Mapper:
		if other.Size() != o.Size() {
			return types.False
		}
		for name := range o.fields {
			otherValue, found := other.Find(types.String(name))
			if !found {
				return types.False
			}
			if types.Equal(o.Get(types.String(name)), otherValue) != types.True {
				return types.False
			}
		}
		return types.True
	}
	return types.False
}

// Type returns objectType.
func (o *object) Type() ref.Type { return objectType }

// Value returns the underlying map.
func (o *object) Value() any { return o.fields }

func (o *object) describe() string {
	if o.path == "" {
		return "object"
	}
	return o.path
}
