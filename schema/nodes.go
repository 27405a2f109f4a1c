package schema

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// field returns the key and value nodes of key in mapping m, or nils.
func field(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// value returns the value node of key in mapping m; nil when absent or null.
func value(m *yaml.Node, key string) *yaml.Node {
	_, v := field(m, key)
	if v == nil || isNull(v) {
		return nil
	}
	return v
}

// isNull reports whether n is a YAML null.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// stringValue returns the text of a scalar, or "" for anything else.
func stringValue(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		return ""
	}
	return n.Value
}

// stringList returns the scalar items of a list node.
func stringList(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		if item.Kind == yaml.ScalarNode {
			out = append(out, item.Value)
		}
	}
	return out
}

// toValue converts a resolved tree into the generic form of decoded YAML
// and JSON: map[string]any, []any, string, bool, int, float64 and nil.
func toValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = toValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		list := make([]any, len(n.Content))
		for i, c := range n.Content {
			list[i] = toValue(c)
		}
		return list
	default:
		return scalarValue(n)
	}
}

// scalarValue decodes a scalar by its resolved tag, with the YAML 1.2 core
// schema rules of the yaml package for numbers. Timestamps stay text.
func scalarValue(n *yaml.Node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		return strings.EqualFold(n.Value, "true")
	case "!!int", "!!float":
		if i, err := strconv.Atoi(n.Value); err == nil {
			return i
		}
		var v any
		if err := n.Decode(&v); err == nil {
			return v
		}
		return n.Value
	default:
		return n.Value
	}
}

// nodeAt follows a JSON pointer's tokens from root. It returns the node the
// pointer names and, when that node is a mapping value, its key node.
func nodeAt(root *yaml.Node, tokens []string) (key, val *yaml.Node) {
	val = root
	for _, tok := range tokens {
		switch val.Kind {
		case yaml.MappingNode:
			k, v := field(val, tok)
			if v == nil {
				return key, val
			}
			key, val = k, v
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(val.Content) {
				return key, val
			}
			key, val = nil, val.Content[i]
		default:
			return key, val
		}
	}
	return key, val
}

// forEachPair calls fn for each key and value of a mapping node.
func forEachPair(m *yaml.Node, fn func(k, v *yaml.Node)) {
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		fn(m.Content[i], m.Content[i+1])
	}
}

// valueAt follows map keys (strings) and list indexes (ints) through a
// converted tree; nil when the path does not exist.
func valueAt(v any, path ...any) any {
	for _, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[s]
		case int:
			list, ok := v.([]any)
			if !ok || s < 0 || s >= len(list) {
				return nil
			}
			v = list[s]
		}
	}
	return v
}
