package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// requestTimeout bounds one API request to a daemon.
const requestTimeout = 30 * time.Second

// submitResult is the body of POST /v1/events.
type submitResult struct {
	Seq       int64    `json:"seq"`
	Duplicate bool     `json:"duplicate"`
	Runs      []string `json:"runs"`
}

// do sends a request to the daemon with its bearer token, if any, and
// returns the status code and body.
func (d *daemon) do(method, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, d.url+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/cloudevents+json")
	}
	if d.token != "" {
		req.Header.Set("Authorization", "Bearer "+d.token)
	}
	client := &http.Client{Timeout: requestTimeout}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// postEvent posts a CloudEvent and decodes the reply. It fails the test
// unless the daemon responds 202 (a new event) or 200 (a duplicate).
func postEvent(t *testing.T, d *daemon, event []byte) (int, submitResult) {
	t.Helper()
	status, body, err := d.do(http.MethodPost, "/v1/events", event)
	if err != nil {
		t.Fatalf("POST /v1/events: %v", err)
	}
	if status != http.StatusAccepted && status != http.StatusOK {
		t.Fatalf("POST /v1/events: status %d, want 202 or 200; body: %s", status, body)
	}
	var res submitResult
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatalf("POST /v1/events: decode %s: %v", body, err)
	}
	return status, res
}

// getJSON fetches path, requires status 200 and decodes the body into v.
func getJSON(t *testing.T, d *daemon, path string, v any) {
	t.Helper()
	if err := tryGetJSON(d, path, v); err != nil {
		t.Fatal(err)
	}
}

// tryGetJSON is getJSON returning the error, for use inside waitFor.
func tryGetJSON(d *daemon, path string, v any) error {
	status, body, err := d.do(http.MethodGet, path, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET %s: status %d, want 200; body: %s", path, status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: decode %s: %w", path, body, err)
	}
	return nil
}

// waitFor polls cond every 100 ms until it returns nil, and fails the test
// with cond's last error after timeout, so cond's error should describe
// what is still missing.
func waitFor(t *testing.T, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %s: %v", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readTestEvent reads example-repo/test-data/<name>.
func readTestEvent(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(suite.exampleRepo, "test-data", name))
	if err != nil {
		t.Fatalf("read test event: %v", err)
	}
	return data
}

// cloudEvent builds a CloudEvents 1.0 JSON event.
func cloudEvent(t *testing.T, source, id, eventType string, data map[string]any) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"specversion": "1.0",
		"id":          id,
		"source":      source,
		"type":        eventType,
		"time":        time.Now().UTC().Format(time.RFC3339),
		"data":        data,
	})
	if err != nil {
		t.Fatalf("encode event: %v", err)
	}
	return body
}

// cloudEventFor returns an event of example-repo/test-data with its id
// replaced by id, so that the same sample can start several runs.
func cloudEventFor(t *testing.T, name, id string) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(readTestEvent(t, name), &ev); err != nil {
		t.Fatalf("decode test event %s: %v", name, err)
	}
	ev["id"] = id
	body, err := json.Marshal(ev)
	if err != nil {
		t.Fatalf("encode test event %s: %v", name, err)
	}
	return body
}

// seqOf returns the seq of a POST /v1/events reply, or -1.
func seqOf(reply []byte) int64 {
	var res submitResult
	if json.Unmarshal(reply, &res) != nil {
		return -1
	}
	return res.Seq
}

// runsOf returns the run ids of a POST /v1/events reply.
func runsOf(reply []byte) []string {
	var res submitResult
	if json.Unmarshal(reply, &res) != nil {
		return nil
	}
	return res.Runs
}
