package actions

import "testing"

func TestRequestStringHTTP(t *testing.T) {
	t.Parallel()
	req := Request{
		Kind:    KindHTTP,
		Method:  "POST",
		URL:     "https://hooks.slack.com/***",
		Headers: map[string]string{"User-Agent": "policycortex", "Content-Type": "application/json"},
		Body:    map[string]any{"text": "hi"},
	}
	want := "POST https://hooks.slack.com/***\n" +
		"Content-Type: application/json\n" +
		"User-Agent: policycortex\n" +
		"\n" +
		"{\n  \"text\": \"hi\"\n}"
	if got := req.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}

func TestRequestStringExec(t *testing.T) {
	t.Parallel()
	req := Request{
		Kind:    KindExec,
		Command: "/usr/bin/remediate",
		Args:    []string{"--bucket", "my logs", ""},
		Env:     []string{"PATH=/usr/bin", "AWS_PROFILE=***"},
		Stdin:   []any{1},
	}
	want := "exec /usr/bin/remediate --bucket \"my logs\" \"\"\n" +
		"env AWS_PROFILE=***\n" +
		"env PATH=/usr/bin\n" +
		"\n" +
		"[\n  1\n]"
	if got := req.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}

func TestRequestStringWithoutBody(t *testing.T) {
	t.Parallel()
	req := Request{Kind: KindHTTP, Method: "GET", URL: "http://127.0.0.1/x"}
	if got, want := req.String(), "GET http://127.0.0.1/x"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
