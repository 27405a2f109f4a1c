// Package api is the daemon's HTTP server: CloudEvents ingestion, read APIs
// for runs, workflows and reconcile status, Git push webhooks, health and
// readiness probes and Prometheus metrics. Every response body is JSON, and
// every error body is {"error": "..."}.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/policycortex/policycortex/engine"
	"github.com/policycortex/policycortex/reconciler"
	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// Engine is the part of the engine the server uses. *engine.Engine
// implements it.
type Engine interface {
	Submit(ctx context.Context, raw []byte) (engine.SubmitResult, error)
	Cancel(ctx context.Context, runID, reason string) error
	Active() (*schema.Repository, int64, string)
}

// Store is the part of the store the server reads. *store.Store implements
// it.
type Store interface {
	GetRun(ctx context.Context, id string) (*store.Run, error)
	ListRuns(ctx context.Context, f store.RunFilter) ([]*store.Run, error)
	CountRuns(ctx context.Context) (map[store.RunStatus]int, error)
	ActiveSnapshot(ctx context.Context) (*store.Snapshot, error)
	ReconcileHistory(ctx context.Context, limit int) ([]store.ReconcileRecord, error)
}

// Reconciler is the part of the reconciler the server uses.
// *reconciler.Reconciler implements it.
type Reconciler interface {
	Trigger()
	Status() reconciler.Status
}

// Config configures a Server. Engine, Store and Reconciler are required.
type Config struct {
	Engine     Engine
	Store      Store
	Reconciler Reconciler
	// Token, when not empty, is the bearer token that every request must
	// carry, except the probes /healthz and /readyz and the push webhook,
	// which is authenticated by its HMAC signature instead.
	Token string
	// WebhookSecret is the HMAC-SHA256 key of push webhooks. When empty,
	// POST /v1/webhooks/git responds 404.
	WebhookSecret []byte
	// Metrics serves /metrics; nil responds 404 there.
	Metrics http.Handler
	Logger  *slog.Logger
}

// Server routes and serves the HTTP API. It starts not ready: /readyz
// responds 503 and POST /v1/events is rejected until SetReady(true).
type Server struct {
	cfg     Config
	log     *slog.Logger
	ready   atomic.Bool
	mux     *http.ServeMux
	handler http.Handler
}

// New checks cfg and builds the routes.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Engine == nil:
		return nil, errors.New("new api server: Engine is nil")
	case cfg.Store == nil:
		return nil, errors.New("new api server: Store is nil")
	case cfg.Reconciler == nil:
		return nil, errors.New("new api server: Reconciler is nil")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	s.mux = s.routes()
	s.handler = s.accessLog(s.authenticate(s.mux))
	return s, nil
}

// Handler returns the root handler with authentication and access logging.
func (s *Server) Handler() http.Handler { return s.handler }

// SetReady marks the server ready to accept events, once the store is open
// and the active snapshot is restored.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events", s.handleSubmitEvent)
	mux.HandleFunc("GET /v1/runs", s.handleListRuns)
	mux.HandleFunc("GET /v1/runs/{id}", s.handleGetRun)
	mux.HandleFunc("POST /v1/runs/{id}/cancel", s.handleCancelRun)
	mux.HandleFunc("GET /v1/workflows", s.handleListWorkflows)
	mux.HandleFunc("GET /v1/workflows/{name}", s.handleGetWorkflow)
	mux.HandleFunc("GET /v1/status", s.handleStatus)
	mux.HandleFunc("POST /v1/webhooks/git", s.handleGitWebhook)
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /readyz", s.handleReady)
	mux.HandleFunc("GET /metrics", s.handleMetrics)
	mux.HandleFunc("/", s.handleNotFound)
	return mux
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleReady(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
		return
	}
	if repo, _, _ := s.cfg.Engine.Active(); repo == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "no active policy commit"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Metrics == nil {
		writeError(w, http.StatusNotFound, "metrics are not configured")
		return
	}
	s.cfg.Metrics.ServeHTTP(w, r)
}

// handleNotFound responds 405 when the path exists with another method, and
// 404 otherwise. It replaces the mux's plain-text responses so that every
// error body is JSON.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = method
		if _, pattern := s.mux.Handler(probe); pattern != "/" {
			allowed = append(allowed, method)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allowed, " or ")))
		return
	}
	writeError(w, http.StatusNotFound, "no route for "+r.Method+" "+r.URL.Path)
}
