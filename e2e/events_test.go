package e2e

import (
	"net/http"
	"strings"
	"testing"
)

func TestDuplicateEventStartsOneRun(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, git(t, repo, "rev-parse", "HEAD"))
	event := readTestEvent(t, "critical-security-violation.json")

	status, first := postEvent(t, d, event)
	if status != http.StatusAccepted || first.Duplicate || len(first.Runs) != 1 {
		t.Fatalf("first POST: status %d %+v, want 202 with one new run", status, first)
	}
	status, second := postEvent(t, d, event)
	if status != http.StatusOK {
		t.Errorf("second POST: status %d, want 200", status)
	}
	if !second.Duplicate {
		t.Errorf("second POST: duplicate = false, want true")
	}
	if second.Seq != first.Seq {
		t.Errorf("second POST: seq %d, want the original %d", second.Seq, first.Seq)
	}
	if strings.Join(second.Runs, ",") != strings.Join(first.Runs, ",") {
		t.Errorf("second POST: runs %v, want the original %v", second.Runs, first.Runs)
	}

	wantRunStatus(t, d, first.Runs[0], "succeeded")
	runs := listRuns(t, d, "workflow=critical-security-incident-response&limit=100")
	if len(runs) != 1 {
		t.Errorf("runs of critical-security-incident-response: %d, want 1", len(runs))
	}
	if got := len(svcs["jira"].received()); got != 1 {
		t.Errorf("Jira received %d incident requests, want 1", got)
	}

	// The same id from another source is another event.
	other := strings.Replace(string(event), `"scanner.aws/123456789012"`, `"scanner.aws/210987654321"`, 1)
	status, third := postEvent(t, d, []byte(other))
	if status != http.StatusAccepted || third.Duplicate || len(third.Runs) != 1 {
		t.Errorf("same id from another source: status %d %+v, want 202 with one new run", status, third)
	}
}

func TestInvalidEventRejected(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, git(t, repo, "rev-parse", "HEAD"))

	cases := []struct {
		name string
		body string
		want int
		// mention is a word the error must contain.
		mention string
	}{
		{"not json", `{"specversion": "1.0",`, http.StatusBadRequest, "JSON"},
		{"missing id", `{"specversion": "1.0", "source": "e2e", "type": "e2e.test"}`, http.StatusBadRequest, "id"},
		{"wrong specversion", `{"specversion": "0.3", "id": "1", "source": "e2e", "type": "e2e.test"}`, http.StatusBadRequest, "specversion"},
		{"too large", `{"specversion": "1.0", "id": "big", "source": "e2e", "type": "e2e.test", "data": {"pad": "` +
			strings.Repeat("x", 2<<20) + `"}}`, http.StatusRequestEntityTooLarge, "limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body, err := d.do(http.MethodPost, "/v1/events", []byte(tc.body))
			if err != nil {
				t.Fatalf("POST /v1/events: %v", err)
			}
			if status != tc.want {
				t.Errorf("status %d, want %d; body %s", status, tc.want, body)
			}
			if !strings.Contains(string(body), `"error"`) || !strings.Contains(string(body), tc.mention) {
				t.Errorf("error body %s does not mention %q", body, tc.mention)
			}
		})
	}
	if st := getStatus(t, d); len(st.Runs) != 0 {
		t.Errorf("invalid events started runs: %v", st.Runs)
	}
}

// typoWorkflow passes a misspelt event path to an action parameter.
const typoWorkflow = `workflow:
  name: "typo-in-template"
  version: "1.0"
  trigger:
    event: "e2e.typo"
  steps:
    - name: "disable_public_access"
      action: "aws_s3_disable_public_access"
      parameters:
        bucket_name: "{{ violation.resource.nme }}"
`

func TestMissingTemplateFieldFailsRun(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	head := gitCommit(t, repo, "Add a workflow with a misspelt template path", map[string]string{
		"workflows/typo-in-template.yaml": typoWorkflow,
	})
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, head)

	event := cloudEvent(t, "e2e/tests", "typo-1", "e2e.typo", map[string]any{
		"violation": map[string]any{"resource": map[string]any{"name": "acme-build-artifacts"}},
	})
	id := submitOne(t, d, event, "typo-in-template")
	r := wantRunStatus(t, d, id, "failed")

	if !strings.Contains(r.Error, "violation.resource.nme") {
		t.Errorf("run error %q does not name the missing path violation.resource.nme", r.Error)
	}
	step := r.step(t, "disable_public_access")
	if step.Status != "failed" {
		t.Errorf("step status %s, want failed", step.Status)
	}
	if !strings.Contains(step.Error, "violation.resource.nme") {
		t.Errorf("step error %q does not name the missing path violation.resource.nme", step.Error)
	}
	if got := svcs.pathsForRun(id); len(got) != 0 {
		t.Errorf("run with a missing field sent requests %v, want none", got)
	}
}
