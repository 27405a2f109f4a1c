package schema

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkSize returns a problem when data is over the size limit, so that an
// oversized file is never parsed.
func (l *loader) checkSize(path string, data []byte) *Problem {
	if int64(len(data)) <= l.maxSize {
		return nil
	}
	return &Problem{
		Pos:      Pos{File: path, Line: 1, Col: 1},
		Severity: SeverityError,
		Message:  fmt.Sprintf("file is %d bytes, over the limit of %d bytes; it was not parsed", len(data), l.maxSize),
	}
}

// parseFile parses a YAML file of a schema-checked kind and validates it
// against the kind's JSON Schema. The document is nil when nothing further
// can be checked.
func (l *loader) parseFile(path string, kind fileKind) (*document, Problems) {
	data := l.files[path]
	if p := l.checkSize(path, data); p != nil {
		return nil, Problems{*p}
	}
	doc, problems := parseYAML(path, data)
	if doc == nil {
		return nil, problems
	}
	info := kind.info()
	if _, standalone := l.standalone[path]; !standalone {
		if p := wrongRootKey(doc, info); p != nil {
			return nil, append(problems, *p)
		}
	}
	sch := l.schemas.byFile[info.schemaFile]
	vc := validationContext{docs: l.schemas.docs}
	doc.value, _ = toValue(doc.root).(map[string]any)
	problems = append(problems, validateNode(doc, doc.root, nil, doc.value, sch, vc)...)
	return doc, problems
}

// wrongRootKey reports a file whose top-level key belongs to another kind,
// such as a conditions list placed in workflows/.
func wrongRootKey(doc *document, info kindInfo) *Problem {
	if _, v := field(doc.root, info.rootKey); v != nil || len(doc.root.Content) != 2 {
		return nil
	}
	key := doc.root.Content[0]
	other := kindByRootKey(key.Value)
	if other == kindNone {
		return nil
	}
	p := doc.problem(key, "a file in %s must have the top-level key %q, not %q (that key belongs in %s)",
		info.place, info.rootKey, key.Value, other.info().place)
	return &p
}

// rootKind returns the kind named by a standalone file's top-level key.
func rootKind(doc *document) (fileKind, *Problem) {
	if len(doc.root.Content) >= 2 {
		for i := 0; i+1 < len(doc.root.Content); i += 2 {
			if k := kindByRootKey(doc.root.Content[i].Value); k != kindNone {
				return k, nil
			}
		}
	}
	names := rootKeyNames()
	first := ""
	if len(doc.root.Content) > 0 {
		first = doc.root.Content[0].Value
	}
	p := doc.problem(doc.root, "unknown file kind: top-level key %q is not one of %s%s",
		first, strings.Join(names, ", "), didYouMean(first, names))
	return kindNone, &p
}

// rootValue returns the value under the kind's top-level key.
func rootValue(doc *document, kind fileKind) (key, val *yaml.Node) {
	return field(doc.root, kind.info().rootKey)
}
