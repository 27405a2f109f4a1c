package schema

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// assemble builds the Repository from the checked files: it reports
// duplicate workflow names and keeps the workflows that compiled cleanly.
func (l *loader) assemble(ctx *repoContext, cache *loadCache, paths []string, results []*fileResult) (*Repository, Problems) {
	var problems Problems
	problems = append(problems, ctx.problems...)
	for _, r := range results {
		problems = append(problems, r.problems...)
	}

	byName := map[string][]int{}
	for i, r := range results {
		if r.kind == kindWorkflow && r.name != "" {
			byName[r.name] = append(byName[r.name], i)
		}
	}
	dropped := map[int]bool{}
	for name, idx := range byName {
		problems = append(problems, l.duplicateNames(name, idx, paths, results, dropped)...)
	}

	if p := l.noWorkflowsProblem(); p != nil {
		problems = append(problems, *p)
	}

	repo := &Repository{
		Actions:        ctx.userActions(),
		Conditions:     ctx.conditions,
		ApprovalChains: ctx.chains,
		Approvers:      ctx.approvers,
		Files:          l.files,
		cache:          cache,
	}
	for i, r := range results {
		if r.workflow != nil && !dropped[i] {
			repo.Workflows = append(repo.Workflows, r.workflow)
		}
	}
	sort.Slice(repo.Workflows, func(i, j int) bool {
		a, b := repo.Workflows[i], repo.Workflows[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.File < b.File
	})
	problems.Sort()
	return repo, problems
}

// duplicateNames reports workflows that share a name. A standalone file
// (one given to Lint or LoadWorkflowFile) replaces a repository file of
// the same name instead of clashing with it. Every file but the first of a
// clash is dropped from the Repository.
func (l *loader) duplicateNames(name string, idx []int, paths []string, results []*fileResult, dropped map[int]bool) Problems {
	var alone, inRepo []int
	for _, i := range idx {
		if _, ok := l.standalone[paths[i]]; ok {
			alone = append(alone, i)
		} else {
			inRepo = append(inRepo, i)
		}
	}
	if len(alone) > 0 {
		for _, i := range inRepo {
			dropped[i] = true
		}
		idx = alone
	}
	if len(idx) < 2 {
		return nil
	}
	sort.Slice(idx, func(a, b int) bool { return paths[idx[a]] < paths[idx[b]] })
	first := results[idx[0]]
	var out Problems
	for _, i := range idx[1:] {
		dropped[i] = true
		out = append(out, Problem{
			Pos: results[i].namePos, Severity: SeverityError,
			Message: fmt.Sprintf("duplicate workflow name %q; first defined at %s", name, first.namePos),
		})
	}
	out = append(out, Problem{
		Pos: first.namePos, Severity: SeverityError,
		Message: fmt.Sprintf("workflow name %q is also used at %s", name, results[idx[1]].namePos),
	})
	return out
}

// noWorkflowsPath is the position of the warning about a repository
// without workflows.
const noWorkflowsPath = "workflows/"

// noWorkflowsProblem returns a warning when the repository has policy files
// but no workflow file, as after a commit that removes every workflow: such
// a set is valid, but nothing would start a run. Files given to Lint or
// LoadWorkflowFile directly count as the repository's when they are
// workflows.
func (l *loader) noWorkflowsProblem() *Problem {
	hasFiles := false
	for path := range l.files {
		if l.kindOf(path) == kindWorkflow {
			return nil
		}
		if _, alone := l.standalone[path]; !alone && classify(path) != kindNone {
			hasFiles = true
		}
	}
	if !hasFiles {
		return nil
	}
	return &Problem{
		Pos:      Pos{File: noWorkflowsPath},
		Severity: SeverityWarning,
		Message:  "the repository has policy files but no workflow under workflows/, so no event or schedule will start a run",
	}
}

// contextDigest hashes the paths and contents of the context files.
func (l *loader) contextDigest(paths []string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range paths {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
		binary.BigEndian.PutUint64(n[:], uint64(len(l.files[p])))
		h.Write(n[:])
		h.Write(l.files[p])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sameBytes compares file contents, short-cutting slices that share their
// backing array, as unchanged files often do between loads.
func sameBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) > 0 && &a[0] == &b[0] {
		return true
	}
	return bytes.Equal(a, b)
}

// parallel calls fn for 0..n-1 on GOMAXPROCS workers. Callers write results
// by index, which keeps the output independent of scheduling.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// Workflow returns the workflow with the given name, or nil.
func (r *Repository) Workflow(name string) *Workflow {
	i := sort.Search(len(r.Workflows), func(i int) bool { return r.Workflows[i].Name >= name })
	if i < len(r.Workflows) && r.Workflows[i].Name == name {
		return r.Workflows[i]
	}
	return nil
}
