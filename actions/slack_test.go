package actions

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// decodeBody decodes a recorded request body as a JSON object.
func decodeBody(t *testing.T, req recordedRequest) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(req.body, &body); err != nil {
		t.Fatalf("request body %q is not JSON: %v", req.body, err)
	}
	return body
}

func TestSlackWebhookShape(t *testing.T) {
	t.Parallel()
	srv, seen := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	conn := Connectors{Slack: Slack{WebhookURL: srv.URL + "/services/T000/B000/XXXXSECRET"}}
	action := lookupAction(t, conn, Options{}, ActionSlack)
	blocks := []any{map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "*hi*"}}}
	out, err := execute(t, action, map[string]any{
		"channel":    "#security-alerts",
		"message":    "S3 bucket logs public access disabled",
		"blocks":     blocks,
		"username":   "cortex",
		"icon_emoji": ":shield:",
	})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	req := <-seen
	if req.method != http.MethodPost || req.path != "/services/T000/B000/XXXXSECRET" {
		t.Errorf("request = %s %s", req.method, req.path)
	}
	if got := req.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	want := map[string]any{
		"text":       "S3 bucket logs public access disabled",
		"channel":    "#security-alerts",
		"blocks":     blocks,
		"username":   "cortex",
		"icon_emoji": ":shield:",
	}
	if body := decodeBody(t, req); !reflect.DeepEqual(body, want) {
		t.Errorf("body = %#v\nwant %#v", body, want)
	}
	if !reflect.DeepEqual(out, map[string]any{"ok": true}) {
		t.Errorf("output = %#v", out)
	}
}

func TestSlackWebhookOmitsEmptyFields(t *testing.T) {
	t.Parallel()
	srv, seen := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	conn := Connectors{Slack: Slack{WebhookURL: srv.URL + "/services/T/B/SECRETPATH"}}
	if _, err := execute(t, lookupAction(t, conn, Options{}, ActionSlack), map[string]any{"message": "hi"}); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if body := decodeBody(t, <-seen); !reflect.DeepEqual(body, map[string]any{"text": "hi"}) {
		t.Errorf("body = %#v, want only text", body)
	}
}

func TestSlackWebhookErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		status    int
		body      string
		retryable bool
		wants     []string
	}{
		{"channel not found", 404, "channel_not_found", false, []string{"status 404", "channel_not_found"}},
		{"invalid payload", 400, "invalid_payload", false, []string{"status 400", "invalid_payload"}},
		{"server error", 500, "rollup_error", true, []string{"status 500"}},
		{"200 without ok", 200, "maybe", false, []string{`returned "maybe", expected "ok"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			conn := Connectors{Slack: Slack{WebhookURL: srv.URL + "/services/T1/B1/HOOKSECRET"}}
			_, err := execute(t, lookupAction(t, conn, Options{}, ActionSlack), map[string]any{"message": "hi"})
			requireActionError(t, err, tc.retryable, append(tc.wants, srv.URL+"/***")...)
			requireNoSecret(t, err.Error(), "HOOKSECRET")
		})
	}
}

func TestSlackPostMessageShape(t *testing.T) {
	t.Parallel()
	srv, seen := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"ok":true,"channel":"C0123","ts":"1700000000.000100","message":{"text":"hi"}}`)
	})
	conn := Connectors{Slack: Slack{Token: "xoxb-test-token-1", APIURL: srv.URL + "/api/"}}
	blocks := []any{map[string]any{"type": "divider"}}
	out, err := execute(t, lookupAction(t, conn, Options{}, ActionSlack), map[string]any{
		"channel": "#security-alerts",
		"message": "hi",
		"blocks":  blocks,
	})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	req := <-seen
	if req.method != http.MethodPost || req.path != "/api/chat.postMessage" {
		t.Errorf("request = %s %s, want POST /api/chat.postMessage", req.method, req.path)
	}
	if got := req.header.Get("Authorization"); got != "Bearer xoxb-test-token-1" {
		t.Errorf("Authorization = %q", got)
	}
	if got := req.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	want := map[string]any{"channel": "#security-alerts", "text": "hi", "blocks": blocks}
	if body := decodeBody(t, req); !reflect.DeepEqual(body, want) {
		t.Errorf("body = %#v\nwant %#v", body, want)
	}
	wantOut := map[string]any{"ok": true, "channel": "C0123", "ts": "1700000000.000100"}
	if !reflect.DeepEqual(out, wantOut) {
		t.Errorf("output = %#v, want %#v", out, wantOut)
	}
}

func TestSlackPostMessageOKFalse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code      string
		retryable bool
	}{
		{"channel_not_found", false},
		{"not_in_channel", false},
		{"invalid_auth", false},
		{"internal_error", true},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			srv, _ := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"ok":false,"error":"`+tc.code+`"}`)
			})
			conn := Connectors{Slack: Slack{Token: "xoxb-secret-token", APIURL: srv.URL}}
			_, err := execute(t, lookupAction(t, conn, Options{}, ActionSlack),
				map[string]any{"channel": "#nope", "message": "hi"})
			requireActionError(t, err, tc.retryable, "Slack error "+tc.code, "#nope")
			requireNoSecret(t, err.Error(), "xoxb-secret-token")
		})
	}
}

func TestSlackRateLimitHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	srv, _ := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	conn := Connectors{Slack: Slack{Token: "xoxb-secret-token", APIURL: srv.URL}}
	_, err := execute(t, lookupAction(t, conn, Options{}, ActionSlack),
		map[string]any{"channel": "#c", "message": "hi"})
	requireActionError(t, err, true, "status 429", "retry after 30s")
	if got := RetryAfter(err); got != 30*time.Second {
		t.Errorf("RetryAfter = %v, want 30s", got)
	}
}

func TestSlackChoosesTransport(t *testing.T) {
	t.Parallel()
	apiSrv, apiSeen := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ok":true,"channel":"C1","ts":"1.0"}`)
	})
	hookSrv, hookSeen := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	conn := Connectors{Slack: Slack{Token: "xoxb-secret-token", APIURL: apiSrv.URL, WebhookURL: hookSrv.URL + "/services/X"}}
	action := lookupAction(t, conn, Options{}, ActionSlack)

	if _, err := execute(t, action, map[string]any{"channel": "#c", "message": "to api"}); err != nil {
		t.Fatalf("Execute with channel: %v", err)
	}
	if body := decodeBody(t, <-apiSeen); body["text"] != "to api" {
		t.Errorf("chat.postMessage body = %v", body)
	}
	if _, err := execute(t, action, map[string]any{"message": "to hook"}); err != nil {
		t.Fatalf("Execute without channel: %v", err)
	}
	if body := decodeBody(t, <-hookSeen); body["text"] != "to hook" {
		t.Errorf("webhook body = %v", body)
	}
}

func TestSlackConfigurationErrors(t *testing.T) {
	t.Parallel()
	_, err := execute(t, lookupAction(t, Connectors{}, Options{}, ActionSlack), map[string]any{"message": "hi"})
	requireActionError(t, err, false, "slack.webhook_url", "slack.bot_token", EnvSlackWebhookURL, EnvSlackBotToken)

	tokenOnly := Connectors{Slack: Slack{Token: "xoxb-secret-token"}}
	_, err = execute(t, lookupAction(t, tokenOnly, Options{}, ActionSlack), map[string]any{"message": "hi"})
	requireActionError(t, err, false, "parameter channel is required")

	_, err = execute(t, lookupAction(t, tokenOnly, Options{}, ActionSlack), map[string]any{"channel": "#c"})
	requireActionError(t, err, false, "parameter message is required")
}

func TestSlackRenderRedactsSecrets(t *testing.T) {
	t.Parallel()
	hook := Connectors{Slack: Slack{WebhookURL: "https://hooks.slack.com/services/T1/B2/WEBHOOKSECRET"}}
	req, err := lookupAction(t, hook, Options{}, ActionSlack).Render(testInvocation(map[string]any{
		"channel": "#a", "message": "see https://hooks.slack.com/services/T1/B2/WEBHOOKSECRET",
	}))
	if err != nil {
		t.Fatalf("Render webhook: %v", err)
	}
	if req.URL != "https://hooks.slack.com/***" {
		t.Errorf("URL = %q, want the path redacted", req.URL)
	}
	requireNoSecret(t, req.String(), "WEBHOOKSECRET")

	api := Connectors{Slack: Slack{Token: "xoxb-111-222-TOKENSECRET", APIURL: DefaultSlackAPIURL}}
	req, err = lookupAction(t, api, Options{}, ActionSlack).Render(testInvocation(map[string]any{
		"channel": "#a", "message": "hi",
	}))
	if err != nil {
		t.Fatalf("Render chat.postMessage: %v", err)
	}
	if req.URL != "https://slack.com/api/chat.postMessage" {
		t.Errorf("URL = %q", req.URL)
	}
	if req.Headers["Authorization"] != "***" {
		t.Errorf("Authorization = %q, want ***", req.Headers["Authorization"])
	}
	text := req.String()
	requireNoSecret(t, text, "TOKENSECRET")
	if !strings.Contains(text, "POST https://slack.com/api/chat.postMessage") || !strings.Contains(text, `"channel": "#a"`) {
		t.Errorf("String() lacks the request line or body:\n%s", text)
	}
}

func TestSlackRenderWithoutConnector(t *testing.T) {
	t.Parallel()
	action := lookupAction(t, Connectors{}, Options{LookupEnv: func(string) (string, bool) { return "", false }}, ActionSlack)
	inv := testInvocation(map[string]any{"channel": "#alerts", "message": "hello"})
	req, err := action.Render(inv)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !strings.Contains(req.URL, "hooks.slack.invalid") {
		t.Errorf("Render URL = %q, want the placeholder webhook", req.URL)
	}
	if _, err := action.Execute(context.Background(), inv); err == nil {
		t.Error("Execute without a connector succeeded, want an error")
	}
}
