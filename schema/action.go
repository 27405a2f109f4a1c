package schema

import (
	"errors"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

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
