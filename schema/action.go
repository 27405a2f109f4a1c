package schema

import (
	"errors"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// actionSchemaBaseURL is the URL prefix under which user-defined parameter
// schemas are registered for compilation.
const actionSchemaBaseURL = "file:///policycortex/actions/"

// compileAction compiles a user-defined action file. The entry is nil when
// the file has no usable action mapping.
func (l *loader) compileAction(doc *document) (*actionEntry, Problems) {
	var problems Problems
	key, a := rootValue(doc, kindAction)
	if a == nil || a.Kind != yaml.MappingNode {
		return nil, nil
	}
	nameNode := value(a, "name")
	def := &ActionDef{
		Name:        stringValue(nameNode),
		Description: stringValue(value(a, "description")),
		File:        doc.path,
		Pos:         doc.pos(nameNode),
	}
	if nameNode == nil {
		def.Pos = doc.pos(key)
	}
	entry := &actionEntry{def: def}
	l.compileParameterSchema(doc, a, entry, &problems)

	httpKey, httpNode := field(a, "http")
	execKey, execNode := field(a, "exec")
	switch {
	case httpNode != nil && execNode != nil:
		problems = append(problems, doc.problem(execKey, "an action binds to either http or exec, not both"))
	case httpNode == nil && execNode == nil:
		problems = append(problems, doc.problem(key, "action %q needs an http or exec binding", def.Name))
	}
	if httpNode != nil {
		def.HTTP = l.compileHTTPBinding(doc, httpKey, httpNode, &problems)
	}
	if execNode != nil {
		def.Exec = l.compileExecBinding(doc, execNode, &problems)
	}
	return entry, problems
}

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
		*problems = append(*problems, doc.problem(paramsKey, "invalid parameter schema: %v", err))
		return
	}
	sch, err := c.Compile(url)
	if err != nil {
		*problems = append(*problems, parameterSchemaProblems(doc, paramsKey, paramsNode, err)...)
		return
	}
	entry.schema = sch
	entry.docs = rawSchemas{url: tree}
}

// parameterSchemaProblems places the metaschema failures of a parameter
// schema on its nodes.
func parameterSchemaProblems(doc *document, key, node *yaml.Node, err error) Problems {
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
	return Problems{doc.problem(at, "invalid parameter schema: %v", err)}
}

// parameterIssues validates a step's parameters against an action's schema.
// Type and format checks are skipped at templated strings, whose value is
// known only when the step runs; missing and unknown parameters are always
// reported.
func parameterIssues(doc *document, action string, entry *actionEntry, params *yaml.Node, tree any, anchor *yaml.Node) Problems {
	if entry == nil || entry.schema == nil {
		return nil
	}
	if tree == nil {
		tree = map[string]any{}
	}
	err := entry.schema.Validate(tree)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return Problems{doc.problem(anchor, "validate parameters: %v", err)}
	}
	vc := validationContext{docs: entry.docs, action: action}
	var reported []schemaIssue
	for _, is := range vc.collect(verr) {
		if is.property == "" && is.missing == "" && params != nil {
			if _, leaf := nodeAt(params, is.tokens); leaf != nil && isTemplated(leaf) {
				continue
			}
		}
		reported = append(reported, is)
	}
	node := params
	if node == nil {
		node = &yaml.Node{Kind: yaml.MappingNode}
	}
	return issueProblems(doc, node, anchor, reported)
}

// isTemplated reports whether a scalar holds a {{ }} template.
func isTemplated(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!str" && containsTemplate(n.Value)
}

func containsTemplate(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '{' && s[i+1] == '{' {
			return true
		}
	}
	return false
}

// actionNotFound phrases the problem of an unknown action name.
func actionNotFound(name string, known []string) string {
	return fmt.Sprintf("unknown action %q: not a built-in action and not defined in actions/%s", name, didYouMean(name, known))
}
