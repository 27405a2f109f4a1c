package actions

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// redacted replaces a secret in logs, errors and rendered requests.
const redacted = "***"

// minSecretLen is the shortest secret searched for in free text. Shorter
// values would blank out unrelated words, and a credential that short
// protects nothing anyway.
const minSecretLen = 6

// redactor blanks out known secret strings: the Slack token and webhook URL
// and every header value from the connectors file.
type redactor struct {
	// secrets are sorted longest first so that a secret containing another
	// is replaced whole.
	secrets []string
}

// newRedactor collects the secrets of conn.
func newRedactor(conn Connectors) *redactor {
	set := map[string]bool{}
	add := func(s string) {
		if len(s) >= minSecretLen {
			set[s] = true
		}
	}
	add(conn.Slack.Token)
	add(conn.Slack.WebhookURL)
	if u, err := url.Parse(conn.Slack.WebhookURL); err == nil {
		add(u.EscapedPath())
		add(u.Path)
	}
	for _, ep := range conn.Endpoints {
		for _, value := range ep.Secrets {
			add(value)
		}
		for _, value := range ep.Headers {
			add(value)
			// "Bearer abc": the credential also appears on its own.
			if fields := strings.Fields(value); len(fields) > 1 {
				add(fields[len(fields)-1])
			}
		}
		if u, err := url.Parse(ep.BaseURL); err == nil && u.User != nil {
			if password, ok := u.User.Password(); ok {
				add(password)
			}
		}
	}
	r := &redactor{}
	for s := range set {
		r.secrets = append(r.secrets, s)
	}
	sort.Slice(r.secrets, func(i, j int) bool {
		if len(r.secrets[i]) != len(r.secrets[j]) {
			return len(r.secrets[i]) > len(r.secrets[j])
		}
		return r.secrets[i] < r.secrets[j]
	})
	return r
}

// text replaces every known secret in s.
func (r *redactor) text(s string) string {
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}

// value returns a copy of v, a decoded JSON-like value, with secrets
// replaced in every string.
func (r *redactor) value(v any) any {
	switch v := v.(type) {
	case string:
		return r.text(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for key, item := range v {
			out[key] = r.value(item)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = r.value(item)
		}
		return out
	case []string:
		out := make([]string, len(v))
		for i, item := range v {
			out[i] = r.text(item)
		}
		return out
	case map[string]string:
		out := make(map[string]string, len(v))
		for key, item := range v {
			out[key] = r.text(item)
		}
		return out
	default:
		return v
	}
}

// headers returns a copy of h with the values of sensitive headers and of
// the headers named in secretNames (canonical names) replaced.
func (r *redactor) headers(h map[string]string, secretNames map[string]bool) map[string]string {
	out := make(map[string]string, len(h))
	for name, value := range h {
		if secretNames[http.CanonicalHeaderKey(name)] || sensitiveHeader(name) {
			out[name] = redacted
			continue
		}
		out[name] = r.text(value)
	}
	return out
}

// sensitiveHeader reports whether a header, by its name, carries a
// credential.
func sensitiveHeader(name string) bool {
	lower := strings.ToLower(name)
	switch lower {
	case "authorization", "proxy-authorization", "cookie", "set-cookie":
		return true
	}
	for _, word := range []string{"token", "secret", "password", "api-key", "apikey", "signature"} {
		if strings.Contains(lower, word) {
			return true
		}
	}
	return false
}

// sensitiveQueryParam reports whether a query parameter, by its name,
// carries a credential.
func sensitiveQueryParam(name string) bool {
	lower := strings.ToLower(name)
	switch lower {
	case "key", "sig", "code", "auth", "pass", "pwd":
		return true
	}
	for _, word := range []string{"token", "secret", "password", "api_key", "apikey", "signature", "credential"} {
		if strings.Contains(lower, word) {
			return true
		}
	}
	return false
}

// renderURL formats raw for a rendered request: user-info password and
// sensitive query values replaced, other query values kept so the author
// can check them.
func (r *redactor) renderURL(raw string) string {
	return r.maskURL(raw, sensitiveQueryParam)
}

// errorURL formats raw for errors and logs: every query value replaced,
// because any of them may be a secret the name does not reveal.
func (r *redactor) errorURL(raw string) string {
	return r.maskURL(raw, func(string) bool { return true })
}

// maskURL replaces the user-info password, the query values whose names
// mask selects and any known secret in raw.
func (r *redactor) maskURL(raw string, mask func(name string) bool) string {
	u, err := url.Parse(raw)
	if err != nil {
		return r.text(raw)
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), redacted)
		}
	}
	if u.RawQuery != "" {
		u.RawQuery = maskQuery(u.RawQuery, mask)
	}
	u.Fragment = ""
	u.RawFragment = ""
	// url.URL.String escapes "*" in the user info, so the mask is put back
	// by hand.
	out := strings.ReplaceAll(u.String(), url.QueryEscape(redacted), redacted)
	return r.text(out)
}

// maskQuery replaces the values of the selected parameters, keeping order.
func maskQuery(rawQuery string, mask func(name string) bool) string {
	parts := strings.Split(rawQuery, "&")
	for i, part := range parts {
		name, _, hasValue := strings.Cut(part, "=")
		decoded, err := url.QueryUnescape(name)
		if err != nil {
			decoded = name
		}
		if hasValue && mask(decoded) {
			parts[i] = name + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

// webhookURL formats a Slack incoming-webhook URL: its path is the secret,
// so only the scheme and host remain.
func webhookURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return redacted
	}
	return u.Scheme + "://" + u.Host + "/" + redacted
}
