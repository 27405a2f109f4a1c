package api_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/policycortex/policycortex/api"
)

func TestListWorkflows(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	resp := s.do(http.MethodGet, "/v1/workflows", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d, body %s", resp.status, resp.body)
	}
	var list api.WorkflowList
	resp.decode(t, &list)
	if list.Commit != s.commit {
		t.Errorf("commit = %q, want %q", list.Commit, s.commit)
	}

	if list.SnapshotID == 0 {
		t.Error("snapshot id = 0")
	}
	if len(list.Workflows) != 1 {
		t.Fatalf("workflows = %+v, want one", list.Workflows)
	}
	wf := list.Workflows[0]
	if wf.Name != "violation-triage" {
		t.Errorf("name = %q, want violation-triage", wf.Name)
	}
	if wf.Version != "3" {
		t.Errorf("version = %q, want 3", wf.Version)
	}
	if wf.File != "workflows/triage.yaml" {
		t.Errorf("file = %q, want workflows/triage.yaml", wf.File)
	}
	if len(wf.Digest) != 64 {
		t.Errorf("digest = %q, want 64 hex digits", wf.Digest)
	}
	if wf.Trigger.Event != "policy.violation.created" {
		t.Errorf("trigger event = %q", wf.Trigger.Event)
	}
	if wf.StepCount != 1 {
		t.Errorf("step count = %d, want 1", wf.StepCount)
	}
}

func TestGetWorkflow(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	resp := s.do(http.MethodGet, "/v1/workflows/violation-triage", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d, body %s", resp.status, resp.body)
	}
	var wf api.WorkflowDetail
	resp.decode(t, &wf)
	if wf.Commit != s.commit {
		t.Errorf("commit = %q, want %q", wf.Commit, s.commit)
	}
	wantMatch := api.MatchView{Key: "severity", Values: []any{"HIGH", "CRITICAL"}, AnyOf: true}
	if len(wf.Trigger.Conditions) != 1 || !reflect.DeepEqual(wf.Trigger.Conditions[0], wantMatch) {
		t.Errorf("trigger conditions = %+v, want [%+v]", wf.Trigger.Conditions, wantMatch)
	}
	if len(wf.Steps) != 1 {
		t.Fatalf("steps = %+v, want one", wf.Steps)
	}
	step := wf.Steps[0]
	if step.Name != "assess" {
		t.Errorf("step name = %q, want assess", step.Name)
	}
	if step.Type != "evaluation" {
		t.Errorf("step type = %q, want evaluation", step.Type)
	}
	if len(step.Matches) != 1 || step.Matches[0].Key != "environment" {
		t.Errorf("step matches = %+v, want environment", step.Matches)
	}
}
