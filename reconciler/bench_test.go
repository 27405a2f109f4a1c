package reconciler

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/store"
)

// benchWorkflows is the size of the generated benchmark repository,
// spread over 100 directories of 100 files.
const benchWorkflows = 10000

// fastImportCommit appends one git fast-import commit of files to buf. The
// commit continues the branch when parent is set.
func fastImportCommit(buf *bytes.Buffer, seq int, parent bool, files map[string]string) {
	message := fmt.Sprintf("Commit %d", seq)
	fmt.Fprintf(buf, "commit refs/heads/main\ncommitter Policy Author <author@example.com> %d +0000\n", 1700000000+seq)
	fmt.Fprintf(buf, "data %d\n%s\n", len(message), message)
	if parent {
		buf.WriteString("from refs/heads/main^0\n")
	}
	for name, content := range files {
		fmt.Fprintf(buf, "M 100644 inline %s\ndata %d\n%s\n", name, len(content), content)
	}
}

func benchPath(i int) string {
	return fmt.Sprintf("workflows/team-%02d/wf-%05d.yaml", i%100, i)
}

// newBenchRepo creates a bare repository whose main branch has one commit
// of benchWorkflows valid workflows.
func newBenchRepo(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "policy.git")
	runGit(b, "", "init", "-q", "--bare", dir)
	files := make(map[string]string, benchWorkflows)
	for i := range benchWorkflows {
		files[benchPath(i)] = workflowYAML(fmt.Sprintf("wf-%05d", i), "1.0", "production")
	}
	var buf bytes.Buffer
	fastImportCommit(&buf, 0, false, files)
	runGitInput(b, dir, buf.Bytes(), "fast-import", "--quiet")
	return dir
}

func newBenchEnv(b *testing.B) *expr.Env {
	b.Helper()
	env, err := expr.NewEnv()
	if err != nil {
		b.Fatal(err)
	}
	return env
}

// memoryStore keeps only the active snapshot, to measure the reconciler
// without the cost of writing snapshots to SQLite.
type memoryStore struct {
	snapshot *store.Snapshot
	files    map[string][]byte
	history  []store.ReconcileRecord
}

func (m *memoryStore) Activate(_ context.Context, a store.Activation) (int64, error) {
	id := int64(len(m.history) + 1)
	m.snapshot = &store.Snapshot{ID: id, Commit: a.Commit, Branch: a.Branch, ActivatedAt: a.At, Workflows: a.Workflows}
	m.files = a.Files
	m.history = append([]store.ReconcileRecord{{ID: id, Commit: a.Commit, Outcome: store.OutcomeActivated, SnapshotID: id}}, m.history...)
	return id, nil
}

func (m *memoryStore) RecordRejection(_ context.Context, r store.Rejection) error {
	id := int64(len(m.history) + 1)
	m.history = append([]store.ReconcileRecord{{ID: id, Commit: r.Commit, Outcome: store.OutcomeRejected}}, m.history...)
	return nil
}

func (m *memoryStore) ActiveSnapshot(context.Context) (*store.Snapshot, error) {
	if m.snapshot == nil {
		return nil, store.ErrNotFound
	}
	return m.snapshot, nil
}

func (m *memoryStore) SnapshotFiles(context.Context, int64) (map[string][]byte, error) {
	return m.files, nil
}

func (m *memoryStore) ReconcileHistory(_ context.Context, limit int) ([]store.ReconcileRecord, error) {
	return m.history[:min(limit, len(m.history))], nil
}

// benchStores are the stores the benchmarks run against.
var benchStores = []struct {
	name string
	open func(b *testing.B, dir string) Store
}{
	{"sqlite", func(b *testing.B, dir string) Store {
		st, err := store.Open(context.Background(), filepath.Join(dir, "state.db"), store.Options{Logger: discardLogger()})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}},
	{"memory", func(*testing.B, string) Store { return &memoryStore{} }},
}

func newBenchReconciler(b *testing.B, repoDir string, env *expr.Env, openStore func(*testing.B, string) Store) *Reconciler {
	b.Helper()
	dir := b.TempDir()
	st := openStore(b, dir)
	rec, err := New(Config{
		Repo:    repoDir,
		DataDir: filepath.Join(dir, "data"),
		Store:   st,
		Env:     env,
		Logger:  discardLogger(),
	})
	if err != nil {
		b.Fatal(err)
	}
	return rec
}

func reconcileActivated(b *testing.B, rec *Reconciler) Result {
	b.Helper()
	result, err := rec.Reconcile(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if result.Outcome != OutcomeActivated {
		b.Fatalf("outcome = %q, want activated; problems: %v", result.Outcome, result.Problems.Errors())
	}
	return result
}

// BenchmarkReconcile10k measures a first pass over a repository of 10,000
// workflows: a full fetch into an empty clone, reading every blob, compiling
// every workflow and storing the snapshot.
func BenchmarkReconcile10k(b *testing.B) {
	repoDir := newBenchRepo(b)
	env := newBenchEnv(b)
	for _, bs := range benchStores {
		b.Run(bs.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				rec := newBenchReconciler(b, repoDir, env, bs.open)
				b.StartTimer()
				result := reconcileActivated(b, rec)
				if len(result.Diff) != benchWorkflows {
					b.Fatalf("diff has %d entries, want %d", len(result.Diff), benchWorkflows)
				}
			}
		})
	}
}

// BenchmarkReconcileOneChange measures a pass after a commit that changes
// one workflow of 10,000: an incremental fetch, one blob read, one workflow
// compiled and a new snapshot stored. The commit itself is made outside the
// timer, and each iteration adds one commit to the history.
func BenchmarkReconcileOneChange(b *testing.B) {
	env := newBenchEnv(b)
	for _, bs := range benchStores {
		b.Run(bs.name, func(b *testing.B) {
			repoDir := newBenchRepo(b)
			rec := newBenchReconciler(b, repoDir, env, bs.open)
			reconcileActivated(b, rec)
			seq := 0
			for b.Loop() {
				b.StopTimer()
				seq++
				var buf bytes.Buffer
				fastImportCommit(&buf, seq, true, map[string]string{
					benchPath(42): workflowYAML("wf-00042", fmt.Sprintf("1.%d", seq), "production"),
				})
				runGitInput(b, repoDir, buf.Bytes(), "fast-import", "--quiet")
				b.StartTimer()
				result := reconcileActivated(b, rec)
				if len(result.Diff) != 1 || rec.tree.reads != 1 {
					b.Fatalf("diff = %+v after reading %d blobs, want one change and one blob", result.Diff, rec.tree.reads)
				}
			}
		})
	}
}
