//go:build !linux

package sandbox

import (
	"errors"
	"os/exec"
)

// errUnsupported is returned where the sandbox needs Linux: RLIMIT_AS
// semantics, /proc and parent-death signals.
var errUnsupported = errors.New("script sandbox is supported on Linux only")

// startInGroup leaves cmd as it is. The child fails in limitMemory, so no
// script runs without its memory limit.
func startInGroup(*exec.Cmd) {}

func limitMemory(uint64) error { return errUnsupported }

func closeInheritedFiles() error { return errUnsupported }
