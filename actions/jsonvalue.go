package actions

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// decodeJSON decodes exactly one JSON value. Whole numbers become int64
// and others float64, so an integer field compares as an integer in
// conditions and keeps its precision.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return normalizeNumbers(v), nil
}

// normalizeNumbers replaces every json.Number in v.
func normalizeNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for key, item := range v {
			v[key] = normalizeNumbers(item)
		}
		return v
	case []any:
		for i, item := range v {
			v[i] = normalizeNumbers(item)
		}
		return v
	default:
		return v
	}
}
