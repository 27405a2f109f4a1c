package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LintOptions tune Lint.
type LintOptions struct {
	// Repo is the policy repository root that gives the files their
	// context; empty means discover it from each file's directory.
	Repo string
}

// lintTarget is one file to report on.
type lintTarget struct {
	abs string
	// display is the path as the user typed it, or joined under the typed
	// folder for files found by walking it.
	display string
	// fromWalk is true for files found by walking a folder: those that
	// have no known kind are skipped instead of reported.
	fromWalk bool
	// symlink is true for a symbolic link found by walking a folder, which
	// is reported instead of read.
	symlink bool
}

// Lint checks files and folders the way LoadRepository checks a commit. It
// loads the repository each file belongs to for context and returns the
// problems of the given files only, with their paths as given. A file in
// the repository layout (such as workflows/x.yaml) is judged by its place;
// any other file by its top-level key, so a `conditions:` or
// `approval_chain:` fragment lints as such wherever it is. A folder stands
// for every file of a known kind under it, and also brings the warnings
// about the repository itself when it holds the repository's workflows/
// folder: symbolic links that are not followed, and a repository without
// workflows. The error is only for I/O and usage problems.
func Lint(paths []string, opts LintOptions) (Problems, error) {
	if len(paths) == 0 {
		return nil, errors.New("lint: no files or folders given")
	}
	var targets, folders []lintTarget
	for _, p := range paths {
		found, folder, err := lintTargets(p)
		if err != nil {
			return nil, err
		}
		targets = append(targets, found...)
		if folder != nil {
			folders = append(folders, *folder)
		}
	}

	byRoot, err := groupByRepository(targets, opts.Repo)
	if err != nil {
		return nil, err
	}
	roots := make([]string, 0, len(byRoot))
	for root := range byRoot {
		roots = append(roots, root)
	}
	sort.Strings(roots)

	var out Problems
	for _, root := range roots {
		problems, err := lintInRepo(root, byRoot[root], folders)
		if err != nil {
			return nil, err
		}
		out = append(out, problems...)
	}
	out.Sort()
	return out, nil
}

// groupByRepository maps each repository root to its targets. The root is
// repo when set, or else discovered from each target's directory.
func groupByRepository(targets []lintTarget, repo string) (map[string][]lintTarget, error) {
	byRoot := map[string][]lintTarget{}
	for _, t := range targets {
		root := repo
		if root == "" {
			root = discoverRoot(filepath.Dir(t.abs))
		}
		abs, err := filepath.Abs(root)
		if err != nil {
			return nil, fmt.Errorf("lint: resolve repository %s: %w", root, err)
		}
		byRoot[abs] = append(byRoot[abs], t)
	}
	return byRoot, nil
}

// lintTargets expands one argument into the files it names. The folder is
// the argument itself when it is a folder, and nil otherwise.
func lintTargets(p string) (targets []lintTarget, folder *lintTarget, err error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, nil, fmt.Errorf("lint %s: %w", p, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, nil, fmt.Errorf("lint: %w", err)
	}
	if !fi.IsDir() {
		return []lintTarget{{abs: abs, display: p}}, nil, nil
	}
	var out []lintTarget
	err = filepath.WalkDir(abs, func(f string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if f != abs && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(f)) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		symlink := d.Type()&fs.ModeSymlink != 0
		if !symlink && !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(abs, f)
		if err != nil {
			return err
		}
		out = append(out, lintTarget{abs: f, display: filepath.Join(p, rel), fromWalk: true, symlink: symlink})
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("lint %s: %w", p, err)
	}
	return out, &lintTarget{abs: abs, display: p}, nil
}

// relabel keeps the problems of the files in display, renamed to the
// paths shown to the user.
func relabel(problems Problems, display map[string]string) Problems {
	var out Problems
	for _, p := range problems {
		name, ok := display[p.Pos.File]
		if !ok {
			continue
		}
		p.Pos.File = name
		p.Message = relabelMessage(p.Message, display)
		out = append(out, p)
	}
	return out
}

// relabelMessage renames file positions quoted inside a message, such as
// the "first defined at" part of a duplicate name.
func relabelMessage(msg string, display map[string]string) string {
	for key, name := range display {
		if key != name && strings.Contains(msg, key+":") {
			msg = strings.ReplaceAll(msg, " "+key+":", " "+name+":")
		}
	}
	return msg
}
