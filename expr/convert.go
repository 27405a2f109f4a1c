package expr

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"google.golang.org/protobuf/types/known/structpb"
)

// toCEL converts a JSON-like Go value to CEL, keeping path on maps and
// lists for error messages.
func toCEL(value any, path string) ref.Val {
	switch v := value.(type) {
	case nil:
		return types.NullValue
	case ref.Val:
		return v
	case map[string]any:
		return &object{path: path, fields: v}
	case []any:
		return newList(path, v)
	case string:
		return types.String(v)
	case bool:
		return types.Bool(v)
	case int:
		return types.Int(v)
	case int64:
		return types.Int(v)
	case float64:
		if i, ok := integral(v); ok {
			return types.Int(i)
		}
		return types.Double(v)
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return types.Int(i)
		}
		f, err := v.Float64()
		if err != nil {
			return types.NewErr("invalid number %q at %s", v.String(), path)
		}
		return types.Double(f)
	case time.Time:
		return types.Timestamp{Time: v}
	case time.Duration:
		return types.Duration{Duration: v}
	}
	return types.DefaultTypeAdapter.NativeToValue(value)
}

// toGo converts a CEL value to plain Go: bool, int64, float64, string,
// []any, map[string]any, time.Time or nil. Durations become Go duration
// strings such as "1h30m0s", bytes become strings, severities their names.
func toGo(v ref.Val) (any, error) {
	switch v := v.(type) {
	case *types.Err:
		return nil, v
	case *object:
		return normalize(v.fields), nil
	case *list:
		return normalize(v.items), nil
	case severity:
		return v.String(), nil
	case *conditionSet:
		return v.ConvertToNative(reflect.TypeOf((*any)(nil)).Elem())
	case types.Null:
		return nil, nil
	case types.Bool:
		return bool(v), nil
	case types.Int:
		return int64(v), nil
	case types.Uint:
		if v <= math.MaxInt64 {
			return int64(v), nil
		}
		return float64(v), nil
	case types.Double:
		return float64(v), nil
	case types.String:
		return string(v), nil
	case types.Bytes:
		return string(v), nil
	case types.Timestamp:
		return v.Time, nil
	case types.Duration:
		return v.Duration.String(), nil
	case *types.Optional:
		if !v.HasValue() {
			return nil, nil
		}
		return toGo(v.GetValue())
	case *types.Type:
		return v.TypeName(), nil
	case traits.Lister:
		return listToGo(v)
	case traits.Mapper:
		return mapToGo(v)
	}
	return nil, fmt.Errorf("unsupported result type %s", v.Type().TypeName())
}

func listToGo(l traits.Lister) ([]any, error) {
	n := int(l.Size().(types.Int))
	out := make([]any, 0, n)
	for i := 0; i < n; i++ {
		elem, err := toGo(l.Get(types.Int(i)))
		if err != nil {
			return nil, err
		}
		out = append(out, elem)
	}
	return out, nil
}

func mapToGo(m traits.Mapper) (map[string]any, error) {
	out := make(map[string]any, int(m.Size().(types.Int)))
	for it := m.Iterator(); it.HasNext() == types.True; {
		key := it.Next()
		name, ok := key.(types.String)
		if !ok {
			return nil, fmt.Errorf("invalid map key %v: keys of results must be strings", key)
		}
		value, err := toGo(m.Get(key))
		if err != nil {
			return nil, err
		}
		out[string(name)] = value
	}
	return out, nil
}

// normalize copies a JSON-like Go tree, turning every integer type and
// every integral float (see integral) into int64, other floats into
// float64, and json.Number into int64 or float64.
func normalize(value any) any {
	switch v := value.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, elem := range v {
			out[k] = normalize(elem)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, elem := range v {
			out[i] = normalize(elem)
		}
		return out
	case int:
		return int64(v)
	case int32:
		return int64(v)
	case uint32:
		return int64(v)
	case float32:
		return normalize(float64(v))
	case float64:
		if i, ok := integral(v); ok {
			return i
		}
		return v
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		if f, err := v.Float64(); err == nil {
			return f
		}
		return v.String()
	}
	return value
}

// convertPlain hands a plain Go tree to a caller that asked for typeDesc,
// covering `any`, the tree's own type and the protobuf JSON value that the
// CEL encoders extension requests.
func convertPlain(plain any, typeDesc reflect.Type) (any, error) {
	if typeDesc.Kind() == reflect.Interface || typeDesc == reflect.TypeOf(plain) {
		return plain, nil
	}
	if typeDesc == reflect.TypeOf(&structpb.Value{}) {
		return structpb.NewValue(plain)
	}
	return nil, fmt.Errorf("type conversion error from %T to %v", plain, typeDesc)
}

// maxExactInteger is 2^53, the largest magnitude up to which float64
// represents every integer exactly.
const maxExactInteger = 1 << 53

// integral returns f as an int64 when it has no fractional part and fits
// float64's exact integer range. JSON decoders return every number as a
// float64, so this makes 15000 from JSON the same int that YAML and
// json.Number give, and `count + 1` or range(count) work as written.
func integral(f float64) (int64, bool) {
	if f != math.Trunc(f) || math.Abs(f) > maxExactInteger {
		return 0, false
	}
	return int64(f), true
}
