package reconciler

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"github.com/policycortex/policycortex/schema"
)

// policyExtensions are the file name extensions loaded from the policy tree.
// approvers.yaml is included by its extension.
var policyExtensions = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// treeLoader reads the policy files of a commit straight from the object
// store, never from a work tree. It keeps the contents of the previous
// pass's blobs by hash, so an unchanged file is not read again.
type treeLoader struct {
	objects     storer.EncodedObjectStorer
	root        string
	maxFileSize int64
	blobs       map[plumbing.Hash][]byte
	// reads counts the blobs read from the object store by the last load.
	reads int
}

// newTreeLoader returns a loader for the policy files under root. A
// maxFileSize of zero means schema.DefaultMaxFileSize.
func newTreeLoader(objects storer.EncodedObjectStorer, root string, maxFileSize int64) *treeLoader {
	if maxFileSize <= 0 {
		maxFileSize = schema.DefaultMaxFileSize
	}
	return &treeLoader{
		objects:     objects,
		root:        root,
		maxFileSize: maxFileSize,
		blobs:       map[plumbing.Hash][]byte{},
	}
}

// load returns the policy files of commit, keyed by path relative to the
// policy root. Files over the size limit are left out unread and reported as
// error problems, also those that schema would ignore, such as a large JSON
// file outside test-data/. The blob cache is replaced by the blobs of this
// commit.
func (l *treeLoader) load(commit *object.Commit) (schema.Files, schema.Problems, error) {
	tree, err := l.policyTree(commit)
	if err != nil {
		return nil, nil, err
	}
	walk := treeWalk{loader: l, files: schema.Files{}, blobs: map[plumbing.Hash][]byte{}}
	if err := walk.visit(tree, ""); err != nil {
		return nil, nil, fmt.Errorf("read tree of commit %s: %w", commit.Hash, err)
	}
	l.blobs = walk.blobs
	l.reads = walk.reads
	return walk.files, walk.problems, nil
}

// seed adds files to the blob cache, keyed by their Git blob hash.
func (l *treeLoader) seed(files map[string][]byte) {
	for _, content := range files {
		l.blobs[plumbing.ComputeHash(plumbing.BlobObject, content)] = content
	}
}

func (l *treeLoader) policyTree(commit *object.Commit) (*object.Tree, error) {
	tree, err := object.GetTree(l.objects, commit.TreeHash)
	if err != nil {
		return nil, fmt.Errorf("read tree of commit %s: %w", commit.Hash, err)
	}
	if l.root == "" {
		return tree, nil
	}
	sub, err := tree.Tree(l.root)
	if errors.Is(err, object.ErrDirectoryNotFound) {
		return nil, fmt.Errorf("read policy directory %q: not found in commit %s", l.root, commit.Hash)
	}
	if err != nil {
		return nil, fmt.Errorf("read policy directory %q in commit %s: %w", l.root, commit.Hash, err)
	}
	return sub, nil
}

// treeWalk collects the policy files of one tree.
type treeWalk struct {
	loader   *treeLoader
	files    schema.Files
	blobs    map[plumbing.Hash][]byte
	problems schema.Problems
	reads    int
}

// visit adds the policy files under tree, whose path relative to the policy
// root is dir. Like schema.ReadDir, it skips hidden directories (such as
// .github), symbolic links and submodules, and warns about each symbolic
// link with a policy file extension.
func (w *treeWalk) visit(tree *object.Tree, dir string) error {
	for _, entry := range tree.Entries {
		name := path.Join(dir, entry.Name)
		switch entry.Mode {
		case filemode.Dir:
			if strings.HasPrefix(entry.Name, ".") {
				continue
			}
			sub, err := object.GetTree(w.loader.objects, entry.Hash)
			if err != nil {
				return fmt.Errorf("read directory %s: %w", name, err)
			}
			if err := w.visit(sub, name); err != nil {
				return err
			}
		case filemode.Regular, filemode.Executable:
			if !policyExtensions[path.Ext(entry.Name)] {
				continue
			}
			if err := w.addBlob(name, entry.Hash); err != nil {
				return err
			}
		case filemode.Symlink:
			if policyExtensions[path.Ext(entry.Name)] {
				w.problems = append(w.problems, schema.SymlinkProblem(name))
			}
		}
	}
	return nil
}

func (w *treeWalk) addBlob(name string, hash plumbing.Hash) error {
	if content, ok := w.blobs[hash]; ok {
		w.files[name] = content
		return nil
	}
	if content, ok := w.loader.blobs[hash]; ok {
		w.files[name] = content
		w.blobs[hash] = content
		return nil
	}
	content, ok, err := w.readBlob(name, hash)
	if err != nil || !ok {
		return err
	}
	w.files[name] = content
	w.blobs[hash] = content
	return nil
}

// readBlob returns the blob's content. It returns false, with a problem
// recorded, when the blob is larger than the size limit.
func (w *treeWalk) readBlob(name string, hash plumbing.Hash) ([]byte, bool, error) {
	blob, err := object.GetBlob(w.loader.objects, hash)
	if err != nil {
		return nil, false, fmt.Errorf("read file %s: %w", name, err)
	}
	if limit := w.loader.maxFileSize; blob.Size > limit {
		w.problems = append(w.problems, schema.Problem{
			Pos:      schema.Pos{File: name, Line: 1, Col: 1},
			Severity: schema.SeverityError,
			Message:  fmt.Sprintf("file is %d bytes, over the limit of %d bytes; it was not read", blob.Size, limit),
		})
		return nil, false, nil
	}
	w.reads++
	reader, err := blob.Reader()
	if err != nil {
		return nil, false, fmt.Errorf("read file %s: %w", name, err)
	}
	defer reader.Close()
	content, err := io.ReadAll(reader)
	if err != nil {
		return nil, false, fmt.Errorf("read file %s: %w", name, err)
	}
	return content, true, nil
}
