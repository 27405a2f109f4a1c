package expr

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"go.starlark.net/starlark"
)

// toStarlark converts a JSON-like Go value. Maps become dicts with keys
// in sorted order; times become RFC 3339 strings.
func toStarlark(value any, path string) (starlark.Value, error) {
	switch v := value.(type) {
	case nil:
		return starlark.None, nil
	case bool:
		return starlark.Bool(v), nil
	case string:
		return starlark.String(v), nil
	case int:
		return starlark.MakeInt(v), nil
	case int32:
		return starlark.MakeInt64(int64(v)), nil
	case int64:
		return starlark.MakeInt64(v), nil
	case uint64:
		return starlark.MakeUint64(v), nil
	case float32:
		return starlark.Float(v), nil
	case float64:
		if i, ok := integral(v); ok {
			return starlark.MakeInt64(i), nil
		}
		return starlark.Float(v), nil
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return starlark.MakeInt64(i), nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("convert %s: invalid number %q", path, v.String())
		}
		return starlark.Float(f), nil
	case time.Time:
		return starlark.String(v.Format(time.RFC3339Nano)), nil
	case map[string]any:
		return dictToStarlark(v, path)
	case []any:
		elems := make([]starlark.Value, len(v))
		for i, elem := range v {
			converted, err := toStarlark(elem, indexPath(path, i))
			if err != nil {
				return nil, err
			}
			elems[i] = converted
		}
		return starlark.NewList(elems), nil
	}
	return nil, fmt.Errorf("convert %s: unsupported type %T", path, value)
}

func dictToStarlark(m map[string]any, path string) (starlark.Value, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dict := starlark.NewDict(len(m))
	for _, k := range keys {
		converted, err := toStarlark(m[k], childPath(path, k))
		if err != nil {
			return nil, err
		}
		if err := dict.SetKey(starlark.String(k), converted); err != nil {
			return nil, fmt.Errorf("convert %s: %w", path, err)
		}
	}
	return dict, nil
}

// fromStarlark converts a script result to plain Go.
func fromStarlark(value starlark.Value) (any, error) {
	switch v := value.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.Bool:
		return bool(v), nil
	case starlark.String:
		return string(v), nil
	case starlark.Int:
		if i, ok := v.Int64(); ok {
			return i, nil
		}
		return nil, fmt.Errorf("integer %s does not fit in 64 bits", v.String())
	case starlark.Float:
		f := float64(v)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("result %s is not a JSON number", v.String())
		}
		return f, nil
	case *starlark.Dict:
		return dictFromStarlark(v)
	case starlark.Iterable:
		switch value.(type) {
		case *starlark.List, starlark.Tuple, *starlark.Set:
			return iterableFromStarlark(v)
		}
	}
	return nil, fmt.Errorf("unsupported result type %s: return None, a bool, number, string, list, tuple, set or dict", value.Type())
}

func dictFromStarlark(d *starlark.Dict) (map[string]any, error) {
	out := make(map[string]any, d.Len())
	for _, item := range d.Items() {
		key, ok := item[0].(starlark.String)
		if !ok {
			return nil, fmt.Errorf("invalid dict key %s: result keys must be strings", item[0].String())
		}
		value, err := fromStarlark(item[1])
		if err != nil {
			return nil, err
		}
		out[string(key)] = value
	}
	return out, nil
}

func iterableFromStarlark(it starlark.Iterable) ([]any, error) {
	iter := it.Iterate()
	defer iter.Done()
	out := []any{}
	var elem starlark.Value
	for iter.Next(&elem) {
		converted, err := fromStarlark(elem)
		if err != nil {
			return nil, err
		}
		out = append(out, converted)
	}
	return out, nil
}
