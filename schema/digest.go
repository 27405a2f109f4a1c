package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path"
	"slices"
	"strings"
)

// digestContext holds the digests that EffectiveDigest combines, computed
// once per Repository.
type digestContext struct {
	// shared covers the files every workflow depends on: the conditions
	// files and approvers.yaml.
	shared string
	// files maps the path of each action and approval-chain file to the
	// digest of its content.
	files map[string]string
}

// EffectiveDigest returns the hex SHA-256 of a workflow file together with
// every file that changes what the workflow does: the files of the
// user-defined actions its steps use, the approval-chain file it names, the
// repository-wide conditions files and approvers.yaml. Diffs compare it, so
// a change to an action shows each workflow that uses it as changed.
func (r *Repository) EffectiveDigest(wf *Workflow) string {
	r.digestOnce.Do(r.buildDigestContext)
	var deps []string
	for _, step := range wf.Steps {
		if def, ok := r.Actions[step.Action]; ok && def.File != "" {
			deps = append(deps, def.File)
		}
	}
	if wf.ApprovalChainName != "" {
		for p := range r.digests.files {
			if classify(p) == kindApprovalChain && strings.TrimSuffix(path.Base(p), path.Ext(p)) == wf.ApprovalChainName {
				deps = append(deps, p)
			}
		}
	}
	slices.Sort(deps)
	deps = slices.Compact(deps)

	h := sha256.New()
	io.WriteString(h, wf.Digest+"\n"+r.digests.shared+"\n")
	for _, p := range deps {
		io.WriteString(h, p+" "+r.digests.files[p]+"\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (r *Repository) buildDigestContext() {
	r.digests = digestContext{files: map[string]string{}}
	var shared []string
	for p, content := range r.Files {
		switch classify(p) {
		case kindAction, kindApprovalChain:
			r.digests.files[p] = contentDigest(content)
		case kindConditions, kindApprovers:
			shared = append(shared, p+" "+contentDigest(content))
		}
	}
	slices.Sort(shared)
	r.digests.shared = contentDigest([]byte(strings.Join(shared, "\n")))
}

func contentDigest(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}
