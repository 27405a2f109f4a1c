package expr

import (
	"math"

	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"
)

// decorateComparisons replaces the six comparison operators and `in` with
// comparison nodes. The standard operators dispatch on the left operand,
// so `"HIGH" >= MEDIUM` would reach the string comparison and fail, and
// `"HIGH" in [HIGH]` would be false. The replacement ranks by severity
// whenever a severity constant is involved and otherwise keeps the
// standard semantics.
func decorateComparisons(i interpreter.InterpretableV2) (interpreter.InterpretableV2, error) {
	call, ok := i.(interpreter.InterpretableCall)
	if !ok {
		return i, nil
	}
	args := call.Args()
	if len(args) != 2 {
		return i, nil
	}
	switch call.Function() {
	case operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals,
		operators.Equals, operators.NotEquals, operators.In:
		return &comparison{InterpretableCall: call, lhs: args[0], rhs: args[1]}, nil
	}
	return i, nil
}

// comparison is a comparison operator node that understands severities.
type comparison struct {
	interpreter.InterpretableCall
	lhs, rhs interpreter.InterpretableV2
}

// Exec evaluates both operands, stopping at the first error or unknown.
func (c *comparison) Exec(frame *interpreter.ExecutionFrame) ref.Val {
	l := c.lhs.Exec(frame)
	if types.IsUnknownOrError(l) {
		return l
	}
	r := c.rhs.Exec(frame)
	if types.IsUnknownOrError(r) {
		return r
	}
	return types.LabelErrNode(c.ID(), compareValues(c.Function(), l, r))
}

// Eval is the activation form of Exec.
func (c *comparison) Eval(vars interpreter.Activation) ref.Val {
	l := c.lhs.Eval(vars)
	if types.IsUnknownOrError(l) {
		return l
	}
	r := c.rhs.Eval(vars)
	if types.IsUnknownOrError(r) {
		return r
	}
	return types.LabelErrNode(c.ID(), compareValues(c.Function(), l, r))
}

func compareValues(op string, l, r ref.Val) ref.Val {
	if op == operators.In {
		return contains(l, r)
	}
	_, lSeverity := l.(severity)
	_, rSeverity := r.(severity)
	if lSeverity || rSeverity {
		return compareSeverities(op, l, r)
	}

	switch op {
	case operators.Equals:
		return equalValues(l, r)
	case operators.NotEquals:
		eq := equalValues(l, r)
		if b, ok := eq.(types.Bool); ok {
			return !b
		}
		return eq
	}

	if isNaN(l) || isNaN(r) {
		return types.False
	}
	comparer, ok := l.(traits.Comparer)
	if !ok {
		return types.NewErr("no such overload: %s %s %s", l.Type().TypeName(), operatorSymbol(op), r.Type().TypeName())
	}
	cmp := comparer.Compare(r)
	n, ok := cmp.(types.Int)
	if !ok {
		return cmp
	}
	return orderResult(op, int(n))
}

// contains implements `elem in collection`. For lists it compares each
// element with the same equality as ==. An element that cannot be compared,
// such as an unknown severity string, is an error only when no other
// element matches, as in CEL's own list membership.
func contains(elem, collection ref.Val) ref.Val {
	l, ok := collection.(traits.Lister)
	if !ok {
		c, ok := collection.(traits.Container)
		if !ok {
			return types.NewErr("no such overload: %s in %s", elem.Type().TypeName(), collection.Type().TypeName())
		}
		return c.Contains(elem)
	}
	var firstErr ref.Val
	for it := l.Iterator(); it.HasNext() == types.True; {
		eq := compareValues(operators.Equals, elem, it.Next())
		if eq == types.True {
			return types.True
		}
		if types.IsError(eq) && firstErr == nil {
			firstErr = eq
		}
	}
	if firstErr != nil {
		return firstErr
	}
	return types.False
}

func compareSeverities(op string, l, r ref.Val) ref.Val {
	a, err := severityOf(l)
	if err != nil {
		return types.WrapErr(err)
	}
	b, err := severityOf(r)
	if err != nil {
		return types.WrapErr(err)
	}
	return orderResult(op, compareInts(int(a), int(b)))
}

// equalValues is CEL equality made symmetric for objects, whose Equal
// understands CEL maps while a CEL map's Equal does not know objects.
func equalValues(l, r ref.Val) ref.Val {
	if _, rObject := r.(*object); rObject {
		if _, lObject := l.(*object); !lObject {
			return types.Equal(r, l)
		}
	}
	return types.Equal(l, r)
}

func orderResult(op string, cmp int) ref.Val {
	switch op {
	case operators.Less:
		return types.Bool(cmp < 0)
	case operators.LessEquals:
		return types.Bool(cmp <= 0)
	case operators.Greater:
		return types.Bool(cmp > 0)
	case operators.GreaterEquals:
		return types.Bool(cmp >= 0)
	case operators.Equals:
		return types.Bool(cmp == 0)
	case operators.NotEquals:
		return types.Bool(cmp != 0)
	}
	return types.NewErr("unsupported comparison %s", op)
}

func isNaN(v ref.Val) bool {
	d, ok := v.(types.Double)
	return ok && math.IsNaN(float64(d))
}

func operatorSymbol(op string) string {
	if symbol, ok := operators.FindReverse(op); ok {
		return symbol
	}
	return op
}
