package schema

import (
	"os"
	"path"
	"path/filepath"
	"strings"
)

// discoverRoot returns the policy repository root for a file in dir: the
// nearest directory at or above dir that contains workflows/, actions/ or
// approvers.yaml. The walk stops at the top of the Git work tree (a
// directory containing .git); without a match the result is dir itself.
func discoverRoot(dir string) string {
	for d := dir; ; {
		if isDir(filepath.Join(d, "workflows")) || isDir(filepath.Join(d, "actions")) || isFile(filepath.Join(d, "approvers.yaml")) {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d || exists(filepath.Join(d, ".git")) {
			return dir
		}
		d = parent
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// repoKey returns the Files key of an absolute path under root: slash
// separated and relative, starting with "../" when the file lies outside.
func repoKey(root, abs string) string {
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(rel)
}

// isOutside reports whether a repoKey result lies outside the root.
func isOutside(key string) bool {
	return key == ".." || strings.HasPrefix(key, "../") || filepath.IsAbs(key)
}

// standaloneKind returns the kind of a file judged by its content: JSON
// files are test events and YAML files are named by their top-level key.
// The problems explain a file whose kind cannot be determined. With quiet set, as
// for files found by walking a folder, such a file is skipped without
// problems, and only JSON files in a test-data folder count as events.
func standaloneKind(key string, data []byte, quiet bool) (fileKind, Problems) {
	switch strings.ToLower(filepath.Ext(key)) {
	case ".json":
		if quiet && path.Base(path.Dir(key)) != "test-data" {
			return kindNone, nil
		}
		return kindTestData, nil
	case ".yaml", ".yml":
	default:
		if quiet {
			return kindNone, nil
		}
		return kindNone, Problems{{Pos: Pos{File: key, Line: 1, Col: 1}, Severity: SeverityError,
			Message: "unknown file kind: expected a .yaml, .yml or .json file"}}
	}
	if int64(len(data)) > DefaultMaxFileSize {
		// Too large to parse for its key; any YAML kind makes the loader
		// report the size without parsing.
		return kindException, nil
	}
	doc, problems := parseYAML(key, data)
	if doc == nil {
		if quiet {
			return kindNone, nil
		}
		return kindNone, problems
	}
	kind, p := rootKind(doc)
	if kind == kindNone {
		if quiet {
			return kindNone, nil
		}
		return kindNone, Problems{*p}
	}
	return kind, nil
}
