package expr

// skipString returns the index after the CEL string literal whose opening
// quote is at src[i], or end when the literal is unterminated (the CEL
// parser then reports it). It understands triple quotes and raw strings.
func skipString(src []rune, i, end int) int {
	quote := src[i]
	raw := isRawPrefix(src, i)
	if i+2 < end && src[i+1] == quote && src[i+2] == quote {
		for j := i + 3; j < end; j++ {
			if src[j] == '\\' && !raw {
				j++
				continue
			}
			if j+2 < end && src[j] == quote && src[j+1] == quote && src[j+2] == quote {
				return j + 3
			}
		}
		return end
	}
	for j := i + 1; j < end; j++ {
		switch {
		case src[j] == '\\' && !raw:
			j++
		case src[j] == quote:
			return j + 1
		case src[j] == '\n':
			return end
		}
	}
	return end
}

// isRawPrefix reports whether the quote at src[i] follows an r or R
// prefix (alone or next to b/B) that starts a token.
func isRawPrefix(src []rune, i int) bool {
	start := i
	for start > 0 && start > i-2 && isLetter(src[start-1]) {
		start--
	}
	if start > 0 && isIdentRune(src[start-1]) {
		return false
	}
	prefix := string(src[start:i])
	switch prefix {
	case "r", "R", "br", "bR", "Br", "BR", "rb", "rB", "Rb", "RB":
		return true
	}
	return false
}

func skipSpace(src []rune, i, end int) int {
	for i < end && isSpace(src[i]) {
		i++
	}
	return i
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v'
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

func isLetter(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }

func isIdentStart(r rune) bool { return isLetter(r) || r == '_' }

func isIdentRune(r rune) bool { return isIdentStart(r) || isDigit(r) }

// lineCol converts a rune offset in src into a 1-based line and column.
func lineCol(src []rune, offset int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < offset && i < len(src); i++ {
		if src[i] == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return line, col
}

// positionError builds an *Error at a rune offset of src.
func positionError(src []rune, offset int, msg string) *Error {
	line, col := lineCol(src, offset)
	return &Error{Line: line, Col: col, Msg: msg}
}
