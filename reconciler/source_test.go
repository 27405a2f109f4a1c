package reconciler

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestReconcilePathSubdirectory(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("policies/prod/workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	repo.write("policies/prod/approvers.yaml", "groups: {}\n")
	repo.write("policies/prod/README.md", "not a policy file\n")
	repo.write("policies/prod/.github/workflows/ci.yml", invalidYAML)
	repo.write("policies/prod/.pre-commit-config.yaml", invalidYAML)
	repo.write("workflows/outside.yaml", invalidYAML)
	repo.commit("Add policies under a subdirectory")
	h := newHarness(t, repo, func(cfg *Config) { cfg.Path = "./policies/prod/" })

	result := h.reconcile()

	if result.Outcome != OutcomeActivated {
		t.Fatalf("outcome = %q, want activated; problems: %v", result.Outcome, result.Problems)
	}
	files, err := h.store.SnapshotFiles(context.Background(), result.SnapshotID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	if want := []string{".pre-commit-config.yaml", "approvers.yaml", "workflows/a.yaml"}; !reflect.DeepEqual(names, want) {
		t.Errorf("snapshot files = %v, want %v", names, want)
	}
}

func TestReconcileMissingPolicyPath(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	repo.commit("Add alpha")
	h := newHarness(t, repo, func(cfg *Config) { cfg.Path = "policies" })

	_, err := h.rec.Reconcile(context.Background())

	if err == nil || !strings.Contains(err.Error(), `policy directory "policies": not found`) {
		t.Errorf("error = %v, want the missing policy directory named", err)
	}
}

func TestReconcileOtherBranch(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", invalidYAML)
	repo.commit("Add a broken workflow on main")
	repo.git("checkout", "-q", "-b", "policies/prod")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	head := repo.commit("Fix the workflow on the release branch")
	repo.git("checkout", "-q", "main")
	h := newHarness(t, repo, func(cfg *Config) { cfg.Branch = "policies/prod" })

	result := h.reconcile()

	checkResult(t, result, OutcomeActivated, head)
	if records := h.history(); records[0].Branch != "policies/prod" {
		t.Errorf("recorded branch = %q, want policies/prod", records[0].Branch)
	}
}

func TestReconcileMissingBranch(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	repo.commit("Add alpha")
	h := newHarness(t, repo, func(cfg *Config) { cfg.Branch = "release" })

	_, err := h.rec.Reconcile(context.Background())

	if err == nil || !strings.Contains(err.Error(), `branch "release": not found`) {
		t.Errorf("error = %v, want the missing branch named", err)
	}
	status := h.rec.Status()
	if status.LastFetchError != "" {
		t.Errorf("status fetch error = %q, want none", status.LastFetchError)
	}
	if status.LastError != err.Error() {
		t.Errorf("status error = %q, want %q", status.LastError, err)
	}
}

// TestReconcileWithoutGitBinary cannot run in parallel because it empties
// PATH for the whole process.
func TestReconcileWithoutGitBinary(t *testing.T) {
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	first := repo.commit("Add alpha")
	bare := filepath.Join(t.TempDir(), "bare.git")
	runGit(t, "", "clone", "-q", "--bare", repo.dir, bare)
	repo.write("workflows/b.yaml", workflowYAML("beta", "1.0", "production"))
	second := repo.commit("Add beta")
	t.Setenv("PATH", t.TempDir())
	tests := []struct {
		name string
		dir  string
		want string
	}{
		{"work tree", repo.dir, second},
		{"bare", bare, first},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, &gitRepo{t: t, dir: tt.dir}, nil)

			result, err := h.rec.Reconcile(context.Background())

			if err != nil {
				t.Fatalf("reconcile without git on PATH: %v", err)
			}
			checkResult(t, result, OutcomeActivated, tt.want)
		})
	}
}

func TestReconcileReadsOnlyChangedBlobs(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	for _, name := range []string{"a", "b", "c", "d"} {
		repo.write("workflows/"+name+".yaml", workflowYAML(name, "1.0", "production"))
	}
	repo.commit("Add four workflows")
	h := newHarness(t, repo, nil)
	h.reconcile()
	if h.rec.tree.reads != 4 {
		t.Errorf("first pass read %d blobs, want 4", h.rec.tree.reads)
	}

	repo.write("workflows/b.yaml", workflowYAML("b", "1.1", "production"))
	repo.commit("Bump b")
	result := h.reconcile()

	if result.Outcome != OutcomeActivated {
		t.Fatalf("outcome = %q, want activated", result.Outcome)
	}
	if h.rec.tree.reads != 1 {
		t.Errorf("one-file change read %d blobs, want 1", h.rec.tree.reads)
	}
	if n := len(h.rec.tree.blobs); n != 4 {
		t.Errorf("blob cache holds %d blobs, want the 4 of the head", n)
	}
}

func TestReconcileMaxFileSize(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	repo.write("workflows/big.yaml", workflowYAML("big", "1.0", strings.Repeat("x", 2000)))
	repo.commit("Add a large workflow")
	h := newHarness(t, repo, func(cfg *Config) { cfg.MaxFileSize = 1000 })

	result := h.reconcile()

	if result.Outcome != OutcomeRejected {
		t.Fatalf("outcome = %q, want rejected", result.Outcome)
	}
	problems := h.history()[0].Problems
	if len(problems) == 0 {
		t.Fatal("rejection has no problems")
	}
	if problems[0].File != "workflows/big.yaml" {
		t.Errorf("problem file = %q, want workflows/big.yaml", problems[0].File)
	}
	if !strings.Contains(problems[0].Message, "over the limit of 1000 bytes") {
		t.Errorf("problem message = %q, want the size limit", problems[0].Message)
	}
}

func TestNewUpdatesOriginURL(t *testing.T) {
	t.Parallel()
	first := newGitRepo(t, "main")
	first.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	first.commit("Add alpha")
	h := newHarness(t, first, nil)
	h.reconcile()
	second := newGitRepo(t, "main")
	second.write("workflows/b.yaml", workflowYAML("beta", "1.0", "production"))
	head := second.commit("Add beta")
	h.repo = second

	h.rec = h.newReconciler(nil)
	result := h.reconcile()

	checkResult(t, result, OutcomeActivated, head)
	cfg, err := h.rec.source.repo.Config()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"file://" + filepath.ToSlash(second.dir)}
	if urls := cfg.Remotes["origin"].URLs; !reflect.DeepEqual(urls, want) {
		t.Errorf("origin URLs = %v, want %v", urls, want)
	}
}

func TestReconcileHTTPSCredentials(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var users, passwords []string
	server := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, password, _ := r.BasicAuth()
		mu.Lock()
		users = append(users, user)
		passwords = append(passwords, password)
		mu.Unlock()
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	defer server.Close()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw})
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	repoURL := strings.Replace(server.URL, "https://", "https://deploy:url-secret@", 1) + "/policy.git"
	rec, err := New(Config{
		Repo:      repoURL,
		DataDir:   t.TempDir(),
		Store:     openStore(t, filepath.Join(t.TempDir(), "state.db")),
		TokenFile: tokenFile,
		CAFile:    caFile,
		Logger:    discardLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}

	_, err = rec.Reconcile(context.Background())

	if err == nil {
		t.Fatal("reconcile against a failing server succeeded")
	}
	status := rec.Status()
	for _, text := range []string{err.Error(), status.Repo, status.LastFetchError} {
		for _, secret := range []string{"url-secret", "file-token"} {
			if strings.Contains(text, secret) {
				t.Errorf("text shows the credential %s: %q", secret, text)
			}
		}
	}
	if want := server.URL + "/policy.git"; status.Repo != want {
		t.Errorf("status repo = %q, want %q", status.Repo, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(users) == 0 {
		t.Fatal("server saw no request")
	}
	if users[0] != "deploy" {
		t.Errorf("basic auth user = %q, want the URL's user deploy", users[0])
	}
	if passwords[0] != "file-token" {
		t.Errorf("basic auth password = %q, want the token file's token", passwords[0])
	}
}

func TestReconcileDeletedBranch(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	repo.commit("Add alpha")
	repo.git("branch", "release")
	h := newHarness(t, repo, func(cfg *Config) { cfg.Branch = "release" })
	first := h.reconcile()
	repo.git("branch", "-D", "release")

	_, err := h.rec.Reconcile(context.Background())

	if err == nil || !strings.Contains(err.Error(), `branch "release": not found`) {
		t.Errorf("error = %v, want the deleted branch reported", err)
	}
	if got := h.activeCommit(); got != first.Commit {
		t.Errorf("active commit = %s, want %s", got, first.Commit)
	}
}

func TestReconcileCanceledContext(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	repo.commit("Add alpha")
	h := newHarness(t, repo, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := h.rec.Reconcile(ctx)

	if err == nil {
		t.Fatal("reconcile with a canceled context succeeded")
	}
	if n := len(h.history()); n != 0 {
		t.Errorf("history has %d records, want 0", n)
	}
}
