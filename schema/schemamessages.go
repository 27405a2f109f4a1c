package schema

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// leafIssues phrases one leaf of the error tree. Unknown keys yield one
// issue per key, each with a spelling hint drawn from the keys the schema
// allows there.
func (vc validationContext) leafIssues(e *jsonschema.ValidationError) []schemaIssue {
	loc := e.InstanceLocation
	subj := vc.subject(loc)
	custom := vc.customMessage(e.SchemaURL)
	issueAt := func(msg string) []schemaIssue { return []schemaIssue{{tokens: loc, msg: msg}} }
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		return vc.unknownKeys(e, k.Properties)
	case *kind.FalseSchema:
		if len(loc) > 0 {
			return []schemaIssue{{tokens: loc[:len(loc)-1], property: loc[len(loc)-1], msg: fmt.Sprintf("unknown key %q", loc[len(loc)-1])}}
		}
		return issueAt("value is not allowed here")
	case *kind.Required:
		return vc.missingKeys(loc, k.Missing)
	case *kind.Type:
		if custom != "" {
			return issueAt(fmt.Sprintf("%s %s, got %s", subj, custom, typeName(k.Got)))
		}
		return issueAt(fmt.Sprintf("%s must be %s, got %s", subj, joinTypes(k.Want), typeName(k.Got)))
	case *kind.PropertyNames:
		return []schemaIssue{{tokens: loc, property: k.Property, msg: fmt.Sprintf("invalid key %q: it %s", k.Property, orDefault(vc.propertyNamesMessage(e), "is not allowed here"))}}
	case *kind.InvalidJsonValue:
		// A custom message describes valid values, which is beside the
		// point for a value that JSON cannot hold at all.
		return issueAt(subj + " " + numberMessage(k))
	}
	if custom != "" {
		if got := gotValue(e.ErrorKind); got != "" {
			return issueAt(fmt.Sprintf("%s %s; got %s", subj, custom, got))
		}
		return issueAt(subj + " " + custom)
	}
	return issueAt(subj + " " + genericMessage(e))
}

func (vc validationContext) unknownKeys(e *jsonschema.ValidationError, props []string) []schemaIssue {
	var allowed []string
	if obj := vc.docs.lookup(e.SchemaURL); obj != nil {
		if m, ok := obj["properties"].(map[string]any); ok {
			for name := range m {
				allowed = append(allowed, name)
			}
		}
	}
	noun := "key"
	if vc.action != "" && len(e.InstanceLocation) == 0 {
		noun = "parameter"
	}
	sort.Strings(props)
	out := make([]schemaIssue, 0, len(props))
	for _, p := range props {
		msg := fmt.Sprintf("unknown %s %q", noun, p)
		if noun == "parameter" {
			msg += fmt.Sprintf(" for action %q", vc.action)
		}
		hint := suggest(p, allowed)
		if hint != "" {
			msg += fmt.Sprintf("; did you mean %q?", hint)
		}
		out = append(out, schemaIssue{tokens: e.InstanceLocation, property: p, msg: msg, suggested: hint})
	}
	return out
}

func (vc validationContext) missingKeys(loc []string, missing []string) []schemaIssue {
	out := make([]schemaIssue, 0, len(missing))
	for _, m := range missing {
		var msg string
		switch {
		case vc.action != "" && len(loc) == 0:
			msg = fmt.Sprintf("missing required parameter %q for action %q", m, vc.action)
		case len(loc) == 0:
			msg = fmt.Sprintf("missing required top-level key %q", m)
		default:
			msg = fmt.Sprintf("%s is missing required key %q", vc.subject(loc), m)
		}
		out = append(out, schemaIssue{tokens: loc, atKey: true, msg: msg, missing: m})
	}
	return out
}

// propertyNamesMessage returns the x-message of the propertyNames schema
// that rejected a key, given the error's schema location: the
// propertyNames schema itself or the object schema holding it.
func (vc validationContext) propertyNamesMessage(e *jsonschema.ValidationError) string {
	obj := vc.docs.lookup(e.SchemaURL)
	if obj == nil {
		return ""
	}
	if pn, ok := obj["propertyNames"].(map[string]any); ok {
		obj = pn
	}
	s, _ := obj["x-message"].(string)
	return s
}

// typeName turns a JSON type into the word YAML authors use.
func typeName(t string) string {
	switch t {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "string":
		return "a string"
	case "integer":
		return "an integer"
	case "number":
		return "a number"
	case "boolean":
		return "a boolean"
	case "null":
		return "null"
	}
	return t
}

func joinTypes(types []string) string {
	seen := map[string]bool{}
	var names []string
	for _, t := range types {
		if !seen[t] {
			seen[t] = true
			names = append(names, typeName(t))
		}
	}
	switch len(names) {
	case 0:
		return "another type"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func joinValues(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = displayValue(v)
	}
	return strings.Join(parts, ", ")
}

func displayValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return string(jsonText(v))
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
