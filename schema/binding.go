package schema

import (
	"net/url"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/policycortex/policycortex/expr"
)

// compileHTTPBinding compiles an action's http binding.
func (l *loader) compileHTTPBinding(doc *document, key, n *yaml.Node, problems *Problems) *HTTPBinding {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	b := &HTTPBinding{
		Endpoint: stringValue(value(n, "endpoint")),
		Method:   stringValue(value(n, "method")),
		Timeout:  nodeDuration(doc, value(n, "timeout"), problems),
	}
	if b.Method == "" {
		b.Method = "POST"
	}
	hasEndpoint := b.Endpoint != ""
	if u := value(n, "url"); u != nil && u.Kind == yaml.ScalarNode {
		b.URL = l.bindingTemplate(doc, u, hasEndpoint, problems)
		if !hasEndpoint && !isAbsoluteURLPrefix(u.Value) {
			*problems = append(*problems, doc.problem(u, "url %q is not an absolute URL; set endpoint to a connectors entry or write the full URL", u.Value))
		} else if msg := httpURLProblem(u.Value, false); msg != "" {
			*problems = append(*problems, doc.problem(u, "%s", msg))
		}
	}
	if h := value(n, "headers"); h != nil {
		b.Headers = map[string]*expr.Template{}
		forEachPair(h, func(k, v *yaml.Node) {
			if v.Kind == yaml.ScalarNode {
				b.Headers[k.Value] = l.bindingTemplate(doc, v, hasEndpoint, problems)
			}
		})
	}
	if body := value(n, "body"); body != nil {
		val, err := l.env.CompileValue(toValue(body))
		if err != nil {
			*problems = append(*problems, l.valueProblems(doc, body, err, "invalid template in body")...)
		} else {
			checkBindingRefs(doc, body, val.Refs(), hasEndpoint, problems)
			b.Body = val
		}
	}
	return b
}

// isAbsoluteURLPrefix reports whether a URL template starts with a scheme
// and host, or is entirely computed by its first template.
func isAbsoluteURLPrefix(raw string) bool {
	text := strings.TrimSpace(raw)
	if strings.HasPrefix(text, "{{") {
		return true
	}
	if i := strings.Index(text, "{{"); i >= 0 {
		text = text[:i]
	}
	u, err := url.Parse(text)
	return err == nil && u.IsAbs() && u.Host != ""
}

// compileExecBinding compiles an action's exec binding.
func (l *loader) compileExecBinding(doc *document, n *yaml.Node, problems *Problems) *ExecBinding {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	b := &ExecBinding{
		Env:     stringList(value(n, "env")),
		Timeout: nodeDuration(doc, value(n, "timeout"), problems),
	}
	if c := value(n, "command"); c != nil {
		b.Command = stringValue(c)
		if containsTemplate(b.Command) {
			*problems = append(*problems, doc.problem(c, "command must be a fixed program name or path, not a template; pass values in args"))
		}
	}
	if args := value(n, "args"); args != nil && args.Kind == yaml.SequenceNode {
		for _, a := range args.Content {
			if a.Kind == yaml.ScalarNode {
				b.Args = append(b.Args, l.bindingTemplate(doc, a, false, problems))
			}
		}
	}
	return b
}

// bindingTemplate compiles one binding template and checks the names it
// reads.
func (l *loader) bindingTemplate(doc *document, n *yaml.Node, hasEndpoint bool, problems *Problems) *expr.Template {
	t, err := l.env.CompileTemplate(n.Value)
	if err != nil {
		*problems = append(*problems, doc.exprProblem(n, err, "invalid template"))
		return nil
	}
	checkBindingRefs(doc, n, t.Refs(), hasEndpoint, problems)
	return t
}

// checkBindingRefs reports names a binding template cannot read. A binding
// reads only params (the step's rendered parameters) and, when it names an
// endpoint, endpoint.
func checkBindingRefs(doc *document, n *yaml.Node, refs expr.Refs, hasEndpoint bool, problems *Problems) {
	var bad []string
	for _, id := range refs.Identifiers {
		switch {
		case id == "params":
		case id == "endpoint" && hasEndpoint:
		case id == "endpoint":
			*problems = append(*problems, doc.problem(n, "template reads endpoint, but the binding sets no endpoint"))
		default:
			bad = append(bad, id)
		}
	}
	sort.Strings(bad)
	for _, id := range bad {
		*problems = append(*problems, doc.problem(n, "action template reads %q; it can read only params.NAME and endpoint.NAME (did you mean params.%s?)", id, id))
	}
	if len(refs.Steps) > 0 {
		*problems = append(*problems, doc.problem(n, "action template reads steps.%s; pass step outputs in the step's parameters instead", strings.Join(refs.Steps, ", steps.")))
	}
}
