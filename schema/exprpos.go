package schema

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/policycortex/policycortex/expr"
)

// exprProblem reports an expression compile error of the scalar n at the
// error's place inside the file when expr gives one.
func (d *document) exprProblem(n *yaml.Node, err error, label string) Problem {
	pos := d.pos(n)
	msg := err.Error()
	var xe *expr.Error
	if errors.As(err, &xe) {
		msg = xe.Msg
		if xe.Line > 0 {
			pos = d.exprPos(n, xe.Line, max(xe.Col, 1))
		}
	}
	return Problem{Pos: pos, Severity: SeverityError, Message: label + ": " + msg}
}

// exprPos maps a 1-based line and column inside the text of scalar n onto
// the file. It is exact for literal block scalars (`|`) and for one-line
// scalars without escapes. For folded and multi-line flow scalars it walks
// the folded lines, so a line with trailing spaces or an escape sequence
// shifts the column.
func (d *document) exprPos(n *yaml.Node, line, col int) Pos {
	switch n.Style {
	case yaml.LiteralStyle:
		fileLine := n.Line + line
		return Pos{File: d.path, Line: fileLine, Col: d.indent(fileLine) + col}
	case yaml.FoldedStyle:
		return d.walkFolded(n.Line+1, d.indent(n.Line+1)+1, col)
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		return d.walkFolded(n.Line+line-1, n.Column+1, col)
	default:
		return d.walkFolded(n.Line+line-1, n.Column, col)
	}
}

// walkFolded finds the file position of the col-th character of a scalar
// whose text starts at startLine:startCol and continues on the following
// lines, each line break folded into one space.
func (d *document) walkFolded(startLine, startCol, col int) Pos {
	lineNo, c0, remaining := startLine, startCol, col-1
	for range 1000 {
		text := d.lineText(lineNo)
		seg := max(utf8.RuneCountInString(text)-(c0-1), 0)
		if remaining <= seg || lineNo >= d.lineCount() {
			return Pos{File: d.path, Line: lineNo, Col: c0 + remaining}
		}
		remaining -= seg + 1
		lineNo++
		c0 = d.indent(lineNo) + 1
	}
	return Pos{File: d.path, Line: startLine, Col: startCol}
}

// lineText returns the 1-based line of the file without its newline.
func (d *document) lineText(lineNo int) string {
	if lineNo < 1 {
		return ""
	}
	data := d.data
	for i := 1; i < lineNo; i++ {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			return ""
		}
		data = data[j+1:]
	}
	if j := bytes.IndexByte(data, '\n'); j >= 0 {
		data = data[:j]
	}
	return strings.TrimSuffix(string(data), "\r")
}

func (d *document) lineCount() int {
	return bytes.Count(d.data, []byte("\n")) + 1
}

// indent returns the number of leading spaces of a line.
func (d *document) indent(lineNo int) int {
	text := d.lineText(lineNo)
	return len(text) - len(strings.TrimLeft(text, " "))
}

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
