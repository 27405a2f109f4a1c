package schema

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// repoContext is the compilation context of workflows: the action catalog,
// the repository-wide named conditions, the approval chains and the
// approver groups, with the problems of the files they come from.
type repoContext struct {
	actions    map[string]*actionEntry
	conditions []*NamedCondition
	// conditionRefs maps each repository-wide condition to the names it
	// reads, for the cycle check.
	conditionRefs map[string][]string
	chains        map[string][]*ApprovalStage
	chainPos      map[string]Pos
	// approvers is nil when the repository has no approvers.yaml, and group
	// names are then not checked.
	approvers map[string]*ApproverGroup
	problems  Problems
}

// actionEntry is one action of the catalog, built in or user-defined.
type actionEntry struct {
	// def is nil for a built-in action.
	def *ActionDef
	// schema validates step parameters; nil when the action's parameter
	// schema is unusable, which its own file reports.
	schema *jsonschema.Schema
	docs   rawSchemas
}

// userActions returns the user-defined actions by name.
func (c *repoContext) userActions() map[string]*ActionDef {
	out := map[string]*ActionDef{}
	for name, a := range c.actions {
		if a.def != nil {
			out[name] = a.def
		}
	}
	return out
}

// actionNames lists the catalog, sorted, for spelling hints.
func (c *repoContext) actionNames() []string {
	names := make([]string, 0, len(c.actions))
	for name := range c.actions {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// buildContext parses and compiles the context files.
func (l *loader) buildContext(paths []string) *repoContext {
	ctx := &repoContext{
		actions:       map[string]*actionEntry{},
		conditionRefs: map[string][]string{},
		chains:        map[string][]*ApprovalStage{},
		chainPos:      map[string]Pos{},
	}
	for name, sch := range l.schemas.builtin {
		ctx.actions[name] = &actionEntry{schema: sch, docs: l.schemas.docs}
	}

	docs := make([]*document, len(paths))
	problems := make([]Problems, len(paths))
	parallel(len(paths), func(i int) {
		docs[i], problems[i] = l.parseFile(paths[i], classify(paths[i]))
	})
	for _, p := range problems {
		ctx.problems = append(ctx.problems, p...)
	}

	byKind := func(k fileKind) []*document {
		var out []*document
		for i, d := range docs {
			if d != nil && classify(paths[i]) == k {
				out = append(out, d)
			}
		}
		return out
	}
	for _, doc := range byKind(kindApprovers) {
		if ctx.approvers != nil {
			ctx.problems = append(ctx.problems, doc.problem(doc.root, "approvers.yaml and approvers.yml both exist; keep one"))
			continue
		}
		ctx.approvers = l.compileApprovers(doc, &ctx.problems)
	}
	l.addActions(ctx, byKind(kindAction))
	for _, doc := range byKind(kindConditions) {
		l.addRepoConditions(ctx, doc)
	}
	ctx.problems = append(ctx.problems, conditionCycles(ctx.conditionDefs(nil), nil)...)
	for _, doc := range byKind(kindApprovalChain) {
		l.addChain(ctx, doc)
	}
	return ctx
}

// addActions compiles action files in parallel and then registers them in
// path order, so the first of two same-named actions wins.
func (l *loader) addActions(ctx *repoContext, docs []*document) {
	entries := make([]*actionEntry, len(docs))
	problems := make([]Problems, len(docs))
	parallel(len(docs), func(i int) {
		entries[i], problems[i] = l.compileAction(docs[i])
	})
	for i, e := range entries {
		ctx.problems = append(ctx.problems, problems[i]...)
		if e == nil || e.def.Name == "" {
			continue
		}
		name := e.def.Name
		switch prev, exists := ctx.actions[name]; {
		case exists && prev.def == nil:
			ctx.problems = append(ctx.problems, Problem{Pos: e.def.Pos, Severity: SeverityError,
				Message: fmt.Sprintf("action name %q is the name of a built-in action; choose another name", name)})
		case exists:
			ctx.problems = append(ctx.problems, Problem{Pos: e.def.Pos, Severity: SeverityError,
				Message: fmt.Sprintf("duplicate action name %q; first defined at %s", name, prev.def.Pos)})
		default:
			ctx.actions[name] = e
		}
	}
}

// addChain registers an approval chain under its file's base name.
func (l *loader) addChain(ctx *repoContext, doc *document) {
	base := path.Base(doc.path)
	name := strings.TrimSuffix(base, path.Ext(base))
	key, val := rootValue(doc, kindApprovalChain)
	stages := l.compileStages(doc, val, ctx, &ctx.problems)
	if prev, exists := ctx.chainPos[name]; exists {
		ctx.problems = append(ctx.problems, doc.problem(key, "duplicate approval chain %q; first defined at %s", name, prev))
		return
	}
	ctx.chainPos[name] = doc.pos(key)
	ctx.chains[name] = stages
}
