package schema

import (
	"fmt"
	"sort"

	"go.yaml.in/yaml/v3"
)

// compileApprovers reads the groups of approvers.yaml.
func (l *loader) compileApprovers(doc *document, problems *Problems) map[string]*ApproverGroup {
	groups := map[string]*ApproverGroup{}
	_, groupsNode := rootValue(doc, kindApprovers)
	forEachPair(groupsNode, func(k, v *yaml.Node) {
		g := &ApproverGroup{Name: k.Value, Description: stringValue(value(v, "description")), Pos: doc.pos(k)}
		emails := map[string]*yaml.Node{}
		if members := value(v, "members"); members != nil && members.Kind == yaml.SequenceNode {
			for _, m := range members.Content {
				emailNode := value(m, "email")
				email := stringValue(emailNode)
				if first, dup := emails[email]; dup && email != "" {
					*problems = append(*problems, doc.problem(emailNode, "duplicate member %q in group %q; first listed at line %d", email, g.Name, first.Line))
					continue
				}
				emails[email] = emailNode
				g.Members = append(g.Members, Approver{
					Name:   stringValue(value(m, "name")),
					Email:  email,
					PGPKey: stringValue(value(m, "pgp_key")),
					SSHKey: stringValue(value(m, "ssh_key")),
				})
			}
		}
		groups[g.Name] = g
	})
	return groups
}

// checkGroups reports approver group names that approvers.yaml does not
// define. Without approvers.yaml nothing is checked.
func (c *repoContext) checkGroups(doc *document, list *yaml.Node, problems *Problems) []string {
	names := stringList(list)
	if c.approvers == nil || list == nil {
		return names
	}
	var known []string
	for name := range c.approvers {
		known = append(known, name)
	}
	sort.Strings(known)
	for _, item := range list.Content {
		if item.Kind != yaml.ScalarNode {
			continue
		}
		if _, ok := c.approvers[item.Value]; !ok {
			*problems = append(*problems, doc.problem(item, "unknown approver group %q: approvers.yaml does not define it%s",
				item.Value, didYouMean(item.Value, known)))
		}
	}
	return names
}

// compileStages compiles an approval chain: a list of stages with unique
// names.
func (l *loader) compileStages(doc *document, list *yaml.Node, ctx *repoContext, problems *Problems) []*ApprovalStage {
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	var out []*ApprovalStage
	seen := map[string]*yaml.Node{}
	for _, item := range list.Content {
		if item.Kind != yaml.MappingNode {
			continue
		}
		nameNode := value(item, "step")
		st := &ApprovalStage{
			Name:      stringValue(nameNode),
			Approvers: ctx.checkGroups(doc, value(item, "approvers"), problems),
			Timeout:   nodeDuration(doc, value(item, "timeout"), problems),
			Pos:       doc.pos(item),
		}
		if first, dup := seen[st.Name]; dup && st.Name != "" {
			*problems = append(*problems, doc.problem(nameNode, "duplicate approval stage %q; first defined at line %d", st.Name, first.Line))
		}
		seen[st.Name] = nameNode
		if c := value(item, "condition"); c != nil && c.Kind == yaml.ScalarNode {
			prog, err := l.env.CompileCondition(c.Value)
			if err != nil {
				*problems = append(*problems, doc.exprProblem(c, err, fmt.Sprintf("invalid condition of approval stage %q", st.Name)))
			}
			st.Condition = prog
		}
		out = append(out, st)
	}
	return out
}

// compileApproval compiles a workflow's single-stage approval gate. Names in
// required_for must be named conditions in scope.
func (l *loader) compileApproval(doc *document, n *yaml.Node, ctx *repoContext, scope map[string]conditionDef, problems *Problems) *Approval {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	a := &Approval{
		Approvers: ctx.checkGroups(doc, value(n, "approvers"), problems),
		Timeout:   nodeDuration(doc, value(n, "timeout"), problems),
		Pos:       doc.pos(n),
	}
	known := make([]string, 0, len(scope))
	for name := range scope {
		known = append(known, name)
	}
	sort.Strings(known)
	if req := value(n, "required_for"); req != nil && req.Kind == yaml.SequenceNode {
		for _, item := range req.Content {
			if item.Kind != yaml.ScalarNode {
				continue
			}
			if _, ok := scope[item.Value]; !ok {
				*problems = append(*problems, doc.problem(item,
					"unknown named condition %q in required_for: define it under the workflow's conditions or in conditions.yaml%s",
					item.Value, didYouMean(item.Value, known)))
			}
			a.RequiredFor = append(a.RequiredFor, item.Value)
		}
	}
	return a
}

// workflowChain resolves a workflow's approval_chain: the name of an
// approval-chains/ file or an inline list of stages.
func (l *loader) workflowChain(doc *document, n *yaml.Node, ctx *repoContext, problems *Problems) ([]*ApprovalStage, string) {
	if n == nil {
		return nil, ""
	}
	if n.Kind == yaml.ScalarNode {
		stages, ok := ctx.chains[n.Value]
		if !ok {
			names := make([]string, 0, len(ctx.chains))
			for name := range ctx.chains {
				names = append(names, name)
			}
			*problems = append(*problems, doc.problem(n, "unknown approval chain %q: no approval-chains/%s.yaml%s",
				n.Value, n.Value, didYouMean(n.Value, names)))
		}
		return stages, n.Value
	}
	return l.compileStages(doc, n, ctx, problems), ""
}
