package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/policycortex/policycortex/api"
	"github.com/policycortex/policycortex/engine"
	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/reconciler"
	"github.com/policycortex/policycortex/store"
)

// triageWorkflow starts a run for CRITICAL and HIGH policy violations. Its
// only step is an evaluation step, so it needs no connector.
const triageWorkflow = `workflow:
  name: "violation-triage"
  description: "Triage severe policy violations"
  version: "3"
  trigger:
    event: "policy.violation.created"
    conditions:
      - severity: ["HIGH", "CRITICAL"]
  steps:
    - name: "assess"
      type: "evaluation"
      conditions:
        - environment: "production"
`

// testServer is the API served over loopback HTTP in front of a real store,
// engine and reconciler. The reconciler has activated one commit of a Git
// repository holding triageWorkflow.
type testServer struct {
	t        *testing.T
	server   *api.Server
	http     *httptest.Server
	store    *store.Store
	commit   string
	triggers *atomic.Int64
}

// serverOptions configure newTestServer.
type serverOptions struct {
	token         string
	webhookSecret string
	notReady      bool
}

// countingReconciler counts Trigger calls before passing them on.
type countingReconciler struct {
	*reconciler.Reconciler
	triggers *atomic.Int64
}

func (c countingReconciler) Trigger() {
	c.triggers.Add(1)
	c.Reconciler.Trigger()
}

func newTestServer(t *testing.T, opts serverOptions) *testServer {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "policycortex.db"), store.Options{Logger: logger})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })

	env, err := expr.NewEnv()
	if err != nil {
		t.Fatalf("new expression env: %v", err)
	}
	registry := prometheus.NewRegistry()
	eng, err := engine.New(engine.Config{Store: st, Env: env, Logger: logger, Metrics: engine.NewMetrics(registry)})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	rec, commit := activatedReconciler(t, st, env, eng, logger)
	triggers := &atomic.Int64{}
	server, err := api.New(api.Config{
		Engine:        eng,
		Store:         st,
		Reconciler:    countingReconciler{Reconciler: rec, triggers: triggers},
		Token:         opts.token,
		WebhookSecret: []byte(opts.webhookSecret),
		Metrics:       promhttp.HandlerFor(registry, promhttp.HandlerOpts{}),
		Logger:        logger,
	})
	if err != nil {
		t.Fatalf("new api server: %v", err)
	}
	server.SetReady(!opts.notReady)
	ts := httptest.NewServer(server.Handler())
	t.Cleanup(ts.Close)
	return &testServer{t: t, server: server, http: ts, store: st, commit: commit, triggers: triggers}
}

// activatedReconciler commits triageWorkflow to a new Git repository and
// reconciles it once, which activates it in the store and the engine.
func activatedReconciler(t *testing.T, st *store.Store, env *expr.Env, eng *engine.Engine, logger *slog.Logger) (*reconciler.Reconciler, string) {
	t.Helper()
	repoDir := filepath.Join(t.TempDir(), "policy")
	runGit(t, "", "-c", "init.defaultBranch=main", "init", "-q", repoDir)
	writeFile(t, filepath.Join(repoDir, "workflows", "triage.yaml"), triageWorkflow)
	runGit(t, repoDir, "add", "-A")
	runGit(t, repoDir, "commit", "-q", "-m", "Add triage workflow")
	commit := runGit(t, repoDir, "rev-parse", "HEAD")

	rec, err := reconciler.New(reconciler.Config{
		Repo:       repoDir,
		DataDir:    t.TempDir(),
		Store:      st,
		Env:        env,
		Logger:     logger,
		OnActivate: eng.Activate,
	})
	if err != nil {
		t.Fatalf("new reconciler: %v", err)
	}
	result, err := rec.Reconcile(context.Background())
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if result.Outcome != reconciler.OutcomeActivated {
		t.Fatalf("reconcile outcome = %s, problems %v; want activated", result.Outcome, result.Problems)
	}
	return rec, commit
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Policy Author", "GIT_AUTHOR_EMAIL=author@example.com",
		"GIT_COMMITTER_NAME=Policy Author", "GIT_COMMITTER_EMAIL=author@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// violationEvent returns a CloudEvent that starts a triage run when
// severity is HIGH or CRITICAL.
func violationEvent(id, severity string) []byte {
	return []byte(`{"specversion":"1.0","id":"` + id + `","source":"/scanner/aws","type":"policy.violation.created",` +
		`"time":"2025-03-01T10:00:00Z","data":{"severity":"` + severity + `","environment":"production"}}`)
}

// response is a received HTTP response with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with optional headers (name, value pairs).
func (s *testServer) do(method, path string, body []byte, headers ...string) response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.http.URL+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatalf("new request: %v", err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.http.Client().Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("read body of %s %s: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// decode unmarshals the response body into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorMessage returns the "error" member of an error body.
func (r response) errorMessage(t *testing.T) string {
	t.Helper()
	var e api.ErrorResponse
	r.decode(t, &e)
	if e.Error == "" {
		t.Fatalf("error body %s has no error message", r.body)
	}
	return e.Error
}
