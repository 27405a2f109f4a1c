package schema

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// conditionDef is a named condition as the cycle check sees it.
type conditionDef struct {
	pos  Pos
	refs []string
	// local is true for a workflow's own condition.
	local bool
}

// compileConditionList compiles a list of {name, expression} items. Names
// must be unique within the list. It returns the conditions and, by name,
// the names each one reads.
func (l *loader) compileConditionList(doc *document, list *yaml.Node, problems *Problems) ([]*NamedCondition, map[string][]string) {
	var out []*NamedCondition
	refs := map[string][]string{}
	seen := map[string]*yaml.Node{}
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil, refs
	}
	for _, item := range list.Content {
		nameNode, exprNode := value(item, "name"), value(item, "expression")
		name := stringValue(nameNode)
		if name == "" || exprNode == nil || exprNode.Kind != yaml.ScalarNode {
			continue
		}
		if first, dup := seen[name]; dup {
			*problems = append(*problems, doc.problem(nameNode, "duplicate named condition %q; first defined at line %d", name, first.Line))
			continue
		}
		seen[name] = nameNode
		prog, err := l.env.CompileCondition(exprNode.Value)
		if err != nil {
			*problems = append(*problems, doc.exprProblem(exprNode, err, fmt.Sprintf("invalid expression of condition %q", name)))
			continue
		}
		r := prog.Refs()
		refs[name] = append(append([]string(nil), r.Identifiers...), r.Conditions...)
		out = append(out, &NamedCondition{Name: name, Program: prog, Pos: doc.pos(nameNode)})
	}
	return out, refs
}

// addRepoConditions adds the conditions of a repository-wide conditions
// file; a name defined in two files is a problem.
func (l *loader) addRepoConditions(ctx *repoContext, doc *document) {
	_, list := rootValue(doc, kindConditions)
	conds, refs := l.compileConditionList(doc, list, &ctx.problems)
	known := map[string]Pos{}
	for _, c := range ctx.conditions {
		known[c.Name] = c.Pos
	}
	for _, c := range conds {
		if first, dup := known[c.Name]; dup {
			ctx.problems = append(ctx.problems, Problem{Pos: c.Pos, Severity: SeverityError,
				Message: fmt.Sprintf("duplicate named condition %q; first defined at %s", c.Name, first)})
			continue
		}
		ctx.conditions = append(ctx.conditions, c)
		ctx.conditionRefs[c.Name] = refs[c.Name]
	}
}

// conditionDefs merges the repository-wide conditions with a workflow's own,
// which hide repository-wide ones of the same name.
func (c *repoContext) conditionDefs(local []*NamedCondition, localRefs ...map[string][]string) map[string]conditionDef {
	defs := make(map[string]conditionDef, len(c.conditions)+len(local))
	for _, nc := range c.conditions {
		defs[nc.Name] = conditionDef{pos: nc.Pos, refs: c.conditionRefs[nc.Name]}
	}
	for _, nc := range local {
		var refs []string
		for _, m := range localRefs {
			refs = append(refs, m[nc.Name]...)
		}
		defs[nc.Name] = conditionDef{pos: nc.Pos, refs: refs, local: true}
	}
	return defs
}

// conditionCycles reports named conditions that read each other in a
// cycle. With onlyLocal set, it reports only cycles through a workflow's
// own conditions, since repository-wide cycles are reported once, at their
// own files.
func conditionCycles(defs map[string]conditionDef, onlyLocal *bool) Problems {
	names := make([]string, 0, len(defs))
	for name := range defs {
		names = append(names, name)
	}
	sort.Strings(names)
	const (
		unvisited = iota
		onStack
		done
	)
	state := map[string]int{}
	var stack []string
	var out Problems
	reported := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		state[name] = onStack
		stack = append(stack, name)
		refs := append([]string(nil), defs[name].refs...)
		sort.Strings(refs)
		for _, next := range refs {
			if _, ok := defs[next]; !ok {
				continue
			}
			switch state[next] {
			case unvisited:
				visit(next)
			case onStack:
				if p, ok := cycleProblem(defs, stack, next, onlyLocal, reported); ok {
					out = append(out, p)
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = done
	}
	for _, name := range names {
		if state[name] == unvisited {
			visit(name)
		}
	}
	return out
}

// cycleProblem describes the cycle that closes at next, reported once at
// the first member (in name order) that the caller owns.
func cycleProblem(defs map[string]conditionDef, stack []string, next string, onlyLocal *bool, reported map[string]bool) (Problem, bool) {
	start := 0
	for i, n := range stack {
		if n == next {
			start = i
		}
	}
	members := append([]string(nil), stack[start:]...)
	sorted := append([]string(nil), members...)
	sort.Strings(sorted)
	key := strings.Join(sorted, ",")
	if reported[key] {
		return Problem{}, false
	}
	reported[key] = true
	at := ""
	for _, n := range sorted {
		if onlyLocal == nil || defs[n].local == *onlyLocal {
			at = n
			break
		}
	}
	if at == "" {
		return Problem{}, false
	}
	return Problem{Pos: defs[at].pos, Severity: SeverityError,
		Message: fmt.Sprintf("named condition cycle: %s -> %s", strings.Join(members, " -> "), next)}, true
}
