package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// suite holds the paths that TestMain resolves once before any test runs.
// Tests only read it.
var suite struct {
	// binary is the policycortex binary built for this run.
	binary string
	// moduleRoot is the directory containing go.mod.
	moduleRoot string
	// exampleRepo is the bundled policy repository.
	exampleRepo string
}

// TestMain builds the binary once into a temporary directory, runs the
// tests and removes the directory.
func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	root, err := findModuleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "policycortex-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: create build directory:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	binary := filepath.Join(tmp, "policycortex")
	if err := buildBinary(root, binary); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	suite.binary = binary
	suite.moduleRoot = root
	suite.exampleRepo = filepath.Join(root, "example-repo")
	return m.Run()
}

// findModuleRoot walks up from the working directory, which `go test` sets
// to the package directory, to the directory containing go.mod.
func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// buildBinary runs `go build -o binary ./cmd/policycortex` in the module
// root. `go test` puts its own Go toolchain first on PATH for subprocesses.
func buildBinary(root, binary string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", binary, "./cmd/policycortex")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("build ./cmd/policycortex: %w\n%s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
