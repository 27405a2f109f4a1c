package expr

import (
	"encoding/json"
	"errors"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// filterFunctions declares the member functions behind template filters.
// The filter syntax `x | f(args)` is rewritten to the call `x.f(args)`, so
// every member function works as a filter and these four fill the gaps
// left by the CEL standard library and extensions.
func filterFunctions() cel.EnvOption {
	return cel.Lib(filterLib{})
}

type filterLib struct{}

// CompileOptions declares the filter functions.
func (filterLib) CompileOptions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Function("default",
			cel.MemberOverload("dyn_default_dyn", []*cel.Type{cel.DynType, cel.DynType}, cel.DynType,
				cel.OverloadIsNonStrict(),
				cel.BinaryBinding(applyDefault))),
		cel.Function("upper",
			cel.MemberOverload("string_upper", []*cel.Type{cel.StringType}, cel.StringType,
				cel.UnaryBinding(mapString(strings.ToUpper)))),
		cel.Function("lower",
			cel.MemberOverload("string_lower", []*cel.Type{cel.StringType}, cel.StringType,
				cel.UnaryBinding(mapString(strings.ToLower)))),
		cel.Function("tojson",
			cel.MemberOverload("dyn_tojson", []*cel.Type{cel.DynType}, cel.StringType,
				cel.UnaryBinding(encodeJSON))),
	}
}

// ProgramOptions returns no program options because every binding is
// declared with its function.
func (filterLib) ProgramOptions() []cel.ProgramOption { return nil }

// applyDefault returns fallback when value is null or failed because a
// field or name was missing. Any other error propagates, so a default
// never hides a type error or a division by zero.
func applyDefault(value, fallback ref.Val) ref.Val {
	if types.IsError(fallback) {
		return fallback
	}
	if value == types.NullValue {
		return fallback
	}
	celErr, ok := value.(*types.Err)
	if !ok {
		return value
	}
	var missing *MissingFieldError
	if errors.As(celErr, &missing) {
		return fallback
	}
	return value
}

func mapString(fn func(string) string) func(ref.Val) ref.Val {
	return func(v ref.Val) ref.Val {
		s, ok := v.(types.String)
		if !ok {
			return types.MaybeNoSuchOverloadErr(v)
		}
		return types.String(fn(string(s)))
	}
}

func encodeJSON(v ref.Val) ref.Val {
	plain, err := toGo(v)
	if err != nil {
		return types.WrapErr(err)
	}
	out, err := json.Marshal(plain)
	if err != nil {
		return types.NewErr("encode value as JSON: %v", err)
	}
	return types.String(out)
}
