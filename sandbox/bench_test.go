package sandbox

import (
	"context"
	"testing"

	"github.com/policycortex/policycortex/expr"
)

// BenchmarkRunnerTrivialScript measures the cost of a script step in a
// child process of the policycortex binary: start, limits, request, reply
// and exit.
func BenchmarkRunnerTrivialScript(b *testing.B) {
	script, err := expr.CompileScript("return severity == 'HIGH'\n")
	if err != nil {
		b.Fatal(err)
	}
	runner := &Runner{Executable: buildPolicycortex(b), Args: []string{"internal-script-child"}}
	vars := &expr.Vars{Data: map[string]any{"severity": "HIGH"}}
	for b.Loop() {
		if _, err := runner.Run(context.Background(), script, vars, expr.ScriptLimits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInProcessTrivialScript is the same script run in process, for
// comparison.
func BenchmarkInProcessTrivialScript(b *testing.B) {
	script, err := expr.CompileScript("return severity == 'HIGH'\n")
	if err != nil {
		b.Fatal(err)
	}
	vars := &expr.Vars{Data: map[string]any{"severity": "HIGH"}}
	for b.Loop() {
		if _, err := script.Run(context.Background(), vars, expr.ScriptLimits{}); err != nil {
			b.Fatal(err)
		}
	}
}
