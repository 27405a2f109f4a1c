package expr

import (
	"strings"
)

// Template is a string with `{{ expr }}` segments, compiled once. It is
// safe for concurrent use.
type Template struct {
	// Source is the string as the author wrote it.
	Source string

	parts []templatePart
	// single is true when Source is exactly one segment apart from
	// surrounding whitespace, so Render keeps the value's type.
	single bool
	refs   Refs
}

// templatePart is literal text or one compiled segment.
type templatePart struct {
	text    string
	program *Program
}

// CompileTemplate compiles every `{{ expr }}` segment of src as a CEL
// expression with the same variables, spellings and filters as conditions.
// A `{{` without its `}}` or an invalid segment fails with an *Error whose
// Line and Col point into src. Inside a segment, `}}` within a string
// literal or a map literal does not end the segment.
func (e *Env) CompileTemplate(src string) (*Template, error) {
	t := &Template{Source: src}
	if !strings.Contains(src, "{{") {
		return t, nil
	}
	runes := []rune(src)
	segments, err := splitTemplate(runes)
	if err != nil {
		return nil, err
	}
	var refs []Refs
	for _, seg := range segments {
		if !seg.expr {
			t.parts = append(t.parts, templatePart{text: string(runes[seg.start:seg.end])})
			continue
		}
		p, err := e.compile(runes, seg.start, seg.end, false)
		if err != nil {
			return nil, err
		}
		p.Source = strings.TrimSpace(p.Source)
		t.parts = append(t.parts, templatePart{program: p})
		refs = append(refs, p.refs)
	}
	t.refs = mergeRefs(refs...)
	t.single = isSingleSegment(t.parts)
	return t, nil
}

// templateSegment is a span of the template: an expression between `{{`
// and `}}`, or literal text.
type templateSegment struct {
	start, end int
	expr       bool
}

// splitTemplate cuts src into text and expression spans.
func splitTemplate(src []rune) ([]templateSegment, *Error) {
	var segments []templateSegment
	textStart := 0
	for i := 0; i+1 < len(src); {
		if src[i] != '{' || src[i+1] != '{' {
			i++
			continue
		}
		closing := findClosing(src, i+2)
		if closing < 0 {
			return nil, positionError(src, i, "unclosed '{{' in template: add a matching '}}'")
		}
		if textStart < i {
			segments = append(segments, templateSegment{start: textStart, end: i})
		}
		segments = append(segments, templateSegment{start: i + 2, end: closing, expr: true})
		i = closing + 2
		textStart = i
	}
	if textStart < len(src) {
		segments = append(segments, templateSegment{start: textStart, end: len(src)})
	}
	return segments, nil
}

// findClosing returns the index of the `}}` that ends the segment starting
// at i, skipping string literals and balanced map braces, or -1.
func findClosing(src []rune, i int) int {
	depth := 0
	for i < len(src) {
		switch src[i] {
		case '\'', '"':
			i = skipString(src, i, len(src))
			continue
		case '{':
			depth++
		case '}':
			if depth == 0 && i+1 < len(src) && src[i+1] == '}' {
				return i
			}
			depth = max(depth-1, 0)
		}
		i++
	}
	return -1
}

func isSingleSegment(parts []templatePart) bool {
	programs := 0
	for _, part := range parts {
		if part.program != nil {
			programs++
		} else if strings.TrimSpace(part.text) != "" {
			return false
		}
	}
	return programs == 1
}

// Literal reports whether the source has no `{{ }}` segment, so Render
// returns Source unchanged.
func (t *Template) Literal() bool { return len(t.parts) == 0 }

// Refs returns what the segments read.
func (t *Template) Refs() Refs { return t.refs }

// Render evaluates the segments. A template that is exactly one segment
// (ignoring surrounding whitespace) returns the value with its type, so
// "{{ violation.findings }}" is a []any. Otherwise each value is formatted
// as text (see formatText) and the result is a string. A missing field is
// an error unless the segment applies the default filter.
func (t *Template) Render(v *Vars) (any, error) {
	return t.render(newActivation(v))
}

// render evaluates the segments against an activation that a Value may
// share between its templates.
func (t *Template) render(act *activation) (any, error) {
	if t.Literal() {
		return t.Source, nil
	}
	if t.single {
		for _, part := range t.parts {
			if part.program != nil {
				return part.program.result(part.program.evalWith(act))
			}
		}
	}
	var b strings.Builder
	for _, part := range t.parts {
		if part.program == nil {
			b.WriteString(part.text)
			continue
		}
		value, err := part.program.result(part.program.evalWith(act))
		if err != nil {
			return nil, err
		}
		if err := formatText(&b, value); err != nil {
			return nil, err
		}
	}
	return b.String(), nil
}
