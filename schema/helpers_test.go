package schema

import (
	"runtime"
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

// allocatedBytes returns how many bytes fn allocated on the heap. Callers
// must not run in parallel with other tests, which would add theirs.
func allocatedBytes(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// parseProblems parses data as path and returns its problems as lines.
func parseProblems(path, data string) string {
	_, problems := parseYAML(path, []byte(data))
	return problems.Error()
}
