package schema

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// conditionDef is the part of a named condition that the cycle check uses.
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

	f := &cycleFinder{defs: defs, onlyLocal: onlyLocal, state: map[string]visitState{}, reported: map[string]bool{}}
	for _, name := range names {
		if f.state[name] == unvisited {
			f.visit(name)
		}
	}
	return f.problems
}

// visitState is a condition's state in the depth-first search.
type visitState int

const (
	unvisited visitState = iota
	onStack
	visited
)

// cycleFinder is a depth-first search over the names conditions read.
type cycleFinder struct {
	defs      map[string]conditionDef
	onlyLocal *bool
	state     map[string]visitState
	stack     []string
	reported  map[string]bool
	problems  Problems
}

func (f *cycleFinder) visit(name string) {
	f.state[name] = onStack
	f.stack = append(f.stack, name)
	refs := append([]string(nil), f.defs[name].refs...)
	sort.Strings(refs)
	for _, next := range refs {
		if _, ok := f.defs[next]; !ok {
			continue
		}
		switch f.state[next] {
		case unvisited:
			f.visit(next)
		case onStack:
			f.report(next)
		}
	}
	f.stack = f.stack[:len(f.stack)-1]
	f.state[name] = visited
}

// report describes the cycle that closes at next, once, at the first
// member (in name order) that the caller owns.
func (f *cycleFinder) report(next string) {
	start := 0
	for i, n := range f.stack {
		if n == next {
			start = i
		}
	}
	members := append([]string(nil), f.stack[start:]...)
	sorted := append([]string(nil), members...)
	sort.Strings(sorted)
	key := strings.Join(sorted, ",")
	if f.reported[key] {
		return
	}
	f.reported[key] = true

	for _, n := range sorted {
		if f.onlyLocal == nil || f.defs[n].local == *f.onlyLocal {
			f.problems = append(f.problems, Problem{Pos: f.defs[n].pos, Severity: SeverityError,
				Message: fmt.Sprintf("named condition cycle: %s -> %s", strings.Join(members, " -> "), next)})
			return
		}
	}
}
