package expr

import (
	"fmt"
	"strconv"
)

// MissingFieldError reports a field or name that an expression read but the
// variables do not contain. The `default` template filter and the CEL
// `has()` macro are the ways to read a field that may be absent.
type MissingFieldError struct {
	// Path is the full dotted path as written, such as
	// "violation.resource.nme" or "steps.scan.output".
	Path string
	// Root is true when the first identifier itself is undefined.
	Root bool
	// Detail optionally names the places where the value was looked up.
	Detail string
}

// Error names the path and, for an undefined root name, where it was
// looked up.
func (e *MissingFieldError) Error() string {
	switch {
	case e.Root:
		return fmt.Sprintf("undefined name %q (not a variable, named condition or event data field)", e.Path)
	case e.Detail != "":
		return fmt.Sprintf("missing field %q (%s)", e.Path, e.Detail)
	}
	return fmt.Sprintf("missing field %q", e.Path)
}

// childPath appends key to path, using the bracket form for keys that are
// not identifiers so the path can be pasted back into an expression.
func childPath(path, key string) string {
	if !isIdentifier(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// indexPath appends a list index to path.
func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// isIdentifier reports whether s can be written as `.s` in CEL.
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
