package expr

import (
	"errors"
	"slices"
)

// Value is a compiled parameter tree: a decoded YAML or JSON value whose
// strings are templates. It is safe for concurrent use.
type Value struct {
	raw  any
	root valueNode
	refs Refs
}

// valueNode is one node of the tree. A node without templates below it is
// literal and renders as its raw value, shared, without copying.
type valueNode struct {
	raw      any
	template *Template
	keys     []string
	children []valueNode
	isMap    bool
	isList   bool
	literal  bool
}

// CompileValue compiles every string in v, at any depth of maps and lists,
// as a template. Map keys are not templates. A compile error is an *Error
// whose Path locates the string, such as "recipients[1]".
func (e *Env) CompileValue(v any) (*Value, error) {
	var refs []Refs
	root, err := e.compileNode(v, "", &refs)
	if err != nil {
		return nil, err
	}
	return &Value{raw: v, root: root, refs: mergeRefs(refs...)}, nil
}

func (e *Env) compileNode(v any, path string, refs *[]Refs) (valueNode, error) {
	switch v := v.(type) {
	case string:
		t, err := e.CompileTemplate(v)
		if err != nil {
			return valueNode{}, withPath(err, path)
		}
		*refs = append(*refs, t.Refs())
		return valueNode{raw: v, template: t, literal: t.Literal()}, nil
	case map[string]any:
		node := valueNode{raw: v, isMap: true, literal: true}
		node.keys = make([]string, 0, len(v))
		for k := range v {
			node.keys = append(node.keys, k)
		}
		slices.Sort(node.keys)
		for _, k := range node.keys {
			child, err := e.compileNode(v[k], childPath(path, k), refs)
			if err != nil {
				return valueNode{}, err
			}
			node.children = append(node.children, child)
			node.literal = node.literal && child.literal
		}
		return node, nil
	case []any:
		node := valueNode{raw: v, isList: true, literal: true}
		for i, elem := range v {
			child, err := e.compileNode(elem, indexPath(path, i), refs)
			if err != nil {
				return valueNode{}, err
			}
			node.children = append(node.children, child)
			node.literal = node.literal && child.literal
		}
		return node, nil
	}
	return valueNode{raw: v, literal: true}, nil
}

// withPath records path on an *Error.
func withPath(err error, path string) error {
	var exprErr *Error
	if errors.As(err, &exprErr) {
		located := *exprErr
		located.Path = path
		return &located
	}
	return err
}

// Raw returns the tree as given to CompileValue.
func (v *Value) Raw() any { return v.raw }

// Refs returns what the templates in the tree read.
func (v *Value) Refs() Refs { return v.refs }

// Render returns a new tree with every template rendered. Subtrees without
// templates are shared with Raw, so callers must not modify the result.
// An error is an *Error whose Path locates the failing string.
func (v *Value) Render(vars *Vars) (any, error) {
	return v.root.render(newActivation(vars), "")
}

func (n *valueNode) render(act *activation, path string) (any, error) {
	if n.literal {
		return n.raw, nil
	}
	switch {
	case n.template != nil:
		out, err := n.template.render(act)
		if err != nil {
			return nil, withPath(err, path)
		}
		return out, nil
	case n.isMap:
		out := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			rendered, err := n.children[i].render(act, childPath(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = rendered
		}
		return out, nil
	}
	out := make([]any, len(n.children))
	for i := range n.children {
		rendered, err := n.children[i].render(act, indexPath(path, i))
		if err != nil {
			return nil, err
		}
		out[i] = rendered
	}
	return out, nil
}
