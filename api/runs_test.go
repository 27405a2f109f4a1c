package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/policycortex/policycortex/api"
	"github.com/policycortex/policycortex/engine"
	"github.com/policycortex/policycortex/store"
)

func TestListRunsFilterValidation(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	tests := []struct {
		query string
		want  string
	}{
		{"status=broken", "invalid status"},
		{"status=FAILED", "invalid status"},
		{"limit=0", "invalid limit"},
		{"limit=-1", "invalid limit"},
		{"limit=abc", "invalid limit"},
		{fmt.Sprintf("limit=%d", api.MaxRunsLimit+1), "invalid limit"},
		{"since=yesterday", "invalid since"},
		{"since=2999-01-01T00:00:00Z", "invalid since"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp := s.do(http.MethodGet, "/v1/runs?"+tt.query, nil)
			if resp.status != http.StatusBadRequest {
				t.Fatalf("status = %d, body %s; want 400", resp.status, resp.body)
			}
			if msg := resp.errorMessage(t); !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
		})
	}
}

func TestListRunsFilters(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	for i := range 3 {
		resp := s.do(http.MethodPost, "/v1/events", violationEvent(fmt.Sprintf("evt-%d", i), "CRITICAL"))
		if resp.status != http.StatusAccepted {
			t.Fatalf("post event %d: status %d, body %s", i, resp.status, resp.body)
		}
	}
	tests := []struct {
		query string
		want  int
	}{
		{"", 3},
		{"limit=2", 2},
		{"workflow=violation-triage", 3},
		{"workflow=other", 0},
		{"status=pending", 3},
		{"status=failed", 0},
		{"since=2000-01-01T00:00:00Z", 3},
		{"since=2200-01-01T00:00:00Z", 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp := s.do(http.MethodGet, "/v1/runs?"+tt.query, nil)
			if resp.status != http.StatusOK {
				t.Fatalf("status = %d, body %s; want 200", resp.status, resp.body)
			}
			var list api.RunList
			resp.decode(t, &list)
			if list.Runs == nil {
				t.Fatalf("runs is null in %s, want a list", resp.body)
			}
			if len(list.Runs) != tt.want {
				t.Errorf("runs = %d, want %d", len(list.Runs), tt.want)
			}
		})
	}
}

func TestRoutesNotFound(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	tests := []struct {
		method string
		path   string
		want   int
	}{
		{http.MethodGet, "/v1/runs/0190c2a4-0000-7000-8000-000000000000", http.StatusNotFound},
		{http.MethodGet, "/v1/workflows/no-such-workflow", http.StatusNotFound},
		{http.MethodGet, "/v1/unknown", http.StatusNotFound},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodPost, "/v1/runs", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v1/events", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/v1/status", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp := s.do(tt.method, tt.path, nil)
			if resp.status != tt.want {
				t.Fatalf("status = %d, body %s; want %d", resp.status, resp.body, tt.want)
			}
			if ct := resp.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			resp.errorMessage(t)
		})
	}
}

func TestCancelRun(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	resp := s.do(http.MethodPost, "/v1/events", violationEvent("evt-cancel", "CRITICAL"))
	var submitted engine.SubmitResult
	resp.decode(t, &submitted)
	if len(submitted.RunIDs) != 1 {
		t.Fatalf("runs started = %v, want 1", submitted.RunIDs)
	}
	path := "/v1/runs/" + submitted.RunIDs[0] + "/cancel"

	resp = s.do(http.MethodPost, path, []byte(`{"reason": "false positive"}`))
	if resp.status != http.StatusOK {
		t.Fatalf("cancel status = %d, body %s; want 200", resp.status, resp.body)
	}
	var run store.Run
	resp.decode(t, &run)
	if run.Status != store.RunCancelled {
		t.Errorf("run status = %s, want cancelled", run.Status)
	}
	if run.Error != "cancelled: false positive" {
		t.Errorf("run error = %q, want the reason", run.Error)
	}

	cases := []struct {
		name string
		path string
		body []byte
		want int
	}{
		{"already cancelled", path, nil, http.StatusConflict},
		{"unknown run", "/v1/runs/no-such-run/cancel", nil, http.StatusNotFound},
		{"invalid body", path, []byte(`{"reason": `), http.StatusBadRequest},
	}
	for _, tc := range cases {
		if resp := s.do(http.MethodPost, tc.path, tc.body); resp.status != tc.want {
			t.Errorf("%s: status = %d, body %s; want %d", tc.name, resp.status, resp.body, tc.want)
		}
	}
}

func TestListRunsLeavesOutStepData(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	resp := s.do(http.MethodPost, "/v1/events", violationEvent("evt-io", "HIGH"))
	var submitted engine.SubmitResult
	resp.decode(t, &submitted)
	id := submitted.RunIDs[0]
	ctx := context.Background()
	if err := s.store.StartStep(ctx, store.StepStart{RunID: id, Index: 0, Attempt: 1, Input: []byte(`{"big":"input"}`)}); err != nil {
		t.Fatal(err)
	}
	next := 1
	finish := store.StepFinish{RunID: id, Index: 0, Status: store.StepSucceeded, Output: []byte(`{"big":"output"}`)}
	if err := s.store.FinishStep(ctx, finish, store.RunUpdate{RunID: id, NextStep: &next}); err != nil {
		t.Fatal(err)
	}

	list := s.do(http.MethodGet, "/v1/runs", nil)
	if strings.Contains(string(list.body), "big") {
		t.Errorf("listing holds step input or output:\n%s", list.body)
	}
	one := s.do(http.MethodGet, "/v1/runs/"+id, nil)
	for _, want := range []string{`"input"`, `"output"`} {
		if !strings.Contains(string(one.body), want) {
			t.Errorf("GET /v1/runs/%s lacks %s:\n%s", id, want, one.body)
		}
	}
}
