package actions

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultSlackAPIURL is the base URL of the Slack Web API.
const DefaultSlackAPIURL = "https://slack.com/api"

// Environment variables read by LoadConnectors for the Slack connector.
const (
	EnvSlackWebhookURL = "SLACK_WEBHOOK_URL"
	EnvSlackBotToken   = "SLACK_BOT_TOKEN"
	EnvSlackAPIURL     = "SLACK_API_URL"
)

// Connectors are the credentials and addresses that actions use. They come
// from a file outside the policy repository, so no secret is committed.
type Connectors struct {
	Slack Slack
	// Endpoints are the named HTTP endpoints that user-defined actions
	// refer to.
	Endpoints map[string]Endpoint
}

// Slack configures send_slack_message. With Token set and a channel given,
// messages go through chat.postMessage; otherwise through WebhookURL.
type Slack struct {
	// WebhookURL is an incoming-webhook URL; its path is a secret.
	WebhookURL string
	// Token is a bot token (xoxb-...) for chat.postMessage.
	Token string
	// APIURL is the Web API base URL; empty means DefaultSlackAPIURL.
	APIURL string
}

// Endpoint is a named HTTP service for user-defined actions.
type Endpoint struct {
	// BaseURL is the absolute URL that relative action URLs are joined onto.
	BaseURL string
	// Headers are sent with every request to the endpoint. Their values are
	// secrets: they never appear in logs, errors or rendered requests.
	Headers map[string]string
	// Secrets are further credentials an action binding places itself, such
	// as a PagerDuty routing key in a request body, as endpoint.secrets.NAME.
	// Like header values, they are redacted everywhere.
	Secrets map[string]string
	// Timeout bounds one request; zero means the action's own timeout.
	Timeout time.Duration
}

// connectorsFile is the YAML form of Connectors.
type connectorsFile struct {
	Slack struct {
		WebhookURL string `yaml:"webhook_url"`
		BotToken   string `yaml:"bot_token"`
		APIURL     string `yaml:"api_url"`
	} `yaml:"slack"`
	Endpoints map[string]struct {
		BaseURL string            `yaml:"base_url"`
		Headers map[string]string `yaml:"headers"`
		Secrets map[string]string `yaml:"secrets"`
		Timeout string            `yaml:"timeout"`
	} `yaml:"endpoints"`
}

// LoadConnectors reads the connectors file at path, expanding "${NAME}" in
// every value from lookupEnv (os.LookupEnv when nil). A Slack key the file
// leaves empty, or every Slack key when path is empty, falls back to the
// SLACK_WEBHOOK_URL, SLACK_BOT_TOKEN and SLACK_API_URL variables.
func LoadConnectors(path string, lookupEnv func(string) (string, bool)) (Connectors, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	var conn Connectors
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Connectors{}, fmt.Errorf("load connectors: %w", err)
		}
		conn, err = parseConnectors(data, lookupEnv)
		if err != nil {
			return Connectors{}, fmt.Errorf("load connectors %s: %w", path, err)
		}
	}
	fallback := func(field *string, name string) {
		if *field == "" {
			*field, _ = lookupEnv(name)
		}
	}
	fallback(&conn.Slack.WebhookURL, EnvSlackWebhookURL)
	fallback(&conn.Slack.Token, EnvSlackBotToken)
	fallback(&conn.Slack.APIURL, EnvSlackAPIURL)
	if conn.Slack.APIURL == "" {
		conn.Slack.APIURL = DefaultSlackAPIURL
	}
	if err := validateConnectors(conn); err != nil {
		return Connectors{}, fmt.Errorf("load connectors: %w", err)
	}
	return conn, nil
}

// parseConnectors decodes and expands a connectors file. Unknown keys are
// rejected so that a misspelt key does not silently drop a credential.
func parseConnectors(data []byte, lookupEnv func(string) (string, bool)) (Connectors, error) {
	var file connectorsFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		return Connectors{}, err
	}
	ex := expander{lookupEnv: lookupEnv}
	conn := Connectors{
		Slack: Slack{
			WebhookURL: ex.expand("slack.webhook_url", file.Slack.WebhookURL),
			Token:      ex.expand("slack.bot_token", file.Slack.BotToken),
			APIURL:     ex.expand("slack.api_url", file.Slack.APIURL),
		},
		Endpoints: make(map[string]Endpoint, len(file.Endpoints)),
	}
	for name, raw := range file.Endpoints {
		key := "endpoints." + name
		ep := Endpoint{
			BaseURL: ex.expand(key+".base_url", raw.BaseURL),
			Headers: make(map[string]string, len(raw.Headers)),
		}
		for header, value := range raw.Headers {
			ep.Headers[header] = ex.expand(key+".headers."+header, value)
		}
		if len(raw.Secrets) > 0 {
			ep.Secrets = make(map[string]string, len(raw.Secrets))
			for secret, value := range raw.Secrets {
				ep.Secrets[secret] = ex.expand(key+".secrets."+secret, value)
			}
		}
		if timeout := ex.expand(key+".timeout", raw.Timeout); timeout != "" {
			d, err := time.ParseDuration(timeout)
			if err != nil || d <= 0 {
				return Connectors{}, fmt.Errorf("%s.timeout: invalid duration %q, expected a positive value such as \"10s\"", key, timeout)
			}
			ep.Timeout = d
		}
		conn.Endpoints[name] = ep
	}
	if ex.err != nil {
		return Connectors{}, ex.err
	}
	return conn, nil
}

// validateConnectors checks that every URL is absolute http or https.
func validateConnectors(conn Connectors) error {
	if conn.Slack.WebhookURL != "" {
		if err := checkHTTPURL(conn.Slack.WebhookURL); err != nil {
			return fmt.Errorf("slack webhook URL %s: %w", webhookURL(conn.Slack.WebhookURL), err)
		}
	}
	if err := checkHTTPURL(conn.Slack.APIURL); err != nil {
		return fmt.Errorf("slack API URL %q: %w", conn.Slack.APIURL, err)
	}
	for name, ep := range conn.Endpoints {
		if ep.BaseURL == "" {
			return fmt.Errorf("endpoint %s: base_url is missing", name)
		}
		if err := checkHTTPURL(ep.BaseURL); err != nil {
			return fmt.Errorf("endpoint %s base_url: %w", name, err)
		}
	}
	return nil
}

// checkHTTPURL rejects anything but an absolute http or https URL.
func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("invalid URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("expected an absolute http or https URL")
	}
	return nil
}

// expander replaces "${NAME}" with environment values and records the first
// missing variable.
type expander struct {
	lookupEnv func(string) (string, bool)
	err       error
}

// expand returns value with every "${NAME}" replaced. Text that is not of
// that form, a lone "$" included, is kept as written.
func (ex *expander) expand(key, value string) string {
	var b strings.Builder
	rest := value
	for {
		start := strings.Index(rest, "${")
		if start < 0 {
			b.WriteString(rest)
			return b.String()
		}
		end := strings.IndexByte(rest[start:], '}')
		if end < 0 || !validEnvName(rest[start+2:start+end]) {
			b.WriteString(rest[:start+2])
			rest = rest[start+2:]
			continue
		}
		name := rest[start+2 : start+end]
		b.WriteString(rest[:start])
		env, ok := ex.lookupEnv(name)
		if !ok && ex.err == nil {
			ex.err = fmt.Errorf("%s: environment variable %s is not set", key, name)
		}
		b.WriteString(env)
		rest = rest[start+end+1:]
	}
}

// validEnvName reports whether name is a portable variable name:
// [A-Za-z_][A-Za-z0-9_]*.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range name {
		letter := c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		digit := c >= '0' && c <= '9'
		if !letter && !(digit && i > 0) {
			return false
		}
	}
	return true
}
