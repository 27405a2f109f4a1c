package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/policycortex/policycortex/api"
)

func TestBearerTokenRequired(t *testing.T) {
	t.Parallel()
	const token = "s3cret-token"
	s := newTestServer(t, serverOptions{token: token, webhookSecret: "hook"})
	tests := []struct {
		name   string
		method string
		path   string
		auth   string
		want   int
	}{
		{"runs without header", http.MethodGet, "/v1/runs", "", http.StatusUnauthorized},
		{"runs with wrong token", http.MethodGet, "/v1/runs", "Bearer wrong", http.StatusUnauthorized},
		{"runs with token prefix only", http.MethodGet, "/v1/runs", "Bearer s3cret", http.StatusUnauthorized},
		{"runs with basic scheme", http.MethodGet, "/v1/runs", "Basic " + token, http.StatusUnauthorized},
		{"runs with token", http.MethodGet, "/v1/runs", "Bearer " + token, http.StatusOK},
		{"scheme is case-insensitive", http.MethodGet, "/v1/status", "bearer " + token, http.StatusOK},
		{"events without header", http.MethodPost, "/v1/events", "", http.StatusUnauthorized},
		{"metrics without header", http.MethodGet, "/metrics", "", http.StatusUnauthorized},
		{"unknown path without header", http.MethodGet, "/v1/nothing", "", http.StatusUnauthorized},
		{"healthz without header", http.MethodGet, "/healthz", "", http.StatusOK},
		{"readyz without header", http.MethodGet, "/readyz", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.auth != "" {
				headers = []string{"Authorization", tt.auth}
			}
			resp := s.do(tt.method, tt.path, nil, headers...)
			if resp.status != tt.want {
				t.Fatalf("status = %d, body %s; want %d", resp.status, resp.body, tt.want)
			}
			if tt.want == http.StatusUnauthorized {
				if !strings.Contains(resp.errorMessage(t), "bearer token") {
					t.Errorf("401 message %q does not mention the bearer token", resp.body)
				}
				if resp.header.Get("WWW-Authenticate") == "" {
					t.Error("401 response has no WWW-Authenticate header")
				}
			}
		})
	}
}

func TestSubmitEventWithToken(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{token: "tok"})
	resp := s.do(http.MethodPost, "/v1/events", violationEvent("evt-auth", "HIGH"), "Authorization", "Bearer tok")
	if resp.status != http.StatusAccepted {
		t.Fatalf("status = %d, body %s; want 202", resp.status, resp.body)
	}
}

func TestWebhookWithoutSecret(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	body := []byte(`{"ref":"refs/heads/main"}`)
	resp := s.do(http.MethodPost, "/v1/webhooks/git", body, api.SignatureHeader, api.Sign([]byte("any"), body))
	if resp.status != http.StatusNotFound {
		t.Fatalf("status = %d, body %s; want 404", resp.status, resp.body)
	}
	if n := s.triggers.Load(); n != 0 {
		t.Errorf("triggers = %d, want 0", n)
	}
}

func TestWebhookSignature(t *testing.T) {
	t.Parallel()
	secret := []byte("webhook-secret")
	body := []byte(`{"ref":"refs/heads/main","after":"0123abcd"}`)
	tests := []struct {
		name      string
		signature string
		want      int
	}{
		{"valid", api.Sign(secret, body), http.StatusAccepted},
		{"missing", "", http.StatusUnauthorized},
		{"other secret", api.Sign([]byte("other"), body), http.StatusUnauthorized},
		{"other body", api.Sign(secret, []byte(`{}`)), http.StatusUnauthorized},
		{"sha1 prefix", strings.Replace(api.Sign(secret, body), "sha256=", "sha1=", 1), http.StatusUnauthorized},
		{"not hex", "sha256=zz", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The bearer token must not be needed: Git hosts cannot send it.
			s := newTestServer(t, serverOptions{token: "api-token", webhookSecret: string(secret)})
			var headers []string
			if tt.signature != "" {
				headers = []string{api.SignatureHeader, tt.signature}
			}
			resp := s.do(http.MethodPost, "/v1/webhooks/git", body, headers...)
			if resp.status != tt.want {
				t.Fatalf("status = %d, body %s; want %d", resp.status, resp.body, tt.want)
			}
			wantTriggers := int64(0)
			if tt.want == http.StatusAccepted {
				wantTriggers = 1
			}
			if n := s.triggers.Load(); n != wantTriggers {
				t.Errorf("triggers = %d, want %d", n, wantTriggers)
			}
		})
	}
}

func TestSignMatchesOpenSSL(t *testing.T) {
	t.Parallel()
	// Computed with: printf payload | openssl dgst -sha256 -hmac k
	const want = "sha256=53e1cedd550e0e693ce03bafe5ae424d9f292717018d586aaade877481dc824c"
	if got := api.Sign([]byte("k"), []byte("payload")); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	secret, body := []byte("k"), []byte("payload")
	tests := []struct {
		name    string
		header  string
		wantErr bool
	}{
		{"valid", api.Sign(secret, body), false},
		{"uppercase hex", "sha256=53E1CEDD550E0E693CE03BAFE5AE424D9F292717018D586AAADE877481DC824C", false},
		{"empty digest", "sha256=", true},
		{"truncated digest", "sha256=53e1cedd", true},
		{"missing prefix", "53e1cedd550e0e693ce03bafe5ae424d9f292717018d586aaade877481dc824c", true},
		{"empty header", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := api.VerifySignature(secret, body, tt.header)
			if (err != nil) != tt.wantErr {
				t.Errorf("VerifySignature(%q) error = %v, want error %t", tt.header, err, tt.wantErr)
			}
		})
	}
}
