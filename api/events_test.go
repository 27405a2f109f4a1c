package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/policycortex/policycortex/engine"
	"github.com/policycortex/policycortex/store"
)

func TestSubmitEventStartsRun(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	resp := s.do(http.MethodPost, "/v1/events", violationEvent("evt-1", "CRITICAL"), "Content-Type", "application/cloudevents+json")
	if resp.status != http.StatusAccepted {
		t.Fatalf("status = %d, body %s; want 202", resp.status, resp.body)
	}
	var result engine.SubmitResult
	resp.decode(t, &result)
	if result.Seq <= 0 {
		t.Errorf("seq = %d, want > 0", result.Seq)
	}
	if result.Duplicate {
		t.Error("duplicate = true for a new event")
	}
	if len(result.RunIDs) != 1 {
		t.Fatalf("runs = %v, want one run", result.RunIDs)
	}

	runResp := s.do(http.MethodGet, "/v1/runs/"+result.RunIDs[0], nil)
	if runResp.status != http.StatusOK {
		t.Fatalf("GET run status = %d, body %s", runResp.status, runResp.body)
	}
	var run store.Run
	runResp.decode(t, &run)
	if run.Workflow != "violation-triage" {
		t.Errorf("run workflow = %q, want violation-triage", run.Workflow)
	}
	if run.Commit != s.commit {
		t.Errorf("run commit = %q, want %q", run.Commit, s.commit)
	}
	if run.Version != "3" {
		t.Errorf("run version = %q, want 3", run.Version)
	}
	if run.EventSeq != result.Seq {
		t.Errorf("run event seq = %d, want %d", run.EventSeq, result.Seq)
	}
	if len(run.Steps) != 1 || run.Steps[0].Name != "assess" {
		t.Errorf("run steps = %+v, want one step named assess", run.Steps)
	}
}

func TestSubmitEventWithoutMatchStartsNothing(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	resp := s.do(http.MethodPost, "/v1/events", violationEvent("evt-low", "LOW"))
	if resp.status != http.StatusAccepted {
		t.Fatalf("status = %d, body %s; want 202", resp.status, resp.body)
	}
	if !bytes.Contains(resp.body, []byte(`"runs": []`)) {
		t.Errorf("body %s: want an empty runs list, not null", resp.body)
	}
}

func TestSubmitEventDuplicate(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	event := violationEvent("evt-dup", "HIGH")
	first := s.do(http.MethodPost, "/v1/events", event)
	if first.status != http.StatusAccepted {
		t.Fatalf("first status = %d, body %s; want 202", first.status, first.body)
	}
	second := s.do(http.MethodPost, "/v1/events", event)
	if second.status != http.StatusOK {
		t.Fatalf("second status = %d, body %s; want 200", second.status, second.body)
	}
	var a, b engine.SubmitResult
	first.decode(t, &a)
	second.decode(t, &b)
	if !b.Duplicate {
		t.Error("second duplicate = false, want true")
	}
	if b.Seq != a.Seq {
		t.Errorf("second seq = %d, want the original %d", b.Seq, a.Seq)
	}
	if len(b.RunIDs) != 1 || len(a.RunIDs) != 1 || b.RunIDs[0] != a.RunIDs[0] {
		t.Errorf("second runs = %v, want the original %v", b.RunIDs, a.RunIDs)
	}
	list := s.do(http.MethodGet, "/v1/runs", nil)
	if n := bytes.Count(list.body, []byte(`"workflow": "violation-triage"`)); n != 1 {
		t.Errorf("runs listed = %d, want 1", n)
	}
}

func TestSubmitEventInvalid(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	tests := []struct {
		name string
		body string
		want string
	}{
		{"not json", `{"specversion":`, "not a JSON object"},
		{"json array", `[1, 2]`, "not a JSON object"},
		{"missing id", `{"specversion":"1.0","source":"/s","type":"t"}`, `"id"`},
		{"missing source", `{"specversion":"1.0","id":"1","type":"t"}`, `"source"`},
		{"missing type", `{"specversion":"1.0","id":"1","source":"/s"}`, `"type"`},
		{"wrong specversion", `{"specversion":"0.3","id":"1","source":"/s","type":"t"}`, "specversion"},
		{"bad time", `{"specversion":"1.0","id":"1","source":"/s","type":"t","time":"yesterday"}`, "time"},
		{"data not object", `{"specversion":"1.0","id":"1","source":"/s","type":"t","data":"text"}`, "data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.do(http.MethodPost, "/v1/events", []byte(tt.body))
			if resp.status != http.StatusBadRequest {
				t.Fatalf("status = %d, body %s; want 400", resp.status, resp.body)
			}
			if msg := resp.errorMessage(t); !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not mention %q", msg, tt.want)
			}
		})
	}
}

func TestSubmitEventTooLarge(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	padding := strings.Repeat("x", engine.MaxEventSize)
	body := `{"specversion":"1.0","id":"big","source":"/s","type":"t","data":{"pad":"` + padding + `"}}`
	resp := s.do(http.MethodPost, "/v1/events", []byte(body))
	if resp.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, body %.200s; want 413", resp.status, resp.body)
	}
	if msg := resp.errorMessage(t); !strings.Contains(msg, "limit") {
		t.Errorf("error %q does not name the limit", msg)
	}
}

func TestSubmitEventUnsupportedMode(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	tests := []struct {
		name    string
		headers []string
	}{
		{"binary mode", []string{"Ce-Specversion", "1.0", "Content-Type", "application/json"}},
		{"batch mode", []string{"Content-Type", "application/cloudevents-batch+json"}},
		{"plain text", []string{"Content-Type", "text/plain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.do(http.MethodPost, "/v1/events", violationEvent("evt-mode", "HIGH"), tt.headers...)
			if resp.status != http.StatusUnsupportedMediaType {
				t.Fatalf("status = %d, body %s; want 415", resp.status, resp.body)
			}
			resp.errorMessage(t)
		})
	}
}

func TestSubmitEventBeforeReady(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{notReady: true})
	resp := s.do(http.MethodPost, "/v1/events", violationEvent("evt-early", "HIGH"))
	if resp.status != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, body %s; want 503", resp.status, resp.body)
	}
	if resp.header.Get("Retry-After") == "" {
		t.Error("503 response has no Retry-After header")
	}
	s.server.SetReady(true)
	resp = s.do(http.MethodPost, "/v1/events", violationEvent("evt-early", "HIGH"))
	if resp.status != http.StatusAccepted {
		t.Fatalf("status after ready = %d, body %s; want 202", resp.status, resp.body)
	}
}
