package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// checkEvent checks a test-data file: one JSON object that is a CloudEvent
// with specversion "1.0", id, source and type.
func (l *loader) checkEvent(path string, data []byte) Problems {
	if p := l.checkSize(path, data); p != nil {
		return Problems{*p}
	}
	f := eventFile{path: path, data: data}
	obj, p := f.decode()
	if p != nil {
		return Problems{*p}
	}

	offsets := topLevelKeyOffsets(data)
	var out Problems
	for _, name := range []string{"specversion", "id", "source", "type"} {
		raw, present := obj[name]
		s, isString := raw.(string)
		switch {
		case !present:
			out = append(out, f.at(0, "test event is missing the CloudEvents attribute %q", name))
		case !isString || s == "":
			out = append(out, f.at(offsets[name], "CloudEvents attribute %q must be a non-empty string", name))
		case name == "specversion" && s != "1.0":
			out = append(out, f.at(offsets[name], "specversion must be \"1.0\", got %q", s))
		}
	}
	return out
}

// eventFile is a test-data file being checked.
type eventFile struct {
	path string
	data []byte
}

// at returns a problem at a byte offset of the file.
func (f eventFile) at(offset int64, format string, args ...any) Problem {
	line, col := jsonLineCol(f.data, offset)
	return Problem{Pos: Pos{File: f.path, Line: line, Col: col}, Severity: SeverityError, Message: fmt.Sprintf(format, args...)}
}

// decode parses the file as one JSON object.
func (f eventFile) decode() (map[string]any, *Problem) {
	fail := func(p Problem) (map[string]any, *Problem) { return nil, &p }
	if len(bytes.TrimSpace(f.data)) == 0 {
		return fail(f.at(0, "file is empty; expected a CloudEvent JSON object"))
	}
	if p := utf8Problem(f.path, f.data); p != nil {
		return fail(*p)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(f.data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fail(jsonSyntaxProblem(f.at, err, dec.InputOffset()))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fail(f.at(dec.InputOffset(), "invalid JSON: data after the top-level value"))
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fail(f.at(0, "a test event must be a JSON object (a CloudEvent)"))
	}
	return obj, nil
}

// jsonSyntaxProblem places a decoding error at its byte offset.
func jsonSyntaxProblem(at func(int64, string, ...any) Problem, err error, fallback int64) Problem {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return at(max(syn.Offset-1, 0), "invalid JSON: %v", syn)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return at(fallback, "invalid JSON: unexpected end of file")
	}
	return at(fallback, "invalid JSON: %v", err)
}

// topLevelKeyOffsets returns the byte offset of each top-level key of a
// JSON object.
func topLevelKeyOffsets(data []byte) map[string]int64 {
	out := map[string]int64{}
	dec := json.NewDecoder(bytes.NewReader(data))
	depth := 0
	expectKey := false
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				depth++
				expectKey = t == '{' && depth == 1
				continue
			}
			depth--
		case string:
			if depth == 1 && expectKey {
				out[t] = before + int64(bytes.IndexByte(data[before:], '"'))
				expectKey = false
				continue
			}
		}
		if depth == 1 {
			expectKey = true
		}
	}
}

// jsonLineCol converts a byte offset into a 1-based line and column.
func jsonLineCol(data []byte, offset int64) (int, int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[start:]) + 1
}
