package e2e

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// scheduleTimeout covers the wait for the next minute boundary of a
// "* * * * *" schedule, the finest the schedule formats offer (cron fields
// and rate() both count whole minutes), plus the engine's poll interval.
const scheduleTimeout = 75 * time.Second

// everyMinuteWorkflow reports the source of its starting event to base.
func everyMinuteWorkflow(base string) string {
	return fmt.Sprintf(`workflow:
  name: "every-minute"
  version: "1.0"
  trigger:
    schedule: "* * * * *"
  steps:
    - name: "report"
      action: "http"
      parameters:
        url: "%s/schedule/fired"
        body:
          source: "{{ event.source }}"
          workflow: "{{ workflow.name }}"
`, base)
}

func TestScheduleFires(t *testing.T) {
	if testing.Short() {
		t.Skip("waits up to 75 s for the next minute boundary of a cron schedule")
	}
	t.Parallel()
	svcs := newServices(t)
	cloud := svcs["cloud"]
	repo := newPolicyRepo(t)
	head := gitCommit(t, repo, "Add a workflow scheduled every minute", map[string]string{
		"workflows/every-minute.yaml": everyMinuteWorkflow(cloud.URL()),
	})
	d := serveRepo(t, repo, svcs, head)

	var wf struct {
		Trigger struct {
			Schedule string `json:"schedule"`
		} `json:"trigger"`
	}
	getJSON(t, d, "/v1/workflows/every-minute", &wf)
	if wf.Trigger.Schedule != "* * * * *" {
		t.Errorf("workflow every-minute schedule %q, want \"* * * * *\"", wf.Trigger.Schedule)
	}

	var id string
	waitFor(t, scheduleTimeout, func() error {
		runs := listRuns(t, d, "workflow=every-minute")
		if len(runs) == 0 {
			return errors.New("no run of every-minute yet")
		}
		id = runs[len(runs)-1].ID
		return nil
	})
	r := wantRunStatus(t, d, id, "succeeded")
	if input := string(r.step(t, "report").Input); !strings.Contains(input, "policycortex/schedule") {
		t.Errorf("step input %s does not show the schedule source policycortex/schedule", input)
	}
	reqs := cloud.forRun(id)
	if len(reqs) != 1 {
		t.Fatalf("scheduled run sent %d requests, want 1", len(reqs))
	}
	if !strings.Contains(reqs[0].Body, `"policycortex/schedule"`) {
		t.Errorf("scheduled request body %s lacks the source policycortex/schedule", reqs[0].Body)
	}
}
