package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/policycortex/policycortex/actions"
	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// fakeClock is a settable clock for schedules, backoff and gate expiry.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// recorder is a loopback HTTP server that records requests and responds
// with the status its handler picks.
type recorder struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
	status   func(n int, path string) int
	delay    time.Duration
}

type recorded struct {
	Path string
	Key  string
	Body map[string]any
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	r := &recorder{status: func(int, string) int { return http.StatusOK }}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var parsed map[string]any
	_ = json.Unmarshal(body, &parsed)
	r.mu.Lock()
	r.requests = append(r.requests, recorded{Path: req.URL.Path, Key: req.Header.Get("Idempotency-Key"), Body: parsed})
	n := len(r.requests)
	r.mu.Unlock()
	if r.delay > 0 {
		select {
		case <-time.After(r.delay):
		case <-req.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.status(n, req.URL.Path))
	fmt.Fprintf(w, `{"n": %d}`, n)
}

func (r *recorder) Requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.requests...)
}

// harness is an engine on a real SQLite file with one activated snapshot.
type harness struct {
	t      *testing.T
	store  *store.Store
	engine *Engine
	clock  *fakeClock
	repo   *schema.Repository
	snap   int64
}

type harnessOptions struct {
	clock *fakeClock
	store *store.Store
}

// newHarness loads files as a policy repository, activates it in a fresh
// store and builds an engine on it.
func newHarness(t *testing.T, files schema.Files, opts harnessOptions) *harness {
	t.Helper()
	ctx := context.Background()
	st := opts.store
	if st == nil {
		var err error
		st, err = store.Open(ctx, filepath.Join(t.TempDir(), "engine.db"), store.Options{})
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		t.Cleanup(func() { st.Close() })
	}
	repo, problems := schema.LoadRepository(files, schema.LoadOptions{})
	if errs := problems.Errors(); len(errs) > 0 {
		t.Fatalf("load repository:\n%v", errs)
	}
	var records []store.WorkflowRecord
	for _, wf := range repo.Workflows {
		records = append(records, store.WorkflowRecord{Name: wf.Name, Version: wf.Version, File: wf.File, Digest: wf.Digest})
	}
	snap, err := st.Activate(ctx, store.Activation{Commit: "c0ffee", Branch: "main", Files: files, Workflows: records, At: time.Now()})
	if err != nil {
		t.Fatalf("activate: %v", err)
	}
	cfg := Config{
		Store:        st,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Owner:        "test-node",
		PollInterval: 20 * time.Millisecond,
		Connectors:   actions.Connectors{},
	}
	if opts.clock != nil {
		cfg.Now = opts.clock.Now
	}
	eng, err := New(cfg)
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	eng.Activate(ctx, snap, "c0ffee", repo)
	return &harness{t: t, store: st, engine: eng, clock: opts.clock, repo: repo, snap: snap}
}

// start runs the engine until the test ends.
func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := h.engine.Run(ctx); err != nil {
			h.t.Errorf("engine run: %v", err)
		}
	}()
	h.t.Cleanup(func() {
		cancel()
		<-done
	})
}

// submit posts an event and returns the ids of the runs it started.
func (h *harness) submit(event string) []string {
	h.t.Helper()
	res, err := h.engine.Submit(context.Background(), []byte(event))
	if err != nil {
		h.t.Fatalf("submit: %v", err)
	}
	return res.RunIDs
}

// waitRun polls until the run reaches a state satisfying done, or fails the
// test after 10 seconds.
func (h *harness) waitRun(id string, done func(*store.Run) bool) *store.Run {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		run, err := h.store.GetRun(context.Background(), id)
		if err != nil {
			h.t.Fatalf("get run %s: %v", id, err)
		}
		if done(run) {
			return run
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("run %s still %s after 10s: %+v", id, run.Status, run)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func final(r *store.Run) bool { return r.Status.Final() }

func event(id, typ, data string) string {
	return fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"test","type":%q,"data":%s}`, id, typ, data)
}
