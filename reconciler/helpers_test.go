package reconciler

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// gitEnv makes git commands independent of the user's configuration.
var gitEnv = []string{
	"GIT_AUTHOR_NAME=Policy Author",
	"GIT_AUTHOR_EMAIL=author@example.com",
	"GIT_COMMITTER_NAME=Policy Author",
	"GIT_COMMITTER_EMAIL=author@example.com",
	"GIT_CONFIG_GLOBAL=/dev/null",
	"GIT_CONFIG_NOSYSTEM=1",
}

// gitRepo is a policy repository with a work tree, driven by the git CLI.
type gitRepo struct {
	t   testing.TB
	dir string
}

func newGitRepo(t testing.TB, branch string) *gitRepo {
	t.Helper()
	repo := &gitRepo{t: t, dir: filepath.Join(t.TempDir(), "policy")}
	runGit(t, "", "-c", "init.defaultBranch="+branch, "init", "-q", repo.dir)
	return repo
}

func runGit(t testing.TB, dir string, args ...string) string {
	t.Helper()
	return runGitInput(t, dir, nil, args...)
}

func runGitInput(t testing.TB, dir string, stdin []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), gitEnv...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (g *gitRepo) git(args ...string) string {
	g.t.Helper()
	return runGit(g.t, g.dir, args...)
}

func (g *gitRepo) write(name, content string) {
	g.t.Helper()
	full := filepath.Join(g.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		g.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		g.t.Fatal(err)
	}
}

func (g *gitRepo) remove(name string) {
	g.t.Helper()
	if err := os.Remove(filepath.Join(g.dir, filepath.FromSlash(name))); err != nil {
		g.t.Fatal(err)
	}
}

// commit stages every change, commits it and returns the commit hash.
func (g *gitRepo) commit(message string) string {
	g.t.Helper()
	g.git("add", "-A")
	g.git("commit", "-q", "--allow-empty", "-m", message)
	return g.git("rev-parse", "HEAD")
}

// workflowYAML returns a valid workflow file in the policy format.
func workflowYAML(name, version, environment string) string {
	return fmt.Sprintf(`workflow:
  name: %q
  description: "Check %s resources"
  version: %q
  trigger:
    event: "policy.violation.created"
    conditions:
      - severity: ["HIGH", "CRITICAL"]
  steps:
    - name: "assess"
      type: "evaluation"
      conditions:
        - environment: %q
`, name, name, version, environment)
}

// invalidYAML is a workflow file whose YAML does not parse. The error is on
// line 3.
const invalidYAML = "workflow:\n  name: \"broken\"\n  version: [1.0\n"

func openStore(t testing.TB, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path, store.Options{Logger: discardLogger()})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func discardLogger() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}

// testClock is a manually advanced clock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// activation is one OnActivate call.
type activation struct {
	snapshotID int64
	commit     string
	workflows  int
}

// harness is a reconciler over a test repository and a real store.
type harness struct {
	t           testing.TB
	repo        *gitRepo
	store       *store.Store
	storePath   string
	dataDir     string
	clock       *testClock
	logs        *syncBuffer
	rec         *Reconciler
	mu          sync.Mutex
	activations []activation
}

func newHarness(t testing.TB, repo *gitRepo, edit func(*Config)) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{
		t:         t,
		repo:      repo,
		storePath: filepath.Join(dir, "state.db"),
		dataDir:   filepath.Join(dir, "data"),
		clock:     newTestClock(),
		logs:      &syncBuffer{},
	}
	h.store = openStore(t, h.storePath)
	h.rec = h.newReconciler(edit)
	return h
}

func (h *harness) newReconciler(edit func(*Config)) *Reconciler {
	h.t.Helper()
	cfg := Config{
		Repo:    h.repo.dir,
		DataDir: h.dataDir,
		Store:   h.store,
		Logger:  slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:     h.clock.Now,
		OnActivate: func(_ context.Context, id int64, commit string, repo *schema.Repository) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.activations = append(h.activations, activation{snapshotID: id, commit: commit, workflows: len(repo.Workflows)})
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	rec, err := New(cfg)
	if err != nil {
		h.t.Fatalf("new reconciler: %v", err)
	}
	return rec
}

func (h *harness) reconcile() Result {
	h.t.Helper()
	result, err := h.rec.Reconcile(context.Background())
	if err != nil {
		h.t.Fatalf("reconcile: %v", err)
	}
	return result
}

func (h *harness) activeCommit() string {
	h.t.Helper()
	snapshot, err := h.store.ActiveSnapshot(context.Background())
	if err != nil {
		h.t.Fatalf("active snapshot: %v", err)
	}
	return snapshot.Commit
}

func (h *harness) history() []store.ReconcileRecord {
	h.t.Helper()
	records, err := h.store.ReconcileHistory(context.Background(), 100)
	if err != nil {
		h.t.Fatalf("reconcile history: %v", err)
	}
	return records
}

func (h *harness) activationCalls() []activation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]activation(nil), h.activations...)
}

// syncBuffer is a bytes.Buffer safe for concurrent log writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// checkResult reports a result whose outcome or commit differs from the
// expected ones, and returns false then.
func checkResult(t testing.TB, result Result, outcome, commit string) bool {
	t.Helper()
	ok := true
	if result.Outcome != outcome {
		t.Errorf("outcome = %q, want %q; problems: %v", result.Outcome, outcome, result.Problems)
		ok = false
	}
	if result.Commit != commit {
		t.Errorf("commit = %s, want %s", result.Commit, commit)
		ok = false
	}
	return ok
}

// checkActivation reports an OnActivate call that differs from the
// expected one.
func checkActivation(t testing.TB, calls []activation, want activation) {
	t.Helper()
	if len(calls) != 1 {
		t.Fatalf("OnActivate called %d times, want once: %+v", len(calls), calls)
	}
	if calls[0].commit != want.commit {
		t.Errorf("OnActivate commit = %s, want %s", calls[0].commit, want.commit)
	}
	if calls[0].snapshotID != want.snapshotID {
		t.Errorf("OnActivate snapshot = %d, want %d", calls[0].snapshotID, want.snapshotID)
	}
	if calls[0].workflows != want.workflows {
		t.Errorf("OnActivate workflows = %d, want %d", calls[0].workflows, want.workflows)
	}
}
