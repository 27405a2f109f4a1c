package expr

// celSource is an expression rewritten into plain CEL, with the position
// of every rune in the author's text so that errors point there.
type celSource struct {
	text string
	// offsets[i] is the rune offset in the author's text of rune i of text.
	// A final entry maps the end of text.
	offsets []int
}

// wordOperators are the spelled-out logical operators of workflow files.
var wordOperators = map[string]string{"and": "&&", "or": "||", "not": "!"}

// rewriter turns workflow spellings into CEL and copies everything else,
// including string literals and comments:
//
//   - `and`, `or` and `not` become `&&`, `||` and `!`.
//   - In conditions, `{{ x }}` becomes `(x)`.
//   - A filter `x | f(a)` becomes the member call `x.f(a)`, and `x | f`
//     becomes `x.f()`.
type rewriter struct {
	src         []rune
	end         int
	inCondition bool
	out         []rune
	offsets     []int
	// templates holds the open `{{` of a condition, innermost last.
	templates []openTemplate
	depth     int
}

// openTemplate is a `{{` awaiting its `}}`: its source offset and the
// brace depth outside it.
type openTemplate struct {
	at, depth int
}

// rewriteExpr rewrites src[start:end] into plain CEL.
func rewriteExpr(src []rune, start, end int, inCondition bool) (*celSource, *Error) {
	w := &rewriter{
		src:         src,
		end:         end,
		inCondition: inCondition,
		out:         make([]rune, 0, end-start+8),
		offsets:     make([]int, 0, end-start+9),
	}
	for i := start; i < end; {
		next, err := w.step(i)
		if err != nil {
			return nil, err
		}
		i = next
	}
	if n := len(w.templates); n > 0 {
		return nil, positionError(src, w.templates[n-1].at, "unclosed '{{' in condition: add a matching '}}'")
	}
	w.offsets = append(w.offsets, end)
	return &celSource{text: string(w.out), offsets: w.offsets}, nil
}

// step handles the token starting at i and returns the index after it.
func (w *rewriter) step(i int) (int, *Error) {
	c := w.src[i]
	switch {
	case c == '\'' || c == '"':
		return w.copyRange(i, skipString(w.src, i, w.end)), nil
	case c == '/' && w.peek(i+1) == '/':
		j := i
		for j < w.end && w.src[j] != '\n' {
			j++
		}
		return w.copyRange(i, j), nil
	case isDigit(c):
		j := i
		for j < w.end && (isIdentRune(w.src[j]) || w.src[j] == '.' && isDigit(w.peek(j+1))) {
			j++
		}
		return w.copyRange(i, j), nil
	case isIdentStart(c):
		return w.word(i), nil
	case c == '{':
		return w.openBrace(i), nil
	case c == '}':
		return w.closeBrace(i), nil
	case c == '|':
		return w.pipe(i)
	}
	return w.copyRange(i, i+1), nil
}

func (w *rewriter) word(i int) int {
	j := i
	for j < w.end && isIdentRune(w.src[j]) {
		j++
	}
	op, isOperator := wordOperators[string(w.src[i:j])]
	if isOperator && w.lastSignificant() != '.' {
		w.emit(op, i)
		return j
	}
	return w.copyRange(i, j)
}

func (w *rewriter) openBrace(i int) int {
	if w.inCondition && w.peek(i+1) == '{' {
		w.templates = append(w.templates, openTemplate{at: i, depth: w.depth})
		w.emit("(", i)
		return i + 2
	}
	w.depth++
	return w.copyRange(i, i+1)
}

func (w *rewriter) closeBrace(i int) int {
	n := len(w.templates)
	if n > 0 && w.templates[n-1].depth == w.depth && w.peek(i+1) == '}' {
		w.templates = w.templates[:n-1]
		w.emit(")", i)
		return i + 2
	}
	w.depth--
	return w.copyRange(i, i+1)
}

// pipe rewrites a filter; `||` is copied as the logical operator.
func (w *rewriter) pipe(i int) (int, *Error) {
	if w.peek(i+1) == '|' {
		return w.copyRange(i, i+2), nil
	}
	name := skipSpace(w.src, i+1, w.end)
	if name >= w.end || !isIdentStart(w.src[name]) {
		return 0, positionError(w.src, i, "expected a filter name after '|', such as default('none'); use '||' for logical or")
	}
	nameEnd := name
	for nameEnd < w.end && isIdentRune(w.src[nameEnd]) {
		nameEnd++
	}
	w.emit(".", i)
	w.copyRange(name, nameEnd)
	after := skipSpace(w.src, nameEnd, w.end)
	if after < w.end && w.src[after] == '(' {
		return nameEnd, nil
	}
	// Calls are positioned at their '(', so the inserted one points at the
	// filter name.
	w.emit("()", name)
	return nameEnd, nil
}

func (w *rewriter) emit(s string, at int) {
	for _, r := range s {
		w.out = append(w.out, r)
		w.offsets = append(w.offsets, at)
	}
}

func (w *rewriter) copyRange(from, to int) int {
	for j := from; j < to; j++ {
		w.out = append(w.out, w.src[j])
		w.offsets = append(w.offsets, j)
	}
	return to
}

func (w *rewriter) peek(i int) rune {
	if i < w.end {
		return w.src[i]
	}
	return 0
}

func (w *rewriter) lastSignificant() rune {
	for j := len(w.out) - 1; j >= 0; j-- {
		if !isSpace(w.out[j]) {
			return w.out[j]
		}
	}
	return 0
}
