package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Limits of the HTTP code path.
const (
	// maxResponseBody is the most of a response body that is read; the
	// rest is dropped and the output marked truncated.
	maxResponseBody = 1 << 20
	// maxErrorBody is the most of a response body quoted in an error.
	maxErrorBody = 200
	// userAgent is sent with every request.
	userAgent = "policycortex"
)

// httpCall is one HTTP request of an action, before the standard headers
// are added.
type httpCall struct {
	method  string
	url     string
	headers map[string]string
	// body is sent as JSON when hasBody is set.
	body    any
	hasBody bool
	timeout time.Duration
	// expect lists the accepted status codes; empty means any 2xx.
	expect []int
	// secretHeaders are the canonical names of headers whose values come
	// from the connectors file.
	secretHeaders map[string]bool
	// displayURL replaces url in rendered requests, errors and logs when
	// set, for URLs that are secrets as a whole (Slack webhooks).
	displayURL string
}

// httpSender sends httpCalls; the built-in http action, Slack and
// user-defined HTTP actions all go through it.
type httpSender struct {
	client *http.Client
	logger *slog.Logger
	red    *redactor
	now    func() time.Time
}

// requestHeaders returns the headers sent with call: User-Agent,
// Idempotency-Key and Content-Type, then the call's own headers, which
// replace them on a clash.
func requestHeaders(call httpCall, inv Invocation) map[string]string {
	headers := map[string]string{"User-Agent": userAgent}
	if inv.IdempotencyKey != "" {
		headers["Idempotency-Key"] = inv.IdempotencyKey
	}
	if call.hasBody {
		headers["Content-Type"] = "application/json"
	}
	for name, value := range call.headers {
		for existing := range headers {
			if strings.EqualFold(existing, name) {
				delete(headers, existing)
			}
		}
		headers[name] = value
	}
	return headers
}

// render describes call as it would be sent, secrets redacted.
func (s *httpSender) render(call httpCall, inv Invocation) Request {
	req := Request{
		Kind:    KindHTTP,
		Method:  call.method,
		URL:     s.red.renderURL(call.url),
		Headers: s.red.headers(requestHeaders(call, inv), call.secretHeaders),
	}
	if call.displayURL != "" {
		req.URL = call.displayURL
	}
	if call.hasBody {
		req.Body = s.red.value(call.body)
	}
	return req
}

// logURL formats call's URL for errors and logs.
func (s *httpSender) logURL(call httpCall) string {
	if call.displayURL != "" {
		return call.displayURL
	}
	return s.red.errorURL(call.url)
}

// send performs call and returns the response, read up to
// maxResponseBody. A status outside call.expect is an *Error.
func (s *httpSender) send(ctx context.Context, call httpCall, inv Invocation) (*httpResponse, error) {
	where := fmt.Sprintf("http %s %s", call.method, s.logURL(call))
	timeout := effectiveTimeout(call.timeout, inv.Timeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	req, err := s.newRequest(ctx, call, inv)
	if err != nil {
		return nil, permanentError(where+": "+s.red.text(err.Error()), nil)
	}
	started := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.transportError(ctx, where, timeout, err)
	}
	defer resp.Body.Close()

	out, err := readResponse(resp)
	if err != nil {
		return nil, s.transportError(ctx, where, timeout, err)
	}
	s.logger.LogAttrs(ctx, slog.LevelDebug, "action request sent",
		slog.String("method", call.method), slog.String("url", s.logURL(call)),
		slog.Int("status", out.status), slog.Duration("duration", time.Since(started)),
		slog.String("run", inv.RunID), slog.String("step", inv.Step),
		slog.String("idempotency_key", inv.IdempotencyKey))
	if !statusExpected(out.status, call.expect) {
		return out, s.statusError(where, out)
	}
	return out, nil
}

// newRequest builds the *http.Request for call.
func (s *httpSender) newRequest(ctx context.Context, call httpCall, inv Invocation) (*http.Request, error) {
	var body io.Reader
	if call.hasBody {
		data, err := json.Marshal(call.body)
		if err != nil {
			return nil, fmt.Errorf("encode body as JSON: %w", err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, call.method, call.url, body)
	if err != nil {
		// The *url.Error would quote the whole URL, secrets included.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("build request: %w", err)
	}
	for name, value := range requestHeaders(call, inv) {
		req.Header.Set(name, value)
	}
	return req, nil
}

// transportError classifies a failure to send or to read the response.
// Both are retryable: the receiver may never have seen the request, and the
// idempotency key lets it drop a duplicate if it did.
func (s *httpSender) transportError(ctx context.Context, where string, timeout time.Duration, err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return retryableError(fmt.Sprintf("%s: timed out (timeout %s)", where, timeout), context.DeadlineExceeded)
	}
	if errors.Is(err, context.Canceled) {
		return retryableError(where+": cancelled", context.Canceled)
	}
	return retryableError(where+": "+s.red.text(err.Error()), errors.New(s.red.text(err.Error())))
}

// statusError describes an unexpected status. 408, 429 and 5xx are
// retryable and carry the server's Retry-After; other statuses are
// permanent.
func (s *httpSender) statusError(where string, resp *httpResponse) error {
	msg := fmt.Sprintf("%s: status %d %s", where, resp.status, http.StatusText(resp.status))
	if text := strings.TrimSpace(string(resp.raw)); text != "" {
		msg += ": " + quoteExcerpt(s.red.text(text), maxErrorBody)
	}
	retryable := resp.status == http.StatusRequestTimeout ||
		resp.status == http.StatusTooManyRequests || resp.status >= 500
	retryAfter := parseRetryAfter(resp.header.Get("Retry-After"), s.now())
	if retryable && retryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", retryAfter)
	}
	return &Error{Message: msg, Retryable: retryable, RetryAfter: retryAfter}
}

// statusExpected reports whether status is in expect, or 2xx when expect
// is empty.
func statusExpected(status int, expect []int) bool {
	if len(expect) == 0 {
		return status >= 200 && status < 300
	}
	for _, code := range expect {
		if status == code {
			return true
		}
	}
	return false
}

// httpResponse is a response with its body read.
type httpResponse struct {
	status    int
	header    http.Header
	raw       []byte
	truncated bool
}

// readResponse reads at most maxResponseBody bytes of the body.
func readResponse(resp *http.Response) (*httpResponse, error) {
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return nil, fmt.Errorf("read response body: %w", err)
	}
	out := &httpResponse{status: resp.StatusCode, header: resp.Header, raw: data}
	if len(data) > maxResponseBody {
		out.raw = data[:maxResponseBody]
		out.truncated = true
	}
	return out, nil
}

// output returns the action output {status, headers, body}. Header names
// are lower-case with the first value of each. The body is decoded JSON
// when the content type is JSON and the body parses, else text. A body cut
// at maxResponseBody stays text and the output adds "truncated": true.
func (r *httpResponse) output() map[string]any {
	headers := make(map[string]any, len(r.header))
	for name, values := range r.header {
		if len(values) > 0 {
			headers[strings.ToLower(name)] = values[0]
		}
	}
	out := map[string]any{"status": r.status, "headers": headers, "body": r.body()}
	if r.truncated {
		out["truncated"] = true
	}
	return out
}

// body decodes the response body for output.
func (r *httpResponse) body() any {
	if len(r.raw) == 0 {
		return nil
	}
	if !r.truncated && isJSON(r.header.Get("Content-Type")) {
		if v, err := decodeJSON(r.raw); err == nil {
			return v
		}
	}
	return string(r.raw)
}

// isJSON reports whether a Content-Type is application/json or a +json type.
func isJSON(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}
