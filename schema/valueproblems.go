package schema

import (
	"errors"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/policycortex/policycortex/expr"
)

// valuePathTokens splits an expr.Error Path such as "body.items[2].name"
// into JSON pointer tokens.
func valuePathTokens(p string) []string {
	var tokens []string
	for _, part := range strings.Split(p, ".") {
		for part != "" {
			i := strings.IndexByte(part, '[')
			if i < 0 {
				tokens = append(tokens, part)
				break
			}
			if i > 0 {
				tokens = append(tokens, part[:i])
			}
			j := strings.IndexByte(part[i:], ']')
			if j < 0 {
				tokens = append(tokens, part[i:])
				break
			}
			idx := part[i+1 : i+j]
			if _, err := strconv.Atoi(idx); err != nil {
				idx = strings.Trim(idx, `'"`)
			}
			tokens = append(tokens, idx)
			part = part[i+j+1:]
		}
	}
	return tokens
}

// valueProblems reports a failed CompileValue of the tree under n: every
// template error in the tree, or the error itself when no single string
// fails to compile.
func (l *loader) valueProblems(d *document, n *yaml.Node, err error, label string) Problems {
	if out := l.templateProblems(d, n, label); len(out) > 0 {
		return out
	}
	return Problems{d.valueProblem(n, err, label)}
}

// valueProblem reports a CompileValue error at the string it concerns
// inside the tree under n.
func (d *document) valueProblem(n *yaml.Node, err error, label string) Problem {
	var xe *expr.Error
	if errors.As(err, &xe) && xe.Path != "" {
		_, leaf := nodeAt(n, valuePathTokens(xe.Path))
		if leaf != nil && leaf.Kind == yaml.ScalarNode {
			return d.exprProblem(leaf, err, label)
		}
	}
	return d.exprProblem(n, err, label)
}

// templateProblems reports every template compile error in the tree under
// n, each at its own string. CompileValue stops at the first error, so
// after it fails each string is compiled again on its own. Map keys are not
// templates, and strings appear only where toValue makes a string. A
// subtree that aliases share is reported once.
func (l *loader) templateProblems(d *document, n *yaml.Node, label string) Problems {
	var out Problems
	seen := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if seen[n] {
			return
		}
		seen[n] = true
		switch n.Kind {
		case yaml.MappingNode:
			for i := 1; i < len(n.Content); i += 2 {
				walk(n.Content[i])
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c)
			}
		case yaml.ScalarNode:
			if _, isString := scalarValue(n).(string); !isString {
				return
			}
			if _, err := l.env.CompileTemplate(n.Value); err != nil {
				out = append(out, d.exprProblem(n, err, label))
			}
		}
	}
	walk(n)
	return out
}
