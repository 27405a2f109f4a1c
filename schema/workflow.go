package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"go.yaml.in/yaml/v3"
)

// workflowCompiler compiles one workflow file against the context.
type workflowCompiler struct {
	l        *loader
	ctx      *repoContext
	doc      *document
	problems *Problems
	// scope holds the named conditions the workflow can use.
	scope map[string]conditionDef
}

// compileWorkflowFile checks and compiles a workflow file into r. The
// workflow is kept only when the file has no error.
func (l *loader) compileWorkflowFile(r *fileResult, path string, ctx *repoContext) {
	doc, problems := l.parseFile(path, kindWorkflow)
	r.problems = problems
	if doc == nil {
		return
	}
	key, w := rootValue(doc, kindWorkflow)
	if w == nil || w.Kind != yaml.MappingNode {
		return
	}
	wc := &workflowCompiler{l: l, ctx: ctx, doc: doc, problems: &r.problems}
	wf := wc.compile(key, w)
	if nameNode := value(w, "name"); nameNode != nil && wf.Name != "" {
		r.name, r.namePos = wf.Name, doc.pos(nameNode)
	}
	if len(r.problems.Errors()) == 0 {
		r.workflow = wf
	}
}

func (wc *workflowCompiler) compile(key, w *yaml.Node) *Workflow {
	doc := wc.doc
	sum := sha256.Sum256(doc.data)
	wf := &Workflow{
		Name:        stringValue(value(w, "name")),
		Description: stringValue(value(w, "description")),
		Version:     stringValue(value(w, "version")),
		File:        doc.path,
		Pos:         doc.pos(key),
		Digest:      hex.EncodeToString(sum[:]),
	}

	local, refs := wc.l.compileConditionList(doc, value(w, "conditions"), wc.problems)
	wf.Conditions = local
	wc.scope = wc.ctx.conditionDefs(local, refs)
	onlyLocal := true
	*wc.problems = append(*wc.problems, conditionCycles(wc.scope, &onlyLocal)...)

	triggerKey, trigger := field(w, "trigger")
	wf.Trigger = wc.compileTrigger(triggerKey, trigger)
	wf.Steps = wc.compileSteps(value(w, "steps"))
	wf.Approval = wc.l.compileApproval(doc, value(w, "approval"), wc.ctx, wc.scope, wc.problems)
	wf.ApprovalChain, wf.ApprovalChainName = wc.l.workflowChain(doc, value(w, "approval_chain"), wc.ctx, wc.problems)
	return wf
}

// compileTrigger compiles the trigger: an event type with matches, a
// schedule, or both.
func (wc *workflowCompiler) compileTrigger(key, n *yaml.Node) Trigger {
	doc := wc.doc
	t := Trigger{Location: time.UTC, Pos: doc.pos(key)}
	if n == nil || n.Kind != yaml.MappingNode {
		return t
	}
	t.Event = stringValue(value(n, "event"))
	t.Matches = compileMatches(doc, value(n, "conditions"))
	if tz := value(n, "timezone"); tz != nil && tz.Kind == yaml.ScalarNode {
		loc, err := loadLocation(tz.Value)
		if err != nil {
			*wc.problems = append(*wc.problems, doc.problem(tz, "invalid timezone: %v", err))
		} else {
			t.Location = loc
		}
	}
	sched := value(n, "schedule")
	if sched != nil && sched.Kind == yaml.ScalarNode {
		s, err := parseSchedule(sched.Value, t.Location)
		if err != nil {
			*wc.problems = append(*wc.problems, doc.problem(sched, "invalid schedule %q: %v", sched.Value, err))
		}
		t.Schedule = s
	}
	if value(n, "event") == nil && sched == nil {
		*wc.problems = append(*wc.problems, doc.problem(key, "trigger needs an event, a schedule or both"))
	}
	return t
}

// compileMatches reads a list of single-key `key: value` items. Items of
// other shapes are left to the schema check.
func compileMatches(doc *document, list *yaml.Node) []Match {
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	var out []Match
	for _, item := range list.Content {
		if m, ok := compileMatch(doc, item); ok {
			out = append(out, m)
		}
	}
	return out
}

// compileMatch reads one `key: value` item; ok is false for other shapes.
func compileMatch(doc *document, item *yaml.Node) (Match, bool) {
	if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
		return Match{}, false
	}
	k, v := item.Content[0], item.Content[1]
	m := Match{Key: k.Value, Pos: doc.pos(k)}
	switch v.Kind {
	case yaml.SequenceNode:
		m.List = true
		m.Values = make([]any, 0, len(v.Content))
		for _, c := range v.Content {
			if c.Kind == yaml.ScalarNode {
				m.Values = append(m.Values, scalarValue(c))
			}
		}
	case yaml.ScalarNode:
		m.Values = []any{scalarValue(v)}
	default:
		return Match{}, false
	}
	return m, true
}
