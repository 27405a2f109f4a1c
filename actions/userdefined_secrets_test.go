package actions

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/schema"
)

func TestEndpointSecretInBodyRedacted(t *testing.T) {
	t.Parallel()
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &got)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"success"}`)
	}))
	defer srv.Close()

	env, err := expr.NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	url, _ := env.CompileTemplate("/v2/enqueue")
	body, err := env.CompileValue(map[string]any{"routing_key": "{{ endpoint.secrets.routing_key }}", "summary": "{{ params.message }}"})
	if err != nil {
		t.Fatal(err)
	}
	def := &schema.ActionDef{Name: "pagerduty_alert", HTTP: &schema.HTTPBinding{Endpoint: "pagerduty", Method: "POST", URL: url, Body: body}}
	conn := Connectors{Endpoints: map[string]Endpoint{"pagerduty": {BaseURL: srv.URL, Secrets: map[string]string{"routing_key": "R0UT1NGKEY"}}}}
	action, err := NewCatalog(conn, map[string]*schema.ActionDef{def.Name: def}, Options{}).Lookup("pagerduty_alert")
	if err != nil {
		t.Fatal(err)
	}
	inv := Invocation{RunID: "r", Step: "page", Attempt: 1, IdempotencyKey: "r/page/1", Params: map[string]any{"message": "down"}}

	if _, err := action.Execute(context.Background(), inv); err != nil {
		t.Fatalf("execute: %v", err)
	}
	if got["routing_key"] != "R0UT1NGKEY" {
		t.Errorf("sent routing_key = %v, want the endpoint secret", got["routing_key"])
	}
	req, err := action.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(req.String(), "R0UT1NGKEY") {
		t.Errorf("rendered request shows the secret:\n%s", req.String())
	}
}
