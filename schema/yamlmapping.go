package schema

import (
	"go.yaml.in/yaml/v3"
)

// resolveMapping resolves the pairs of a mapping. It drops and reports
// duplicate keys and non-scalar keys, and applies merge keys (`<<: *base`).
// Keys written in the mapping win over merged ones, and earlier merge
// sources win over later ones.
func (r *resolver) resolveMapping(n *yaml.Node, depth int) (resolvedNode, error) {
	if err := r.charge(n, 1); err != nil {
		return resolvedNode{}, err
	}
	out := resolvedNode{size: 1, depth: 1}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	content := make([]*yaml.Node, 0, len(n.Content))
	var merges []*yaml.Node
	changed := false

	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		rk, err := r.resolve(k, depth+1)
		if err != nil {
			return resolvedNode{}, err
		}
		rv, err := r.resolve(v, depth+1)
		if err != nil {
			return resolvedNode{}, err
		}
		out.size += rk.size + rv.size
		out.depth = max(out.depth, rv.depth+1)
		if rk.node != k || rv.node != v {
			changed = true
		}

		switch key := rk.node; {
		case key.Kind != yaml.ScalarNode:
			r.problems = append(r.problems, r.doc.problem(k, "mapping key must be a scalar, got %s", nodeKindName(key)))
			changed = true
		case k.Kind == yaml.ScalarNode && k.Tag == "!!merge":
			merges = r.mergeSources(merges, v, rv.node)
			changed = true
		case seen[key.Value] != nil:
			r.problems = append(r.problems, r.doc.problem(k, "duplicate key %q; first defined at line %d", key.Value, seen[key.Value].Line))
			changed = true
		default:
			seen[key.Value] = key
			content = append(content, rk.node, rv.node)
		}
	}

	if !changed {
		out.node = n
		return out, nil
	}
	copied := *n
	copied.Content = appendMerged(content, seen, merges)
	out.node = &copied
	return out, nil
}

// appendMerged appends the pairs of the merge sources whose keys are not
// set yet.
func appendMerged(content []*yaml.Node, seen map[string]*yaml.Node, merges []*yaml.Node) []*yaml.Node {
	for _, src := range merges {
		for j := 0; j+1 < len(src.Content); j += 2 {
			key := src.Content[j]
			if _, ok := seen[key.Value]; ok {
				continue
			}
			seen[key.Value] = key
			content = append(content, key, src.Content[j+1])
		}
	}
	return content
}

// mergeSources appends the mappings a merge key's value names: one mapping
// or a list of mappings.
func (r *resolver) mergeSources(merges []*yaml.Node, written, value *yaml.Node) []*yaml.Node {
	switch value.Kind {
	case yaml.MappingNode:
		return append(merges, value)
	case yaml.SequenceNode:
		for _, item := range value.Content {
			if item.Kind != yaml.MappingNode {
				r.problems = append(r.problems, r.doc.problem(written, "merge key << needs a mapping or a list of mappings"))
				return merges
			}
		}
		return append(merges, value.Content...)
	}
	r.problems = append(r.problems, r.doc.problem(written, "merge key << needs a mapping or a list of mappings"))
	return merges
}
