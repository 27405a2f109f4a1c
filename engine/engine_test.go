package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// threeStepWorkflow posts to url in two http steps around a script step.
func threeStepWorkflow(url, extra string) schema.Files {
	return schema.Files{"workflows/remediate.yaml": []byte(fmt.Sprintf(`workflow:
  name: "remediate"
  version: "1"
  trigger:
    event: "policy.violation.created"
    conditions:
      - severity: ["HIGH", "CRITICAL"]
  steps:
    - name: "contain"
      action: "http"
      parameters:
        url: "%[1]s/contain"
        body:
          resource: "{{ violation.resource.name }}"
    - name: "classify"
      script: |
        level = "LOW"
        if severity == "CRITICAL":
            level = "P1"
        return {"level": level, "status": steps["contain"]["output"]["status"]}
    - name: "notify"
      action: "http"
      parameters:
        url: "%[1]s/notify"
        body:
          level: "{{ steps.classify.output.level }}"
          count: "{{ steps.contain.output.body.n }}"
%[2]s`, url, extra))}
}

// withoutOutputRefs makes the later steps read the contain step's status
// instead of its output, for runs where contain fails, is skipped or is
// only rendered.
func withoutOutputRefs(files schema.Files) {
	f := files["workflows/remediate.yaml"]
	f = bytes.Replace(f, []byte(`"status": steps["contain"]["output"]["status"]`), []byte(`"status": steps["contain"]["status"]`), 1)
	f = bytes.Replace(f, []byte(`count: "{{ steps.contain.output.body.n }}"`), []byte(`count: "{{ steps.contain.status }}"`), 1)
	files["workflows/remediate.yaml"] = f
}

const violation = `{"severity":"CRITICAL","violation":{"resource":{"name":"bucket-1"}}}`

func TestRunCompletesThreeSteps(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	h := newHarness(t, threeStepWorkflow(rec.URL, ""), harnessOptions{})
	h.start()

	ids := h.submit(event("e1", "policy.violation.created", violation))
	if len(ids) != 1 {
		t.Fatalf("runs started = %d, want 1", len(ids))
	}
	run := h.waitRun(ids[0], final)
	if run.Status != store.RunSucceeded {
		t.Fatalf("run status = %s (%s), want succeeded", run.Status, run.Error)
	}
	reqs := rec.Requests()
	if len(reqs) != 2 {
		t.Fatalf("requests = %d, want 2", len(reqs))
	}
	if got := reqs[0].Body["resource"]; got != "bucket-1" {
		t.Errorf("contain body resource = %v, want bucket-1", got)
	}
	if got := reqs[1].Body["level"]; got != "P1" {
		t.Errorf("notify body level = %v, want P1", got)
	}
	if got := reqs[1].Body["count"]; got != float64(1) {
		t.Errorf("notify body count = %v, want 1 (typed from the single template)", got)
	}
	if want := IdempotencyKey(run.ID, "contain", 1); reqs[0].Key != want {
		t.Errorf("idempotency key = %q, want %q", reqs[0].Key, want)
	}
	for _, st := range run.Steps {
		if st.Status != store.StepSucceeded || st.Attempts != 1 {
			t.Errorf("step %s: status %s attempts %d, want succeeded after 1", st.Name, st.Status, st.Attempts)
		}
	}
	if !bytes.Contains(run.Steps[0].Input, []byte("bucket-1")) {
		t.Errorf("contain input %s does not hold the rendered template", run.Steps[0].Input)
	}
}

func TestNonMatchingEventStartsNothing(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	h := newHarness(t, threeStepWorkflow(rec.URL, ""), harnessOptions{})
	if ids := h.submit(event("e1", "policy.violation.created", `{"severity":"LOW"}`)); len(ids) != 0 {
		t.Errorf("LOW severity started %d runs, want 0", len(ids))
	}
	if ids := h.submit(event("e2", "other.type", violation)); len(ids) != 0 {
		t.Errorf("other event type started %d runs, want 0", len(ids))
	}
}

func TestDuplicateEventStartsNoSecondRun(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	h := newHarness(t, threeStepWorkflow(rec.URL, ""), harnessOptions{})
	first, err := h.engine.Submit(context.Background(), []byte(event("dup", "policy.violation.created", violation)))
	if err != nil {
		t.Fatal(err)
	}
	second, err := h.engine.Submit(context.Background(), []byte(event("dup", "policy.violation.created", violation)))
	if err != nil {
		t.Fatal(err)
	}
	if !second.Duplicate {
		t.Error("second submit not reported as duplicate")
	}
	if second.Seq != first.Seq {
		t.Errorf("duplicate seq = %d, want %d", second.Seq, first.Seq)
	}
	if fmt.Sprint(second.RunIDs) != fmt.Sprint(first.RunIDs) {
		t.Errorf("duplicate runs = %v, want %v", second.RunIDs, first.RunIDs)
	}
	runs, err := h.store.ListRuns(context.Background(), store.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Errorf("stored runs = %d, want 1", len(runs))
	}
}

func TestInvalidEventRejected(t *testing.T) {
	t.Parallel()
	h := newHarness(t, threeStepWorkflow("http://127.0.0.1:1", ""), harnessOptions{})
	cases := map[string]string{
		"not json":        `{`,
		"no id":           `{"specversion":"1.0","source":"s","type":"t"}`,
		"old specversion": `{"specversion":"0.3","id":"1","source":"s","type":"t"}`,
		"data not object": `{"specversion":"1.0","id":"1","source":"s","type":"t","data":[1]}`,
		"bad time":        `{"specversion":"1.0","id":"1","source":"s","type":"t","time":"yesterday"}`,
	}
	for name, body := range cases {
		_, err := h.engine.Submit(context.Background(), []byte(body))
		if !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("%s: error = %v, want ErrInvalidEvent", name, err)
		}
	}
}

func TestRetryableStepRetriesWithBackoff(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	rec.status = func(n int, path string) int {
		if path == "/contain" && n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	files := threeStepWorkflow(rec.URL, "")
	files["workflows/remediate.yaml"] = bytes.Replace(files["workflows/remediate.yaml"],
		[]byte(`      action: "http"
      parameters:
        url: "`+rec.URL+`/contain"`),
		[]byte(`      action: "http"
      retry:
        max_attempts: 3
        backoff: 10ms
      parameters:
        url: "`+rec.URL+`/contain"`), 1)
	h := newHarness(t, files, harnessOptions{})
	h.start()

	run := h.waitRun(h.submit(event("e1", "policy.violation.created", violation))[0], final)
	if run.Status != store.RunSucceeded {
		t.Fatalf("run status = %s (%s), want succeeded", run.Status, run.Error)
	}
	if got := run.Steps[0].Attempts; got != 3 {
		t.Errorf("contain attempts = %d, want 3", got)
	}
	keys := map[string]bool{}
	for _, r := range rec.Requests() {
		if r.Path == "/contain" {
			keys[r.Key] = true
		}
	}
	if len(keys) != 3 {
		t.Errorf("distinct idempotency keys over 3 attempts = %d, want 3", len(keys))
	}
}

func TestPermanentFailureFailsRun(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	rec.status = func(int, string) int { return http.StatusBadRequest }
	h := newHarness(t, threeStepWorkflow(rec.URL, ""), harnessOptions{})
	h.start()

	run := h.waitRun(h.submit(event("e1", "policy.violation.created", violation))[0], final)
	if run.Status != store.RunFailed {
		t.Fatalf("run status = %s, want failed", run.Status)
	}
	if run.Steps[0].Status != store.StepFailed {
		t.Errorf("contain status = %s, want failed", run.Steps[0].Status)
	}
	if run.Steps[1].Status != store.StepSkipped {
		t.Errorf("classify status = %s, want skipped (never reached)", run.Steps[1].Status)
	}
	if !strings.Contains(run.Error, "400") {
		t.Errorf("run error %q does not name the status", run.Error)
	}
}

func TestStepTimeoutEndsRunTimedOut(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	rec.delay = 2 * time.Second
	files := threeStepWorkflow(rec.URL, "")
	files["workflows/remediate.yaml"] = bytes.Replace(files["workflows/remediate.yaml"],
		[]byte(`    - name: "contain"
      action: "http"`), []byte(`    - name: "contain"
      action: "http"
      timeout: 100ms`), 1)
	h := newHarness(t, files, harnessOptions{})
	h.start()

	run := h.waitRun(h.submit(event("e1", "policy.violation.created", violation))[0], final)
	if run.Status != store.RunTimedOut {
		t.Fatalf("run status = %s (%s), want timed_out", run.Status, run.Error)
	}
	if run.Steps[0].Status != store.StepTimedOut {
		t.Errorf("contain status = %s, want timed_out", run.Steps[0].Status)
	}
}

func TestOnFailureContinueGoesOn(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	rec.status = func(_ int, path string) int {
		if path == "/contain" {
			return http.StatusForbidden
		}
		return http.StatusOK
	}
	files := threeStepWorkflow(rec.URL, "")
	files["workflows/remediate.yaml"] = bytes.Replace(files["workflows/remediate.yaml"],
		[]byte(`    - name: "contain"
      action: "http"`), []byte(`    - name: "contain"
      action: "http"
      on_failure: continue`), 1)
	withoutOutputRefs(files)
	h := newHarness(t, files, harnessOptions{})
	h.start()

	run := h.waitRun(h.submit(event("e1", "policy.violation.created", violation))[0], final)
	if run.Status != store.RunSucceeded {
		t.Fatalf("run status = %s (%s), want succeeded", run.Status, run.Error)
	}
	if run.Steps[0].Status != store.StepFailed {
		t.Errorf("contain status = %s, want failed", run.Steps[0].Status)
	}
	reqs := rec.Requests()
	if last := reqs[len(reqs)-1]; last.Body["count"] != "failed" {
		t.Errorf("notify saw contain status %v, want failed", last.Body["count"])
	}
}

func TestMissingTemplateFieldFailsRun(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	h := newHarness(t, threeStepWorkflow(rec.URL, ""), harnessOptions{})
	h.start()

	run := h.waitRun(h.submit(event("e1", "policy.violation.created", `{"severity":"HIGH","violation":{}}`))[0], final)
	if run.Status != store.RunFailed {
		t.Fatalf("run status = %s, want failed", run.Status)
	}
	if !strings.Contains(run.Error, "violation.resource") {
		t.Errorf("run error %q does not name the missing path", run.Error)
	}
	if len(rec.Requests()) != 0 {
		t.Errorf("requests sent = %d, want 0", len(rec.Requests()))
	}
}

func TestStepConditionsSkip(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	files := threeStepWorkflow(rec.URL, "")
	files["workflows/remediate.yaml"] = bytes.Replace(files["workflows/remediate.yaml"],
		[]byte(`    - name: "contain"
      action: "http"`), []byte(`    - name: "contain"
      action: "http"
      conditions:
        - bucket_environment: "production"`), 1)
	withoutOutputRefs(files)
	h := newHarness(t, files, harnessOptions{})
	h.start()

	data := `{"severity":"HIGH","bucket_environment":"staging","violation":{"resource":{"name":"b"}}}`
	run := h.waitRun(h.submit(event("e1", "policy.violation.created", data))[0], final)
	if run.Status != store.RunSucceeded {
		t.Fatalf("run status = %s (%s), want succeeded", run.Status, run.Error)
	}
	if run.Steps[0].Status != store.StepSkipped {
		t.Errorf("contain status = %s, want skipped", run.Steps[0].Status)
	}
	var out map[string]any
	_ = json.Unmarshal(run.Steps[1].Output, &out)
	if out["level"] != "LOW" {
		t.Errorf("classify output = %v, want level LOW", out)
	}
}
