package schema

import (
	"testing"

	"github.com/policycortex/policycortex/expr"
)

// newTestEnv returns an expression environment or stops the test.
func newTestEnv(tb testing.TB) *expr.Env {
	tb.Helper()
	env, err := expr.NewEnv()
	if err != nil {
		tb.Fatalf("create expression environment: %v", err)
	}
	return env
}
