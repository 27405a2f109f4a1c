package actions

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/schema"
)

// compileTemplate compiles src or fails the test.
func compileTemplate(t *testing.T, env *expr.Env, src string) *expr.Template {
	t.Helper()
	tmpl, err := env.CompileTemplate(src)
	if err != nil {
		t.Fatalf("CompileTemplate(%q): %v", src, err)
	}
	return tmpl
}

// newExprEnv builds the expression environment or fails the test.
func newExprEnv(t *testing.T) *expr.Env {
	t.Helper()
	env, err := expr.NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// jiraAction defines create_ticket, bound to the jira endpoint.
func jiraAction(t *testing.T, urlSrc string) *schema.ActionDef {
	t.Helper()
	env := newExprEnv(t)
	body, err := env.CompileValue(map[string]any{
		"fields": map[string]any{
			"project": "{{ params.project }}",
			"summary": "{{ params.summary }}",
			"labels":  "{{ params.labels }}",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &schema.ActionDef{
		Name:     "create_ticket",
		File:     "actions/create_ticket.yaml",
		Required: []string{"project", "summary"},
		ParameterSchema: []byte(`{"type": "object",
			"properties": {"project": {"type": "string"}, "summary": {"type": "string"},
				"labels": {"type": "array", "items": {"type": "string"}}}}`),
		HTTP: &schema.HTTPBinding{
			Endpoint: "jira",
			Method:   "POST",
			URL:      compileTemplate(t, env, urlSrc),
			Headers: map[string]*expr.Template{
				"X-Project":     compileTemplate(t, env, "{{ params.project }}"),
				"Authorization": compileTemplate(t, env, "Bearer from-the-repository"),
			},
			Body:    body,
			Timeout: 5 * time.Second,
		},
	}
}

// jiraConnectors points the jira endpoint at baseURL with a secret header.
func jiraConnectors(baseURL string) Connectors {
	return Connectors{Endpoints: map[string]Endpoint{"jira": {
		BaseURL: baseURL,
		Headers: map[string]string{"Authorization": "Bearer jira-secret-42", "X-Tenant": "acme-tenant-7"},
	}}}
}

func TestUserHTTPActionSendsEndpointHeaders(t *testing.T) {
	t.Parallel()
	srv, seen := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"key": "SEC-1"}`)
	})
	def := jiraAction(t, "/issue?project={{ params.project }}")
	catalog := NewCatalog(jiraConnectors(srv.URL+"/rest/api/2/"), map[string]*schema.ActionDef{def.Name: def}, Options{})
	action, err := catalog.Lookup("create_ticket")
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	out, err := execute(t, action, map[string]any{"project": "SEC", "summary": "bucket public", "labels": []any{"s3"}})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}

	req := <-seen
	if req.method != http.MethodPost || req.path != "/rest/api/2/issue?project=SEC" {
		t.Errorf("request = %s %s", req.method, req.path)
	}
	if got := req.header.Get("Authorization"); got != "Bearer jira-secret-42" {
		t.Errorf("Authorization = %q, want the endpoint's header to win", got)
	}
	if got := req.header.Get("X-Tenant"); got != "acme-tenant-7" {
		t.Errorf("X-Tenant = %q", got)
	}
	if got := req.header.Get("X-Project"); got != "SEC" {
		t.Errorf("X-Project = %q", got)
	}
	if got := req.header.Get("Idempotency-Key"); got != "run-1/notify/1" {
		t.Errorf("Idempotency-Key = %q", got)
	}
	want := map[string]any{"fields": map[string]any{"project": "SEC", "summary": "bucket public", "labels": []any{"s3"}}}
	if body := decodeBody(t, req); !reflect.DeepEqual(body, want) {
		t.Errorf("body = %#v\nwant %#v", body, want)
	}
	if got := out.(map[string]any)["body"]; !reflect.DeepEqual(got, map[string]any{"key": "SEC-1"}) {
		t.Errorf("output body = %#v", got)
	}
}

func TestUserHTTPActionRenderRedacts(t *testing.T) {
	t.Parallel()
	env := newExprEnv(t)
	def := jiraAction(t, "https://jira.example.com/rest/api/2/issue")
	// A template that copies a secret into the body must not leak it.
	leak, err := env.CompileValue(map[string]any{"auth": "{{ endpoint.headers.Authorization }}"})
	if err != nil {
		t.Fatal(err)
	}
	def.HTTP.Body = leak
	catalog := NewCatalog(jiraConnectors("https://jira.example.com"), map[string]*schema.ActionDef{def.Name: def}, Options{})
	action, err := catalog.Lookup("create_ticket")
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	req, err := action.Render(testInvocation(map[string]any{"project": "SEC", "summary": "s"}))
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if req.URL != "https://jira.example.com/rest/api/2/issue" {
		t.Errorf("URL = %q", req.URL)
	}
	if req.Headers["Authorization"] != "***" || req.Headers["X-Tenant"] != "***" {
		t.Errorf("endpoint headers not redacted: %v", req.Headers)
	}
	if req.Headers["X-Project"] != "SEC" {
		t.Errorf("X-Project = %q, want SEC", req.Headers["X-Project"])
	}
	text := req.String()
	requireNoSecret(t, text, "jira-secret-42")
	requireNoSecret(t, text, "acme-tenant-7")
}

func TestUserHTTPActionErrorRedacts(t *testing.T) {
	t.Parallel()
	srv, _ := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		// A server that echoes the credential back in its error body.
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "bad credential "+r.Header.Get("Authorization"))
	})
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	def := jiraAction(t, "issue")
	catalog := NewCatalog(jiraConnectors(srv.URL), map[string]*schema.ActionDef{def.Name: def}, Options{Logger: logger})
	action, _ := catalog.Lookup("create_ticket")
	_, err := execute(t, action, map[string]any{"project": "SEC", "summary": "s", "labels": []any{}})
	requireActionError(t, err, false, "status 401", "bad credential ***")
	requireNoSecret(t, err.Error(), "jira-secret-42")
	if !strings.Contains(logs.String(), "action request sent") {
		t.Errorf("no debug record of the request in logs:\n%s", logs.String())
	}
	requireNoSecret(t, logs.String(), "jira-secret-42")
}

func TestUserHTTPActionFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		conn   Connectors
		params map[string]any
		want   string
	}{
		{"missing endpoint", Connectors{}, map[string]any{"project": "SEC", "summary": "s", "labels": []any{}},
			"endpoint jira is not in the connectors file"},
		{"missing required parameter", jiraConnectors("http://127.0.0.1:9"), map[string]any{"project": "SEC"},
			"parameter summary is required"},
		{"schema violation", jiraConnectors("http://127.0.0.1:9"), map[string]any{"project": "SEC", "summary": 5},
			"invalid parameters"},
		{"missing template field", jiraConnectors("http://127.0.0.1:9"), map[string]any{"project": "SEC", "summary": "s", "labels": []any{}},
			`render url: missing field "params.nothing"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			def := jiraAction(t, "issue")
			if tc.name == "missing template field" {
				def.HTTP.URL = compileTemplate(t, newExprEnv(t), "issue/{{ params.nothing }}")
			}
			action, err := NewCatalog(tc.conn, map[string]*schema.ActionDef{def.Name: def}, Options{}).Lookup(def.Name)
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			_, err = execute(t, action, tc.params)
			requireActionError(t, err, false, "action create_ticket", tc.want)
			req, err := action.Render(testInvocation(tc.params))
			if tc.name == "missing endpoint" {
				// A dry run without the daemon's connectors file still renders.
				if err != nil || !strings.Contains(req.URL, "jira.endpoint.invalid") {
					t.Errorf("Render without endpoint = %q, %v; want a placeholder URL", req.URL, err)
				}
				return
			}
			requireActionError(t, err, false, tc.want)
		})
	}
}

func TestUserExecAction(t *testing.T) {
	t.Parallel()
	env := newExprEnv(t)
	def := &schema.ActionDef{
		Name: "quarantine",
		File: "actions/quarantine.yaml",
		Exec: &schema.ExecBinding{
			Command: "/bin/sh",
			Args: []*expr.Template{
				compileTemplate(t, env, "-c"),
				compileTemplate(t, env, `printf '{"arg":"%s","stdin":%s,"token":"%s"}' "$1" "$(cat)" "${TOKEN-unset}"`),
				compileTemplate(t, env, "sh"),
				compileTemplate(t, env, "{{ params.bucket }}"),
			},
			Env: []string{"TOKEN"},
		},
	}
	opts := execOptions(map[string]string{"TOKEN": "t-1", "OTHER": "x"})
	action, err := NewCatalog(Connectors{}, map[string]*schema.ActionDef{def.Name: def}, opts).Lookup("quarantine")
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	params := map[string]any{"bucket": "logs"}
	out, err := action.Execute(context.Background(), testInvocation(params))
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	want := map[string]any{"arg": "logs", "stdin": map[string]any{"bucket": "logs"}, "token": "t-1"}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("output = %#v, want %#v", out, want)
	}

	req, err := action.Render(testInvocation(params))
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if req.Command != "/bin/sh" || req.Args[3] != "logs" {
		t.Errorf("Render = %q %q", req.Command, req.Args)
	}
}

func TestCatalogLookup(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	shadow := &schema.ActionDef{Name: ActionHTTP, File: "actions/http.yaml", Exec: &schema.ExecBinding{Command: "true"}}
	unbound := &schema.ActionDef{Name: "empty", File: "actions/empty.yaml"}
	catalog := NewCatalog(Connectors{}, map[string]*schema.ActionDef{ActionHTTP: shadow, "empty": unbound},
		Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	_, err := catalog.Lookup("send_pagerduty")
	requireActionError(t, err, false, `action "send_pagerduty" not found`, "empty, exec, http, send_slack_message")

	action, err := catalog.Lookup(ActionHTTP)
	if err != nil {
		t.Fatalf("Lookup(http): %v", err)
	}
	if _, ok := action.(*httpAction); !ok {
		t.Errorf("Lookup(http) = %T, want the built-in action", action)
	}
	if !strings.Contains(logs.String(), "user-defined action ignored") {
		t.Errorf("no warning about the shadowing definition:\n%s", logs.String())
	}

	action, err = catalog.Lookup("empty")
	if err != nil {
		t.Fatalf("Lookup(empty): %v", err)
	}
	_, err = execute(t, action, nil)
	requireActionError(t, err, false, "neither an http nor an exec binding")
}

func TestResolveURL(t *testing.T) {
	t.Parallel()
	ep := &Endpoint{BaseURL: "https://api.example.com/v2/"}
	cases := []struct {
		raw      string
		endpoint *Endpoint
		want     string
		wantErr  string
	}{
		{"issues", ep, "https://api.example.com/v2/issues", ""},
		{"/issues?q=1", ep, "https://api.example.com/v2/issues?q=1", ""},
		{"", ep, "https://api.example.com/v2/", ""},
		{"https://other.example.com/x", ep, "https://other.example.com/x", ""},
		{"issues", nil, "", "needs an endpoint"},
		{"ftp://x.example.com/", nil, "", "absolute http or https URL"},
	}
	for _, tc := range cases {
		got, err := resolveURL(tc.raw, tc.endpoint)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("resolveURL(%q) error = %v, want %q", tc.raw, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("resolveURL(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
}
