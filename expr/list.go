package expr

import (
	"fmt"
	"reflect"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// list is a JSON array seen from CEL. The embedded CEL list provides
// concatenation, membership and equality. list overrides element access
// so that objects inside keep a path such as "violation.findings[2]".
type list struct {
	traits.Lister
	path  string
	items []any
}

func newList(path string, items []any) *list {
	return &list{
		Lister: types.NewDynamicList(elementAdapter{path: path}, items),
		path:   path,
		items:  items,
	}
}

// Get returns the element at index, or an error naming the path and the
// length when index is out of range.
func (l *list) Get(index ref.Val) ref.Val {
	i, err := listIndex(index)
	if err != nil {
		return types.WrapErr(fmt.Errorf("index %s: %w", l.path, err))
	}
	if i < 0 || i >= len(l.items) {
		return types.NewErr("index %d out of range for %s (length %d)", i, l.path, len(l.items))
	}
	return toCEL(l.items[i], indexPath(l.path, i))
}

// Iterator walks the elements in order.
func (l *list) Iterator() traits.Iterator {
	return &listIterator{list: l}
}

// ConvertToNative converts the list to a plain Go slice.
func (l *list) ConvertToNative(typeDesc reflect.Type) (any, error) {
	plain, err := toGo(l)
	if err != nil {
		return nil, err
	}
	return convertPlain(plain, typeDesc)
}

func listIndex(index ref.Val) (int, error) {
	switch i := index.(type) {
	case types.Int:
		return int(i), nil
	case types.Uint:
		return int(i), nil
	case types.Double:
		if float64(i) == float64(int(i)) {
			return int(i), nil
		}
	}
	return 0, fmt.Errorf("invalid index %v: want an integer", index)
}

// elementAdapter converts elements for the embedded CEL list. It cannot
// know the index, so paths it builds end in "[]".
type elementAdapter struct {
	path string
}

// NativeToValue converts one element.
func (a elementAdapter) NativeToValue(value any) ref.Val {
	return toCEL(value, a.path+"[]")
}

// iteratorValue provides the ref.Val methods that traits.Iterator embeds.
// Iterators are internal to comprehensions and never surface as values.
type iteratorValue struct{}

func (iteratorValue) ConvertToNative(reflect.Type) (any, error) {
	return nil, fmt.Errorf("iterator is not a value")
}
func (iteratorValue) ConvertToType(ref.Type) ref.Val { return types.NewErr("iterator is not a value") }
func (iteratorValue) Equal(ref.Val) ref.Val          { return types.False }
func (iteratorValue) Type() ref.Type                 { return types.IteratorType }
func (iteratorValue) Value() any                     { return nil }

type listIterator struct {
	iteratorValue
	list *list
	next int
}

func (it *listIterator) HasNext() ref.Val { return types.Bool(it.next < len(it.list.items)) }

func (it *listIterator) Next() ref.Val {
	if it.next >= len(it.list.items) {
		return types.NewErr("iterator past the end of %s", it.list.path)
	}
	i := it.next
	it.next++
	return toCEL(it.list.items[i], indexPath(it.list.path, i))
}

type keyIterator struct {
	iteratorValue
	keys []string
	next int
}

func (it *keyIterator) HasNext() ref.Val { return types.Bool(it.next < len(it.keys)) }

func (it *keyIterator) Next() ref.Val {
	if it.next >= len(it.keys) {
		return types.NewErr("iterator past the end of the keys")
	}
	k := it.keys[it.next]
	it.next++
	return types.String(k)
}
