package schema

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// utf8Problem returns a problem at the first byte of data that is not part
// of a valid UTF-8 character, or nil when data is valid UTF-8. The column
// counts characters, as the YAML parser's columns do.
func utf8Problem(path string, data []byte) *Problem {
	if utf8.Valid(data) {
		return nil
	}
	line, lineStart := 1, 0
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			col := utf8.RuneCount(data[lineStart:i]) + 1
			return &Problem{
				Pos:      Pos{File: path, Line: line, Col: col},
				Severity: SeverityError,
				Message:  fmt.Sprintf("file is not valid UTF-8: byte 0x%02X is not part of a UTF-8 character; save the file as UTF-8", data[i]),
			}
		}
		if data[i] == '\n' {
			line++
			lineStart = i + 1
		}
		i += size
	}
	return nil
}

// hasUTF16BOM reports whether data starts with a UTF-16 byte order mark;
// the YAML parser decodes such a file itself.
func hasUTF16BOM(data []byte) bool {
	return bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE})
}
