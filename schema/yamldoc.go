package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// document is one parsed YAML file. Root is the top-level mapping after
// aliases and merge keys were resolved, so later stages never see an alias.
type document struct {
	path string
	data []byte
	root *yaml.Node
	// value is root converted by toValue, shared by the schema check and
	// the compilers so that each file is converted once.
	value map[string]any
}

// pos returns the file position of a node.
func (d *document) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: d.path, Line: 1, Col: 1}
	}
	return Pos{File: d.path, Line: n.Line, Col: n.Column}
}

// problem returns an error-severity problem at a node.
func (d *document) problem(n *yaml.Node, format string, args ...any) Problem {
	return Problem{Pos: d.pos(n), Severity: SeverityError, Message: fmt.Sprintf(format, args...)}
}

// yamlLineError matches the "yaml: line N: message" errors of the parser.
var yamlLineError = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML decodes one YAML document whose top-level value must be a
// mapping. It returns nil and the problems when the file cannot be used.
func parseYAML(path string, data []byte) (*document, Problems) {
	if !hasUTF16BOM(data) {
		if p := utf8Problem(path, data); p != nil {
			return nil, Problems{*p}
		}
	}
	doc := &document{path: path, data: data}
	first, problems := decodeFirst(doc)
	if first == nil {
		return nil, problems
	}

	top := first.Content[0]
	root, problems := resolveTree(doc, top, countNodes(top))
	if root == nil {
		return nil, problems
	}
	if root.Kind != yaml.MappingNode {
		problems = append(problems, doc.problem(top, "top-level value must be a mapping, got %s", nodeKindName(root)))
		return nil, problems
	}
	doc.root = root
	return doc, problems
}

// decodeFirst decodes the only document of the file. A file without a
// document marker after its content takes the faster yaml.Unmarshal. Any
// other file goes through a Decoder, which also reads a second document to
// reject it.
func decodeFirst(doc *document) (*yaml.Node, Problems) {
	var first yaml.Node
	if !hasLaterDocumentMarker(doc.data) {
		err := yaml.Unmarshal(doc.data, &first)
		if err == nil && isEmptyDocument(&first) {
			return nil, Problems{doc.problem(nil, "file is empty; expected a YAML mapping")}
		}
		if err != nil {
			return nil, Problems{syntaxProblem(doc, err)}
		}
		return &first, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(doc.data))
	err := dec.Decode(&first)
	if errors.Is(err, io.EOF) || (err == nil && isEmptyDocument(&first)) {
		return nil, Problems{doc.problem(nil, "file is empty; expected a YAML mapping")}
	}
	if err != nil {
		return nil, Problems{syntaxProblem(doc, err)}
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case errors.Is(err, io.EOF):
		return &first, nil
	case err != nil:
		return nil, Problems{syntaxProblem(doc, err)}
	}
	return nil, Problems{doc.problem(&second, "file contains more than one YAML document; put each document in its own file")}
}

// hasLaterDocumentMarker reports whether a line starting with "---" or
// "..." follows content, the only way a file can hold a second document.
func hasLaterDocumentMarker(data []byte) bool {
	content := false
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if bytes.HasPrefix(line, []byte("---")) || bytes.HasPrefix(line, []byte("...")) {
			if len(line) == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r' {
				if content {
					return true
				}
				continue
			}
		}
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) > 0 && trimmed[0] != '#' {
			content = true
		}
	}
	return false
}

// isEmptyDocument reports whether a decoded document holds no content, as
// for a file of comments only.
func isEmptyDocument(n *yaml.Node) bool {
	if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
		return true
	}
	c := n.Content[0]
	return c.Kind == yaml.ScalarNode && c.Tag == "!!null" && c.Value == ""
}

// syntaxProblem turns a parser error into a problem. A tab in indentation
// gets a clear message of its own, because the parser's message for it
// ("found character that cannot start any token") does not say what to fix.
func syntaxProblem(doc *document, err error) Problem {
	msg := err.Error()
	line := 0
	if m := yamlLineError.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if tabLine, tabCol, ok := findIndentTab(doc.data, line); ok {
		return Problem{
			Pos:      Pos{File: doc.path, Line: tabLine, Col: tabCol},
			Severity: SeverityError,
			Message:  "tab character in indentation; YAML indentation must use spaces",
		}
	}
	// The parser reports no column; column 1 keeps the file:line:col form
	// that editors jump to.
	return Problem{Pos: Pos{File: doc.path, Line: max(line, 1), Col: 1}, Severity: SeverityError, Message: "invalid YAML: " + msg}
}

// findIndentTab returns the 1-based line and column of a tab in the leading
// whitespace of a line. It prefers the last such line at or before errLine,
// the line the parser failed on (zero when unknown). Otherwise it returns
// the first such line of the file.
func findIndentTab(data []byte, errLine int) (line, col int, ok bool) {
	firstLine, firstCol := 0, 0
	bestLine, bestCol := 0, 0
	for i, text := range bytes.Split(data, []byte("\n")) {
		c := indentTabColumn(text)
		if c == 0 {
			continue
		}
		if firstLine == 0 {
			firstLine, firstCol = i+1, c
		}
		if errLine > 0 && i+1 <= errLine {
			bestLine, bestCol = i+1, c
		}
	}
	if bestLine > 0 {
		return bestLine, bestCol, true
	}
	return firstLine, firstCol, firstLine > 0
}

// indentTabColumn returns the 1-based column of a tab among the leading
// whitespace of a line, or 0 when there is none.
func indentTabColumn(line []byte) int {
	for i, b := range line {
		switch b {
		case ' ':
			continue
		case '\t':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

// nodeKindName returns the YAML term for a node's kind, such as "a mapping".
func nodeKindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return "a scalar"
	default:
		return "an alias"
	}
}

// countNodes counts the nodes of a tree as written, without following
// aliases.
func countNodes(n *yaml.Node) int {
	total := 1
	for _, c := range n.Content {
		total += countNodes(c)
	}
	return total
}
