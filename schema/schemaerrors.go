package schema

import (
	"errors"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"
)

// schemaIssue is one validation failure, reduced from the library's error
// tree to a location and a short message.
type schemaIssue struct {
	// tokens is the instance location, relative to the validated value.
	tokens []string
	// property, when set, is the key of the object at tokens that the
	// issue is about; the problem then points at that key.
	property string
	// atKey points the problem at the key of the value at tokens (used for
	// missing keys, so the report names the mapping that lacks them).
	atKey bool
	msg   string
	// missing and suggested pair "missing key" and "unknown key" issues of
	// one object, to drop a missing-key report that a misspelling explains.
	missing   string
	suggested string
}

// validationContext is the schema documents and the step context used to
// phrase the issues of one validated value.
type validationContext struct {
	docs rawSchemas
	// action is set when the value is a step's parameters.
	action string
}

// validateNode validates the converted value of node against sch and turns
// every failure into a problem at the node it concerns.
func validateNode(doc *document, node, anchor *yaml.Node, v any, sch *jsonschema.Schema, vc validationContext) Problems {
	err := sch.Validate(v)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return Problems{doc.problem(anchor, "validate against schema: %v", err)}
	}
	return issueProblems(doc, node, anchor, vc.collect(verr))
}

// issueProblems places issues on the nodes under node. Issues about node
// itself point at anchor when node has no key of its own, as for the
// missing parameters of a step without a parameters mapping.
func issueProblems(doc *document, node, anchor *yaml.Node, issues []schemaIssue) Problems {
	explained := map[string]bool{}
	for _, is := range issues {
		if is.suggested != "" {
			explained[strings.Join(is.tokens, "/")+"\x00"+is.suggested] = true
		}
	}
	var out Problems
	seen := map[string]bool{}
	for _, is := range issues {
		if is.missing != "" && explained[strings.Join(is.tokens, "/")+"\x00"+is.missing] {
			continue
		}
		key, val := nodeAt(node, is.tokens)
		target := val
		switch {
		case is.property != "":
			if k, _ := field(val, is.property); k != nil {
				target = k
			}
		case is.atKey && key != nil:
			target = key
		case is.atKey && len(is.tokens) == 0 && anchor != nil:
			target = anchor
		}
		p := doc.problem(target, "%s", is.msg)
		if id := p.String(); !seen[id] {
			seen[id] = true
			out = append(out, p)
		}
	}
	return out
}

// collect flattens a validation error tree into issues. The library reports
// every failed alternative of an anyOf or oneOf, so collect drops those that
// fail only on the value's type and keeps the one with the fewest issues.
func (vc validationContext) collect(e *jsonschema.ValidationError) []schemaIssue {
	switch k := e.ErrorKind.(type) {
	case *kind.AnyOf:
		return vc.chooseAlternative(e)
	case *kind.OneOf:
		if len(k.Subschemas) == 0 {
			return vc.chooseAlternative(e)
		}
	case *kind.PropertyNames, *kind.Contains, *kind.MinContains, *kind.MaxContains:
		// The causes are the items that do not match the contains schema,
		// which is no fault of theirs.
		return vc.leafIssues(e)
	}
	if len(e.Causes) == 0 {
		return vc.leafIssues(e)
	}
	var out []schemaIssue
	for _, c := range e.Causes {
		out = append(out, vc.collect(c)...)
	}
	return out
}

func (vc validationContext) chooseAlternative(e *jsonschema.ValidationError) []schemaIssue {
	var best []schemaIssue
	var wants []string
	got := ""
	for _, c := range e.Causes {
		issues := vc.collect(c)
		if w, g, ok := onlyTypeMismatch(c, e.InstanceLocation); ok {
			wants = append(wants, w...)
			got = g
			continue
		}
		if best == nil || len(issues) < len(best) {
			best = issues
		}
	}
	if best != nil {
		return best
	}
	msg := vc.customMessage(e.SchemaURL)
	if msg == "" {
		msg = "must be " + joinTypes(wants)
	}
	return []schemaIssue{{tokens: e.InstanceLocation, msg: vc.subject(e.InstanceLocation) + " " + msg + ", got " + typeName(got)}}
}

// onlyTypeMismatch reports whether every leaf under e is a type error at
// loc, returning the wanted types and the actual one.
func onlyTypeMismatch(e *jsonschema.ValidationError, loc []string) (wants []string, got string, ok bool) {
	if len(e.Causes) == 0 {
		t, isType := e.ErrorKind.(*kind.Type)
		if !isType || !sameTokens(e.InstanceLocation, loc) {
			return nil, "", false
		}
		return t.Want, t.Got, true
	}
	for _, c := range e.Causes {
		w, g, ok := onlyTypeMismatch(c, loc)
		if !ok {
			return nil, "", false
		}
		wants, got = append(wants, w...), g
	}
	return wants, got, true
}

func sameTokens(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// customMessage returns the x-message text of the schema at loc, if any.
func (vc validationContext) customMessage(loc string) string {
	if obj := vc.docs.lookup(loc); obj != nil {
		if s, ok := obj["x-message"].(string); ok {
			return s
		}
	}
	return ""
}

// subject returns the name of the value at tokens for a message: `"timeout"`,
// `"steps[2]"`, or `parameter "url"` in a step's parameters.
func (vc validationContext) subject(tokens []string) string {
	if len(tokens) == 0 {
		if vc.action != "" {
			return "parameters"
		}
		return "value"
	}
	name, suffix := "", ""
	for i := len(tokens) - 1; i >= 0; i-- {
		if _, err := strconv.Atoi(tokens[i]); err == nil && i > 0 {
			suffix = "[" + tokens[i] + "]" + suffix
			continue
		}
		name = tokens[i]
		if vc.action != "" && i == 0 {
			return "parameter " + strconv.Quote(name+suffix)
		}
		break
	}
	return strconv.Quote(name + suffix)
}
