package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// MaxWebhookBytes is the largest push webhook body read. GitHub caps its
// payloads at 25 MB.
const MaxWebhookBytes = 25 << 20

// SignatureHeader carries the HMAC-SHA256 of a webhook body, as
// "sha256=<hex>", in the format GitHub and Gitea use.
const SignatureHeader = "X-Hub-Signature-256"

// handleGitWebhook checks the push webhook signature and requests a
// reconcile pass. The body is not interpreted, so any signed delivery (push,
// ping) triggers a fetch of the configured branch.
func (s *Server) handleGitWebhook(w http.ResponseWriter, r *http.Request) {
	if len(s.cfg.WebhookSecret) == 0 {
		writeError(w, http.StatusNotFound, "git webhooks are disabled; start the daemon with --webhook-secret-file to enable them")
		return
	}
	// A request without a well-formed signature is rejected before its body
	// is read.
	want, err := parseSignature(r.Header.Get(SignatureHeader))
	if err != nil {
		s.rejectWebhook(w, r, err)
		return
	}

	// The body is streamed into the HMAC and not kept, because it is not
	// interpreted and an unauthenticated sender must not make the daemon
	// hold it.
	mac := hmac.New(sha256.New, s.cfg.WebhookSecret)
	if _, err := io.Copy(mac, http.MaxBytesReader(w, r.Body, MaxWebhookBytes)); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("webhook body is larger than the %d byte limit", MaxWebhookBytes))
			return
		}
		writeError(w, http.StatusBadRequest, "read webhook body: "+err.Error())
		return
	}
	if !hmac.Equal(want, mac.Sum(nil)) {
		s.rejectWebhook(w, r, errSignatureMismatch)
		return
	}

	s.cfg.Reconciler.Trigger()
	attrs := []any{slog.String("remote", r.RemoteAddr)}
	if event := r.Header.Get("X-GitHub-Event"); event != "" {
		attrs = append(attrs, slog.String("event", event), slog.String("delivery", r.Header.Get("X-GitHub-Delivery")))
	}
	s.log.Info("git webhook accepted; reconcile triggered", attrs...)
	writeJSON(w, http.StatusAccepted, map[string]bool{"triggered": true})
}

// errSignatureMismatch is the error of a well-formed signature that does not
// match the body.
var errSignatureMismatch = fmt.Errorf("%s does not match the body; check the webhook secret", SignatureHeader)

// rejectWebhook logs a webhook with a missing or wrong signature and responds 401.
func (s *Server) rejectWebhook(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Warn("git webhook rejected", slog.String("remote", r.RemoteAddr), slog.Any("error", err))
	writeError(w, http.StatusUnauthorized, err.Error())
}

// VerifySignature checks header, of the form "sha256=<hex>", against the
// HMAC-SHA256 of body under secret. The comparison takes constant time.
func VerifySignature(secret, body []byte, header string) error {
	want, err := parseSignature(header)
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	if !hmac.Equal(want, mac.Sum(nil)) {
		return errSignatureMismatch
	}
	return nil
}

// parseSignature decodes a "sha256=<hex>" header value.
func parseSignature(header string) ([]byte, error) {
	if header == "" {
		return nil, fmt.Errorf("missing %s header", SignatureHeader)
	}
	hexSum, found := strings.CutPrefix(header, "sha256=")
	if !found {
		return nil, fmt.Errorf("invalid %s header: want sha256=<hex digest>", SignatureHeader)
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return nil, fmt.Errorf("invalid %s header: digest is not 64 hex digits", SignatureHeader)
	}
	return got, nil
}

// Sign returns the "sha256=<hex>" signature header value of body, as a Git
// host computes it.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
