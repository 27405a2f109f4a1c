package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// runTimeout bounds the wait for a run to settle. Runs in these tests call
// loopback services only and finish in well under a second when they work.
const runTimeout = 30 * time.Second

// run is the JSON form of a run in GET /v1/runs and GET /v1/runs/{id}.
type run struct {
	ID         string     `json:"id"`
	Workflow   string     `json:"workflow"`
	SnapshotID int64      `json:"snapshot_id"`
	Commit     string     `json:"commit"`
	Version    string     `json:"version"`
	EventSeq   int64      `json:"event_seq"`
	Status     string     `json:"status"`
	Error      string     `json:"error"`
	Steps      []runStep  `json:"steps"`
	Approvals  []approval `json:"approvals"`
}

// runStep is one step of a run.
type runStep struct {
	Index    int             `json:"index"`
	Name     string          `json:"name"`
	Status   string          `json:"status"`
	Attempts int             `json:"attempts"`
	Input    json.RawMessage `json:"input"`
	Output   json.RawMessage `json:"output"`
	Error    string          `json:"error"`
}

// approval is one approval stage of a run.
type approval struct {
	Name      string   `json:"name"`
	Approvers []string `json:"approvers"`
	Status    string   `json:"status"`
}

// step returns the step called name, failing the test when there is none.
func (r *run) step(t *testing.T, name string) runStep {
	t.Helper()
	for _, s := range r.Steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("run %s of %s has no step %q; steps: %+v", r.ID, r.Workflow, name, r.Steps)
	return runStep{}
}

// settled reports whether a run will not move without outside help: a final
// status or a wait for approval.
func settled(status string) bool {
	switch status {
	case "succeeded", "failed", "cancelled", "timed_out", "waiting_approval":
		return true
	}
	return false
}

// getRun fetches one run.
func getRun(t *testing.T, d *daemon, id string) *run {
	t.Helper()
	var r run
	getJSON(t, d, "/v1/runs/"+url.PathEscape(id), &r)
	return &r
}

// waitRun waits until a run has settled and returns it.
func waitRun(t *testing.T, d *daemon, id string) *run {
	t.Helper()
	var r run
	waitFor(t, runTimeout, func() error {
		r = run{}
		if err := tryGetJSON(d, "/v1/runs/"+url.PathEscape(id), &r); err != nil {
			return err
		}
		if !settled(r.Status) {
			return fmt.Errorf("run %s of %s is %s", id, r.Workflow, r.Status)
		}
		return nil
	})
	return &r
}

// wantRunStatus waits for a run to settle and requires status.
func wantRunStatus(t *testing.T, d *daemon, id, status string) *run {
	t.Helper()
	r := waitRun(t, d, id)
	if r.Status != status {
		t.Fatalf("run %s of %s: status %s, want %s; error %q; steps:\n%s", id, r.Workflow, r.Status, status, r.Error, describeSteps(r))
	}
	return r
}

func describeSteps(r *run) string {
	var b strings.Builder
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "  %s: %s (attempts %d) %s\n", s.Name, s.Status, s.Attempts, s.Error)
	}
	return b.String()
}

// listRuns returns the runs of GET /v1/runs with the given query, such as
// "workflow=x&limit=100".
func listRuns(t *testing.T, d *daemon, query string) []run {
	t.Helper()
	var body struct {
		Runs []run `json:"runs"`
	}
	getJSON(t, d, "/v1/runs?"+query, &body)
	return body.Runs
}

// submitOne posts an event that must be new and start exactly one run of
// workflow, and returns that run's id.
func submitOne(t *testing.T, d *daemon, event []byte, workflow string) string {
	t.Helper()
	status, res := postEvent(t, d, event)
	if status != 202 || res.Duplicate {
		t.Fatalf("POST /v1/events: status %d duplicate %v, want 202 and a new event", status, res.Duplicate)
	}
	if len(res.Runs) != 1 {
		t.Fatalf("POST /v1/events started runs %v, want one run of %s", res.Runs, workflow)
	}
	r := getRun(t, d, res.Runs[0])
	if r.Workflow != workflow {
		t.Fatalf("run %s is of workflow %s, want %s", r.ID, r.Workflow, workflow)
	}
	return r.ID
}
