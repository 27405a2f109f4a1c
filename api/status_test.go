package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policycortex/policycortex/api"
	"github.com/policycortex/policycortex/store"
)

func TestStatus(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	rejection := store.Rejection{
		Commit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
		Branch: "main",
		At:     time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		Problems: []store.ProblemRecord{
			{File: "workflows/bad.yaml", Line: 3, Col: 5, Message: `unknown key "stpes"`},
		},
	}
	if err := s.store.RecordRejection(context.Background(), rejection); err != nil {
		t.Fatalf("record rejection: %v", err)
	}
	if resp := s.do(http.MethodPost, "/v1/events", violationEvent("evt-status", "HIGH")); resp.status != http.StatusAccepted {
		t.Fatalf("post event: status %d, body %s", resp.status, resp.body)
	}

	resp := s.do(http.MethodGet, "/v1/status", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d, body %s", resp.status, resp.body)
	}
	var status api.StatusResponse
	resp.decode(t, &status)
	if status.Active == nil {
		t.Fatal("active = nil, want the activated commit")
	}
	if status.Active.Commit != s.commit {
		t.Errorf("active commit = %q, want %q", status.Active.Commit, s.commit)
	}
	if status.Active.Workflows != 1 {
		t.Errorf("active workflows = %d, want 1", status.Active.Workflows)
	}
	if status.LastRejection == nil {
		t.Fatal("last rejection = nil")
	}
	if status.LastRejection.Commit != rejection.Commit {
		t.Errorf("last rejection commit = %q, want %q", status.LastRejection.Commit, rejection.Commit)
	}
	if status.LastRejection.Superseded {
		t.Error("last rejection superseded = true, but nothing was activated after it")
	}
	if len(status.LastRejection.Problems) != 1 || status.LastRejection.Problems[0] != rejection.Problems[0] {
		t.Errorf("problems = %+v, want %+v", status.LastRejection.Problems, rejection.Problems)
	}
	if len(status.History) != 2 {
		t.Errorf("history = %d records, want 2 (activation, rejection)", len(status.History))
	}
	if !strings.Contains(status.Reconciler.Repo, "policy") {
		t.Errorf("reconciler repo = %q, want the test repository", status.Reconciler.Repo)
	}
	if status.Reconciler.Head != s.commit {
		t.Errorf("reconciler head = %q, want %q", status.Reconciler.Head, s.commit)
	}
	if status.Runs[store.RunPending] != 1 {
		t.Errorf("runs = %v, want 1 pending", status.Runs)
	}
}

func TestProbes(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{notReady: true})
	if resp := s.do(http.MethodGet, "/healthz", nil); resp.status != http.StatusOK {
		t.Errorf("healthz status = %d, want 200", resp.status)
	}
	if resp := s.do(http.MethodGet, "/readyz", nil); resp.status != http.StatusServiceUnavailable {
		t.Errorf("readyz before ready = %d, want 503", resp.status)
	}
	s.server.SetReady(true)
	if resp := s.do(http.MethodGet, "/readyz", nil); resp.status != http.StatusOK {
		t.Errorf("readyz after ready = %d, want 200", resp.status)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	s.do(http.MethodPost, "/v1/events", violationEvent("evt-metrics", "HIGH"))
	resp := s.do(http.MethodGet, "/metrics", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d, body %s", resp.status, resp.body)
	}
	if !strings.Contains(string(resp.body), `policycortex_events_total{duplicate="false"} 1`) {
		t.Errorf("metrics do not count the event:\n%s", resp.body)
	}
}
