package engine

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policycortex/policycortex/store"
)

func TestSubmitBeforeActivationStoresNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "engine.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := New(Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Submit(ctx, []byte(event("early", "policy.violation.created", violation))); !errors.Is(err, ErrNoActiveSet) {
		t.Fatalf("submit before activation error = %v, want ErrNoActiveSet", err)
	}
	if _, err := st.GetEvent(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("event stored before activation: %v", err)
	}
}

func TestDeeplyNestedEventRejected(t *testing.T) {
	t.Parallel()
	h := newHarness(t, threeStepWorkflow("http://127.0.0.1:1", ""), harnessOptions{})
	deep := strings.Repeat(`{"a":`, MaxDepth) + `1` + strings.Repeat(`}`, MaxDepth)
	_, err := h.engine.Submit(context.Background(), []byte(event("deep", "policy.violation.created", deep)))
	if !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("deep event error = %v, want ErrInvalidEvent", err)
	}
	if !strings.Contains(err.Error(), "levels deep") {
		t.Errorf("error %q does not name the depth limit", err)
	}
	shallow := strings.Repeat(`{"a":`, MaxDepth-2) + `1` + strings.Repeat(`}`, MaxDepth-2)
	if _, err := h.engine.Submit(context.Background(), []byte(event("ok", "other", shallow))); err != nil {
		t.Errorf("event within the depth limit rejected: %v", err)
	}
}

func TestDeeplyNestedOutputFailsStep(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	h := newHarness(t, threeStepWorkflow(rec.URL, ""), harnessOptions{})
	deep := strings.Repeat(`[`, MaxDepth+5) + strings.Repeat(`]`, MaxDepth+5)
	rec.Server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, deep)
	})
	h.start()

	run := h.waitRun(h.submit(event("e1", "policy.violation.created", violation))[0], final)
	if run.Status != store.RunFailed {
		t.Fatalf("run status = %s, want failed", run.Status)
	}
	if !strings.Contains(run.Steps[0].Error, "levels deep") {
		t.Errorf("step error %q does not name the depth limit", run.Steps[0].Error)
	}
}

func TestInvalidEventMessagesUsePlainWords(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`null`:                               "body is null",
		`{"id":"1","source":"s","type":"t"}`: `"specversion" is missing`,
		`{"specversion":1,"id":"1","source":"s","type":"t"}`:                                                     "got 1",
		`{"specversion":"1.0","id":"1","source":"s","type":"t","data":[1]}`:                                      "got a list",
		`{"specversion":"1.0","id":"1","source":"s","type":"t","data":"x"}`:                                      `got the string "x"`,
		`{"specversion":"1.0","id":"1","source":"s","type":"t","data_base64":"AA=="}`:                            "data_base64",
		`{"specversion":"1.0","id":"1","source":"s","type":"t","data":{"severity":"LOW","severity":"CRITICAL"}}`: `key "severity" appears twice`,
		`{"specversion":"1.0","id":"1","id":"2","source":"s","type":"t"}`:                                        `key "id" appears twice`,
		`{"specversion":"1.0","id":"1","source":"s","type":"t","Trace-Id":"x"}`:                                  `attribute name "Trace-Id" is invalid`,
		"{\"specversion\":\"1.0\",\"id\":\"\xff\",\"source\":\"s\",\"type\":\"t\"}":                              "not valid UTF-8",
	}
	for body, want := range cases {
		_, err := ParseEvent([]byte(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseEvent(%s) error = %v, want it to contain %q", body, err, want)
		}
	}
}

func TestDuplicateKeyScanAllowsRepeatsAcrossObjects(t *testing.T) {
	t.Parallel()
	ok := `{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}],"d":["x","x"],"e":{"f":{"x":1},"x":2}}`
	if key, found := findDuplicateKey([]byte(ok)); found {
		t.Errorf("findDuplicateKey(%s) = %q, want none", ok, key)
	}
	nested := `{"a":[1,{"b":{"c":1,"c":2}}]}`
	if key, found := findDuplicateKey([]byte(nested)); !found || key != "c" {
		t.Errorf("findDuplicateKey(%s) = %q, %v; want c", nested, key, found)
	}
}
