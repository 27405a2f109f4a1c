package schema

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/policycortex/policycortex/expr"
)

// stepCompiler compiles the steps of one workflow.
type stepCompiler struct {
	*workflowCompiler
	// index maps each step name to the position of its first definition.
	index map[string]int
	names []string
}

// compileSteps compiles the steps list. Step names must be unique, and
// templates and conditions may read only the output of earlier steps.
func (wc *workflowCompiler) compileSteps(list *yaml.Node) []*Step {
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	sc := &stepCompiler{workflowCompiler: wc, index: map[string]int{}}
	for i, item := range list.Content {
		name := stringValue(value(item, "name"))
		if _, dup := sc.index[name]; !dup && name != "" {
			sc.index[name] = i
			sc.names = append(sc.names, name)
		}
	}
	var steps []*Step
	seen := map[string]*yaml.Node{}
	for i, item := range list.Content {
		if item.Kind != yaml.MappingNode {
			continue
		}
		nameNode := value(item, "name")
		if first, dup := seen[stringValue(nameNode)]; dup && nameNode != nil {
			*wc.problems = append(*wc.problems, wc.doc.problem(nameNode, "duplicate step name %q; first defined at line %d", nameNode.Value, first.Line))
		} else if nameNode != nil {
			seen[nameNode.Value] = nameNode
		}
		steps = append(steps, sc.compileStep(i, item))
	}
	return steps
}

func (sc *stepCompiler) compileStep(i int, n *yaml.Node) *Step {
	doc := sc.doc
	st := &Step{
		Name:      stringValue(value(n, "name")),
		Type:      stringValue(value(n, "type")),
		Action:    stringValue(value(n, "action")),
		Timeout:   nodeDuration(doc, value(n, "timeout"), sc.problems),
		MaxDelay:  nodeDuration(doc, value(n, "max_delay"), sc.problems),
		Retry:     sc.compileRetry(value(n, "retry")),
		OnFailure: OnFailureFail,
		Pos:       doc.pos(n),
	}
	if f := stringValue(value(n, "on_failure")); f != "" {
		st.OnFailure = OnFailure(f)
	}
	sc.checkStepShape(st, n)
	sc.compileParameters(i, st, n)

	if c := value(n, "condition"); c != nil && c.Kind == yaml.ScalarNode {
		prog, err := sc.l.env.CompileCondition(c.Value)
		if err != nil {
			*sc.problems = append(*sc.problems, doc.exprProblem(c, err, "invalid condition"))
		} else {
			sc.checkStepRefs(i, c, prog.Refs())
			sc.checkBareName(c, prog.Refs())
			st.Condition = prog
		}
	}
	sc.compileStepConditions(i, st, value(n, "conditions"))
	if s := value(n, "script"); s != nil && s.Kind == yaml.ScalarNode {
		script, err := expr.CompileScript(s.Value)
		if err != nil {
			*sc.problems = append(*sc.problems, doc.scriptProblem(s, err))
		}
		st.Script = script
	}
	return st
}

// checkStepShape enforces the kinds of step: an action step, a script
// step, or an evaluation step with conditions only.
func (sc *stepCompiler) checkStepShape(st *Step, n *yaml.Node) {
	doc := sc.doc
	_, action := field(n, "action")
	scriptKey, script := field(n, "script")
	paramsKey, params := field(n, "parameters")
	hasConditions := value(n, "condition") != nil || value(n, "conditions") != nil
	switch {
	case action != nil && script != nil:
		*sc.problems = append(*sc.problems, doc.problem(scriptKey, "step %q has both action and script; a step runs one or the other", st.Name))
	case action == nil && script == nil && !hasConditions:
		*sc.problems = append(*sc.problems, doc.problem(n, "step %q needs an action, a script, or conditions to evaluate", st.Name))
	}
	if params != nil && action == nil {
		*sc.problems = append(*sc.problems, doc.problem(paramsKey, "step %q has parameters but no action to pass them to", st.Name))
	}
}

// compileParameters checks the step's action and compiles its parameters.
func (sc *stepCompiler) compileParameters(i int, st *Step, n *yaml.Node) {
	doc := sc.doc
	paramsKey, params := field(n, "parameters")
	if params != nil && isNull(params) {
		params = nil
	}
	if params != nil && params.Kind != yaml.MappingNode {
		// The schema check reports parameters that are not a mapping.
		return
	}
	var tree any
	if params != nil {
		tree = valueAt(doc.value, "workflow", "steps", i, "parameters")
	}

	if actionNode := value(n, "action"); actionNode != nil && st.Action != "" {
		anchor := paramsKey
		if anchor == nil {
			anchor = actionNode
		}
		sc.checkAction(st.Action, actionNode, params, tree, anchor)
		sc.checkHTTPParameters(st.Action, params)
	}

	if params == nil {
		return
	}
	val, err := sc.l.env.CompileValue(tree)
	if err != nil {
		*sc.problems = append(*sc.problems, sc.l.valueProblems(doc, params, err, "invalid template")...)
		return
	}
	sc.checkStepRefs(i, params, val.Refs())
	st.Parameters = val
}

// checkAction reports an unknown action, or validates the parameters
// against the action's parameter schema.
func (sc *stepCompiler) checkAction(action string, actionNode, params *yaml.Node, tree any, anchor *yaml.Node) {
	entry, ok := sc.ctx.actions[action]
	if !ok {
		*sc.problems = append(*sc.problems, sc.doc.problem(actionNode, "%s", actionNotFound(action, sc.ctx.actionNames())))
		return
	}
	*sc.problems = append(*sc.problems, parameterIssues(sc.doc, action, entry, params, tree, anchor)...)
}

// compileRetry reads a retry policy; without one a step runs once.
func (sc *stepCompiler) compileRetry(n *yaml.Node) Retry {
	r := Retry{MaxAttempts: 1}
	if n == nil || n.Kind != yaml.MappingNode {
		return r
	}
	if m := value(n, "max_attempts"); m != nil {
		if v, err := strconv.Atoi(m.Value); err == nil && v >= 1 {
			r.MaxAttempts = v
		}
	}
	r.Backoff = nodeDuration(sc.doc, value(n, "backoff"), sc.problems)
	maxNode := value(n, "max_backoff")
	r.MaxBackoff = nodeDuration(sc.doc, maxNode, sc.problems)
	if r.MaxBackoff > 0 && r.MaxBackoff < r.Backoff {
		*sc.problems = append(*sc.problems, sc.doc.problem(maxNode, "max_backoff %s is shorter than backoff %s", r.MaxBackoff, r.Backoff))
	}
	return r
}

// checkStepRefs reports steps.NAME references to unknown steps, to the
// step itself, or to steps that run later, whose output does not exist yet.
func (sc *stepCompiler) checkStepRefs(i int, n *yaml.Node, refs expr.Refs) {
	for _, name := range refs.Steps {
		j, ok := sc.index[name]
		var msg string
		switch {
		case !ok:
			msg = fmt.Sprintf("unknown step %q in steps.%s%s", name, name, didYouMean(name, sc.names))
		case j == i:
			msg = fmt.Sprintf("step reads its own output steps.%s; a step can read only earlier steps", name)
		case j > i:
			msg = fmt.Sprintf("steps.%s refers to a later step; a step can read only steps that ran before it", name)
		default:
			continue
		}
		*sc.problems = append(*sc.problems, Problem{Pos: sc.refNode(n, name), Severity: SeverityError, Message: msg})
	}
}
