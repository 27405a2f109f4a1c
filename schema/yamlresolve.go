package schema

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits of the YAML walk. Decoding into yaml.Node skips the duplicate-key
// check and the alias expansion limit of yaml.Unmarshal, so resolveTree
// enforces both.
const (
	// maxNestingDepth bounds how deeply mappings and lists nest, counted
	// after alias expansion.
	maxNestingDepth = 100
	// minExpandedNodes is the expansion budget of a small document.
	minExpandedNodes = 10000
	// expansionFactor is how many times its own node count a document may
	// grow to through aliases. A billion-laughs document of a hundred nodes
	// hits the budget after about ten thousand nodes.
	expansionFactor = 10
)

// resolvedNode is an anchored node after resolution, kept so that each alias
// to it costs its expanded size without walking it again.
type resolvedNode struct {
	node  *yaml.Node
	size  int
	depth int
}

// resolver walks a document tree once, replacing aliases with their targets
// and applying merge keys, so the result is a plain tree that may share
// subtrees but contains no alias. It reports duplicate keys and stops at the
// first fatal problem (expansion budget, depth, alias cycle).
type resolver struct {
	doc      *document
	budget   int
	used     int
	memo     map[*yaml.Node]resolvedNode
	active   map[*yaml.Node]bool
	problems Problems
}

// fatalError is a problem that makes the rest of the document unusable.
type fatalError struct {
	node *yaml.Node
	msg  string
}

func (e *fatalError) Error() string { return e.msg }

// resolveTree resolves the tree under top. It returns nil when a fatal
// problem stopped the walk; the problems then name it.
func resolveTree(doc *document, top *yaml.Node, sourceNodes int) (*yaml.Node, Problems) {
	r := &resolver{
		doc:    doc,
		budget: minExpandedNodes + expansionFactor*sourceNodes,
		memo:   map[*yaml.Node]resolvedNode{},
		active: map[*yaml.Node]bool{},
	}
	out, err := r.resolve(top, 1)
	if err != nil {
		var fatal *fatalError
		if errors.As(err, &fatal) {
			r.problems = append(r.problems, doc.problem(fatal.node, "%s", fatal.msg))
		}
		return nil, r.problems
	}
	return out.node, r.problems
}

func (r *resolver) charge(n *yaml.Node, size int) error {
	r.used += size
	if r.used > r.budget {
		return &fatalError{n, fmt.Sprintf("YAML aliases expand the document to more than %d nodes; "+
			"rejecting it as an alias bomb (expand fewer aliases)", r.budget)}
	}
	return nil
}

func (r *resolver) resolve(n *yaml.Node, depth int) (resolvedNode, error) {
	if depth > maxNestingDepth {
		return resolvedNode{}, &fatalError{n, fmt.Sprintf("YAML nesting is deeper than %d levels", maxNestingDepth)}
	}
	if n.Kind == yaml.AliasNode {
		return r.resolveAlias(n, depth)
	}
	if n.Anchor != "" {
		r.active[n] = true
		defer delete(r.active, n)
	}
	r.checkTag(n)
	var out resolvedNode
	var err error
	switch n.Kind {
	case yaml.MappingNode:
		out, err = r.resolveMapping(n, depth)
	case yaml.SequenceNode:
		out, err = r.resolveSequence(n, depth)
	default:
		out, err = resolvedNode{node: n, size: 1, depth: 1}, r.charge(n, 1)
	}
	if err == nil && n.Anchor != "" {
		r.memo[n] = out
	}
	return out, err
}

func (r *resolver) resolveAlias(n *yaml.Node, depth int) (resolvedNode, error) {
	target := n.Alias
	if target == nil {
		return resolvedNode{}, &fatalError{n, fmt.Sprintf("unknown anchor %q", n.Value)}
	}
	if r.active[target] {
		return resolvedNode{}, &fatalError{n, fmt.Sprintf("alias *%s refers to a node that contains it", n.Value)}
	}
	done, ok := r.memo[target]
	if !ok {
		return resolvedNode{}, &fatalError{n, fmt.Sprintf("alias *%s refers to an anchor that is not valid", n.Value)}
	}
	if depth-1+done.depth > maxNestingDepth {
		return resolvedNode{}, &fatalError{n, fmt.Sprintf("YAML nesting is deeper than %d levels after alias expansion", maxNestingDepth)}
	}
	return done, r.charge(n, done.size)
}

func (r *resolver) resolveSequence(n *yaml.Node, depth int) (resolvedNode, error) {
	if err := r.charge(n, 1); err != nil {
		return resolvedNode{}, err
	}
	out := resolvedNode{node: n, size: 1, depth: 1}
	var content []*yaml.Node
	for i, c := range n.Content {
		rc, err := r.resolve(c, depth+1)
		if err != nil {
			return resolvedNode{}, err
		}
		out.size += rc.size
		out.depth = max(out.depth, rc.depth+1)
		if rc.node != c && content == nil {
			content = append(make([]*yaml.Node, 0, len(n.Content)), n.Content[:i]...)
		}
		if content != nil {
			content = append(content, rc.node)
		}
	}
	if content != nil {
		copied := *n
		copied.Content = content
		out.node = &copied
	}
	return out, nil
}

// checkTag records a problem for an application-specific tag such as !Ref,
// which this format gives no meaning.
func (r *resolver) checkTag(n *yaml.Node) {
	if n.Tag != "" && !strings.HasPrefix(n.Tag, "!!") {
		r.problems = append(r.problems, r.doc.problem(n, "unsupported YAML tag %s", n.Tag))
	}
}
