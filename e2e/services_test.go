package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// endpointNames are the connectors-file endpoints that the actions of
// example-repo name.
var endpointNames = []string{"cloud", "iam", "jira", "pagerduty", "mail", "compliance"}

// pagerDutyRoutingKey is the connectors-file secret that the pagerduty_alert
// action places in its request body.
const pagerDutyRoutingKey = "e2e-routing-key-5d1c"

// request is one request a fake service received.
type request struct {
	Method         string
	Path           string
	IdempotencyKey string
	Body           string
}

// fakeService is a loopback HTTP server standing in for a third-party API.
// It records every request and responds 200 with a small JSON body, or with
// "ok" as a Slack incoming webhook does. A path registered with blockFirst
// holds its first request open until release is called or the client goes
// away.
type fakeService struct {
	name string
	srv  *httptest.Server

	mu       sync.Mutex
	requests []request
	blocked  map[string]*blocker
	// failures maps a path to the status codes its next requests get, in
	// order, before it responds 200 again.
	failures map[string][]int
}

// blocker holds the first request to one path.
type blocker struct {
	arrived  chan struct{}
	release  chan struct{}
	once     sync.Once
	released sync.Once
	used     bool
}

func newFakeService(t *testing.T, name string) *fakeService {
	t.Helper()
	s := &fakeService{name: name, blocked: map[string]*blocker{}, failures: map[string][]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.releaseAll()
		s.srv.Close()
	})
	return s
}

// URL is the service's base URL.
func (s *fakeService) URL() string { return s.srv.URL }

func (s *fakeService) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, request{
		Method:         r.Method,
		Path:           r.URL.Path,
		IdempotencyKey: r.Header.Get("Idempotency-Key"),
		Body:           string(body),
	})
	b := s.blocked[r.URL.Path]
	first := b != nil && !b.used
	if first {
		b.used = true
	}
	failStatus := 0
	if queue := s.failures[r.URL.Path]; len(queue) > 0 {
		failStatus, s.failures[r.URL.Path] = queue[0], queue[1:]
	}
	s.mu.Unlock()

	if failStatus != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(failStatus)
		fmt.Fprintf(w, `{"error": "injected failure %d"}`, failStatus)
		return
	}

	if first {
		b.once.Do(func() { close(b.arrived) })
		select {
		case <-b.release:
		case <-r.Context().Done():
			return
		}
	}
	if s.name == "slack" {
		fmt.Fprint(w, "ok")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"ok": true, "service": %q, "path": %q}`, s.name, r.URL.Path)
}

// blockFirst makes the first request to path wait until release. It
// returns a channel closed when that request arrives.
func (s *fakeService) blockFirst(path string) (arrived <-chan struct{}, release func()) {
	b := &blocker{arrived: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	s.blocked[path] = b
	s.mu.Unlock()
	return b.arrived, func() { b.released.Do(func() { close(b.release) }) }
}

// failNext makes the next requests to path get the given status codes, one
// each, before the service responds 200 again.
func (s *fakeService) failNext(path string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[path] = append(s.failures[path], statuses...)
}

func (s *fakeService) releaseAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.blocked {
		b.released.Do(func() { close(b.release) })
	}
}

// received returns a copy of the requests so far.
func (s *fakeService) received() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.requests...)
}

// forRun returns the requests whose Idempotency-Key belongs to a run. The
// engine's key is "<run>/<step>/<attempt>".
func (s *fakeService) forRun(runID string) []request {
	var out []request
	for _, r := range s.received() {
		if strings.HasPrefix(r.IdempotencyKey, runID+"/") {
			out = append(out, r)
		}
	}
	return out
}

// services are the fake third-party APIs of one test, by endpoint name, plus
// "slack" for the Slack incoming webhook.
type services map[string]*fakeService

// newServices starts one fake service per endpoint name and one for Slack.
func newServices(t *testing.T) services {
	t.Helper()
	svcs := services{"slack": newFakeService(t, "slack")}
	for _, name := range endpointNames {
		svcs[name] = newFakeService(t, name)
	}
	return svcs
}

// writeConnectors writes a connectors file that binds every endpoint to its
// fake service and Slack to the fake webhook, and returns its path.
func (svcs services) writeConnectors(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "slack:\n  webhook_url: %q\nendpoints:\n", svcs["slack"].URL()+"/services/T000/B000/e2e")
	names := make([]string, 0, len(svcs))
	for name := range svcs {
		if name != "slack" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&b, "  %s:\n    base_url: %q\n    timeout: \"30s\"\n", name, svcs[name].URL())
		if name == "pagerduty" {
			fmt.Fprintf(&b, "    secrets:\n      routing_key: %q\n", pagerDutyRoutingKey)
		}
	}
	path := filepath.Join(t.TempDir(), "connectors.yaml")
	writeFile(t, path, b.String())
	return path
}

// total returns the number of requests all services received.
func (svcs services) total() int {
	n := 0
	for _, s := range svcs {
		n += len(s.received())
	}
	return n
}

// pathsForRun lists "service path" for every request of a run, sorted.
func (svcs services) pathsForRun(runID string) []string {
	var out []string
	for name, s := range svcs {
		for _, r := range s.forRun(runID) {
			out = append(out, name+" "+r.Path)
		}
	}
	sort.Strings(out)
	return out
}
