package actions

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// testInvocation returns an invocation of attempt 1 of step "notify" with
// the given parameters.
func testInvocation(params map[string]any) Invocation {
	return Invocation{
		Workflow:       "wf",
		RunID:          "run-1",
		Step:           "notify",
		Attempt:        1,
		IdempotencyKey: "run-1/notify/1",
		Params:         params,
	}
}

// fakeEnv returns a LookupEnv reading from vars.
func fakeEnv(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		value, ok := vars[name]
		return value, ok
	}
}

// lookupAction returns the named action of a catalog built from conn and
// opts.
func lookupAction(t *testing.T, conn Connectors, opts Options, name string) Action {
	t.Helper()
	action, err := NewCatalog(conn, nil, opts).Lookup(name)
	if err != nil {
		t.Fatalf("Lookup(%q): %v", name, err)
	}
	return action
}

// execute runs action with params and returns its output and error.
func execute(t *testing.T, action Action, params map[string]any) (any, error) {
	t.Helper()
	return action.Execute(context.Background(), testInvocation(params))
}

// requireActionError checks that err is an *Error with the given
// retryability whose message contains every one of wants.
func requireActionError(t *testing.T, err error, retryable bool, wants ...string) *Error {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got nil")
	}
	var actionErr *Error
	if !errors.As(err, &actionErr) {
		t.Fatalf("error %q (%T) is not an *actions.Error", err, err)
	}
	if Retryable(err) != retryable {
		t.Errorf("Retryable(%q) = %v, want %v", err, Retryable(err), retryable)
	}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	return actionErr
}

// requireNoSecret fails when text contains secret.
func requireNoSecret(t *testing.T, text, secret string) {
	t.Helper()
	if strings.Contains(text, secret) {
		t.Errorf("text contains the secret %q:\n%s", secret, text)
	}
}
