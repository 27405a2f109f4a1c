package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// jsonFrame is one open object or list during a duplicate-key scan.
type jsonFrame struct {
	object bool
	// expectKey is true when the next string in an object is a key.
	expectKey bool
	keys      map[string]bool
}

// findDuplicateKey returns the first key that appears twice in one object
// of a valid JSON document. Decoders keep only the last of such keys, so a
// sender and PolicyCortex could read different values.
func findDuplicateKey(raw []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var stack []*jsonFrame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		top := (*jsonFrame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &jsonFrame{object: true, expectKey: true, keys: map[string]bool{}})
				continue
			case '[':
				stack = append(stack, &jsonFrame{})
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.object && top.expectKey {
				if top.keys[t] {
					return t, true
				}
				top.keys[t] = true
				top.expectKey = false
				continue
			}
		}
		// A value ended: the enclosing object expects its next key.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].expectKey = true
		}
	}
}

// checkDuplicateKeys rejects an event with a key repeated in one object.
func checkDuplicateKeys(raw []byte) error {
	if key, ok := findDuplicateKey(raw); ok {
		return fmt.Errorf("%w: key %q appears twice in one object", ErrInvalidEvent, key)
	}
	return nil
}
