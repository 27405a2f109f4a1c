package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/policycortex/policycortex/sandbox"
)

// scriptChildCommand is the hidden first argument with which the binary
// runs one script step for sandbox.Runner instead of the CLI. It is not a
// cobra command, so help never lists it.
const scriptChildCommand = "internal-script-child"

// selfExecutable is the running binary. The kernel resolves it to the image
// this process runs even when the file on disk was replaced by an upgrade,
// so the child always speaks the parent's protocol.
const selfExecutable = "/proc/self/exe"

// init serves a script child before the CLI is built. Dispatching here,
// rather than in a cobra command, skips building the command tree and
// works in this package's test binary too: a `workflow test` run from a
// test starts the test binary itself as the child.
func init() {
	if len(os.Args) == 2 && os.Args[1] == scriptChildCommand {
		os.Exit(runScriptChild())
	}
}

func runScriptChild() int {
	if err := sandbox.ServeChild(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "policycortex %s: %v\n", scriptChildCommand, err)
		return exitFailure
	}
	return exitOK
}

// newScriptRunner returns the runner that confines each script step to a
// child process of this binary with the default memory limit.
func newScriptRunner(logger *slog.Logger) (*sandbox.Runner, error) {
	exe := selfExecutable
	if _, err := os.Stat(exe); err != nil {
		exe, err = os.Executable()
		if err != nil {
			return nil, fmt.Errorf("locate the policycortex executable to run scripts: %w", err)
		}
	}
	return &sandbox.Runner{Executable: exe, Args: []string{scriptChildCommand}, Logger: logger}, nil
}
