package actions

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recordedRequest is what a test server saw.
type recordedRequest struct {
	method, path string
	header       http.Header
	body         []byte
}

// newRecordingServer starts a loopback server that records each request
// and responds with handler.
func newRecordingServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, chan recordedRequest) {
	t.Helper()
	seen := make(chan recordedRequest, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen <- recordedRequest{method: r.Method, path: r.URL.RequestURI(), header: r.Header.Clone(), body: body}
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

func TestHTTPSendsJSONAndDecodesResponse(t *testing.T) {
	t.Parallel()
	srv, seen := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "abc")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id": 42, "tags": ["a"], "ratio": 0.5}`)
	})
	action := lookupAction(t, Connectors{}, Options{}, ActionHTTP)
	out, err := execute(t, action, map[string]any{
		"url":     srv.URL + "/tickets?project=SEC",
		"headers": map[string]any{"X-Team": "security"},
		"body":    map[string]any{"summary": "bucket public", "count": 3},
	})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}

	req := <-seen
	if req.method != http.MethodPost {
		t.Errorf("method = %s, want POST", req.method)
	}
	if req.path != "/tickets?project=SEC" {
		t.Errorf("path = %s", req.path)
	}
	if got := req.header.Get("Idempotency-Key"); got != "run-1/notify/1" {
		t.Errorf("Idempotency-Key = %q", got)
	}
	if got := req.header.Get("User-Agent"); got != "policycortex" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := req.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := req.header.Get("X-Team"); got != "security" {
		t.Errorf("X-Team = %q", got)
	}
	var sent map[string]any
	if err := json.Unmarshal(req.body, &sent); err != nil {
		t.Fatalf("request body is not JSON: %v", err)
	}
	if want := map[string]any{"summary": "bucket public", "count": float64(3)}; !reflect.DeepEqual(sent, want) {
		t.Errorf("request body = %v, want %v", sent, want)
	}

	output := out.(map[string]any)
	if output["status"] != 201 {
		t.Errorf("status = %v, want 201", output["status"])
	}
	if got := output["headers"].(map[string]any)["x-request-id"]; got != "abc" {
		t.Errorf("headers[x-request-id] = %v", got)
	}
	wantBody := map[string]any{"id": int64(42), "tags": []any{"a"}, "ratio": 0.5}
	if !reflect.DeepEqual(output["body"], wantBody) {
		t.Errorf("body = %#v, want %#v", output["body"], wantBody)
	}
}

func TestHTTPTextBodyAndMethod(t *testing.T) {
	t.Parallel()
	srv, seen := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "accepted")
	})
	action := lookupAction(t, Connectors{}, Options{}, ActionHTTP)
	out, err := execute(t, action, map[string]any{"url": srv.URL, "method": "get"})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	req := <-seen
	if req.method != http.MethodGet {
		t.Errorf("method = %s, want GET", req.method)
	}
	if len(req.body) != 0 || req.header.Get("Content-Type") != "" {
		t.Errorf("GET without body sent body %q, Content-Type %q", req.body, req.header.Get("Content-Type"))
	}
	if got := out.(map[string]any)["body"]; got != "accepted" {
		t.Errorf("body = %#v, want \"accepted\"", got)
	}
}

func TestHTTPInvalidJSONResponseIsText(t *testing.T) {
	t.Parallel()
	srv, _ := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"broken": `)
	})
	out, err := execute(t, lookupAction(t, Connectors{}, Options{}, ActionHTTP), map[string]any{"url": srv.URL})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if got := out.(map[string]any)["body"]; got != `{"broken": ` {
		t.Errorf("body = %#v", got)
	}
}

func TestHTTPStatusClassification(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		status     int
		retryAfter string
		expect     []any
		retryable  bool
		wantDelay  time.Duration
		success    bool
	}{
		{name: "500", status: 500, retryable: true},
		{name: "503 retry-after", status: 503, retryAfter: "12", retryable: true, wantDelay: 12 * time.Second},
		{name: "429", status: 429, retryAfter: "3", retryable: true, wantDelay: 3 * time.Second},
		{name: "408", status: 408, retryable: true},
		{name: "404", status: 404},
		{name: "400", status: 400},
		{name: "304", status: 304},
		{name: "404 expected", status: 404, expect: []any{404, 410}, success: true},
		{name: "200 not expected", status: 200, expect: []any{float64(201)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, "server says "+tc.name)
			})
			params := map[string]any{"url": srv.URL + "/hook?token=s3cr3t-value", "method": "PUT"}
			if tc.expect != nil {
				params["expect_status"] = tc.expect
			}
			out, err := execute(t, lookupAction(t, Connectors{}, Options{}, ActionHTTP), params)
			if tc.success {
				if err != nil {
					t.Fatalf("Execute: %v", err)
				}
				if got := out.(map[string]any)["status"]; got != tc.status {
					t.Errorf("status = %v, want %d", got, tc.status)
				}
				return
			}
			wants := []string{"PUT", srv.URL + "/hook?token=***", "status " + strconv.Itoa(tc.status)}
			if tc.status != http.StatusNotModified {
				// A 304 response has no body to quote.
				wants = append(wants, `"server says `+tc.name+`"`)
			}
			actionErr := requireActionError(t, err, tc.retryable, wants...)
			requireNoSecret(t, err.Error(), "s3cr3t-value")
			if actionErr.RetryAfter != tc.wantDelay {
				t.Errorf("RetryAfter = %v, want %v", actionErr.RetryAfter, tc.wantDelay)
			}
			if RetryAfter(err) != tc.wantDelay {
				t.Errorf("RetryAfter(err) = %v, want %v", RetryAfter(err), tc.wantDelay)
			}
		})
	}
}

func TestHTTPErrorQuotesAtMost200Bytes(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 190) + strings.Repeat("y", 100)
	srv, _ := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, long)
	})
	_, err := execute(t, lookupAction(t, Connectors{}, Options{}, ActionHTTP), map[string]any{"url": srv.URL})
	requireActionError(t, err, false, "status 400", strings.Repeat("x", 190)+strings.Repeat("y", 10)+`"...`)
	if strings.Contains(err.Error(), strings.Repeat("y", 11)) {
		t.Errorf("error quotes more than 200 bytes of the body: %q", err)
	}
}

func TestHTTPTimeoutIsRetryable(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	_, err := execute(t, lookupAction(t, Connectors{}, Options{}, ActionHTTP),
		map[string]any{"url": srv.URL, "timeout": "100ms"})
	requireActionError(t, err, true, "timed out", "100ms")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%q, context.DeadlineExceeded) = false", err)
	}
}

func TestHTTPInvocationTimeoutApplies(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	inv := testInvocation(map[string]any{"url": srv.URL, "timeout": "1m"})
	inv.Timeout = 100 * time.Millisecond
	_, err := lookupAction(t, Connectors{}, Options{}, ActionHTTP).Execute(context.Background(), inv)
	requireActionError(t, err, true, "timed out", "100ms")
}

func TestHTTPConnectionRefusedIsRetryable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	_, err := execute(t, lookupAction(t, Connectors{}, Options{}, ActionHTTP),
		map[string]any{"url": addr + "/x?api_key=topsecret"})
	requireActionError(t, err, true, "POST "+addr+"/x?api_key=***")
	requireNoSecret(t, err.Error(), "topsecret")
}

func TestHTTPLargeBodyTruncated(t *testing.T) {
	t.Parallel()
	srv, _ := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `"`+strings.Repeat("a", maxResponseBody+10)+`"`)
	})
	out, err := execute(t, lookupAction(t, Connectors{}, Options{}, ActionHTTP), map[string]any{"url": srv.URL})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	output := out.(map[string]any)
	if output["truncated"] != true {
		t.Errorf("truncated = %v, want true", output["truncated"])
	}
	if body := output["body"].(string); len(body) != maxResponseBody {
		t.Errorf("len(body) = %d, want %d", len(body), maxResponseBody)
	}
}

func TestHTTPInvalidParameters(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"missing url", map[string]any{}, "parameter url is required"},
		{"relative url", map[string]any{"url": "/x"}, "absolute http or https URL"},
		{"unknown parameter", map[string]any{"url": "http://127.0.0.1/", "bdy": 1}, "unknown parameter bdy"},
		{"bad timeout", map[string]any{"url": "http://127.0.0.1/", "timeout": "soon"}, `invalid duration "soon"`},
		{"bad headers", map[string]any{"url": "http://127.0.0.1/", "headers": []any{"a"}}, "expected a map of strings"},
		{"bad expect_status", map[string]any{"url": "http://127.0.0.1/", "expect_status": []any{"ok"}}, "expected an integer"},
	}
	action := lookupAction(t, Connectors{}, Options{}, ActionHTTP)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := execute(t, action, tc.params)
			requireActionError(t, err, false, "action http", tc.want)
			_, err = action.Render(testInvocation(tc.params))
			requireActionError(t, err, false, tc.want)
		})
	}
}

func TestHTTPRenderSendsNothing(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)

	action := lookupAction(t, Connectors{}, Options{}, ActionHTTP)
	req, err := action.Render(testInvocation(map[string]any{
		"url":     srv.URL + "/v1/page?severity=high&token=abc123456",
		"method":  "patch",
		"headers": map[string]any{"Authorization": "Bearer abc123456", "X-Team": "sec"},
		"body":    map[string]any{"text": "hello"},
	}))
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if hits.Load() != 0 {
		t.Errorf("Render sent %d requests", hits.Load())
	}
	want := Request{
		Kind:   KindHTTP,
		Method: "PATCH",
		URL:    srv.URL + "/v1/page?severity=high&token=***",
		Headers: map[string]string{
			"Authorization":   "***",
			"X-Team":          "sec",
			"Content-Type":    "application/json",
			"Idempotency-Key": "run-1/notify/1",
			"User-Agent":      "policycortex",
		},
		Body: map[string]any{"text": "hello"},
	}
	if !reflect.DeepEqual(req, want) {
		t.Errorf("Render = %#v\nwant %#v", req, want)
	}
	requireNoSecret(t, req.String(), "abc123456")
}
