package schema

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"

	"go.starlark.net/syntax"
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

// scriptProblem reports a script compile error at its place in the file.
// expr starts the message with "script: ", which repeats the label, so it
// is dropped: the message reads "invalid script: syntax error: got ':',
// want ')'".
func (d *document) scriptProblem(n *yaml.Node, err error) Problem {
	p := d.exprProblem(n, err, "invalid script")
	detail := strings.TrimPrefix(strings.TrimPrefix(p.Message, "invalid script: "), "script: ")
	var syntaxErr syntax.Error
	if errors.As(err, &syntaxErr) {
		detail = "syntax error: " + detail
	}
	p.Message = "invalid script: " + detail
	return p
}

// exprPos maps a 1-based line and column inside the text of scalar n onto
// the file. It is exact for block scalars (`|` and `>`, with or without an
// indentation indicator) and for one-line scalars without escapes. For
// multi-line flow scalars it walks the folded lines, so a line with
// trailing spaces or an escape sequence shifts the column.
func (d *document) exprPos(n *yaml.Node, line, col int) Pos {
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		return d.blockPos(n, valueOffset(n.Value, line, col))
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		return d.walkFolded(n.Line+line-1, n.Column+1, col)
	default:
		return d.walkFolded(n.Line+line-1, n.Column, col)
	}
}

// valueOffset converts a 1-based line and a 1-based column counted in
// characters into a byte offset in s, stopping at the end of the line.
func valueOffset(s string, line, col int) int {
	off := 0
	for ; line > 1; line-- {
		i := strings.IndexByte(s[off:], '\n')
		if i < 0 {
			return len(s)
		}
		off += i + 1
	}
	for ; col > 1 && off < len(s) && s[off] != '\n'; col-- {
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off
}

// blockPos finds the file position of byte offset off in the value of the
// block scalar n. The content starts on the line after the `|` or `>`
// header. Each content line of the file, without its indentation and
// trailing blanks, appears in the value in order, separated only by
// blanks and line breaks, whatever the indentation indicator and however
// folding joined the lines. An offset inside such a separator maps to the
// end of the text before it, or into the leading blanks of the next line
// when they are part of the value.
func (d *document) blockPos(n *yaml.Node, off int) Pos {
	last := d.pos(n)
	value, p := n.Value, 0
	for lineNo := n.Line + 1; lineNo <= d.lineCount(); lineNo++ {
		text := d.lineText(lineNo)
		body := strings.TrimLeft(text, " \t")
		lead := utf8.RuneCountInString(text) - utf8.RuneCountInString(body)
		body = strings.TrimRight(body, " \t")
		if body == "" {
			continue
		}
		i := strings.Index(value[p:], body)
		if i < 0 || strings.Trim(value[p:p+i], " \t\n") != "" {
			break
		}
		start := p + i
		if off < start {
			// The blanks from lineStart to start lead this line in the
			// value too, unless folding joined it to the text before.
			lineStart := strings.LastIndexByte(value[:start], '\n') + 1
			if off >= lineStart && lineStart >= p {
				back := utf8.RuneCountInString(value[off:start])
				return Pos{File: d.path, Line: lineNo, Col: max(lead-back, 0) + 1}
			}
			return last
		}
		end := start + len(body)
		if off <= end {
			return Pos{File: d.path, Line: lineNo, Col: lead + utf8.RuneCountInString(value[start:off]) + 1}
		}
		p = end
		last = Pos{File: d.path, Line: lineNo, Col: lead + utf8.RuneCountInString(body) + 1}
	}
	return last
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
