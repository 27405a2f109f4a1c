package schema

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// fileKind is the role of a repository file.
type fileKind int

// File kinds. kindNone files are ignored by the loader.
const (
	kindNone fileKind = iota
	kindWorkflow
	kindAction
	kindConditions
	kindApprovalChain
	kindApprovers
	kindException
	kindTestData
)

// kindInfo describes how one kind of file is recognized and checked.
type kindInfo struct {
	// rootKey is the one top-level key of the kind's YAML files.
	rootKey string
	// schemaFile is the embedded JSON Schema of the kind; empty for kinds
	// checked as YAML only.
	schemaFile string
	// place is the kind's location in the repository, for messages.
	place string
}

// info returns how files of kind k are recognized and checked.
func (k fileKind) info() kindInfo {
	switch k {
	case kindWorkflow:
		return kindInfo{rootKey: "workflow", schemaFile: workflowSchemaFile, place: "workflows/"}
	case kindAction:
		return kindInfo{rootKey: "action", schemaFile: actionSchemaFile, place: "actions/"}
	case kindConditions:
		return kindInfo{rootKey: "conditions", schemaFile: conditionsSchemaFile, place: "conditions files"}
	case kindApprovalChain:
		return kindInfo{rootKey: "approval_chain", schemaFile: approvalChainSchemaFile, place: "approval-chains/"}
	case kindApprovers:
		return kindInfo{rootKey: "groups", schemaFile: approversSchemaFile, place: "approvers.yaml"}
	case kindException:
		return kindInfo{place: "exceptions/"}
	case kindTestData:
		return kindInfo{place: "test-data/"}
	}
	return kindInfo{}
}

// classify returns the kind of a slash-separated repository path.
func classify(p string) fileKind {
	dir, base := path.Split(p)
	ext := path.Ext(base)
	yamlFile := ext == ".yaml" || ext == ".yml"
	switch {
	case strings.HasPrefix(p, "workflows/") && yamlFile:
		return kindWorkflow
	case dir == "actions/" && yamlFile:
		return kindAction
	case (p == "conditions.yaml" || p == "conditions.yml") || (dir == "conditions/" && yamlFile):
		return kindConditions
	case dir == "approval-chains/" && yamlFile:
		return kindApprovalChain
	case p == "approvers.yaml" || p == "approvers.yml":
		return kindApprovers
	case dir == "exceptions/" && yamlFile:
		return kindException
	case dir == "test-data/" && ext == ".json":
		return kindTestData
	}
	return kindNone
}

// kindByRootKey returns the kind whose YAML files have rootKey as their top
// level key.
func kindByRootKey(rootKey string) fileKind {
	for _, k := range []fileKind{kindWorkflow, kindAction, kindConditions, kindApprovalChain, kindApprovers} {
		if k.info().rootKey == rootKey {
			return k
		}
	}
	return kindNone
}

// isContextKind reports whether files of kind k change how workflows
// compile, so that a change to one of them recompiles every workflow.
func isContextKind(k fileKind) bool {
	switch k {
	case kindAction, kindConditions, kindApprovalChain, kindApprovers:
		return true
	}
	return false
}

// ReadDir reads the files of a policy repository that LoadRepository looks
// at, keyed by slash-separated path relative to root. It skips hidden
// directories such as .git and anything that is not a regular file, so a
// symbolic link cannot pull in a file from outside the repository. The
// problems are warnings about the symbolic links it skipped that would
// otherwise be policy files or folders: SymlinkProblem names each one.
func ReadDir(root string) (Files, Problems, error) {
	files := Files{}
	var problems Problems
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.Type()&fs.ModeSymlink != 0 {
			if isPolicyLink(rel, p) {
				problems = append(problems, SymlinkProblem(rel))
			}
			return nil
		}
		if !d.Type().IsRegular() || classify(rel) == kindNone {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[rel] = data
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read repository %s: %w", root, err)
	}
	return files, problems, nil
}

// SymlinkProblem is the warning for a symbolic link at a repository path
// where a policy file or folder would be loaded. Loading never follows a
// link, whether from a work tree or from a Git tree.
func SymlinkProblem(path string) Problem {
	return Problem{
		Pos:      Pos{File: path},
		Severity: SeverityWarning,
		Message:  "symbolic links are not followed; replace the link with the file or folder it points to",
	}
}

// layoutFolders are the folders of a policy repository that hold policy
// files.
var layoutFolders = []string{"workflows", "actions", "conditions", "approval-chains", "exceptions", "test-data"}

// isPolicyLink reports whether a symbolic link at rel (abs on disk) is in
// a place where policy files would be read. That is so when its path is a
// policy file's path, or when it points to a folder and is one of the
// layout folders or lies inside workflows/, which is read at any depth.
func isPolicyLink(rel, abs string) bool {
	if classify(rel) != kindNone {
		return true
	}
	if !isDir(abs) {
		return false
	}
	return strings.HasPrefix(rel, "workflows/") || slices.Contains(layoutFolders, rel)
}

// rootKeyNames lists the top-level keys that name a file kind, for
// messages.
func rootKeyNames() []string {
	return []string{"workflow", "action", "conditions", "approval_chain", "groups"}
}
