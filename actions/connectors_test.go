package actions

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeConnectors writes a connectors file into a temporary directory.
func writeConnectors(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "connectors.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConnectorsExpandsVariables(t *testing.T) {
	t.Parallel()
	path := writeConnectors(t, `
slack:
  webhook_url: https://hooks.slack.com/services/${HOOK_PATH}
  bot_token: "${SLACK_TOKEN}"
endpoints:
  jira:
    base_url: https://jira.example.com/rest/api/2
    headers:
      Authorization: "Bearer ${JIRA_TOKEN}"
      X-Literal: "cost $5, ${ not a variable"
    timeout: 15s
`)
	env := fakeEnv(map[string]string{
		"HOOK_PATH":   "T1/B2/abc",
		"SLACK_TOKEN": "xoxb-1",
		"JIRA_TOKEN":  "j-secret",
	})
	conn, err := LoadConnectors(path, env)
	if err != nil {
		t.Fatalf("LoadConnectors: %v", err)
	}
	want := Connectors{
		Slack: Slack{
			WebhookURL: "https://hooks.slack.com/services/T1/B2/abc",
			Token:      "xoxb-1",
			APIURL:     DefaultSlackAPIURL,
		},
		Endpoints: map[string]Endpoint{
			"jira": {
				BaseURL: "https://jira.example.com/rest/api/2",
				Headers: map[string]string{
					"Authorization": "Bearer j-secret",
					"X-Literal":     "cost $5, ${ not a variable",
				},
				Timeout: 15 * time.Second,
			},
		},
	}
	if !reflect.DeepEqual(conn, want) {
		t.Errorf("LoadConnectors =\n%#v\nwant\n%#v", conn, want)
	}
}

func TestLoadConnectorsEnvironmentOnly(t *testing.T) {
	t.Parallel()
	conn, err := LoadConnectors("", fakeEnv(map[string]string{
		EnvSlackWebhookURL: "https://hooks.slack.com/services/X",
		EnvSlackBotToken:   "xoxb-2",
		EnvSlackAPIURL:     "http://127.0.0.1:9/api",
	}))
	if err != nil {
		t.Fatalf("LoadConnectors: %v", err)
	}
	want := Slack{WebhookURL: "https://hooks.slack.com/services/X", Token: "xoxb-2", APIURL: "http://127.0.0.1:9/api"}
	if conn.Slack != want {
		t.Errorf("Slack = %#v, want %#v", conn.Slack, want)
	}
	if len(conn.Endpoints) != 0 {
		t.Errorf("Endpoints = %v, want none", conn.Endpoints)
	}
}

func TestLoadConnectorsFileWinsOverEnvironment(t *testing.T) {
	t.Parallel()
	path := writeConnectors(t, "slack:\n  bot_token: from-file\n")
	conn, err := LoadConnectors(path, fakeEnv(map[string]string{
		EnvSlackBotToken:   "from-env",
		EnvSlackWebhookURL: "https://hooks.slack.com/services/Y",
	}))
	if err != nil {
		t.Fatalf("LoadConnectors: %v", err)
	}
	if conn.Slack.Token != "from-file" {
		t.Errorf("Token = %q, want the file's value", conn.Slack.Token)
	}
	if conn.Slack.WebhookURL != "https://hooks.slack.com/services/Y" {
		t.Errorf("WebhookURL = %q, want the environment's value", conn.Slack.WebhookURL)
	}
}

func TestLoadConnectorsErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		text  string
		wants []string
	}{
		{"missing variable", "endpoints:\n  jira:\n    base_url: https://j.example.com\n    headers:\n      Authorization: Bearer ${JIRA_TOKEN}\n",
			[]string{"endpoints.jira.headers.Authorization", "environment variable JIRA_TOKEN is not set"}},
		{"unknown key", "slack:\n  token: x\n", []string{"field token not found"}},
		{"relative base_url", "endpoints:\n  jira:\n    base_url: /rest\n", []string{"endpoint jira base_url", "absolute http or https URL"}},
		{"missing base_url", "endpoints:\n  jira:\n    timeout: 5s\n", []string{"endpoint jira: base_url is missing"}},
		{"bad timeout", "endpoints:\n  jira:\n    base_url: https://j.example.com\n    timeout: soon\n",
			[]string{"endpoints.jira.timeout", `invalid duration "soon"`}},
		{"bad webhook", "slack:\n  webhook_url: ftp://hooks.example.com/secretpath\n", []string{"slack webhook URL ftp://hooks.example.com/***"}},
		{"not YAML", "slack: [\n", []string{"connectors.yaml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadConnectors(writeConnectors(t, tc.text), fakeEnv(nil))
			if err == nil {
				t.Fatal("LoadConnectors succeeded, want an error")
			}
			for _, want := range tc.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			requireNoSecret(t, err.Error(), "secretpath")
		})
	}
}

func TestLoadConnectorsMissingFile(t *testing.T) {
	t.Parallel()
	_, err := LoadConnectors(filepath.Join(t.TempDir(), "absent.yaml"), fakeEnv(nil))
	if err == nil || !strings.Contains(err.Error(), "absent.yaml") {
		t.Errorf("LoadConnectors error = %v, want one naming the file", err)
	}
}

func TestLoadConnectorsEmptyFile(t *testing.T) {
	t.Parallel()
	conn, err := LoadConnectors(writeConnectors(t, "# nothing configured\n"), fakeEnv(nil))
	if err != nil {
		t.Fatalf("LoadConnectors: %v", err)
	}
	if conn.Slack.APIURL != DefaultSlackAPIURL {
		t.Errorf("APIURL = %q, want the default", conn.Slack.APIURL)
	}
}

func TestExpandVariables(t *testing.T) {
	t.Parallel()
	env := fakeEnv(map[string]string{"A": "1", "B_2": "two", "EMPTY": ""})
	cases := map[string]string{
		"plain":        "plain",
		"${A}":         "1",
		"x${A}y${B_2}": "x1ytwo",
		"${EMPTY}!":    "!",
		"$A ${A":       "$A ${A",
		"${1A}":        "${1A}",
		"${}":          "${}",
		"$${A}":        "$1",
	}
	for in, want := range cases {
		ex := expander{lookupEnv: env}
		if got := ex.expand("key", in); got != want || ex.err != nil {
			t.Errorf("expand(%q) = %q, %v; want %q, nil", in, got, ex.err, want)
		}
	}
}
