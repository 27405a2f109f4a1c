package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// repoLint is the state of linting the targets of one repository.
type repoLint struct {
	root  string
	files Files
	// standalone maps the targets judged by their top-level key.
	standalone map[string]fileKind
	// display maps the Files key of each target to the path shown to the
	// user.
	display map[string]string
	// out collects the problems found before the repository is loaded.
	out Problems
}

// lintInRepo loads the repository at root with the targets added and
// returns the targets' problems. When one of the folders holds a path that
// a repository warning names, such as a skipped symbolic link, the warning
// is returned too.
func lintInRepo(root string, targets, folders []lintTarget) (Problems, error) {
	files, readProblems, err := ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	r := &repoLint{root: root, files: files, standalone: map[string]fileKind{}, display: map[string]string{}}
	for _, t := range targets {
		if err := r.addTarget(t); err != nil {
			return nil, err
		}
	}
	if len(r.display) == 0 && len(folders) == 0 {
		return r.out, nil
	}

	l, err := newLoader(r.files, LoadOptions{}, r.standalone)
	if err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	_, problems := l.load()
	problems = append(problems, readProblems...)
	r.showRepositoryWarnings(problems, folders)
	return append(r.out, relabel(problems, r.display)...), nil
}

// addTarget adds one target: a file of the repository layout is already in
// files, and any other file joins as a standalone file of the kind its
// content names.
func (r *repoLint) addTarget(t lintTarget) error {
	key := repoKey(r.root, t.abs)
	inLayout := !isOutside(key) && classify(key) != kindNone
	switch {
	case inLayout:
		// A symbolic link here was reported by ReadDir and is not read.
		r.display[key] = t.display
		return nil
	case t.symlink:
		r.out = append(r.out, SymlinkProblem(t.display))
		return nil
	}

	data, err := os.ReadFile(t.abs)
	if err != nil {
		return fmt.Errorf("lint: %w", err)
	}
	kind, problems := standaloneKind(key, data, t.fromWalk)
	if kind == kindNone {
		r.out = append(r.out, relabel(problems, map[string]string{key: t.display})...)
		return nil
	}
	r.files[key] = data
	r.standalone[key] = kind
	r.display[key] = t.display
	return nil
}

// showRepositoryWarnings adds the display paths of the repository warnings
// about paths that one of the folders holds.
func (r *repoLint) showRepositoryWarnings(problems Problems, folders []lintTarget) {
	for _, p := range problems {
		if _, ok := r.display[p.Pos.File]; ok || !isRepositoryWarning(p) {
			continue
		}
		abs := filepath.Join(r.root, filepath.FromSlash(p.Pos.File))
		if name, ok := folderDisplay(folders, abs); ok {
			r.display[p.Pos.File] = name + trailingSlash(p.Pos.File)
		}
	}
}

// isRepositoryWarning reports whether p is about the repository rather
// than about a file that a target names: a skipped symbolic link, or a
// repository without workflows.
func isRepositoryWarning(p Problem) bool {
	if p.Severity != SeverityWarning {
		return false
	}
	return p.Pos.File == noWorkflowsPath || p.Message == SymlinkProblem(p.Pos.File).Message
}

// folderDisplay returns abs as the user would name it, through the first
// folder that contains it. ok is false when no folder contains it.
func folderDisplay(folders []lintTarget, abs string) (name string, ok bool) {
	for _, f := range folders {
		rel, err := filepath.Rel(f.abs, abs)
		if err == nil && !isOutside(filepath.ToSlash(rel)) {
			return filepath.Join(f.display, rel), true
		}
	}
	return "", false
}

// trailingSlash returns the path separator when key names a folder with a
// trailing slash, such as "workflows/", so that the display path keeps it.
func trailingSlash(key string) string {
	if strings.HasSuffix(key, "/") {
		return string(filepath.Separator)
	}
	return ""
}
