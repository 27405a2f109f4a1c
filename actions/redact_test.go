package actions

import (
	"reflect"
	"testing"
)

func TestRedactorText(t *testing.T) {
	t.Parallel()
	red := newRedactor(Connectors{
		Slack: Slack{Token: "xoxb-abcdef", WebhookURL: "https://hooks.slack.com/services/T1/B2/hooksecret"},
		Endpoints: map[string]Endpoint{"jira": {
			BaseURL: "https://bot:p4ssw0rd!@jira.example.com",
			Headers: map[string]string{"Authorization": "Bearer tok-123456", "X-Short": "abc"},
		}},
	})
	cases := map[string]string{
		"token xoxb-abcdef here":                                 "token *** here",
		"hook https://hooks.slack.com/services/T1/B2/hooksecret": "hook ***",
		"path /services/T1/B2/hooksecret":                        "path ***",
		"header Bearer tok-123456":                               "header ***",
		"bare tok-123456":                                        "bare ***",
		"password p4ssw0rd! leaked":                              "password *** leaked",
		"abc is too short to redact":                             "abc is too short to redact",
	}
	for in, want := range cases {
		if got := red.text(in); got != want {
			t.Errorf("text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactorValue(t *testing.T) {
	t.Parallel()
	red := newRedactor(Connectors{Slack: Slack{Token: "xoxb-abcdef"}})
	in := map[string]any{"a": []any{"xoxb-abcdef", 1}, "b": map[string]any{"c": "say xoxb-abcdef"}}
	want := map[string]any{"a": []any{"***", 1}, "b": map[string]any{"c": "say ***"}}
	if got := red.value(in); !reflect.DeepEqual(got, want) {
		t.Errorf("value = %#v, want %#v", got, want)
	}
	if in["a"].([]any)[0] != "xoxb-abcdef" {
		t.Error("value modified its input")
	}
}

func TestRedactorURLs(t *testing.T) {
	t.Parallel()
	red := newRedactor(Connectors{})
	cases := []struct {
		in, render, logged string
	}{
		{"https://api.example.com/v1/x?severity=high&token=abc",
			"https://api.example.com/v1/x?severity=high&token=***",
			"https://api.example.com/v1/x?severity=***&token=***"},
		{"https://user:pw@api.example.com/p#frag",
			"https://user:***@api.example.com/p",
			"https://user:***@api.example.com/p"},
		{"https://api.example.com/p?flag&Api_Key=1",
			"https://api.example.com/p?flag&Api_Key=***",
			"https://api.example.com/p?flag&Api_Key=***"},
	}
	for _, tc := range cases {
		if got := red.renderURL(tc.in); got != tc.render {
			t.Errorf("renderURL(%q) = %q, want %q", tc.in, got, tc.render)
		}
		if got := red.errorURL(tc.in); got != tc.logged {
			t.Errorf("errorURL(%q) = %q, want %q", tc.in, got, tc.logged)
		}
	}
	if got := webhookURL("https://hooks.slack.com/services/T/B/X"); got != "https://hooks.slack.com/***" {
		t.Errorf("webhookURL = %q", got)
	}
	if got := webhookURL("not a url"); got != "***" {
		t.Errorf("webhookURL(invalid) = %q, want ***", got)
	}
}

func TestRedactorHeaders(t *testing.T) {
	t.Parallel()
	red := newRedactor(Connectors{})
	in := map[string]string{
		"Authorization": "Basic dXNlcjpwdw==",
		"X-Api-Key":     "k",
		"x-tenant":      "acme",
		"X-From-Config": "plain",
		"Private-Token": "t",
		"Content-Type":  "application/json",
	}
	got := red.headers(in, map[string]bool{"X-From-Config": true})
	want := map[string]string{
		"Authorization": "***",
		"X-Api-Key":     "***",
		"x-tenant":      "acme",
		"X-From-Config": "***",
		"Private-Token": "***",
		"Content-Type":  "application/json",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("headers = %v, want %v", got, want)
	}
}
