package expr

import (
	"strconv"
	"strings"
)

// Lookup follows a dotted path such as "resource.tags.Environment" through
// nested maps and returns the value and whether every segment existed. A
// segment that is a decimal number indexes a list, so "findings.0.rule"
// reads the first finding. An empty path returns root itself.
func Lookup(root map[string]any, dotted string) (any, bool) {
	var current any = root
	if dotted == "" {
		return current, true
	}
	for segment := range strings.SplitSeq(dotted, ".") {
		switch node := current.(type) {
		case map[string]any:
			next, ok := node[segment]
			if !ok {
				return nil, false
			}
			current = next
		case []any:
			i, err := strconv.Atoi(segment)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			current = node[i]
		default:
			return nil, false
		}
	}
	return current, true
}
