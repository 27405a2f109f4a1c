package schema

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/policycortex/policycortex/expr"
)

// compileStepConditions compiles a step's conditions list: `key: value`
// items become Matches, strings become Expressions. A string is a named
// condition in scope or a CEL expression.
func (sc *stepCompiler) compileStepConditions(i int, st *Step, list *yaml.Node) {
	if list == nil || list.Kind != yaml.SequenceNode {
		return
	}
	doc := sc.doc
	for _, item := range list.Content {
		if item.Kind == yaml.MappingNode {
			if m, ok := compileMatch(doc, item); ok {
				st.Matches = append(st.Matches, m)
			}
			continue
		}
		if item.Kind != yaml.ScalarNode || item.Value == "" {
			continue
		}
		prog, err := sc.l.env.CompileCondition(item.Value)
		if err != nil {
			msg := fmt.Sprintf("condition %q is neither a named condition nor a valid expression%s",
				item.Value, didYouMean(item.Value, sc.scopeNames()))
			*sc.problems = append(*sc.problems, doc.exprProblem(item, err, msg))
			continue
		}
		sc.checkStepRefs(i, item, prog.Refs())
		sc.checkBareName(item, prog.Refs())
		st.Expressions = append(st.Expressions, prog)
	}
}

// checkBareName reports a condition that is one bare name but not a named
// condition in scope: at run time the name is read as a top-level field of
// the event data. That is a warning, or an error when a named condition in
// scope is spelt close to the name, which is then most likely a typo.
func (sc *stepCompiler) checkBareName(n *yaml.Node, refs expr.Refs) {
	name := strings.TrimSpace(n.Value)
	if !isBareName(name) || len(refs.Identifiers) != 1 || refs.Identifiers[0] != name {
		return
	}
	if _, ok := sc.scope[name]; ok {
		return
	}
	line, col := lineColAt(n.Value, strings.Index(n.Value, name))
	p := Problem{Pos: sc.doc.exprPos(n, line, col), Severity: SeverityWarning}
	if match := suggest(name, sc.scopeNames()); match != "" {
		p.Severity = SeverityError
		p.Message = fmt.Sprintf("%q is not a named condition in scope, so it would be read as the event data field %s; did you mean %q?", name, name, match)
	} else {
		p.Message = fmt.Sprintf("%q is not a named condition in scope, so it will be read as the event data field %s; write data.%s to read the field without this warning", name, name, name)
	}
	*sc.problems = append(*sc.problems, p)
}

// isBareName reports whether s is one identifier, such as is_critical.
func isBareName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}

// scopeNames lists the named conditions in scope, sorted.
func (sc *stepCompiler) scopeNames() []string {
	names := make([]string, 0, len(sc.scope))
	for name := range sc.scope {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// refNode finds where a tree of scalars under n mentions steps.NAME and
// returns that file position, or n's position when no scalar spells it
// out plainly.
func (sc *stepCompiler) refNode(n *yaml.Node, name string) Pos {
	spellings := []string{"steps." + name, "steps['" + name + "']", `steps["` + name + `"]`}
	var found Pos
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind == yaml.ScalarNode {
			for _, s := range spellings {
				if idx := indexRef(n.Value, s); idx >= 0 {
					line, col := lineColAt(n.Value, idx)
					found = sc.doc.exprPos(n, line, col)
					return true
				}
			}
			return false
		}
		for _, c := range n.Content {
			if walk(c) {
				return true
			}
		}
		return false
	}
	if walk(n) {
		return found
	}
	return sc.doc.pos(n)
}

// indexRef finds ref in s where it is not the prefix of a longer name, so
// that steps.a is not found inside steps.ab.
func indexRef(s, ref string) int {
	from := 0
	for {
		i := strings.Index(s[from:], ref)
		if i < 0 {
			return -1
		}
		end := from + i + len(ref)
		if end == len(s) || !isNameByte(s[end]) {
			return from + i
		}
		from = end
	}
}

func isNameByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// lineColAt converts a byte offset in s into a 1-based line and a 1-based
// column counted in characters.
func lineColAt(s string, offset int) (int, int) {
	line, start := 1, 0
	for i := 0; i < offset; i++ {
		if s[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, utf8.RuneCountInString(s[start:offset]) + 1
}
