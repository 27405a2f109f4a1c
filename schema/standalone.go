package schema

import "fmt"

// checkStandalone checks a file judged by its top-level key rather than its
// place in the repository, as Lint does for a file given by path. The file
// is checked against the repository's context but does not join it: a
// conditions file is scoped like a workflow's own conditions, and an
// action file is not added to the catalog.
func (l *loader) checkStandalone(path string, kind fileKind, ctx *repoContext) Problems {
	doc, problems := l.parseFile(path, kind)
	if doc == nil {
		return problems
	}
	switch kind {
	case kindConditions:
		_, list := rootValue(doc, kindConditions)
		local, refs := l.compileConditionList(doc, list, &problems)
		onlyLocal := true
		problems = append(problems, conditionCycles(ctx.conditionDefs(local, refs), &onlyLocal)...)
	case kindApprovalChain:
		_, list := rootValue(doc, kindApprovalChain)
		l.compileStages(doc, list, ctx, &problems)
	case kindAction:
		entry, more := l.compileAction(doc)
		problems = append(problems, more...)
		if entry != nil {
			if prev, ok := ctx.actions[entry.def.Name]; ok && prev.def == nil {
				problems = append(problems, Problem{Pos: entry.def.Pos, Severity: SeverityError,
					Message: fmt.Sprintf("action name %q is the name of a built-in action; choose another name", entry.def.Name)})
			}
		}
	case kindApprovers:
		l.compileApprovers(doc, &problems)
	}
	return problems
}
