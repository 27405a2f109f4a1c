package schema

import (
	"fmt"
	"sort"

	"github.com/policycortex/policycortex/expr"
)

// DefaultMaxFileSize is the file size limit when LoadOptions.MaxFileSize is
// zero.
const DefaultMaxFileSize = 1 << 20

// LoadOptions tune LoadRepository.
type LoadOptions struct {
	// Env compiles expressions; nil means a new one (or the one Previous
	// was loaded with).
	Env *expr.Env
	// Previous is the result of an earlier load. Workflows whose bytes and
	// context (actions, named conditions, approval chains and approvers
	// files) did not change are reused instead of compiled again.
	Previous *Repository
	// MaxFileSize is the largest file, in bytes, that is parsed; a larger
	// one is a problem and is not read further. Zero means
	// DefaultMaxFileSize.
	MaxFileSize int64
}

// LoadRepository parses, validates and compiles the files of a policy
// repository. The problems are sorted and may include warnings. Any problem
// of error severity means the set must be rejected, and the Repository then
// holds only the parts that compiled. The Repository is nil only when the
// loader itself could not start.
func LoadRepository(files Files, opts LoadOptions) (*Repository, Problems) {
	l, err := newLoader(files, opts, nil)
	if err != nil {
		return nil, Problems{{Pos: Pos{File: "."}, Severity: SeverityError, Message: err.Error()}}
	}
	return l.load()
}

// loader holds the state of one LoadRepository call.
type loader struct {
	files   Files
	maxSize int64
	env     *expr.Env
	schemas *schemaSet
	// standalone maps paths judged by their root key rather than their
	// place in the repository layout, as for files given to Lint directly.
	standalone map[string]fileKind
	prev       *loadCache
}

// loadCache is the state a Repository keeps for the next load.
type loadCache struct {
	env           *expr.Env
	schemas       *schemaSet
	maxSize       int64
	contextDigest string
	context       *repoContext
	results       map[string]*fileResult
}

// fileResult is the outcome of checking one file that is not a context
// file.
type fileResult struct {
	kind     fileKind
	data     []byte
	problems Problems
	// workflow is the compiled workflow; nil when the file is not a
	// workflow or has errors.
	workflow *Workflow
	// name and namePos identify a workflow even when it has errors, for
	// the duplicate-name check.
	name    string
	namePos Pos
}

func newLoader(files Files, opts LoadOptions, standalone map[string]fileKind) (*loader, error) {
	l := &loader{files: files, maxSize: opts.MaxFileSize, env: opts.Env, standalone: standalone}
	if l.maxSize <= 0 {
		l.maxSize = DefaultMaxFileSize
	}
	if opts.Previous != nil && opts.Previous.cache != nil {
		l.prev = opts.Previous.cache
		l.schemas = l.prev.schemas
		if l.env == nil {
			l.env = l.prev.env
		}
	}
	if l.env == nil {
		env, err := expr.NewEnv()
		if err != nil {
			return nil, fmt.Errorf("create expression environment: %w", err)
		}
		l.env = env
	}
	if l.schemas == nil {
		set, err := newSchemaSet()
		if err != nil {
			return nil, err
		}
		l.schemas = set
	}
	return l, nil
}

// kindOf returns the kind a path is judged as.
func (l *loader) kindOf(path string) fileKind {
	if k, ok := l.standalone[path]; ok {
		return k
	}
	return classify(path)
}

func (l *loader) load() (*Repository, Problems) {
	var contextPaths, otherPaths []string
	for path := range l.files {
		_, alone := l.standalone[path]
		switch k := l.kindOf(path); {
		case k == kindNone:
		case isContextKind(k) && !alone:
			contextPaths = append(contextPaths, path)
		default:
			otherPaths = append(otherPaths, path)
		}
	}
	sort.Strings(contextPaths)
	sort.Strings(otherPaths)

	digest := l.contextDigest(contextPaths)
	ctx, ctxReused := l.reuseContext(digest)
	if ctx == nil {
		ctx = l.buildContext(contextPaths)
	}

	results := make([]*fileResult, len(otherPaths))
	parallel(len(otherPaths), func(i int) {
		path := otherPaths[i]
		if r := l.reuseResult(path, ctxReused); r != nil {
			results[i] = r
			return
		}
		results[i] = l.checkFile(path, ctx)
	})

	cache := &loadCache{
		env: l.env, schemas: l.schemas, maxSize: l.maxSize,
		contextDigest: digest, context: ctx,
		results: make(map[string]*fileResult, len(otherPaths)),
	}
	for i, path := range otherPaths {
		cache.results[path] = results[i]
	}
	return l.assemble(ctx, cache, otherPaths, results)
}

// reuseContext returns the previous load's context when the context files
// and the size limit are unchanged.
func (l *loader) reuseContext(digest string) (*repoContext, bool) {
	if l.prev == nil || l.prev.contextDigest != digest || l.prev.maxSize != l.maxSize {
		return nil, false
	}
	return l.prev.context, true
}

// reuseResult returns the previous result for path when the file's bytes
// and everything it was judged against are unchanged.
func (l *loader) reuseResult(path string, ctxReused bool) *fileResult {
	if l.prev == nil {
		return nil
	}
	r, ok := l.prev.results[path]
	if !ok || r.kind != l.kindOf(path) || !sameBytes(r.data, l.files[path]) {
		return nil
	}
	if r.kind != kindException && r.kind != kindTestData && !ctxReused {
		return nil
	}
	if l.prev.maxSize != l.maxSize {
		return nil
	}
	return r
}

// checkFile checks one file that is not a context file.
func (l *loader) checkFile(path string, ctx *repoContext) *fileResult {
	data := l.files[path]
	kind := l.kindOf(path)
	r := &fileResult{kind: kind, data: data}
	switch kind {
	case kindWorkflow:
		l.compileWorkflowFile(r, path, ctx)
	case kindException:
		if p := l.checkSize(path, data); p != nil {
			r.problems = Problems{*p}
			break
		}
		_, r.problems = parseYAML(path, data)
	case kindTestData:
		r.problems = l.checkEvent(path, data)
	default:
		r.problems = l.checkStandalone(path, kind, ctx)
	}
	return r
}
