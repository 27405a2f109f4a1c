package schema

import (
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// actionSchemaBaseURL is the URL prefix under which user-defined parameter
// schemas are registered for compilation.
const actionSchemaBaseURL = "file:///policycortex/actions/"

// compileParameterSchema compiles the action's parameters JSON Schema. An
// action without one accepts any parameters.
func (l *loader) compileParameterSchema(doc *document, a *yaml.Node, entry *actionEntry, problems *Problems) {
	paramsKey, paramsNode := field(a, "parameters")
	tree := any(map[string]any{"type": "object"})
	if paramsNode != nil && paramsNode.Kind == yaml.MappingNode {
		tree = toValue(paramsNode)
	}
	entry.def.ParameterSchema = jsonText(tree)
	if m, ok := tree.(map[string]any); ok {
		if req, ok := m["required"].([]any); ok {
			for _, r := range req {
				if s, ok := r.(string); ok {
					entry.def.Required = append(entry.def.Required, s)
				}
			}
		}
	}
	url := actionSchemaBaseURL + doc.path
	c := newCompiler()
	if err := c.AddResource(url, tree); err != nil {
		*problems = append(*problems, doc.problem(paramsKey, "invalid parameter schema: %s", schemaCompileReason(err, url)))
		return
	}
	sch, err := c.Compile(url)
	if err != nil {
		*problems = append(*problems, parameterSchemaProblems(doc, paramsKey, paramsNode, err, url)...)
		return
	}
	entry.schema = sch
	entry.docs = rawSchemas{url: tree}
}

// parameterSchemaProblems places the metaschema failures of a parameter
// schema on its nodes.
func parameterSchemaProblems(doc *document, key, node *yaml.Node, err error, url string) Problems {
	var sve *jsonschema.SchemaValidationError
	var verr *jsonschema.ValidationError
	if node != nil && errors.As(err, &sve) && errors.As(sve.Err, &verr) {
		issues := validationContext{}.collect(verr)
		for i := range issues {
			issues[i].msg = "invalid parameter schema: " + issues[i].msg
		}
		return issueProblems(doc, node, key, issues)
	}
	at := key
	if at == nil {
		at = node
	}
	return Problems{doc.problem(at, "invalid parameter schema: %s", schemaCompileReason(err, url))}
}

// schemaCompileReason phrases an error of compiling a parameter schema
// without the library's wording or the internal URL the schema is
// registered under: a reference into the schema shows as "#/path".
func schemaCompileReason(err error, url string) string {
	local := func(u string) string { return strings.TrimPrefix(u, url) }
	var (
		loadErr     *jsonschema.LoadURLError
		pointerErr  *jsonschema.JSONPointerNotFoundError
		badPointer  *jsonschema.InvalidJsonPointerError
		anchorErr   *jsonschema.AnchorNotFoundError
		regexErr    *jsonschema.InvalidRegexError
		anchorDup   *jsonschema.DuplicateAnchorError
		idDup       *jsonschema.DuplicateIDError
		draftErr    *jsonschema.UnsupportedDraftError
		metaURLErr  *jsonschema.InvalidMetaSchemaURLError
		vocabErr    *jsonschema.UnsupportedVocabularyError
		parseURLErr *jsonschema.ParseURLError
	)
	switch {
	case errors.As(err, &loadErr):
		return fmt.Sprintf("$ref %q points outside the schema; a parameter schema must be self-contained", local(loadErr.URL))
	case errors.As(err, &pointerErr):
		return fmt.Sprintf("$ref %q points to nothing in the schema", local(pointerErr.URL))
	case errors.As(err, &badPointer):
		return fmt.Sprintf("$ref %q is not a valid JSON pointer", local(badPointer.URL))
	case errors.As(err, &anchorErr):
		return fmt.Sprintf("$ref %q names an anchor that the schema does not define", anchorErr.Reference)
	case errors.As(err, &regexErr):
		return fmt.Sprintf("pattern %q is not a valid regular expression", regexErr.Regex)
	case errors.As(err, &anchorDup):
		return fmt.Sprintf("anchor %q is defined twice", anchorDup.Anchor)
	case errors.As(err, &idDup):
		return fmt.Sprintf("$id %q is defined twice", idDup.ID)
	case errors.As(err, &draftErr), errors.As(err, &metaURLErr):
		return "$schema must be https://json-schema.org/draft/2020-12/schema or left out"
	case errors.As(err, &vocabErr):
		return fmt.Sprintf("vocabulary %q is not supported", vocabErr.Vocabulary)
	case errors.As(err, &parseURLErr):
		return fmt.Sprintf("%q is not a valid URL", local(parseURLErr.URL))
	}
	// NOTE: a compile error of another kind keeps the library's wording,
	// with the internal URL removed.
	return strings.ReplaceAll(err.Error(), url, "")
}
