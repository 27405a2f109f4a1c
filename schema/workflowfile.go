package schema

import (
	"fmt"
	"os"
	"path/filepath"
)

// LoadWorkflowFile loads one workflow file in the context of its policy
// repository, for running a workflow that is not committed yet. The
// repository is repo, or discovered from the file's directory when repo is
// empty. The file joins the repository: it replaces a workflow of the same
// name from another file, or is the repository's own copy when it lies in
// workflows/.
//
// The problems are those of the file itself, with its path as given. The
// Workflow is nil when the file has errors. The error is for I/O only.
func LoadWorkflowFile(path, repo string) (*Repository, *Workflow, Problems, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load workflow file %s: %w", path, err)
	}
	if repo == "" {
		repo = discoverRoot(filepath.Dir(abs))
	}
	root, err := filepath.Abs(repo)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load workflow file %s: %w", path, err)
	}
	// The skipped links of ReadDir are not problems of the file itself.
	files, _, err := ReadDir(root)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load workflow file %s: %w", path, err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load workflow file: %w", err)
	}
	key := repoKey(root, abs)
	var standalone map[string]fileKind
	if isOutside(key) || classify(key) != kindWorkflow {
		standalone = map[string]fileKind{key: kindWorkflow}
	}
	files[key] = data

	l, err := newLoader(files, LoadOptions{}, standalone)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load workflow file %s: %w", path, err)
	}
	repository, problems := l.load()
	problems = relabel(problems, map[string]string{key: path})
	var wf *Workflow
	if r := repository.cache.results[key]; r != nil {
		wf = r.workflow
	}
	if wf != nil && repository.Workflow(wf.Name) != wf {
		wf = nil
	}
	return repository, wf, problems, nil
}
